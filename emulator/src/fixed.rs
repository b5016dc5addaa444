//! A minimal HTTP/1.1 server that answers every request with one fixed JSON body, for load tests
//! and benchmarks where the server must cost as little as possible.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let server = boltz_api_emulator::fixed::FixedServer::start(r#"{"ok":true}"#).await?;
//! assert!(server.base_url().starts_with("http://127.0.0.1:"));
//! # Ok(()) }
//! ```

use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running fixed-response server; dropping it stops accepting connections.
#[derive(Debug)]
pub struct FixedServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for FixedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FixedServer {
    /// Listen on 127.0.0.1 and answer `200` with `body` as `application/json`.
    pub async fn start(body: &'static str) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |_req: Request<Incoming>| async move {
                        let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
                        response
                            .headers_mut()
                            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                        Ok::<_, Infallible>(response)
                    });
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        Ok(Self { addr, task })
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}
