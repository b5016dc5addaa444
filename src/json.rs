//! The typed top of the stack: endpoint → HTTP request, HTTP response → typed result.
//!
//! [`Json<S>`] implements `tower::Service<E>` for every [`Endpoint`] `E`, over any HTTP service
//! `S` that takes [`HttpRequest`] and returns [`HttpResponse`]. Non-2xx responses become
//! [`Error::Api`]; 2xx bodies that do not decode become [`Error::Decode`] naming the JSON path.
//!
//! ```
//! use boltz_api::api::admin::api_keys::RevokeApiKey;
//! use boltz_api::json::{HttpRequest, HttpResponse, JsonLayer};
//! use tower::{Layer, ServiceExt, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let http = service_fn(|_req: HttpRequest| async {
//!     let body = r#"{"id":"k1","allowed_ips":[],"created_at":"2026-01-01T00:00:00Z","expires_at":null,
//!         "is_active":false,"key_prefix":"sk_bc_ws_tes","key_type":"workspace","last_used_at":null,
//!         "livemode":false,"name":"ci","workspace_id":"ws_1"}"#;
//!     Ok::<_, tower::BoxError>(HttpResponse::new(body.into()))
//! });
//! let key = JsonLayer.layer(http).oneshot(RevokeApiKey::new("k1")).await.unwrap();
//! assert!(!key.is_active);
//! # }
//! ```

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE};
use http::response::Parts;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Uri};
use http_body_util::Full;
use pin_project_lite::pin_project;
use serde::de::DeserializeOwned;
use tower::{Layer, Service};

use boltz_api_layers::BoxError;
use boltz_api_layers::operation::Operation;

use crate::client::KeyOverride;
use crate::endpoint::Endpoint;
use crate::error::{ApiError, BuildError, DecodeError, Error};
use crate::models::union::tracked;
use crate::options::RequestOptions;
use crate::redact::{Redact, scrub};

/// The request type of the HTTP stack: a fully buffered, cheaply cloneable body.
pub type HttpRequest = Request<Full<Bytes>>;
/// The response type of the HTTP stack: a collected body.
pub type HttpResponse = Response<Bytes>;

const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Wraps an HTTP service in [`Json`].
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonLayer;

impl<S> Layer<S> for JsonLayer {
    type Service = Json<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Json { inner, redact: None, key: None }
    }
}

/// Encodes endpoints into HTTP requests and decodes their responses.
#[derive(Debug, Clone)]
pub struct Json<S> {
    inner: S,
    /// The key to scrub from error text, when the stack sends one.
    redact: Option<Redact>,
    /// The key that replaces the stack's, for a client made by `with_api_key`.
    key: Option<Arc<KeyOverride>>,
}

impl<S> Json<S>
where
    S: Service<HttpRequest, Response = HttpResponse>,
    S::Error: Into<BoxError>,
{
    /// Wrap `inner`.
    pub fn new(inner: S) -> Self {
        Self { inner, redact: None, key: None }
    }

    /// Send `key` instead of the stack's.
    pub(crate) fn with_key(mut self, key: Option<Arc<KeyOverride>>) -> Self {
        self.key = key;
        self
    }

    /// Scrub `redact`'s key from the server's text kept in errors.
    pub(crate) fn with_redact(mut self, redact: Option<Redact>) -> Self {
        self.redact = redact;
        self
    }

    /// Poll the HTTP service for readiness.
    pub(crate) fn poll_ready_http(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx).map_err(|e| Error::from_stack(e.into()))
    }
}

impl<S, E> Service<E> for Json<S>
where
    E: Endpoint,
    S: Service<HttpRequest, Response = HttpResponse>,
    S::Error: Into<BoxError>,
{
    type Response = E::Response;
    type Error = Error;
    type Future = ResponseFuture<S::Future, E::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.poll_ready_http(cx)
    }

    fn call(&mut self, endpoint: E) -> Self::Future {
        match encode(&endpoint, RequestOptions::default()) {
            Ok(mut request) => {
                if let Some(key) = &self.key {
                    key.stamp(&mut request);
                }
                ResponseFuture::waiting(self.inner.call(request), E::SECRET_RESPONSE, self.redact.clone())
            }
            Err(err) => ResponseFuture::failed(err.into()),
        }
    }
}

/// Build the HTTP request for `endpoint`: path, query, JSON body, `accept`, the endpoint's
/// metadata as extensions, then the per-call options.
pub(crate) fn encode<E: Endpoint>(endpoint: &E, options: RequestOptions) -> Result<HttpRequest, BuildError> {
    let mut target = endpoint.path()?;
    if let Some(query) = endpoint.query().filter(|q| !q.is_empty()) {
        target.push('?');
        target.push_str(&query);
    }
    assemble(E::META.method.clone(), target, endpoint.body()?, E::META.operation(), options)
}

