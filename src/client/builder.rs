use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use http::header::USER_AGENT;
use http::{HeaderMap, HeaderValue, Response, Uri};
use http_body::Body;
use tower::{Layer, Service};

use boltz_api_layers::BoxError;
use boltz_api_layers::collect::DEFAULT_LIMIT;
use boltz_api_layers::retry::TpsBudget;

use super::env;
use super::proxy::ProxyChoice;
use super::stack::{self, StackConfig};
use super::tls::Certificate;
use super::transport::{self, TransportConfig};
use super::{Client, HttpService};
use crate::error::{BuildError, Error};
use crate::json::{HttpRequest, HttpResponse};
use crate::options::parse_header;
use crate::redact::Redact;

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.boltz.bio";

/// A caller's layer, boxed so layers of different types can be kept in one list.
pub(crate) type LayerFn = Box<dyn FnOnce(HttpService) -> HttpService + Send + Sync>;

/// Wrap `service` in `layers`, the first one outermost.
pub(crate) fn wrap(service: HttpService, layers: Vec<LayerFn>) -> HttpService {
    layers.into_iter().rev().fold(service, |service, layer| layer(service))
}

/// Box `layer` into a [`LayerFn`].
fn boxed<L>(layer: L) -> LayerFn
where
    L: Layer<HttpService> + Send + Sync + 'static,
    L::Service: Service<HttpRequest, Response = HttpResponse> + Clone + Send + Sync + 'static,
    <L::Service as Service<HttpRequest>>::Error: Into<BoxError>,
    <L::Service as Service<HttpRequest>>::Future: Send + 'static,
{
    Box::new(move |inner| {
        HttpService::new(tower::ServiceBuilder::new().map_err(Into::into).service(layer.layer(inner)))
    })
}

