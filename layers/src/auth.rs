//! Attach a credential header, marked sensitive, only to requests for one origin.
//!
//! The header is added per request after redirects have been resolved, so a request (or a redirect
//! hop) to any other scheme or authority leaves without the credential. A request marked
//! [`LeftOrigin`] (a redirect took it across origins) never gets it, even back on the origin: only
//! a call addressed to the origin, whose hops all stayed there, carries the credential.
//!
//! ```
//! use boltz_api_layers::auth::AuthLayer;
//! use http::{HeaderName, HeaderValue, Request, Uri};
//! use tower::{Layer, ServiceExt, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), tower::BoxError> {
//! let layer = AuthLayer::new(
//!     &Uri::from_static("https://api.example.com"),
//!     HeaderName::from_static("x-api-key"),
//!     HeaderValue::from_static("secret"),
//! )?;
//! let svc = layer.layer(service_fn(|req: Request<()>| async move {
//!     Ok::<_, tower::BoxError>(req.headers().get("x-api-key").is_some())
//! }));
//! let req = Request::get("https://api.example.com/v1").body(())?;
//! assert!(svc.clone().oneshot(req).await?);
//! let other = Request::get("https://elsewhere.example/v1").body(())?;
//! assert!(!svc.oneshot(other).await?);
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderName, HeaderValue, Request, Uri};
use tower_layer::Layer;
use tower_service::Service;

use crate::origin::{LeftOrigin, same_origin};

/// Request extension that replaces the layer's credential for one request: same header, same
/// origin rule, marked sensitive. Clients acting for many accounts over one connection pool put
/// it on each request; a credential header set on the request itself is replaced either way.
#[derive(Clone)]
pub struct UseCredential(HeaderValue);

impl UseCredential {
    /// `value`, marked sensitive.
    pub fn new(mut value: HeaderValue) -> Self {
        value.set_sensitive(true);
        Self(value)
    }
}

impl fmt::Debug for UseCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UseCredential(<redacted>)")
    }
}

/// The configured origin had no scheme or authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginMissing;

impl fmt::Display for OriginMissing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the credential origin must be an absolute URL with a scheme and host")
    }
}

impl std::error::Error for OriginMissing {}

struct Credential {
    /// Scheme and authority only.
    origin: Uri,
    name: HeaderName,
    value: HeaderValue,
}

/// Adds a sensitive header to requests whose scheme and authority match the configured origin.
#[derive(Clone)]
pub struct AuthLayer {
    credential: Arc<Credential>,
}

impl AuthLayer {
    /// Attach `name: value` to requests for `origin`'s scheme and authority.
    ///
    /// The value is marked sensitive so `Debug` output and HTTP/2 header compression skip it.
    pub fn new(origin: &Uri, name: HeaderName, mut value: HeaderValue) -> Result<Self, OriginMissing> {
        let (Some(scheme), Some(authority)) = (origin.scheme(), origin.authority()) else {
            return Err(OriginMissing);
        };
        let origin = Uri::builder()
            .scheme(scheme.clone())
            .authority(authority.clone())
            .path_and_query("/")
            .build()
            .map_err(|_| OriginMissing)?;
        value.set_sensitive(true);
        Ok(Self { credential: Arc::new(Credential { origin, name, value }) })
    }
}

impl fmt::Debug for AuthLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthLayer")
            .field("origin", &self.credential.origin)
            .field("header", &self.credential.name)
            .finish_non_exhaustive()
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = Auth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Auth { inner, credential: self.credential.clone() }
    }
}

/// Service made by [`AuthLayer`].
#[derive(Clone)]
pub struct Auth<S> {
    inner: S,
    credential: Arc<Credential>,
}

impl<S: fmt::Debug> fmt::Debug for Auth<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth").field("inner", &self.inner).finish_non_exhaustive()
    }
}

