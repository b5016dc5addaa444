//! Recognise a request that failed because its pooled connection had gone stale.
//!
//! A server or load balancer may close a kept-alive connection right after a response without
//! saying so. The next request that takes that connection from the pool then fails, through no
//! fault of its own. [`StaleConnector`] wraps a hyper-util connector and counts, per HTTP/1
//! connection, the requests written and the response bytes read since the current one began;
//! [`stale_failure`] reads those counts back from a failed request's error. A failure on a
//! **reused** connection **before any byte of its response arrived** is stale, and the request
//! can be sent again at once on another connection: the retry layer does that without counting a
//! retry (see [`RetryLayer`](crate::retry::RetryLayer)).
//!
//! ```
//! use boltz_api_layers::stale::{StaleConnector, stale_failure};
//! use hyper_util::client::legacy::{Client, connect::HttpConnector};
//! use hyper_util::rt::TokioExecutor;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let client: Client<_, http_body_util::Empty<bytes::Bytes>> =
//!     Client::builder(TokioExecutor::new()).build(StaleConnector::new(HttpConnector::new()));
//! let err = client.get("http://127.0.0.1:9/".parse().unwrap()).await.unwrap_err();
//! // A refused connection was never reused: it is not stale.
//! assert!(stale_failure(&err).is_none());
//! # }
//! ```

use std::error::Error as StdError;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::task::{Context, Poll, ready};

use futures_util::TryFutureExt;
use futures_util::future::MapOk;
use http::{Extensions, Uri};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpInfo};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tower_service::Service;

/// Request extension on a request sent again after a stale failure, which is not sent a second
/// time for the same reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resent;

/// What a stale failure says about its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaleFailure {
    /// hyper handed the request back unwritten, so even a non-idempotent request may be resent.
    pub unsent: bool,
}

/// Whether `err` is a stale-connection failure: hyper-util reported it on a reused HTTP/1
/// connection that had read no byte of this request's response, and the connection was closed,
/// reset or ended before the response. `None` for anything else, and for connections not made by
/// a [`StaleConnector`].
pub fn stale_failure(err: &(dyn StdError + 'static)) -> Option<StaleFailure> {
    let mut closed = false;
    let mut unsent = false;
    let mut connected = None;
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(client) = e.downcast_ref::<hyper_util::client::legacy::Error>() {
            connected = connected.or(client.connect_info());
        } else if let Some(hyper) = e.downcast_ref::<hyper::Error>() {
            unsent |= hyper.is_canceled();
            closed |= hyper.is_canceled() || hyper.is_closed() || hyper.is_incomplete_message();
        } else if let Some(io) = e.downcast_ref::<io::Error>() {
            closed |= matches!(
                io.kind(),
                io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
                    | io::ErrorKind::UnexpectedEof
            );
        }
        cur = e.source();
    }
    let connected = connected?;
    // HTTP/2 multiplexes requests on one connection, so its byte counts say nothing about one
    // request; hyper-util itself resends HTTP/2 requests refused before they started.
    if !closed || connected.is_negotiated_h2() {
        return None;
    }
    let mut extras = Extensions::new();
    connected.get_extras(&mut extras);
    let usage = &extras.get::<Tracked>()?.usage;
    (usage.reused() && !usage.response_started()).then_some(StaleFailure { unsent })
}

/// The connection extra of a [`StaleConnector`]'s connections, in every response's extensions:
/// the counts, and the inner connection's [`HttpInfo`] when that was its only extra (folded in,
/// so a response carries one extension for both). Read the addresses with [`http_info`].
#[derive(Debug, Clone)]
pub struct Tracked {
    info: Option<HttpInfo>,
    usage: Usage,
}

/// The connection's addresses among response (or captured connection) extensions: hyper-util's
/// [`HttpInfo`], or the one a [`Tracked`] extra holds.
pub fn http_info(extensions: &Extensions) -> Option<&HttpInfo> {
    extensions.get::<HttpInfo>().or_else(|| extensions.get::<Tracked>()?.info.as_ref())
}

/// Counts shared between a connection and the errors reported on it.
#[derive(Debug, Default)]
struct Counts {
    /// Requests begun on the connection (write phases: a write after reads, or the first write).
    requests: AtomicU32,
    /// Bytes read since the current request began.
    response_bytes: AtomicU64,
}

/// The counts, shared by a connection and its [`Tracked`] extra. Only the connection's own task
/// writes them, and an error reaches a reader through hyper's channels, so relaxed ordering
/// suffices.
#[derive(Debug, Clone, Default)]
struct Usage(Arc<Counts>);

impl Usage {
    fn reused(&self) -> bool {
        self.0.requests.load(Ordering::Relaxed) > 1
    }

    fn response_started(&self) -> bool {
        self.0.response_bytes.load(Ordering::Relaxed) > 0
    }
}

/// A connector whose connections count their requests and response bytes for [`stale_failure`].
#[derive(Debug, Clone)]
pub struct StaleConnector<C> {
    inner: C,
}

impl<C> StaleConnector<C> {
    /// Wrap `inner`, a hyper-util connector.
    pub fn new(inner: C) -> Self {
        Self { inner }
    }
}

/// The IO type of a [`StaleConnector`]'s connections.
pub type CountedIo<T> = TokioIo<Counted<TokioIo<T>>>;