/// Assemble a request from its method, target (`/path?query` or an absolute URL) and JSON body.
pub(crate) fn assemble(
    method: Method,
    target: String,
    body: Option<Bytes>,
    operation: Operation,
    mut options: RequestOptions,
) -> Result<HttpRequest, BuildError> {
    options.take_error()?;
    let uri = Uri::try_from(target).map_err(|e| BuildError::InvalidUri(e.into()))?;
    let has_body = body.is_some();
    let mut request = Request::new(body.map(Full::new).unwrap_or_default());
    // Room for the headers the stack adds (user-agent, retry count, key), so none reallocates.
    request.headers_mut().reserve(8);
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    headers.insert(ACCEPT, APPLICATION_JSON);
    if has_body {
        headers.insert(CONTENT_TYPE, APPLICATION_JSON);
    }
    request.extensions_mut().insert(operation);
    options.apply(&mut request);
    Ok(request)
}

/// A decoded value with the status and headers of the response it came from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiResponse<T> {
    /// The HTTP status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The decoded body.
    pub value: T,
}

impl<T> ApiResponse<T> {
    /// The request ID the server gave the response (`x-request-id` or `request-id`).
    pub fn request_id(&self) -> Option<&str> {
        crate::error::request_id(&self.headers)
    }
}

/// Like [`decode`], keeping the status and headers.
pub(crate) fn decode_with_response<T: DeserializeOwned>(
    response: HttpResponse,
    secret: bool,
    redact: Option<&Redact>,
) -> Result<ApiResponse<T>, Error> {
    let (parts, body) = response.into_parts();
    let value = decode_parts(&parts, body, secret, redact)?;
    Ok(ApiResponse { status: parts.status, headers: parts.headers, value })
}

/// Turn a collected response into `T`, or into [`Error::Api`] / [`Error::Decode`].
/// `secret`: the body may hold a secret, so a decode error must not quote it; `redact`: the key
/// to scrub from whatever of the response an error keeps.
pub(crate) fn decode<T: DeserializeOwned>(
    response: HttpResponse,
    secret: bool,
    redact: Option<&Redact>,
) -> Result<T, Error> {
    let (parts, body) = response.into_parts();
    decode_parts(&parts, body, secret, redact)
}

fn decode_parts<T: DeserializeOwned>(
    parts: &Parts,
    body: Bytes,
    secret: bool,
    redact: Option<&Redact>,
) -> Result<T, Error> {
    if !parts.status.is_success() {
        let (headers, body) = (scrub(parts.headers.clone(), redact), scrub(body, redact));
        return Err(Error::Api(Box::new(ApiError::new(parts.status, headers, body))));
    }
    // The fast path decodes directly; only a failure pays for tracking the JSON path.
    let first = match serde_json::from_slice(&body) {
        Ok(value) => return Ok(value),
        Err(err) => err,
    };
    let (path, message) = match tracked::<T, _>(&mut serde_json::Deserializer::from_slice(&body)) {
        Err(failure) => (failure.path, failure.message),
        Ok(_) => (".".to_owned(), first.to_string()),
    };
    // The decoder's message and path quote the body too (`invalid type: string "…"`).
    let (path, message) = (scrub(path, redact), scrub(message, redact));
    let excerpt =
        if secret { Bytes::from_static(b"<redacted: the body holds a secret>") } else { scrub(body, redact) };
    let headers = scrub(parts.headers.clone(), redact);
    Err(Error::Decode(Box::new(DecodeError::new(parts.status, &headers, &excerpt, path, message))))
}