impl<S, B> Service<Request<B>> for Auth<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let credential = &*self.credential;
        if same_origin(&credential.origin, req.uri()) && req.extensions().get::<LeftOrigin>().is_none() {
            let value = req
                .extensions()
                .get::<UseCredential>()
                .map_or_else(|| credential.value.clone(), |c| c.0.clone());
            req.headers_mut().insert(credential.name.clone(), value);
        } else {
            // A caller-supplied copy must not reach a foreign origin either.
            req.headers_mut().remove(&credential.name);
        }
        self.inner.call(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;
    use tower_test::mock;

    fn layer() -> AuthLayer {
        AuthLayer::new(
            &Uri::from_static("https://api.example.com/prefix"),
            HeaderName::from_static("x-api-key"),
            HeaderValue::from_static("sk_secret_value"),
        )
        .unwrap()
    }

    async fn header_for(uri: &str, preset: Option<&'static str>) -> Option<HeaderValue> {
        let (svc, mut handle) = mock::pair::<Request<()>, ()>();
        let svc = layer().layer(svc);
        let mut req = Request::get(uri).body(()).unwrap();
        if let Some(v) = preset {
            req.headers_mut().insert("x-api-key", HeaderValue::from_static(v));
        }
        let call = tokio::spawn(svc.oneshot(req));
        let (seen, send) = handle.next_request().await.unwrap();
        send.send_response(());
        call.await.unwrap().unwrap();
        seen.headers().get("x-api-key").cloned()
    }

    #[tokio::test]
    async fn attaches_a_sensitive_header_to_the_configured_origin_only() {
        let value = header_for("https://api.example.com/prefix/x", None).await.unwrap();
        assert_eq!(value, "sk_secret_value");
        assert!(value.is_sensitive());
        assert!(header_for("https://API.example.com/x", None).await.is_some());
        assert!(header_for("http://api.example.com/x", None).await.is_none(), "scheme downgrade");
        assert!(header_for("https://api.example.com:443/x", None).await.is_some(), "default port");
        assert!(header_for("https://api.example.com:8443/x", None).await.is_none(), "other port");
        assert!(header_for("https://evil.example/x", None).await.is_none());
        assert!(header_for("/relative", None).await.is_none());
    }

    #[tokio::test]
    async fn a_request_may_bring_its_own_credential_for_the_same_origin_only() {
        for (uri, expected) in
            [("https://api.example.com/x", Some("sk_other")), ("https://evil.example/x", None)]
        {
            let (svc, mut handle) = mock::pair::<Request<()>, ()>();
            let svc = layer().layer(svc);
            let mut req = Request::get(uri).body(()).unwrap();
            req.extensions_mut().insert(UseCredential::new(HeaderValue::from_static("sk_other")));
            let call = tokio::spawn(svc.oneshot(req));
            let (seen, send) = handle.next_request().await.unwrap();
            send.send_response(());
            call.await.unwrap().unwrap();
            let value = seen.headers().get("x-api-key");
            assert_eq!(value.map(|v| v.to_str().unwrap()), expected, "{uri}");
            assert!(value.is_none_or(HeaderValue::is_sensitive));
        }
        assert!(
            !format!("{:?}", UseCredential::new(HeaderValue::from_static("sk_other"))).contains("sk_other")
        );
    }

    #[tokio::test]
    async fn strips_a_preset_credential_on_foreign_origins() {
        assert!(header_for("https://evil.example/x", Some("leak")).await.is_none());
    }

    #[tokio::test]
    async fn a_request_that_left_the_origin_never_gets_the_credential_back() {
        let (svc, mut handle) = mock::pair::<Request<()>, ()>();
        let svc = layer().layer(svc);
        let mut req = Request::get("https://api.example.com/prefix/x").body(()).unwrap();
        req.extensions_mut().insert(LeftOrigin);
        req.headers_mut().insert("x-api-key", HeaderValue::from_static("preset"));
        let call = tokio::spawn(svc.oneshot(req));
        let (seen, send) = handle.next_request().await.unwrap();
        send.send_response(());
        call.await.unwrap().unwrap();
        assert!(seen.headers().get("x-api-key").is_none());
    }

    #[test]
    fn debug_never_shows_the_value_and_origin_is_required() {
        let text = format!("{:?}", layer());
        assert!(!text.contains("sk_secret_value"), "{text}");
        assert!(
            AuthLayer::new(
                &Uri::from_static("/x"),
                HeaderName::from_static("a"),
                HeaderValue::from_static("b")
            )
            .is_err()
        );
    }
}
