//! One `tracing` event per attempt, with the connection's local and remote socket addresses.
//!
//! Place it below a retry layer so each attempt is logged with its [`Attempt`] index. Events go to
//! the target `boltz_api_layers::attempt_log`: `DEBUG` for a response below 400, `INFO` for other
//! 4xx, `WARN` for 401/403 (naming the local address the request left from, since credentials
//! may be restricted to source IPs), 429, 5xx and transport failures, except a failure on a stale
//! pooled connection that a retry layer above sends again at once ([`stale`](crate::stale)), which
//! is a `DEBUG` event. The addresses come from
//! hyper-util's [`HttpInfo`] (or a [`Tracked`](crate::stale::Tracked) connection's), also for
//! failed attempts where a connection was made. When no
//! subscriber wants these events nothing is captured or formatted.
//!
//! ```
//! use boltz_api_layers::attempt_log::AttemptLogLayer;
//! use tower::{Layer, ServiceExt, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), tower::BoxError> {
//! let svc = AttemptLogLayer::new().layer(service_fn(|_req: http::Request<()>| async {
//!     Ok::<_, tower::BoxError>(http::Response::new(()))
//! }));
//! svc.oneshot(http::Request::new(())).await?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use http::{Extensions, Request, Response, StatusCode};
use hyper_util::client::legacy::connect::{CaptureConnection, HttpInfo, capture_connection};
use pin_project_lite::pin_project;
use tokio::time::Instant;
use tower_layer::Layer;
use tower_service::Service;
use tracing::Level;

use crate::BoxError;
use crate::classify::classify;
use crate::operation::Idempotency;
use crate::retry::Attempt;
use crate::stale::{Resent, http_info, stale_failure};

/// Logs each attempt; see the [module docs](self).
#[derive(Debug, Clone, Copy, Default)]
pub struct AttemptLogLayer {
    _priv: (),
}

impl AttemptLogLayer {
    /// A new attempt logger.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<S> Layer<S> for AttemptLogLayer {
    type Service = AttemptLog<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AttemptLog { inner }
    }
}

/// Service made by [`AttemptLogLayer`].
#[derive(Debug, Clone)]
pub struct AttemptLog<S> {
    inner: S,
}

impl<S, B, ResB> Service<Request<B>> for AttemptLog<S>
where
    S: Service<Request<B>, Response = Response<ResB>>,
    S::Error: Into<BoxError>,
{
    type Response = Response<ResB>;
    type Error = BoxError;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        // Nothing is captured unless some subscriber listens at the lowest level used for failures.
        let watch = tracing::enabled!(Level::WARN);
        let watching = watch.then(|| Watching {
            capture: capture_connection(&mut req),
            attempt: Attempt::index_of(&req),
            start: Instant::now(),
            resend_if_stale: req
                .extensions()
                .get::<Resent>()
                .is_none()
                .then(|| Idempotency::of(&req).replay_is_safe()),
        });
        ResponseFuture { inner: self.inner.call(req), watching }
    }
}

pin_project! {
    /// Future of [`AttemptLog`].
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        watching: Option<Watching>,
    }
}

/// What an attempt that will be logged carries.
struct Watching {
    capture: CaptureConnection,
    attempt: u32,
    start: Instant,
    /// `None` when a stale failure is not resent (this is the resend); else whether a written
    /// request may be resent.
    resend_if_stale: Option<bool>,
}

/// Formats an optional address as the address or `-`.
struct Addr(Option<SocketAddr>);

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(addr) => addr.fmt(f),
            None => f.write_str("-"),
        }
    }
}

fn captured_info(capture: &CaptureConnection) -> Option<HttpInfo> {
    let connected = capture.connection_metadata();
    let mut extras = Extensions::new();
    connected.as_ref()?.get_extras(&mut extras);
    http_info(&extras).cloned()
}

impl<F, ResB, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResB>, E>>,
    E: Into<BoxError>,
{
    type Output = Result<Response<ResB>, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx)).map_err(Into::into);
        let Some(Watching { capture, attempt, start, resend_if_stale }) = this.watching.take() else {
            return Poll::Ready(result);
        };
        let latency = start.elapsed();
        let info = match &result {
            Ok(res) => http_info(res.extensions()).cloned(),
            Err(_) => None,
        }
        .or_else(|| captured_info(&capture));
        let local = Addr(info.as_ref().map(HttpInfo::local_addr));
        let remote = Addr(info.as_ref().map(HttpInfo::remote_addr));
        match &result {
            Ok(res) => log_status(res.status(), attempt, latency, &local, &remote),
            Err(err)
                if resend_if_stale.is_some_and(|replay_safe| {
                    stale_failure(&**err).is_some_and(|stale| stale.unsent || replay_safe)
                }) =>
            {
                tracing::debug!(
                    attempt,
                    error = classify(&**err).as_str(),
                    ?latency,
                    local = %local,
                    remote = %remote,
                    "the pooled connection had been closed; sending again: {err}",
                )
            }
            Err(err) => tracing::warn!(
                attempt,
                error = classify(&**err).as_str(),
                ?latency,
                local = %local,
                remote = %remote,
                "attempt failed: {err}",
            ),
        }
        Poll::Ready(result)
    }
}

fn log_status(status: StatusCode, attempt: u32, latency: Duration, local: &Addr, remote: &Addr) {
    let code = status.as_u16();
    match code {
        401 | 403 => tracing::warn!(
            attempt,
            status = code,
            ?latency,
            local = %local,
            remote = %remote,
            "credential refused ({status}); the request left from local address {local}, and \
             credentials may be restricted to source IPs",
        ),
        429 | 500.. => tracing::warn!(
            attempt, status = code, ?latency, local = %local, remote = %remote, "attempt failed ({status})"
        ),
        400.. => tracing::info!(
            attempt, status = code, ?latency, local = %local, remote = %remote, "attempt answered {status}"
        ),
        _ => tracing::debug!(
            attempt, status = code, ?latency, local = %local, remote = %remote, "attempt answered {status}"
        ),
    }
}
