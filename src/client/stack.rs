//! The default HTTP stack, outer to inner, in one chain.

use std::net::IpAddr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Response, Uri};
use http_body::Body;
use http_body_util::Full;
use hyper_rustls::HttpsConnectorBuilder;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
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
        .layer(AttemptTimeoutLayer::new(config.timeout))
        .layer(CollectLayer::new(config.max_response_bytes))
        .layer(auth)
        .map_err(|e: T::Error| -> BoxError { e.into() })
        .service(transport);
    Ok(stack)
}

type HyperTransport = HyperClient<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The default transport: hyper-util's client behind an `Arc`. The stack is cloned per call and
/// inside the retry future; sharing the client makes each clone a pointer copy
/// instead of a copy of the client's whole configuration.
#[derive(Clone)]
pub(crate) struct Transport(Arc<HyperTransport>);

impl Service<HttpRequest> for Transport {
    type Response = Response<hyper::body::Incoming>;
    type Error = hyper_util::client::legacy::Error;
    type Future = hyper_util::client::legacy::ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // The pooled client has no readiness of its own; it queues for connections internally.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: HttpRequest) -> Self::Future {
        self.0.request(request)
    }
}

/// hyper-util's pooled client over rustls (HTTP/1.1 and HTTP/2 by ALPN), or plain TCP for `http`.
pub(crate) fn transport(
    connect_timeout: Duration,
    local_address: Option<IpAddr>,
) -> Result<Transport, BuildError> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(connect_timeout));
    http.set_local_address(local_address);
    let https = HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| BuildError::Tls(e.into()))?
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http);
    let client = HyperClient::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new())
        .build(https);
    Ok(Transport(Arc::new(client)))
}