pin_project! {
    /// Future of [`Json`]: waits for the HTTP response and decodes it.
    pub struct ResponseFuture<F, T> {
        #[pin]
        state: State<F>,
        secret: bool,
        redact: Option<Redact>,
        _response: PhantomData<fn() -> T>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        Waiting { #[pin] future: F },
        Failed { error: Option<Error> },
    }
}

impl<F, T> ResponseFuture<F, T> {
    pub(crate) fn waiting(future: F, secret: bool, redact: Option<Redact>) -> Self {
        Self { state: State::Waiting { future }, secret, redact, _response: PhantomData }
    }

    pub(crate) fn failed(error: Error) -> Self {
        Self {
            state: State::Failed { error: Some(error) },
            secret: false,
            redact: None,
            _response: PhantomData,
        }
    }
}

impl<F, E, T> Future for ResponseFuture<F, T>
where
    F: Future<Output = Result<HttpResponse, E>>,
    E: Into<BoxError>,
    T: DeserializeOwned,
{
    type Output = Result<T, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.state.project() {
            StateProj::Waiting { future } => {
                let response = ready!(future.poll(cx)).map_err(|e| Error::from_stack(e.into()))?;
                Poll::Ready(decode(response, *this.secret, this.redact.as_ref()))
            }
            StateProj::Failed { error } => Poll::Ready(Err(error.take().expect("polled after completion"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::admin::api_keys::RevokeApiKey;
    use crate::error::ApiErrorKind;
    use crate::models::ApiKey;

    fn response(status: u16, content_type: &str, body: &'static str) -> HttpResponse {
        Response::builder()
            .status(status)
            .header(CONTENT_TYPE, content_type)
            .body(Bytes::from_static(body.as_bytes()))
            .unwrap()
    }

    #[test]
    fn a_body_less_post_sends_no_body_and_no_content_type() {
        let req = encode(&RevokeApiKey::new("k 1"), RequestOptions::new()).unwrap();
        assert_eq!(req.method(), http::Method::POST);
        assert_eq!(req.uri(), "/compute/v1/admin/api-keys/k%201/revoke");
        assert_eq!(req.headers()[ACCEPT], "application/json");
        assert!(req.headers().get(CONTENT_TYPE).is_none());
        assert_eq!(http_body::Body::size_hint(req.body()).exact(), Some(0));
        assert_eq!(Operation::of(&req).unwrap().name, "admin.api_keys.revoke");
    }

    #[test]
    fn statuses_become_api_errors() {
        let err = decode::<ApiKey>(
            response(404, "application/json", r#"{"error":{"message":"gone"}}"#),
            false,
            None,
        )
        .unwrap_err();
        let api = err.as_api().unwrap();
        assert_eq!((api.kind(), api.message()), (ApiErrorKind::NotFound, "gone"));
        assert_eq!(api.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(err.status(), Some(http::StatusCode::NOT_FOUND));
    }

    #[test]
    fn decode_errors_name_the_path_and_show_the_body() {
        let decode_err =
            |content_type, body| match decode::<ApiKey>(response(200, content_type, body), false, None) {
                Err(Error::Decode(e)) => e,
                other => panic!("{other:?}"),
            };
        let body = r#"{"id":"k","allowed_ips":[],"created_at":"yesterday","is_active":true}"#;
        let err = decode_err("application/json", body);
        assert_eq!(err.path(), "created_at");
        assert!(err.excerpt().starts_with(r#"{"id":"k""#));
        assert!(err.to_string().contains("`created_at`"), "{err}");

        let missing = r#"{"id":"k","allowed_ips":[],"created_at":"2026-01-01T00:00:00Z"}"#;
        let err = decode_err("application/json", missing);
        assert!(err.message().contains("missing field"), "{}", err.message());

        let err = decode_err("text/html", "<html>");
        assert_eq!((err.path(), err.content_type()), (".", Some("text/html")));
    }

    #[test]
    fn a_body_holding_a_secret_is_never_quoted() {
        let body = r#"{"key":"sk_bc_ws_test_NEWSECRET","key_details":{"id":"broken"}}"#;
        let err = decode::<crate::models::CreatedApiKey>(response(200, "application/json", body), true, None)
            .unwrap_err();
        let Error::Decode(decode) = &err else { panic!("{err:?}") };
        assert!(!format!("{err} {err:?}").contains("NEWSECRET"), "{err}");
        assert_eq!(decode.excerpt(), "<redacted: the body holds a secret>");
    }

    #[test]
    fn json_is_decoded_whatever_the_content_type_says() {
        let value =
            decode::<serde_json::Value>(response(200, "text/html", r#"{"a":1}"#), false, None).unwrap();
        assert_eq!(value["a"], 1);
        let trailing =
            decode::<serde_json::Value>(response(200, "application/json", r#"{"a":1} x"#), false, None)
                .unwrap_err();
        assert!(matches!(trailing, Error::Decode(_)));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bodies_decode_or_fail_with_a_typed_error(
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..512),
            status in 100u16..600,
        ) {
            let response = Response::builder().status(status).body(Bytes::from(body)).unwrap();
            match decode::<crate::models::ApiKey>(response, false, None) {
                Ok(_) => proptest::prop_assert!((200..300).contains(&status)),
                Err(Error::Api(api)) => proptest::prop_assert_eq!(api.status().as_u16(), status),
                Err(Error::Decode(decode)) => proptest::prop_assert!(decode.excerpt().len() <= 256 * 3),
                Err(other) => proptest::prop_assert!(false, "unexpected {other:?}"),
            }
        }

        #[test]
        fn json_shaped_bodies_never_panic(body in "[{}\\[\\]\",:0-9a-z_ .-]{0,200}") {
            let response = HttpResponse::new(Bytes::from(body));
            let _ = decode::<crate::models::ApiKey>(response, false, None);
        }
    }
}
