//! One `tracing` span per logical call, carrying low-cardinality, secret-free fields.
//!
//! The span's fields come from the request's [`Operation`] extension: `operation` (its name) and
//! `url.template` (its path template, never the concrete path, which may hold ids, nor the query
//! string), with `http.request.method`. A non-secret `credential` label, such as a key prefix,
//! may be attached to every span. The OpenTelemetry outcome fields `url.full`, `server.address`,
//! `server.port`, `http.response.status_code` and `error.type` are declared empty for the
//! [attempt log](crate::attempt_log) to record.
//!
//! ```
//! use boltz_api_layers::operation::{Idempotency, Operation};
//! use boltz_api_layers::trace::TraceLayer;
//! use tower::{Layer, ServiceExt, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), tower::BoxError> {
//! let svc = TraceLayer::new().credential_label("sk_bc_admin_")
//!     .layer(service_fn(|_req: http::Request<()>| async { Ok::<_, tower::BoxError>(()) }));
//! let mut req = http::Request::new(());
//! req.extensions_mut().insert(Operation {
//!     name: "items.get",
//!     path_template: "/v1/items/{id}",
//!     idempotency: Idempotency::Safe,
//! });
//! svc.oneshot(req).await?;
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::task::{Context, Poll};

use http::Request;
use tower_layer::Layer;
use tower_service::Service;
use tracing::instrument::{Instrument, Instrumented};

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

impl<S, B> Service<Request<B>> for Trace<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Instrumented<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let operation = Operation::of(&req);
        // The outcome fields are filled in by the attempt log, attempt by attempt.
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
        self.inner.call(req).instrument(span)
    }
}