/// Configures and builds a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use boltz_api::Client;
///
/// let client = Client::builder()
///     .api_key("sk_bc_admin_live_example")
///     .base_url("http://127.0.0.1:8080/prefix")
///     .max_retries(1)
///     .timeout(Duration::from_secs(10))
///     .deadline(Duration::from_secs(30))
///     .default_header("x-team", "platform")
///     .build()
///     .unwrap();
/// # drop(client);
/// ```
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: Option<String>,
    max_retries: u32,
    timeout: Duration,
    deadline: Option<Duration>,
    default_headers: HeaderMap,
    invalid: Option<BuildError>,
    max_response_bytes: usize,
    allow_insecure_http: bool,
    layers: Vec<LayerFn>,
    attempt_layers: Vec<LayerFn>,
    transport: TransportConfig,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("max_retries", &self.max_retries)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("transport", &self.transport)
            .field("default_headers", &self.default_headers)
            .field("layers", &self.layers.len())
            .field("attempt_layers", &self.attempt_layers.len())
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The defaults, with no API key.
    pub fn new() -> Self {
        Self {
            api_key: None,
            base_url: None,
            max_retries: 2,
            timeout: Duration::from_secs(60),
            deadline: None,
            default_headers: HeaderMap::new(),
            invalid: None,
            max_response_bytes: DEFAULT_LIMIT,
            allow_insecure_http: false,
            layers: Vec::new(),
            attempt_layers: Vec::new(),
            transport: TransportConfig::default(),
        }
    }

    /// The defaults plus `BOLTZ_API_KEY`, `BOLTZ_BASE_URL` and `BOLTZ_CUSTOM_HEADERS`; later
    /// setter calls override what came from the environment.
    pub fn from_env() -> Self {
        let mut builder = Self::new();
        builder.api_key = env::var(env::API_KEY);
        builder.base_url = env::var(env::BASE_URL);
        if let Some(headers) = env::var(env::CUSTOM_HEADERS) {
            for (name, value) in env::parse_custom_headers(&headers) {
                builder = builder.default_header(name, value);
            }
        }
        builder
    }

    /// The API key, sent as `x-api-key` to the base URL's origin only.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The base URL; a path prefix (`https://proxy.example/boltz`) is kept.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// How many times a failed request may be retried (default 2).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Timeout of each attempt, body included (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Timeout for establishing a TCP connection (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.transport.connect_timeout = timeout;
        self
    }

    /// Total budget of each call over all attempts and backoff (default: none).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Bind outgoing connections to this local IP, for keys restricted by `allowed_ips`.
    pub fn local_address(mut self, address: IpAddr) -> Self {
        self.transport.local_address = Some(address);
        self
    }

    /// Trust `certificate` as a root besides the default roots: a private CA, or the CA of a
    /// proxy that inspects TLS. May be called more than once.
    pub fn add_root_certificate(mut self, certificate: Certificate) -> Self {
        self.transport.roots.push(certificate);
        self
    }

    /// Send every request (and download) through this proxy: `http://` (a `CONNECT` tunnel for
    /// every destination, so the proxy never sees a request or the key), `socks5://`,
    /// `socks5h://`, `socks4://` or `socks4a://`, with `user:password@` for credentials. It
    /// replaces the proxies from the environment, `NO_PROXY` included, and applies to loopback
    /// too. An unusable URL, or `https://` (TLS to the proxy), fails [`build`](Self::build).
    ///
    /// By default the client reads `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`
    /// (upper or lower case) when it is built, as curl does.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.transport.proxy = ProxyChoice::Url(url.into());
        self
    }

    /// Use no proxy, whatever the environment says.
    pub fn no_proxy(mut self) -> Self {
        self.transport.proxy = ProxyChoice::Off;
        self
    }

    /// Speak HTTP/1.1 only (by default HTTP/2 is used when the server offers it in TLS).
    pub fn http1_only(mut self) -> Self {
        (self.transport.http1, self.transport.http2) = (true, false);
        self
    }

    /// Speak HTTP/2 only: offered alone in TLS, and by prior knowledge over plain `http`.
    pub fn http2_only(mut self) -> Self {
        (self.transport.http1, self.transport.http2) = (false, true);
        self
    }

    /// Close pooled connections idle for this long (default 90 s; `None` keeps them).
    pub fn pool_idle_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.transport.pool_idle_timeout = timeout.into();
        self
    }

    /// Keep at most this many idle connections per host (default: no limit; 0 disables reuse).
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.transport.pool_max_idle_per_host = max;
        self
    }

    /// A header sent with every request unless the call sets it. Invalid names or values make
    /// [`build`](Self::build) fail.
    pub fn default_header(mut self, name: &str, value: &str) -> Self {
        match parse_header(name, value) {
            Ok((name, value)) => {
                self.default_headers.insert(name, value);
            }
            Err(err) => {
                self.invalid.get_or_insert(err.into());
            }
        }
        self
    }

    /// Cap on a response body (default 16 MiB); larger bodies fail with
    /// [`Error::ResponseTooLarge`].
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Allow a plain `http://` base URL on a host that is not loopback (off by default: the key
    /// would cross the network in clear text).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Add a tower layer around the HTTP stack, under the typed adapter: it sees each call
    /// once, as an `http::Request<Full<Bytes>>` with a path relative to the base URL and no key,
    /// and its `Response<Bytes>` or error after retries. The first layer added is the
    /// outermost. Its service must be `Clone + Send + Sync`; put a layer whose service is not
    /// (a rate limit, for instance) behind `tower::buffer::BufferLayer`. The README's "Custom
    /// layers" section has examples.
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<HttpService> + Send + Sync + 'static,
        L::Service: Service<HttpRequest, Response = HttpResponse> + Clone + Send + Sync + 'static,
        <L::Service as Service<HttpRequest>>::Error: Into<BoxError>,
        <L::Service as Service<HttpRequest>>::Future: Send + 'static,
    {
        self.layers.push(boxed(layer));
        self
    }

    /// Add a tower layer under the retry layer, around each attempt: every retry, redirect
    /// hop and resend after a stale connection passes through it, with the absolute URI, the
    /// retry layer's [`Attempt`](boltz_api_layers::retry::Attempt) extension and the
    /// operation's [`Operation`](boltz_api_layers::operation::Operation), but not the key
    /// (attached below it). For per-attempt metrics; the first layer added is the outermost.
    pub fn attempt_layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<HttpService> + Send + Sync + 'static,
        L::Service: Service<HttpRequest, Response = HttpResponse> + Clone + Send + Sync + 'static,
        <L::Service as Service<HttpRequest>>::Error: Into<BoxError>,
        <L::Service as Service<HttpRequest>>::Future: Send + 'static,
    {
        self.attempt_layers.push(boxed(layer));
        self
    }

    /// Build the client. Fails without an API key, with an invalid base URL or header, or when
    /// TLS cannot be set up; nothing is sent.
    pub fn build(self) -> Result<Client, Error> {
        let transport = transport::transport(&self.transport)?;
        Ok(self.build_with_transport(transport.clone())?.with_files(transport))
    }

    /// Build the client with the default stack over another transport: a custom connector, or an
    /// in-memory service in tests and benchmarks. `connect_timeout` and `local_address` are the
    /// transport's business then.
    pub fn build_with_transport<T, B>(self, transport: T) -> Result<Client, Error>
    where
        T: Service<HttpRequest, Response = Response<B>> + Clone + Send + Sync + 'static,
        T::Error: Into<BoxError>,
        T::Future: Send + 'static,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        if let Some(err) = self.invalid {
            return Err(err.into());
        }
        let key = self.api_key.filter(|k| !k.is_empty()).ok_or(BuildError::MissingApiKey)?;
        let mut api_key = HeaderValue::try_from(key.as_str()).map_err(|_| BuildError::InvalidApiKey)?;
        api_key.set_sensitive(true);
        let base =
            parse_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL), self.allow_insecure_http)?;
        let mut default_headers = self.default_headers;
        if !default_headers.contains_key(USER_AGENT) {
            default_headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        }
        let key_label = key_label(&key);
        let redact = Redact::new(&key, &key_label);
        let config = StackConfig {
            base,
            api_key,
            key_label,
            max_retries: self.max_retries,
            timeout: self.timeout,
            deadline: self.deadline,
            default_headers,
            max_response_bytes: self.max_response_bytes,
            budget: Arc::new(TpsBudget::default()),
            attempt_layers: self.attempt_layers,
        };
        let stack = stack::default_stack(config, transport)?;
        if self.layers.is_empty() {
            return Ok(Client::from_stack(stack, redact));
        }
        Ok(Client::from_stack(wrap(HttpService::new(stack), self.layers), redact))
    }
}