impl<C> Service<Uri> for StaleConnector<C>
where
    C: Service<Uri>,
    C::Response: hyper::rt::Read + hyper::rt::Write + Connection + Unpin,
{
    type Response = CountedIo<C::Response>;
    type Error = C::Error;
    type Future = MapOk<C::Future, fn(C::Response) -> CountedIo<C::Response>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        self.inner.call(uri).map_ok(|io| TokioIo::new(Counted::new(TokioIo::new(io))))
    }
}

/// A connection that counts what it reads and writes; see [`StaleConnector`].
#[derive(Debug)]
pub struct Counted<T> {
    inner: T,
    usage: Usage,
    /// Whether the last transfer was a write, so the next write continues the same request.
    writing: bool,
}

impl<T> Counted<T> {
    fn new(inner: T) -> Self {
        Self { inner, usage: Usage::default(), writing: false }
    }

    fn wrote(&mut self, n: usize) {
        if n > 0 && !self.writing {
            self.writing = true;
            self.usage.0.requests.fetch_add(1, Ordering::Relaxed);
            self.usage.0.response_bytes.store(0, Ordering::Relaxed);
        }
    }
}

impl<T: Connection> Connection for Counted<TokioIo<T>> {
    /// Called once per connection. hyper-util copies every extra into every response, so a lone
    /// `HttpInfo` is replaced by a [`Tracked`] holding it rather than chained with one: a response
    /// then costs one extension, as without tracking. The inner connection's other settings are
    /// kept, but not a poison pill of its own.
    fn connected(&self) -> Connected {
        let inner = self.inner.connected();
        let mut extras = Extensions::new();
        inner.get_extras(&mut extras);
        if extras.len() == 1 {
            if let Some(info) = extras.remove::<HttpInfo>() {
                let connected = Connected::new()
                    .proxy(inner.is_proxied())
                    .extra(Tracked { info: Some(info), usage: self.usage.clone() });
                return if inner.is_negotiated_h2() { connected.negotiated_h2() } else { connected };
            }
        }
        inner.extra(Tracked { info: None, usage: self.usage.clone() })
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Counted<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.inner).poll_read(cx, buf))?;
        let n = buf.filled().len() - before;
        if n > 0 {
            self.writing = false;
            self.usage.0.response_bytes.fetch_add(n as u64, Ordering::Relaxed);
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counted<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let n = ready!(Pin::new(&mut self.inner).poll_write(cx, buf))?;
        self.wrote(n);
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let n = ready!(Pin::new(&mut self.inner).poll_write_vectored(cx, bufs))?;
        self.wrote(n);
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http_body_util::Empty;
    use hyper_util::client::legacy::Client;
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::rt::TokioExecutor;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    const OK: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";

    /// Read one request head (these requests have no body); `false` at end of stream.
    async fn read_request(socket: &mut TcpStream) -> bool {
        let mut seen = Vec::new();
        let mut buf = [0u8; 1024];
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
        true
    }

    /// A server that answers the first request of each connection with `OK`, then reads the next
    /// one and answers it with `second` (nothing: it just closes).
    async fn server(second: &'static [u8]) -> std::net::SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    if read_request(&mut socket).await {
                        socket.write_all(OK).await.unwrap();
                    }
                    if read_request(&mut socket).await {
                        let _ = socket.write_all(second).await;
                    }
                });
            }
        });
        addr
    }

    fn client() -> Client<StaleConnector<HttpConnector>, Empty<Bytes>> {
        Client::builder(TokioExecutor::new()).build(StaleConnector::new(HttpConnector::new()))
    }

    async fn second_request(second: &'static [u8]) -> hyper_util::client::legacy::Error {
        let uri: Uri = format!("http://{}/", server(second).await).parse().unwrap();
        let client = client();
        let first = client.get(uri.clone()).await.unwrap();
        assert_eq!(first.status(), 200);
        drop(first);
        // Let the connection go back to the pool.
        tokio::task::yield_now().await;
        client.get(uri).await.unwrap_err()
    }

    #[tokio::test]
    async fn a_reused_connection_closed_before_the_response_is_stale() {
        let err = second_request(b"").await;
        assert_eq!(stale_failure(&err), Some(StaleFailure { unsent: false }), "{err:?}");
    }

    #[tokio::test]
    async fn a_response_that_had_started_is_not_stale() {
        let err = second_request(b"HTTP/1.1 200 OK\r\ncontent-le").await;
        assert_eq!(stale_failure(&err), None, "{err:?}");
    }

    #[tokio::test]
    async fn a_fresh_connection_is_not_stale() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                read_request(&mut socket).await;
            }
        });
        let err = client().get(format!("http://{addr}/").parse().unwrap()).await.unwrap_err();
        assert_eq!(stale_failure(&err), None, "{err:?}");
    }

    #[tokio::test]
    async fn responses_carry_the_addresses_in_one_extension() {
        let uri: Uri = format!("http://{}/", server(b"").await).parse().unwrap();
        let response = client().get(uri).await.unwrap();
        let info = http_info(response.extensions()).expect("the connection's addresses");
        assert!(info.local_addr().ip().is_loopback() && info.remote_addr().ip().is_loopback());
        assert!(response.extensions().get::<HttpInfo>().is_none(), "folded into Tracked");
    }

    #[test]
    fn other_errors_are_not_stale() {
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(stale_failure(&reset), None, "no connection info");
    }
}
