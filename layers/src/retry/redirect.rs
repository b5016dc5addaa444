//! Redirects, followed by rewriting the retry layer's copy of the request into the next hop, so
//! one copy serves both replays and redirects.

use http::header::{
    AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, PROXY_AUTHORIZATION,
    TRANSFER_ENCODING,
};
use http::{HeaderName, Method, Request, Response, StatusCode};

use super::location::next_hop;
use crate::origin::{LeftOrigin, same_origin};

/// Caller-set credentials, dropped for good once a redirect leaves the origin (the credential
/// layer's own header is kept off by [`LeftOrigin`]).
const CREDENTIALS: [HeaderName; 3] = [AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION];
/// Headers that describe a body, dropped with the body.
const BODY_HEADERS: [HeaderName; 4] = [CONTENT_TYPE, CONTENT_LENGTH, CONTENT_ENCODING, TRANSFER_ENCODING];

/// If `res` redirects `req`, rewrite `req` into the next hop and return `true`.
///
/// 307 and 308 keep the method and body; 303 becomes a `GET` (a `HEAD` stays) without a body;
/// 301 and 302 turn a `POST` into a body-less `GET` and keep other methods, as browsers do. A
/// missing or unusable `Location` (not `http`/`https`, not resolvable against the request URI)
/// leaves the redirect response as the result.
pub(super) fn follow<B: Default, ResB>(req: &mut Request<B>, res: &Response<ResB>) -> bool {
    let drop_body = match res.status() {
        StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND => req.method() == Method::POST,
        StatusCode::SEE_OTHER => true,
        StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT => false,
        _ => return false,
    };
    let next = match next_hop(req.uri(), res) {
        Ok(next) => next,
        Err(reason) => {
            tracing::debug!(status = res.status().as_u16(), %reason, "not following a redirect");
            return false;
        }
    };
    if !same_origin(req.uri(), &next) {
        let headers = req.headers_mut();
        for name in CREDENTIALS {
            headers.remove(name);
        }
        req.extensions_mut().insert(LeftOrigin);
    }
    if drop_body {
        if req.method() != Method::HEAD {
            *req.method_mut() = Method::GET;
        }
        *req.body_mut() = B::default();
        let headers = req.headers_mut();
        for name in BODY_HEADERS {
            headers.remove(name);
        }
    }
    *req.uri_mut() = next;
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::LOCATION;

    fn hop(method: Method, status: u16, location: Option<&str>) -> Option<Request<String>> {
        let mut req = Request::builder()
            .method(method)
            .uri("https://api.example.com/v1/keys?x=1")
            .header(CONTENT_TYPE, "application/json")
            .header(AUTHORIZATION, "Bearer t")
            .header(COOKIE, "c=1")
            .header("x-custom", "kept")
            .body("{}".to_owned())
            .unwrap();
        let mut res = Response::builder().status(status);
        if let Some(location) = location {
            res = res.header(LOCATION, location);
        }
        follow(&mut req, &res.body(()).unwrap()).then_some(req)
    }

    #[test]
    fn relative_locations_resolve_against_the_request_uri() {
        let req = hop(Method::GET, 302, Some("/v2/keys")).unwrap();
        assert_eq!(req.uri(), "https://api.example.com/v2/keys");
        let req = hop(Method::GET, 307, Some("other?y=2")).unwrap();
        assert_eq!(req.uri(), "https://api.example.com/v1/other?y=2");
        let req = hop(Method::GET, 308, Some("//cdn.example/z")).unwrap();
        assert_eq!(req.uri(), "https://cdn.example/z");
    }

    #[test]
    fn temporary_and_permanent_redirects_keep_method_and_body() {
        for status in [307, 308] {
            let req = hop(Method::POST, status, Some("/v2")).unwrap();
            assert_eq!((req.method(), req.body().as_str()), (&Method::POST, "{}"));
            assert!(req.headers().contains_key(CONTENT_TYPE));
        }
    }

    #[test]
    fn see_other_and_a_redirected_post_become_a_get_without_a_body() {
        for (method, status) in
            [(Method::POST, 303), (Method::PUT, 303), (Method::POST, 301), (Method::POST, 302)]
        {
            let req = hop(method, status, Some("/done")).unwrap();
            assert_eq!((req.method(), req.body().as_str()), (&Method::GET, ""));
            assert!(!req.headers().contains_key(CONTENT_TYPE));
        }
        let req = hop(Method::PUT, 301, Some("/moved")).unwrap();
        assert_eq!((req.method(), req.body().as_str()), (&Method::PUT, "{}"));
        let req = hop(Method::HEAD, 303, Some("/done")).unwrap();
        assert_eq!(req.method(), Method::HEAD);
    }

    #[test]
    fn credentials_stay_on_the_origin() {
        let req = hop(Method::GET, 302, Some("https://API.example.com:443/v2")).unwrap();
        assert!(req.headers().contains_key(AUTHORIZATION) && req.headers().contains_key(COOKIE));
        assert!(req.extensions().get::<LeftOrigin>().is_none());
        for other in ["https://evil.example/", "http://api.example.com/v2", "https://api.example.com:8443/"] {
            let req = hop(Method::GET, 302, Some(other)).unwrap();
            assert!(!req.headers().contains_key(AUTHORIZATION), "{other}");
            assert!(!req.headers().contains_key(COOKIE), "{other}");
            assert_eq!(req.headers()["x-custom"], "kept");
            assert!(req.extensions().get::<LeftOrigin>().is_some(), "{other}");
        }
    }

    #[test]
    fn other_statuses_and_unusable_locations_are_not_followed() {
        assert!(hop(Method::GET, 200, Some("/x")).is_none());
        assert!(hop(Method::GET, 304, Some("/x")).is_none());
        assert!(hop(Method::GET, 302, None).is_none());
        assert!(hop(Method::GET, 302, Some("ftp://files.example/x")).is_none());
        assert!(hop(Method::GET, 302, Some("http://[::1")).is_none());
    }
}