const USER_AGENT_VALUE: &str = concat!("boltz-api-rust/", env!("CARGO_PKG_VERSION"));

/// The public part of a key for logs: at most its first 12 characters, and never more than
/// half of it.
pub(crate) fn key_label(key: &str) -> String {
    let keep = 12.min(key.chars().count() / 2);
    key.chars().take(keep).collect()
}

fn parse_base_url(url: &str, allow_insecure_http: bool) -> Result<Uri, BuildError> {
    let invalid = |reason| BuildError::InvalidBaseUrl { url: url.to_owned(), reason };
    let uri: Uri = url.trim().parse().map_err(|_| invalid("not a valid URL"))?;
    let scheme = uri.scheme_str().ok_or_else(|| invalid("the scheme (https://) is missing"))?;
    let host = uri.host().ok_or_else(|| invalid("the host is missing"))?;
    if uri.query().is_some() {
        return Err(invalid("a base URL cannot carry a query"));
    }
    match scheme {
        "https" => {}
        "http" if allow_insecure_http || is_loopback(host) => {}
        "http" => return Err(invalid("plain http is allowed only to loopback; see allow_insecure_http")),
        _ => return Err(invalid("the scheme must be https or http")),
    }
    Ok(uri)
}

/// `localhost` or a loopback address (brackets allowed around IPv6).
pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_required_and_must_fit_a_header() {
        let err = ClientBuilder::new().build().unwrap_err();
        assert!(matches!(err, Error::Build(BuildError::MissingApiKey)), "{err:?}");
        let err = ClientBuilder::new().api_key("").build().unwrap_err();
        assert!(matches!(err, Error::Build(BuildError::MissingApiKey)));
        let err = ClientBuilder::new().api_key("sk_abc\r\nx-evil: 1").build().unwrap_err();
        assert!(matches!(err, Error::Build(BuildError::InvalidApiKey)));
        assert!(!err.to_string().contains("sk_abc"));
    }

    #[test]
    fn base_urls_are_checked() {
        assert!(parse_base_url("https://api.boltz.bio", false).is_ok());
        assert!(parse_base_url("http://127.0.0.1:8080/prefix", false).is_ok());
        assert!(parse_base_url("http://[::1]:8080", false).is_ok());
        assert!(parse_base_url("http://localhost:1", false).is_ok());
        assert!(parse_base_url("http://api.boltz.bio", false).is_err());
        assert!(parse_base_url("http://api.boltz.bio", true).is_ok());
        assert!(parse_base_url("api.boltz.bio", false).is_err());
        assert!(parse_base_url("ftp://h", false).is_err());
        assert!(parse_base_url("https://h/?a=1", false).is_err());
    }

    #[test]
    fn the_key_label_is_a_short_prefix() {
        assert_eq!(key_label("sk_bc_admin_live_0123456789abcdef"), "sk_bc_admin_");
        assert_eq!(key_label("short_key"), "shor");
    }

    #[test]
    fn debug_redacts_the_key_and_bad_headers_fail_the_build() {
        let builder = ClientBuilder::new()
            .api_key("sk_very_secret_value")
            .default_header("authorization", "Bearer tok3n");
        let text = format!("{builder:?}");
        assert!(!text.contains("sk_very_secret_value") && !text.contains("tok3n"), "{text}");
        let err = ClientBuilder::new().api_key("k").default_header("x-a", "1\n2").build().unwrap_err();
        assert!(matches!(err, Error::Build(BuildError::InvalidHeader { .. })));
    }
}
