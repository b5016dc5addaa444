//! The default transport: hyper-util's pooled client over the TLS library the features chose, or
//! plain TCP for `http`, through the proxy the settings pick, with connections that count their
//! use so a stale pooled connection can be recognised.

use std::net::IpAddr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::Response;
use http_body_util::Full;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tower::Service;

use boltz_api_layers::stale::StaleConnector;

use super::proxy::{ProxyChoice, ProxyConnector};
use super::tls::{self, Certificate, Tls, TlsConfig};
use crate::error::BuildError;
use crate::json::HttpRequest;

type Pooled = HyperClient<StaleConnector<Tls<ProxyConnector>>, Full<Bytes>>;

/// hyper-util's pooled client behind an `Arc`. The stack is cloned per call and inside the retry
/// future; sharing the client makes each clone a pointer copy instead of a copy of the client's
/// whole configuration.
#[derive(Clone)]
pub(crate) struct Transport(Arc<Pooled>);

impl Transport {
    /// Send `request` as it is: no layer of the stack, so no key, retry or redirect.
    pub(crate) fn request(&self, request: HttpRequest) -> hyper_util::client::legacy::ResponseFuture {
        self.0.request(request)
    }
}

impl Service<HttpRequest> for Transport {
    type Response = Response<hyper::body::Incoming>;
    type Error = hyper_util::client::legacy::Error;
    type Future = hyper_util::client::legacy::ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // The pooled client has no readiness of its own; it queues for connections internally.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: HttpRequest) -> Self::Future {
        self.request(request)
    }
}

/// How the default transport connects, pools and speaks.
#[derive(Debug, Clone)]
pub(crate) struct TransportConfig {
    pub(crate) connect_timeout: Duration,
    pub(crate) local_address: Option<IpAddr>,
    pub(crate) proxy: ProxyChoice,
    pub(crate) roots: Vec<Certificate>,
    pub(crate) http1: bool,
    pub(crate) http2: bool,
    pub(crate) pool_idle_timeout: Option<Duration>,
    pub(crate) pool_max_idle_per_host: usize,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            local_address: None,
            proxy: ProxyChoice::Env,
            roots: Vec::new(),
            http1: true,
            http2: true,
            pool_idle_timeout: Some(Duration::from_secs(90)),
            pool_max_idle_per_host: usize::MAX,
        }
    }
}

/// The pooled client: TCP with the connect timeout and local address, through the proxy, under
/// TLS for `https` (HTTP/1.1 and HTTP/2 by ALPN unless one is chosen).
pub(crate) fn transport(config: &TransportConfig) -> Result<Transport, BuildError> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(config.connect_timeout));
    http.set_local_address(config.local_address);
    let proxies = config.proxy.proxies(|name| std::env::var(name).ok())?.map(Arc::new);
    let tls_config = TlsConfig { roots: &config.roots, http1: config.http1, http2: config.http2 };
    let connector = tls::wrap(ProxyConnector::new(http, proxies), &tls_config)?;
    let client = HyperClient::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new())
        .pool_idle_timeout(config.pool_idle_timeout)
        .pool_max_idle_per_host(config.pool_max_idle_per_host)
        // Plain-HTTP HTTP/2 is by prior knowledge; over TLS, ALPN offers only h2 as well.
        .http2_only(!config.http1)
        .build(StaleConnector::new(connector));
    Ok(Transport(Arc::new(client)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A TCP server that answers every connection with one plain HTTP/1.1 response.
    async fn plain_http_server() -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    let _ = socket.read(&mut buf).await;
                    let _ = socket.write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").await;
                });
            }
        });
        addr
    }

    fn get(uri: String) -> HttpRequest {
        http::Request::get(uri).body(Full::default()).unwrap()
    }

    #[tokio::test]
    async fn http_is_plain_and_https_needs_a_tls_handshake() {
        let addr = plain_http_server().await;
        let config = TransportConfig { proxy: ProxyChoice::Off, ..TransportConfig::default() };
        let mut transport = transport(&config).unwrap();
        let plain = transport.call(get(format!("http://{addr}/"))).await.unwrap();
        assert_eq!(plain.status(), 204);
        // The same server over https: the handshake fails on a plain HTTP reply.
        assert!(transport.call(get(format!("https://{addr}/"))).await.is_err());
        let other = transport.call(get(format!("ftp://{addr}/"))).await.unwrap_err();
        assert!(other.is_connect(), "{other:?}");
    }
}
