//! Resolve relative request URIs against a base URL that may carry a path prefix.
//!
//! ```
//! use boltz_api_layers::base_uri::join;
//! use http::Uri;
//! let base = Uri::from_static("https://example.com/proxy");
//! let joined = join(&base, &Uri::from_static("/v1/items?limit=2")).unwrap();
//! assert_eq!(joined, "https://example.com/proxy/v1/items?limit=2");
//! ```

use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Uri, uri::PathAndQuery};
use tower_layer::Layer;
use tower_service::Service;

use crate::future::OrError;

/// Join `base` (scheme, authority and optional path prefix) with a relative `uri`.
///
/// An absolute `uri` (one with a scheme) is returned unchanged. The prefix keeps exactly one `/`
/// between itself and the path, as if the base URL always ended in `/`.
pub fn join(base: &Uri, uri: &Uri) -> Result<Uri, http::Error> {
    join_owned(base, uri.clone())
}

/// [`join`], taking the request URI by value so its path is moved, not copied.
fn join_owned(base: &Uri, uri: Uri) -> Result<Uri, http::Error> {
    if uri.scheme().is_some() {
        return Ok(uri);
    }
    let mut parts = uri.into_parts();
    parts.scheme = base.scheme().cloned();
    parts.authority = base.authority().cloned();
    let prefix = base.path().trim_end_matches('/');
    if !prefix.is_empty() {
        let rest = parts.path_and_query.as_ref().map_or("/", PathAndQuery::as_str);
        let rest = rest.strip_prefix('/').unwrap_or(rest);
        parts.path_and_query = Some(PathAndQuery::try_from(format!("{prefix}/{rest}"))?);
    } else if parts.path_and_query.is_none() {
        parts.path_and_query = Some(PathAndQuery::from_static("/"));
    }
    Ok(Uri::from_parts(parts)?)
}

/// Rewrites relative request URIs onto a base URL; see [`join`].
#[derive(Debug, Clone)]
pub struct BaseUriLayer {
    // Shared: the service is cloned per call, and a `Uri` clone costs more than a pointer copy.
    base: Arc<Uri>,
}

impl BaseUriLayer {
    /// Resolve requests against `base`.
    pub fn new(base: Uri) -> Self {
        Self { base: Arc::new(base) }
    }
}

impl<S> Layer<S> for BaseUriLayer {
    type Service = BaseUri<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BaseUri { inner, base: self.base.clone() }
    }
}

/// Service made by [`BaseUriLayer`].
#[derive(Debug, Clone)]
pub struct BaseUri<S> {
    inner: S,
    base: Arc<Uri>,
}

impl<S, B> Service<Request<B>> for BaseUri<S>
where
    S: Service<Request<B>>,
    S::Error: Into<crate::BoxError>,
{
    type Response = S::Response;
    type Error = crate::BoxError;
    type Future = OrError<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let uri = std::mem::take(req.uri_mut());
        match join_owned(&self.base, uri) {
            Ok(uri) => {
                *req.uri_mut() = uri;
                OrError::inner(self.inner.call(req))
            }
            Err(e) => OrError::failed(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(base: &'static str, uri: &'static str) -> String {
        join(&Uri::from_static(base), &Uri::from_static(uri)).unwrap().to_string()
    }

    #[test]
    fn keeps_the_base_path_prefix() {
        assert_eq!(j("https://h", "/compute/v1/x"), "https://h/compute/v1/x");
        assert_eq!(j("https://h/", "/compute/v1/x"), "https://h/compute/v1/x");
        assert_eq!(j("https://h/p", "/compute/v1/x?a=1"), "https://h/p/compute/v1/x?a=1");
        assert_eq!(j("https://h/p/", "/compute/v1/x"), "https://h/p/compute/v1/x");
        assert_eq!(j("http://127.0.0.1:8080/a/b", "/c"), "http://127.0.0.1:8080/a/b/c");
    }

    #[test]
    fn absolute_uris_pass_through() {
        assert_eq!(j("https://h/p", "https://other/x"), "https://other/x");
    }

    #[tokio::test]
    async fn the_layer_rewrites_the_request_uri() {
        use tower::ServiceExt;
        let svc = BaseUriLayer::new(Uri::from_static("https://h/p")).layer(tower::service_fn(
            |req: Request<()>| async move { Ok::<_, crate::BoxError>(req.uri().to_string()) },
        ));
        let uri = svc.oneshot(Request::get("/x").body(()).unwrap()).await.unwrap();
        assert_eq!(uri, "https://h/p/x");
    }
}
