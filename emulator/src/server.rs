//! The HTTP side: accepting connections (for the API and the file origin alike), recording
//! requests, applying queued faults, and answering API requests through the router.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use std::time::Instant;

use bytes::Bytes;
use futures_util::stream::{self, StreamExt};
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};

use crate::compute::Compute;
use crate::error::ApiError;
use crate::faults::{FaultAction, Faults};
use crate::router::{self, Op};
use crate::store::Store;
use crate::{admin, control};

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub(crate) type Body = UnsyncBoxBody<Bytes, BoxError>;

/// The largest request body accepted: the API's 50 MiB JSON limit (inline base64 structures
/// count toward it).
const MAX_REQUEST_BODY: usize = 50 * 1024 * 1024;

/// State shared by every connection of both origins.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) store: Mutex<Store>,
    pub(crate) compute: Compute,
    pub(crate) faults: Faults,
    /// API requests received, control requests excluded.
    pub(crate) requests: AtomicU64,
    /// The most recent API requests, for tests that count attempts.
    pub(crate) log: Mutex<VecDeque<ReceivedRequest>>,
}

/// Requests kept in the log; older ones are dropped first.
const LOG_CAPACITY: usize = 100_000;

impl Shared {
    pub(crate) fn new(store: Store, compute: Compute) -> Self {
        Self {
            store: Mutex::new(store),
            compute,
            faults: Faults::default(),
            requests: AtomicU64::new(0),
            log: Mutex::default(),
        }
    }

    fn record(&self, method: &Method, path: &str, headers: &HeaderMap) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let received = ReceivedRequest {
            method: method.to_string(),
            path: path.to_owned(),
            retry_count: headers
                .get("x-stainless-retry-count")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            at: Instant::now(),
        };
        let mut log = self.log.lock().expect("request log");
        if log.len() == LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(received);
    }
}

/// An API request as the emulator received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// The method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The `x-stainless-retry-count` header, if sent.
    pub retry_count: Option<String>,
    /// When it arrived.
    pub at: Instant,
}

/// Accept connections on `listener` and answer each request with `handler`, until the task is
/// aborted.
pub(crate) async fn serve<H, F>(listener: TcpListener, shared: Arc<Shared>, handler: H)
where
    H: Fn(Arc<Shared>, SocketAddr, Arc<std::net::TcpStream>, Request<Incoming>) -> F
        + Copy
        + Send
        + Sync
        + 'static,
    F: Future<Output = Result<Response<Body>, BoxError>> + Send + 'static,
{
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Running out of descriptors is transient: back off instead of spinning.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let shared = shared.clone();
        // A second handle on the socket lets a `Reset` fault set SO_LINGER to zero, so closing
        // the connection sends a RST instead of a FIN.
        let (stream, resetter) = match split_for_reset(stream) {
            Ok(pair) => pair,
            Err(_) => continue,
        };
        let resetter = Arc::new(resetter);
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |req| handler(shared.clone(), peer, resetter.clone(), req));
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

fn split_for_reset(stream: TcpStream) -> std::io::Result<(TcpStream, std::net::TcpStream)> {
    let stream = stream.into_std()?;
    let resetter = stream.try_clone()?;
    Ok((TcpStream::from_std(stream)?, resetter))
}

/// A response before it is sent: status, headers and the whole body.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Reply {
    pub(crate) fn new(status: StatusCode, body: Bytes) -> Self {
        Self { status, headers: HeaderMap::new(), body }
    }

    pub(crate) fn json(status: StatusCode, body: impl Into<Bytes>) -> Self {
        let mut reply = Self::new(status, body.into());
        reply.headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        reply
    }

    pub(crate) fn error(err: &ApiError) -> Self {
        let mut reply = Self::json(err.status, err.body().to_string());
        if let Some(retry) = err.should_retry {
            let value = HeaderValue::from_static(if retry { "true" } else { "false" });
            reply.headers.insert("x-should-retry", value);
        }
        reply
    }

    pub(crate) fn into_response(self) -> Response<Body> {
        let mut response = Response::new(full(self.body));
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response
    }
}

