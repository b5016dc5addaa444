//! Add default headers to every request unless the request already has them.
//!
//! ```
//! use boltz_api_layers::default_headers::DefaultHeadersLayer;
//! use http::{HeaderMap, HeaderValue, Request, header::USER_AGENT};
//! use tower::{Layer, ServiceExt, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), tower::BoxError> {
//! let mut defaults = HeaderMap::new();
//! defaults.insert(USER_AGENT, HeaderValue::from_static("my-client/1.0"));
//! let svc = DefaultHeadersLayer::new(defaults).layer(service_fn(|req: Request<()>| async move {
//!     Ok::<_, tower::BoxError>(req.headers()[USER_AGENT].clone())
//! }));
//! assert_eq!(svc.oneshot(Request::new(())).await?, "my-client/1.0");
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::task::{Context, Poll};

use http::header::{Entry, OccupiedEntry};
use http::{HeaderMap, HeaderName, HeaderValue, Request};
use tower_layer::Layer;
use tower_service::Service;

/// Adds each configured header that the request does not already carry.
#[derive(Debug, Clone)]
pub struct DefaultHeadersLayer {
    headers: Arc<HeaderMap>,
}

impl DefaultHeadersLayer {
    /// Use `headers` as the defaults; a header with several values is added with all of them.
    pub fn new(headers: HeaderMap) -> Self {
        Self { headers: Arc::new(headers) }
    }
}

impl<S> Layer<S> for DefaultHeadersLayer {
    type Service = DefaultHeaders<S>;

    fn layer(&self, inner: S) -> Self::Service {
        DefaultHeaders { inner, headers: self.headers.clone() }
    }
}

/// Service made by [`DefaultHeadersLayer`].
#[derive(Debug, Clone)]
pub struct DefaultHeaders<S> {
    inner: S,
    headers: Arc<HeaderMap>,
}

impl<S, B> Service<Request<B>> for DefaultHeaders<S>
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
        let headers = req.headers_mut();
        // One pass over the defaults, whose values come grouped by name: one lookup per name.
        let mut current: Option<(&HeaderName, Option<OccupiedEntry<'_, HeaderValue>>)> = None;
        for (name, value) in self.headers.iter() {
            match &mut current {
                Some((last, slot)) if *last == name => {
                    if let Some(entry) = slot {
                        entry.append(value.clone());
                    }
                }
                _ => {
                    let slot = match headers.entry(name) {
                        Entry::Vacant(vacant) => Some(vacant.insert_entry(value.clone())),
                        Entry::Occupied(_) => None,
                    };
                    current = Some((name, slot));
                }
            }
        }
        self.inner.call(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use tower::{ServiceExt, service_fn};

    #[tokio::test]
    async fn request_headers_win_over_defaults_with_every_value() {
        let mut defaults = HeaderMap::new();
        defaults.insert("x-a", HeaderValue::from_static("default"));
        defaults.append("x-b", HeaderValue::from_static("1"));
        defaults.append("x-b", HeaderValue::from_static("2"));
        defaults.append("x-c", HeaderValue::from_static("3"));
        defaults.append("x-c", HeaderValue::from_static("4"));
        let svc = DefaultHeadersLayer::new(defaults)
            .layer(service_fn(|req: Request<()>| async move { Ok::<_, crate::BoxError>(req) }));
        let mut req = Request::new(());
        req.headers_mut().insert("x-a", HeaderValue::from_static("mine"));
        req.headers_mut().insert("x-c", HeaderValue::from_static("mine too"));
        let seen = svc.oneshot(req).await.unwrap();
        let all = |name| seen.headers().get_all(name).iter().cloned().collect::<Vec<_>>();
        assert_eq!(all("x-a"), ["mine"]);
        assert_eq!(all("x-b"), ["1", "2"]);
        assert_eq!(all("x-c"), ["mine too"], "no default value joins a header the request set");
    }
}
