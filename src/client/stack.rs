//! The default HTTP stack, outer to inner, in one chain.

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Response, Uri};
use http_body::Body;
use tower::util::Either;
use tower::{Service, ServiceBuilder};

use boltz_api_layers::BoxError;
use boltz_api_layers::attempt_log::AttemptLogLayer;
use boltz_api_layers::auth::AuthLayer;
use boltz_api_layers::base_uri::BaseUriLayer;
use boltz_api_layers::collect::CollectLayer;
use boltz_api_layers::default_headers::DefaultHeadersLayer;
use boltz_api_layers::retry::{RetryLayer, TpsBudget};
use boltz_api_layers::timeout::{AttemptTimeoutLayer, DeadlineLayer};
use boltz_api_layers::trace::TraceLayer;

use super::HttpService;
use super::builder::{LayerFn, wrap};
use crate::error::BuildError;
use crate::json::{HttpRequest, HttpResponse};

const X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");
const RETRY_COUNT: HeaderName = HeaderName::from_static("x-stainless-retry-count");
const SHOULD_RETRY: HeaderName = HeaderName::from_static("x-should-retry");
const MAX_REDIRECTS: u32 = 10;

/// Everything the default stack is built from.
pub(crate) struct StackConfig {
    pub(crate) base: Uri,
    pub(crate) api_key: HeaderValue,
    pub(crate) key_label: String,
    pub(crate) max_retries: u32,
    pub(crate) timeout: Duration,
    pub(crate) deadline: Option<Duration>,
    pub(crate) default_headers: HeaderMap,
    pub(crate) max_response_bytes: usize,
    pub(crate) budget: Arc<TpsBudget>,
    /// The caller's per-attempt layers, first outermost; between the attempt log and the
    /// attempt timeout.
    pub(crate) attempt_layers: Vec<LayerFn>,
}

/// Assemble the stack. Wire data (default headers, the absolute URI) is written once, above the
/// retry layer, whose one copy of the request serves retries and redirects; the key is attached
/// innermost, per attempt, so no log above sees it and no other origin gets it.
pub(crate) fn default_stack<T, B>(
    config: StackConfig,
    transport: T,
) -> Result<
    impl Service<HttpRequest, Response = HttpResponse, Error = BoxError, Future: Send>
    + Clone
    + Send
    + Sync
    + 'static,
    BuildError,
>
where
    T: Service<HttpRequest, Response = Response<B>> + Clone + Send + Sync + 'static,
    T::Error: Into<BoxError>,
    T::Future: Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let auth = AuthLayer::new(&config.base, X_API_KEY, config.api_key)
        .map_err(|_| BuildError::InvalidBaseUrl { url: config.base.to_string(), reason: "no host" })?;
    let attempt = ServiceBuilder::new()
        .layer(AttemptTimeoutLayer::new(config.timeout))
        .layer(CollectLayer::new(config.max_response_bytes))
        .layer(auth)
        .map_err(|e: T::Error| -> BoxError { e.into() })
        .service(transport);
    // Boxed only when there are attempt layers, so the default stack stays one concrete type.
    let attempt = match config.attempt_layers.is_empty() {
        true => Either::Right(attempt),
        false => Either::Left(wrap(HttpService::new(attempt), config.attempt_layers)),
    };
    let stack = ServiceBuilder::new()
        .layer(TraceLayer::new().credential_label(config.key_label))
        .layer(DefaultHeadersLayer::new(config.default_headers))
        .layer(DeadlineLayer::new(config.deadline))
        .layer(BaseUriLayer::new(config.base))
        .layer(
            RetryLayer::new(config.max_retries)
                .budget(config.budget)
                .attempt_header(RETRY_COUNT)
                .should_retry_header(SHOULD_RETRY)
                .follow_redirects(MAX_REDIRECTS),
        )
        .layer(AttemptLogLayer::new())
        .layer(trace_context())
        .service(attempt);
    Ok(stack)
}

/// The layer that propagates the W3C trace context (feature `opentelemetry`).
#[cfg(feature = "opentelemetry")]
fn trace_context() -> tower::util::MapRequestLayer<fn(HttpRequest) -> HttpRequest> {
    tower::util::MapRequestLayer::new(super::traceparent::propagate)
}

/// Without the `opentelemetry` feature, no layer.
#[cfg(not(feature = "opentelemetry"))]
fn trace_context() -> tower::layer::util::Identity {
    tower::layer::util::Identity::new()
}