/// Answer with `answer()`, or do what a queued fault says instead (or first, for a delay).
pub(crate) async fn respond(
    action: Option<FaultAction>,
    resetter: &std::net::TcpStream,
    answer: impl FnOnce() -> Reply,
) -> Result<Response<Body>, BoxError> {
    if let Some(FaultAction::Delay { ms }) = action {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let response = match action {
        Some(FaultAction::Close) => return Err("connection closed by an injected fault".into()),
        Some(FaultAction::Reset) => {
            socket2::SockRef::from(resetter).set_linger(Some(Duration::ZERO))?;
            return Err("connection reset by an injected fault".into());
        }
        Some(FaultAction::Status { status, headers, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = body.unwrap_or_else(|| {
                let message = format!("injected fault: {}", status.canonical_reason().unwrap_or("error"));
                json!({ "error": { "type": "injected_fault", "message": message } }).to_string()
            });
            let mut reply = Reply::json(status, body);
            for (name, value) in headers {
                if let (Ok(name), Ok(value)) =
                    (name.parse::<http::HeaderName>(), HeaderValue::from_str(&value))
                {
                    reply.headers.insert(name, value);
                }
            }
            reply.into_response()
        }
        Some(FaultAction::MalformedJson) => {
            Reply::json(StatusCode::OK, Bytes::from_static(b"{\"id\": \"key_trunc")).into_response()
        }
        Some(FaultAction::StallBody) => {
            cut_body(answer(), |half| stream::iter([Ok(Frame::data(half))]).chain(stream::pending()).boxed())
        }
        Some(FaultAction::TruncatedBody) => cut_body(answer(), |half| {
            let broken: BoxError = "body truncated by an injected fault".into();
            // The pause lets the head and the first half leave before the connection is dropped;
            // otherwise the whole response can die in the write buffer, unsent.
            let after_a_pause = stream::once(async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Err(broken)
            });
            stream::iter([Ok(Frame::data(half))]).chain(after_a_pause).boxed()
        }),
        Some(FaultAction::Delay { .. }) | None => answer().into_response(),
    };
    Ok(response)
}

type Frames = futures_util::stream::BoxStream<'static, Result<Frame<Bytes>, BoxError>>;

/// Replace a reply's body with a stream built from its first half (the declared length, if
/// any, is dropped: the body is sent chunked).
fn cut_body(reply: Reply, stream: impl FnOnce(Bytes) -> Frames) -> Response<Body> {
    let half = reply.body.slice(..reply.body.len() / 2);
    let mut res = Response::new(BodyExt::boxed_unsync(StreamBody::new(stream(half))));
    *res.status_mut() = reply.status;
    *res.headers_mut() = reply.headers;
    res.headers_mut().remove(http::header::CONTENT_LENGTH);
    res
}

fn full(bytes: Bytes) -> Body {
    Full::new(bytes).map_err(|never: Infallible| match never {}).boxed_unsync()
}

/// The parts of an API request the handlers read.
pub(crate) struct Call<'a> {
    pub(crate) method: &'a Method,
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) peer: SocketAddr,
    pub(crate) body: &'a Bytes,
}

impl Call<'_> {
    /// The query, decoded into pairs.
    pub(crate) fn query_pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.unwrap_or_default().as_bytes()).into_owned().collect()
    }

    /// The `x-api-key` header.
    pub(crate) fn api_key(&self) -> Option<&str> {
        self.headers.get("x-api-key").and_then(|v| v.to_str().ok())
    }
}

/// Serve one API (or control) request.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    peer: SocketAddr,
    resetter: Arc<std::net::TcpStream>,
    req: Request<Incoming>,
) -> Result<Response<Body>, BoxError> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            let err = ApiError::bad_request("the request body is too large or broken");
            return Ok(Reply::error(&err).into_response());
        }
    };
    let path = parts.uri.path();
    if let Some(control_path) = path.strip_prefix("/__emulator/") {
        return Ok(control::handle(&shared, &parts.method, control_path, &body).into_response());
    }
    shared.record(&parts.method, path, &parts.headers);
    let action = shared.faults.take(parts.method.as_str(), path);
    let call = Call {
        method: &parts.method,
        path,
        query: parts.uri.query(),
        headers: &parts.headers,
        peer,
        body: &body,
    };
    respond(action, &resetter, || answer(&shared, &call)).await
}

/// Route a request and answer it normally.
fn answer(shared: &Shared, call: &Call<'_>) -> Reply {
    let result = router::route(call.method, call.path).and_then(|(op, params)| match op {
        Op::Admin(op) => admin::handle(shared, op, &params, call),
        Op::Compute(op) => crate::compute::routes::handle(shared, op, &params, call),
    });
    match result {
        Ok(value) => Reply::json(StatusCode::OK, value.to_string()),
        Err(err) => Reply::error(&err),
    }
}
