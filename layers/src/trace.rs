//! One `tracing` span per logical call, carrying low-cardinality, secret-free fields.
//!
//! The span's fields come from the request's [`Operation`] extension: `operation` (its name) and
//! `url.template` (its path template, never the concrete path, which may hold ids, nor the query
//! string), with `http.request.method`. A non-secret `credential` label, such as a key prefix,
//! may be attached to every span. `url.full`, `server.address` and `server.port` are declared empty
//! for the [attempt log](crate::attempt_log) to record; the span's future records the call's final
//! `http.response.status_code` and, for a 4xx or 5xx status or an error, `error.type` (the status,
//! or the error's [class](crate::classify)), once, as OpenTelemetry's HTTP conventions ask.
//!
//! ```
//! use boltz_api_layers::operation::{Idempotency, Operation};
//! use boltz_api_layers::trace::TraceLayer;
//! use tower::{Layer, ServiceExt, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), tower::BoxError> {
//! let inner = service_fn(|_req: http::Request<()>| async {
//!     Ok::<_, tower::BoxError>(http::Response::new(()))
//! });
//! let svc = TraceLayer::new().credential_label("sk_bc_admin_").layer(inner);
//! let mut req = http::Request::new(());
//! req.extensions_mut().insert(Operation {
//!     name: "items.get",
//!     path_template: "/v1/items/{id}",
//!     idempotency: Idempotency::Safe,
//! });
//! svc.oneshot(req).await?;
//! # Ok(()) }
//! ```

use std::error::Error as StdError;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use http::{Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;
use tracing::Span;
use tracing::instrument::{Instrument, Instrumented};

use crate::classify::classify;
use crate::operation::Operation;

/// Request extension that replaces the layer's credential label for one request (the label of the
/// credential it carries, never the credential itself).
#[derive(Debug, Clone)]
pub struct CredentialLabel(pub Arc<str>);

/// Opens an `INFO` span named `request` around each call.
#[derive(Debug, Clone, Default)]
pub struct TraceLayer {
    credential: Option<Arc<str>>,
}

impl TraceLayer {
    /// A layer with no credential label.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record `label` (which must not be a secret, e.g. a key's public prefix) on every span.
    pub fn credential_label(mut self, label: impl Into<Arc<str>>) -> Self {
        self.credential = Some(label.into());
        self
    }
}

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Trace { inner, credential: self.credential.clone() }
    }
}

/// Service made by [`TraceLayer`].
#[derive(Debug, Clone)]
pub struct Trace<S> {
    inner: S,
    credential: Option<Arc<str>>,
}

impl<S, B, ResB> Service<Request<B>> for Trace<S>
where
    S: Service<Request<B>, Response = Response<ResB>>,
    S::Error: AsRef<dyn StdError + Send + Sync>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let operation = Operation::of(&req);
        // The server fields are filled in by the attempt log; the outcome once, by the future.
        let span = tracing::info_span!(
            "request",
            operation = operation.map(|o| o.name),
            http.request.method = %req.method(),
            url.template = operation.map(|o| o.path_template),
            credential = req.extensions().get::<CredentialLabel>().map(|l| &*l.0).or(self.credential.as_deref()),
            url.full = tracing::field::Empty,
            server.address = tracing::field::Empty,
            server.port = tracing::field::Empty,
            http.response.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        // Entered for the inner `call` too, so layers below see this span as the current one
        // from the first attempt on (a trace-context propagator, for one).
        let future = span.in_scope(|| self.inner.call(req));
        ResponseFuture { inner: future.instrument(span) }
    }
}

pin_project! {
    /// Future of [`Trace`]: the call, in its span, which gets the call's final outcome.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: Instrumented<F>,
    }
}

impl<F, ResB, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResB>, E>>,
    E: AsRef<dyn StdError + Send + Sync>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let result = ready!(this.inner.as_mut().poll(cx));
        record_outcome(this.inner.span(), &result);
        Poll::Ready(result)
    }
}

/// The final status (as an integer, which OpenTelemetry exporters keep as one), and
/// `error.type` as OpenTelemetry defines it: the status for 4xx and 5xx, else the error's class.
fn record_outcome<ResB, E: AsRef<dyn StdError + Send + Sync>>(
    span: &Span,
    result: &Result<Response<ResB>, E>,
) {
    if span.is_disabled() {
        return;
    }
    match result {
        Ok(response) => {
            let status = response.status();
            span.record("http.response.status_code", i64::from(status.as_u16()));
            if status.is_client_error() || status.is_server_error() {
                span.record("error.type", status.as_str());
            }
        }
        Err(err) => {
            let err: &(dyn StdError + 'static) = err.as_ref();
            span.record("error.type", classify(err).as_str());
        }
    }
}
