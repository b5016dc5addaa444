//! Collect a response body into [`Bytes`] with a size cap, keeping status, headers and extensions.
//!
//! Retry policies and error mapping need the whole body; the cap keeps a hostile or broken server
//! from making the client buffer without bound.
//!
//! ```
//! use boltz_api_layers::collect::{BodyTooLarge, CollectLayer};
//! use bytes::Bytes;
//! use http_body_util::Full;
//! use tower::{Layer, ServiceExt, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let svc = CollectLayer::new(4).layer(service_fn(|_req: http::Request<()>| async {
//!     Ok::<_, tower::BoxError>(http::Response::new(Full::new(Bytes::from("too long"))))
//! }));
//! let err = svc.oneshot(http::Request::new(())).await.unwrap_err();
//! assert!(err.is::<BodyTooLarge>());
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::{Request, Response, response::Parts};
use http_body::Body;
use http_body_util::{BodyExt, Limited, combinators::Collect as CollectBody};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::BoxError;

/// Default cap on a collected body: 16 MiB.
pub const DEFAULT_LIMIT: usize = 16 * 1024 * 1024;

/// The response body exceeded the configured cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTooLarge {
    limit: usize,
}

impl BodyTooLarge {
    /// An error for a body larger than `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self { limit }
    }

    /// The cap, in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }
}

impl fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "response body exceeds the {} byte limit", self.limit)
    }
}

impl std::error::Error for BodyTooLarge {}

/// Collects response bodies into [`Bytes`], failing with [`BodyTooLarge`] past `limit`.
#[derive(Debug, Clone, Copy)]
pub struct CollectLayer {
    limit: usize,
}

impl CollectLayer {
    /// Collect bodies of at most `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self { limit }
    }
}

impl Default for CollectLayer {
    fn default() -> Self {
        Self::new(DEFAULT_LIMIT)
    }
}

impl<S> Layer<S> for CollectLayer {
    type Service = CollectService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CollectService { inner, limit: self.limit }
    }
}

/// Service made by [`CollectLayer`].
#[derive(Debug, Clone)]
pub struct CollectService<S> {
    inner: S,
    limit: usize,
}

impl<S, ReqB, ResB> Service<Request<ReqB>> for CollectService<S>
where
    S: Service<Request<ReqB>, Response = Response<ResB>>,
    S::Error: Into<BoxError>,
    ResB: Body,
    ResB::Error: Into<BoxError>,
{
    type Response = Response<Bytes>;
    type Error = BoxError;
    type Future = ResponseFuture<S::Future, ResB>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: Request<ReqB>) -> Self::Future {
        ResponseFuture { state: State::Waiting { future: self.inner.call(req) }, limit: self.limit }
    }
}

pin_project! {
    /// Future of [`CollectService`].
    pub struct ResponseFuture<F, B>
    where
        B: Body,
        B::Error: Into<BoxError>,
    {
        #[pin]
        state: State<F, B>,
        limit: usize,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, B>
    where
        B: Body,
        B::Error: Into<BoxError>,
    {
        Waiting { #[pin] future: F },
        Collecting { parts: Option<Parts>, #[pin] body: CollectBody<Limited<B>> },
    }
}

impl<F, E, B> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
    E: Into<BoxError>,
    B: Body,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response<Bytes>, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::Waiting { future } => {
                    let response = ready!(future.poll(cx)).map_err(Into::into)?;
                    let (parts, body) = response.into_parts();
                    // A declared length over the cap fails before any byte is read.
                    if body.size_hint().lower() > *this.limit as u64 {
                        return Poll::Ready(Err(BodyTooLarge::new(*this.limit).into()));
                    }
                    let body = Limited::new(body, *this.limit).collect();
                    this.state.set(State::Collecting { parts: Some(parts), body });
                }
                StateProj::Collecting { parts, body } => {
                    let limit = *this.limit;
                    let collected = ready!(body.poll(cx)).map_err(|e| {
                        if e.is::<http_body_util::LengthLimitError>() {
                            BodyTooLarge::new(limit).into()
                        } else {
                            e
                        }
                    })?;
                    let parts = parts.take().expect("polled after completion");
                    return Poll::Ready(Ok(Response::from_parts(parts, collected.to_bytes())));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{Full, StreamBody};
    use tower::{ServiceExt, service_fn};

    #[derive(Clone, Debug, PartialEq)]
    struct Marker(u8);

    #[tokio::test]
    async fn keeps_status_headers_and_extensions() {
        let svc = CollectLayer::new(64).layer(service_fn(|_req: Request<()>| async {
            let mut res = Response::new(Full::new(Bytes::from_static(b"{\"ok\":true}")));
            *res.status_mut() = http::StatusCode::CREATED;
            res.headers_mut().insert("x-a", "1".parse().unwrap());
            res.extensions_mut().insert(Marker(7));
            Ok::<_, BoxError>(res)
        }));
        let res = svc.oneshot(Request::new(())).await.unwrap();
        assert_eq!(res.status(), 201);
        assert_eq!(res.headers()["x-a"], "1");
        assert_eq!(res.extensions().get::<Marker>(), Some(&Marker(7)));
        assert_eq!(res.body(), &Bytes::from_static(b"{\"ok\":true}"));
    }

    #[tokio::test]
    async fn a_streamed_body_over_the_cap_is_a_typed_error() {
        let svc = CollectLayer::new(10).layer(service_fn(|_req: Request<()>| async {
            let chunks =
                (0..4).map(|_| Ok::<_, BoxError>(http_body::Frame::data(Bytes::from_static(b"abcd"))));
            Ok::<_, BoxError>(Response::new(StreamBody::new(futures_util::stream::iter(chunks))))
        }));
        let err = svc.oneshot(Request::new(())).await.unwrap_err();
        assert_eq!(err.downcast_ref::<BodyTooLarge>(), Some(&BodyTooLarge::new(10)));
    }

    #[tokio::test]
    async fn a_body_exactly_at_the_cap_is_accepted() {
        let svc = CollectLayer::new(4).layer(service_fn(|_req: Request<()>| async {
            Ok::<_, BoxError>(Response::new(Full::new(Bytes::from_static(b"abcd"))))
        }));
        assert_eq!(svc.oneshot(Request::new(())).await.unwrap().body(), "abcd");
    }

    #[tokio::test]
    async fn body_errors_are_passed_on() {
        let svc = CollectLayer::new(64).layer(service_fn(|_req: Request<()>| async {
            let chunks = vec![Err::<http_body::Frame<Bytes>, BoxError>("reset".into())];
            Ok::<_, BoxError>(Response::new(StreamBody::new(futures_util::stream::iter(chunks))))
        }));
        let err = svc.oneshot(Request::new(())).await.unwrap_err();
        assert_eq!(err.to_string(), "reset");
    }
}
