//! TLS and proxies on loopback: a private CA trusted once added, `https` and plain `http`
//! through a `CONNECT` tunnel with proxy credentials (the proxy never sees a request), the
//! protocol chosen by ALPN, and pooling that can be turned off.

mod support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use boltz_api::client::Certificate;
use boltz_api::{Client, Error};
use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use support::SEED;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer};

const KEY: &str = "sk_bc_admin_live_tls_0123456789";

/// An HTTPS server for `localhost` and `127.0.0.1` under a fresh private CA: it answers every
/// request with a key, and counts connections and the HTTP versions it saw.
struct TlsServer {
    addr: SocketAddr,
    ca_pem: String,
    connections: Arc<AtomicUsize>,
    versions: Arc<Mutex<Vec<http::Version>>>,
}

impl TlsServer {
    async fn start() -> Self {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_key = KeyPair::generate().unwrap();
        let ca_pem = ca_params.self_signed(&ca_key).unwrap().pem();
        let issuer = Issuer::new(ca_params, ca_key);
        let leaf_key = KeyPair::generate().unwrap();
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let leaf = CertificateParams::new(names).unwrap().signed_by(&leaf_key, &issuer).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![leaf.der().clone()], PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()))
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (connections, versions) = (Arc::new(AtomicUsize::new(0)), Arc::new(Mutex::new(Vec::new())));
        let (counted, seen) = (connections.clone(), versions.clone());
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                let (acceptor, seen) = (acceptor.clone(), seen.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let service =
                        hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                            seen.lock().unwrap().push(req.version());
                            async { Ok::<_, std::convert::Infallible>(json_response()) }
                        });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Self { addr, ca_pem, connections, versions }
    }

    fn url(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
    }

    fn client(&self) -> boltz_api::ClientBuilder {
        let ca = Certificate::from_pem(self.ca_pem.as_bytes()).unwrap();
        Client::builder().api_key(KEY).base_url(self.url()).add_root_certificate(ca).no_proxy()
    }
}

fn json_response() -> http::Response<Full<Bytes>> {
    http::Response::builder()
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(SEED.as_bytes())))
        .unwrap()
}

/// A proxy on loopback: `CONNECT` opens a tunnel (every byte the client sends through it is
/// kept); any other request is answered by the proxy itself. Each request head is kept.
#[derive(Clone, Default)]
struct Proxy {
    heads: Arc<Mutex<Vec<String>>>,
    tunnelled: Arc<Mutex<Vec<u8>>>,
}

impl Proxy {
    async fn start(&self) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let proxy = self.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(proxy.clone().serve(client));
            }
        });
        addr
    }

    async fn serve(self, mut client: TcpStream) {
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            if client.read(&mut byte).await.unwrap_or(0) == 0 {
                return;
            }
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        self.heads.lock().unwrap().push(head.clone());
        let Some(target) = head.strip_prefix("CONNECT ").and_then(|rest| rest.split(' ').next()) else {
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{SEED}",
                SEED.len()
            );
            let _ = client.write_all(reply.as_bytes()).await;
            return;
        };
        let mut server = TcpStream::connect(target).await.unwrap();
        client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.unwrap();
        let (mut from_client, mut to_client) = client.into_split();
        let (mut from_server, mut to_server) = server.split();
        let upstream = async {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = from_client.read(&mut buf).await {
                self.tunnelled.lock().unwrap().extend_from_slice(&buf[..n]);
                if to_server.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
            let _ = to_server.shutdown().await;
        };
        let downstream = async {
            let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
        };
        tokio::join!(upstream, downstream);
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn a_private_ca_is_trusted_once_added() {
    let server = TlsServer::start().await;
    let untrusting = Client::builder().api_key(KEY).base_url(server.url()).no_proxy().build().unwrap();
    let err = untrusting.admin().api_keys().revoke("key_1").await.unwrap_err();
    assert!(matches!(err, Error::Connect(_)), "an unknown issuer fails the handshake: {err:?}");
    assert!(!err.may_have_been_processed());

    let key = server.client().build().unwrap().admin().api_keys().revoke("key_1").await.unwrap();
    assert_eq!(key.id, "id");
    let bad =
        Client::builder().add_root_certificate(Certificate::from_der(vec![1, 2, 3])).build().unwrap_err();
    assert!(matches!(bad, Error::Build(_)), "{bad:?}");
}

#[tokio::test]
async fn https_goes_through_a_connect_tunnel_and_the_proxy_sees_no_key() {
    let server = TlsServer::start().await;
    let proxy = Proxy::default();
    let proxy_addr = proxy.start().await;
    let client = server.client().proxy(format!("http://scott:tiger@{proxy_addr}")).build().unwrap();
    client.admin().api_keys().revoke("key_1").await.unwrap();
    client.admin().api_keys().revoke("key_2").await.unwrap();
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "one tunnel, reused: {heads:?}");
    let head = heads[0].to_ascii_lowercase();
    assert!(head.starts_with(&format!("connect localhost:{} http/1.1", server.addr.port())), "{head}");
    assert!(head.contains(&"proxy-authorization: Basic c2NvdHQ6dGlnZXI=".to_ascii_lowercase()), "{head}");
    let tunnelled = proxy.tunnelled.lock().unwrap().clone();
    assert!(tunnelled.len() > 100, "the calls went through the tunnel");
    let window = |needle: &[u8]| tunnelled.windows(needle.len()).any(|w| w == needle);
    assert!(
        !window(KEY.as_bytes()) && !window(b"x-api-key") && !window(b"revoke"),
        "the proxy sees only TLS"
    );
}

#[tokio::test]
async fn plain_http_is_tunnelled_too_so_the_proxy_never_sees_the_key() {
    let origin = support::TestServer::start(|_, _| support::json(200, SEED)).await;
    let proxy = Proxy::default();
    let proxy_addr = proxy.start().await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(origin.url())
        .proxy(format!("http://{proxy_addr}"))
        .build()
        .unwrap();
    client.admin().api_keys().revoke("key_1").await.unwrap();
    let head = proxy.heads().remove(0);
    assert!(head.starts_with(&format!("CONNECT 127.0.0.1:{} HTTP/1.1", origin.addr.port())), "{head}");
    assert!(!head.contains(KEY), "{head}");
    assert_eq!(origin.requests().len(), 1, "the origin answered, through the tunnel");
}

#[tokio::test]
async fn alpn_offers_what_the_builder_allows() {
    let server = TlsServer::start().await;
    for (builder, expected) in [
        (server.client(), http::Version::HTTP_2),
        (server.client().http1_only(), http::Version::HTTP_11),
        (server.client().http2_only(), http::Version::HTTP_2),
    ] {
        builder.build().unwrap().admin().api_keys().revoke("key_1").await.unwrap();
        assert_eq!(server.versions.lock().unwrap().pop(), Some(expected));
    }
}

#[tokio::test]
async fn without_idle_connections_every_call_connects_again() {
    let server = TlsServer::start().await;
    let pooled = server.client().http1_only().build().unwrap();
    for _ in 0..3 {
        pooled.admin().api_keys().revoke("key_1").await.unwrap();
    }
    assert_eq!(server.connections.swap(0, Ordering::SeqCst), 1, "one pooled connection");
    let unpooled = server.client().http1_only().pool_max_idle_per_host(0).build().unwrap();
    for _ in 0..3 {
        unpooled.admin().api_keys().revoke("key_1").await.unwrap();
    }
    assert_eq!(server.connections.load(Ordering::SeqCst), 3, "a connection per call");
}
