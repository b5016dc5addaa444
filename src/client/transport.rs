//! The default transport: hyper-util's pooled client over rustls, or plain TCP for `http`, with
//! connections that count their use so a stale pooled connection can be recognised.

use std::net::IpAddr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::Response;
use http_body_util::Full;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tower::Service;

use boltz_api_layers::stale::StaleConnector;

use crate::error::BuildError;
use crate::json::HttpRequest;

/// hyper-util's pooled client behind an `Arc`. The stack is cloned per call and inside the retry
/// future; sharing the client makes each clone a pointer copy instead of a copy of the client's
/// whole configuration.
#[derive(Clone)]
pub(crate) struct Transport(Arc<HyperClient<StaleConnector<HttpsConnector<HttpConnector>>, Full<Bytes>>>);

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
        self.0.request(request)
    }
}

/// The client over rustls (HTTP/1.1 and HTTP/2 by ALPN) for `https`, plain TCP for `http`, with
/// the connect timeout and local address on its TCP connector.
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
        .build(StaleConnector::new(https));
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
        let mut transport = transport(Duration::from_secs(2), None).unwrap();
        let plain = transport.call(get(format!("http://{addr}/"))).await.unwrap();
        assert_eq!(plain.status(), 204);
        // The same server over https: the handshake fails on a plain HTTP reply.
        assert!(transport.call(get(format!("https://{addr}/"))).await.is_err());
        let other = transport.call(get(format!("ftp://{addr}/"))).await.unwrap_err();
        assert!(other.is_connect(), "{other:?}");
    }
}
