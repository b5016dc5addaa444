//! One `tracing` event per attempt, with the connection's local and remote socket addresses.
//!
//! Place it below a retry layer so each attempt is logged with its [`Attempt`] index. Events go to
//! the target `boltz_api_layers::attempt_log`: `DEBUG` for a response below 400, `INFO` for other
//! 4xx, `WARN` for 401/403, 429, 5xx and transport failures, except a failure on a stale pooled
//! connection that a retry layer above sends again at once ([`stale`](crate::stale)), which is a
//! `DEBUG` event. A 401 or 403 whose body says the source IP was refused names the local address
//! the request left from, since keys can be restricted to source IPs.
//!
//! Fields use OpenTelemetry's HTTP names: `http.request.resend_count`,
//! `http.response.status_code` or `error.type`, `network.local.address`/`.port` and
//! `network.peer.address`/`.port` (from hyper-util's [`HttpInfo`], or a
//! [`Tracked`](crate::stale::Tracked) connection's, also for failed attempts where a connection
//! was made), and `latency`. The enclosing span (the [trace layer](crate::trace)'s) gets the first
//! attempt's `url.full` (without the query, which may hold secrets), `server.address` and
//! `server.port`; the trace layer records the call's final outcome. When no subscriber wants
//! these events nothing is captured, recorded or formatted.
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

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http::{Extensions, Request, Response, StatusCode, Uri};
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
    ResB: 'static,
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
            uri: req.uri().clone(),
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
    uri: Uri,
    /// `None` when a stale failure is not resent (this is the resend); else whether a written
    /// request may be resent.
    resend_if_stale: Option<bool>,
}

/// An optional address's IP, or `-`.
struct Ip(Option<SocketAddr>);

impl fmt::Display for Ip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(addr) => addr.ip().fmt(f),
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

/// The URL without its query, which may carry secrets, and without user information.
fn url_full(uri: &Uri) -> String {
    match (uri.scheme_str(), uri.host()) {
        (Some(scheme), Some(host)) => match uri.port_u16() {
            Some(port) => format!("{scheme}://{host}:{port}{}", uri.path()),
            None => format!("{scheme}://{host}{}", uri.path()),
        },
        _ => uri.path().to_owned(),
    }
}

/// The port a request goes to, the scheme's default filled in.
fn server_port(uri: &Uri) -> Option<u16> {
    uri.port_u16().or(match uri.scheme_str() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    })
}

impl<F, ResB, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResB>, E>>,
    E: Into<BoxError>,
    ResB: 'static,
{
    type Output = Result<Response<ResB>, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx)).map_err(Into::into);
        let Some(Watching { capture, attempt, start, uri, resend_if_stale }) = this.watching.take() else {
            return Poll::Ready(result);
        };
        let latency = start.elapsed();
        let info = match &result {
            Ok(res) => http_info(res.extensions()).cloned(),
            Err(_) => None,
        }
        .or_else(|| captured_info(&capture));
        let local = info.as_ref().map(HttpInfo::local_addr);
        let remote = info.as_ref().map(HttpInfo::remote_addr);
        // The call's span (the trace layer's) holds where the call went, recorded once (a
        // recorded field is appended, not replaced, by OpenTelemetry layers); the trace layer
        // records the outcome. Integers as i64, which those layers keep as integers.
        if attempt == 0 {
            let span = tracing::Span::current();
            span.record("url.full", url_full(&uri));
            span.record("server.address", uri.host());
            span.record("server.port", server_port(&uri).map(i64::from));
        }
        let attempt = Logged { attempt, latency, local, remote };
        match &result {
            Ok(res) => {
                let body = (res.body() as &dyn Any).downcast_ref::<Bytes>().map(Bytes::as_ref);
                log_status(res.status(), body, &attempt);
            }
            Err(err) => {
                let class = classify(&**err).as_str();
                let resending = resend_if_stale.is_some_and(|replay_safe| {
                    stale_failure(&**err).is_some_and(|stale| stale.unsent || replay_safe)
                });
                if resending {
                    tracing::debug!(
                        http.request.resend_count = attempt.attempt,
                        error.type = class,
                        latency = ?attempt.latency,
                        network.local.address = %Ip(local),
                        network.local.port = local.map(|a| a.port()),
                        network.peer.address = %Ip(remote),
                        network.peer.port = remote.map(|a| a.port()),
                        "the pooled connection had been closed; sending again: {err}",
                    )
                } else {
                    tracing::warn!(
                        http.request.resend_count = attempt.attempt,
                        error.type = class,
                        latency = ?attempt.latency,
                        network.local.address = %Ip(local),
                        network.local.port = local.map(|a| a.port()),
                        network.peer.address = %Ip(remote),
                        network.peer.port = remote.map(|a| a.port()),
                        "attempt failed: {err}",
                    )
                }
            }
        }
        Poll::Ready(result)
    }
}

/// What every attempt event says.
struct Logged {
    attempt: u32,
    latency: Duration,
    local: Option<SocketAddr>,
    remote: Option<SocketAddr>,
}

/// Whether a refusal's body says it is about the caller's IP address. UNCONFIRMED: the API's
/// wording is not documented; this matches the emulator's ("requests from IP address … are not
/// allowed") and any message naming `allowed_ips`, leniently, ignoring case.
fn about_ip(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body).to_ascii_lowercase();
    text.contains("ip address") || text.contains("allowed_ips") || text.contains("allowed ips")
}

fn log_status(status: StatusCode, body: Option<&[u8]>, logged: &Logged) {
    let (code, local, remote) = (status.as_u16(), Ip(logged.local), Ip(logged.remote));
    macro_rules! event {
        ($level:ident, $($message:tt)+) => {
            tracing::$level!(
                http.request.resend_count = logged.attempt,
                http.response.status_code = code,
                latency = ?logged.latency,
                network.local.address = %local,
                network.local.port = logged.local.map(|a| a.port()),
                network.peer.address = %remote,
                network.peer.port = logged.remote.map(|a| a.port()),
                $($message)+
            )
        };
    }
    match code {
        401 | 403 if body.is_some_and(about_ip) => event!(
            warn,
            "credential refused ({status}) for the source address: the request left from {local}, \
             and the key's allowed_ips do not include it"
        ),
        401 | 403 | 429 | 500.. => event!(warn, "attempt failed ({status})"),
        400.. => event!(info, "attempt answered {status}"),
        _ => event!(debug, "attempt answered {status}"),
    }
}
