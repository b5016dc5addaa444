//! The HTTP side: connection handling, fault application, routing.

use std::collections::VecDeque;
use std::convert::Infallible;
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
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};

use crate::error::ApiError;
use crate::faults::{Fault, FaultAction, Faults};
use crate::store::{ORGANIZATION_ID, ORGANIZATION_NAME, Store};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Body = UnsyncBoxBody<Bytes, BoxError>;

/// The largest request body accepted.
const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// State shared by every connection.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) store: Mutex<Store>,
    pub(crate) faults: Faults,
    /// API requests received, control requests excluded.
    pub(crate) requests: AtomicU64,
    /// The most recent API requests, for tests that count attempts.
    pub(crate) log: Mutex<VecDeque<ReceivedRequest>>,
}

/// Requests kept in the log; older ones are dropped first.
const LOG_CAPACITY: usize = 100_000;

impl Shared {
    pub(crate) fn new(store: Store) -> Self {
        Self {
            store: Mutex::new(store),
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

/// Accept connections until the task is aborted.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
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
                hyper::service::service_fn(move |req| handle(shared.clone(), peer, resetter.clone(), req));
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

fn split_for_reset(stream: TcpStream) -> std::io::Result<(TcpStream, std::net::TcpStream)> {
    let stream = stream.into_std()?;
    let resetter = stream.try_clone()?;
    Ok((TcpStream::from_std(stream)?, resetter))
}

async fn handle(
    shared: Arc<Shared>,
    peer: SocketAddr,
    resetter: Arc<std::net::TcpStream>,
    req: Request<Incoming>,
) -> Result<Response<Body>, BoxError> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Ok(error(&ApiError::bad_request("the request body is too large or broken"))),
    };
    let path = parts.uri.path();
    if let Some(control_path) = path.strip_prefix("/__emulator/") {
        return Ok(control(&shared, &parts.method, control_path, &body));
    }
    shared.record(&parts.method, path, &parts.headers);
    let action = shared.faults.take(parts.method.as_str(), path);
    if let Some(FaultAction::Delay { ms }) = action {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let request = Call {
        method: &parts.method,
        path,
        query: parts.uri.query(),
        headers: &parts.headers,
        peer,
        body: &body,
    };
    let response = match action {
        Some(FaultAction::Close) => return Err("connection closed by an injected fault".into()),
        Some(FaultAction::Reset) => {
            socket2::SockRef::from(&*resetter).set_linger(Some(Duration::ZERO))?;
            return Err("connection reset by an injected fault".into());
        }
        Some(FaultAction::Status { status, headers, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = body.unwrap_or_else(|| {
                let message = format!("injected fault: {}", status.canonical_reason().unwrap_or("error"));
                json!({ "error": { "type": "injected_fault", "message": message } }).to_string()
            });
            let mut response = json_response(status, Bytes::from(body));
            for (name, value) in headers {
                if let (Ok(name), Ok(value)) =
                    (name.parse::<http::HeaderName>(), HeaderValue::from_str(&value))
                {
                    response.headers_mut().insert(name, value);
                }
            }
            response
        }
        Some(FaultAction::MalformedJson) => {
            json_response(StatusCode::OK, Bytes::from_static(b"{\"id\": \"key_trunc"))
        }
        Some(FaultAction::StallBody) => cut_body(answer(&shared, &request), |half| {
            stream::iter([Ok(Frame::data(half))]).chain(stream::pending()).boxed()
        }),
        Some(FaultAction::TruncatedBody) => cut_body(answer(&shared, &request), |half| {
            let broken: BoxError = "body truncated by an injected fault".into();
            // The pause lets the head and the first half leave before the connection is dropped;
            // otherwise the whole response can die in the write buffer, unsent.
            let after_a_pause = stream::once(async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Err(broken)
            });
            stream::iter([Ok(Frame::data(half))]).chain(after_a_pause).boxed()
        }),
        Some(FaultAction::Delay { .. }) | None => {
            let (status, body) = answer(&shared, &request);
            json_response(status, body)
        }
    };
    Ok(response)
}

/// The parts of a request the routes read.
struct Call<'a> {
    method: &'a Method,
    path: &'a str,
    query: Option<&'a str>,
    headers: &'a HeaderMap,
    peer: SocketAddr,
    body: &'a Bytes,
}

type Frames = futures_util::stream::BoxStream<'static, Result<Frame<Bytes>, BoxError>>;

/// Replace a response's body with a stream built from its first half.
fn cut_body(response: (StatusCode, Bytes), stream: impl FnOnce(Bytes) -> Frames) -> Response<Body> {
    let (status, body) = response;
    let half = body.slice(..body.len() / 2);
    let mut res = Response::new(BodyExt::boxed_unsync(StreamBody::new(stream(half))));
    *res.status_mut() = status;
    res.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}

fn full(bytes: Bytes) -> Body {
    Full::new(bytes).map_err(|never: Infallible| match never {}).boxed_unsync()
}

fn json_response(status: StatusCode, body: Bytes) -> Response<Body> {
    let mut res = Response::new(full(body));
    *res.status_mut() = status;
    res.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}

fn error(err: &ApiError) -> Response<Body> {
    json_response(err.status, Bytes::from(err.body().to_string()))
}

/// Answer a request normally: its status and JSON body.
fn answer(shared: &Shared, req: &Call<'_>) -> (StatusCode, Bytes) {
    let (status, body) = match dispatch(shared, req) {
        Ok(value) => (StatusCode::OK, value),
        Err(err) => (err.status, err.body()),
    };
    (status, Bytes::from(body.to_string()))
}

fn dispatch(shared: &Shared, req: &Call<'_>) -> Result<Value, ApiError> {
    let segments: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let query: Vec<(String, String)> =
        form_urlencoded::parse(req.query.unwrap_or_default().as_bytes()).into_owned().collect();
    let secret = req.headers.get("x-api-key").and_then(|v| v.to_str().ok());
    let method = req.method;
    let wrong_method = || ApiError::method_not_allowed(format!("{method} is not allowed on {}", req.path));
    let only = |allowed: Method| if *method == allowed { Ok(()) } else { Err(wrong_method()) };
    let admin = |store: &mut Store| {
        let caller = store.authenticate(secret, req.peer.ip())?;
        caller.require_admin()?;
        Ok::<_, ApiError>(caller)
    };
    let mut store = shared.store.lock().expect("store lock");
    match segments.as_slice() {
        ["compute", "v1", "admin", "api-keys"] => {
            let caller = admin(&mut store)?;
            match *method {
                Method::POST => store.create_key(&caller, req.body),
                Method::GET => Ok(serde_json::to_value(store.list_keys(&query)?).expect("serialisable")),
                _ => Err(wrong_method()),
            }
        }
        ["compute", "v1", "admin", "api-keys", id, "revoke"] => {
            admin(&mut store)?;
            only(Method::POST)?;
            Ok(serde_json::to_value(store.revoke_key(&decode(id))?).expect("serialisable"))
        }
        ["compute", "v1", "admin", "workspaces"] => {
            admin(&mut store)?;
            match *method {
                Method::POST => store.create_workspace(req.body),
                Method::GET => {
                    Ok(serde_json::to_value(store.list_workspaces(&query)?).expect("serialisable"))
                }
                _ => Err(wrong_method()),
            }
        }
        ["compute", "v1", "admin", "workspaces", id] => {
            admin(&mut store)?;
            match *method {
                Method::GET => store.retrieve_workspace(&decode(id)),
                Method::POST => store.update_workspace(&decode(id), req.body),
                _ => Err(wrong_method()),
            }
        }
        ["compute", "v1", "admin", "workspaces", id, "archive"] => {
            admin(&mut store)?;
            only(Method::POST)?;
            store.archive_workspace(&decode(id))
        }
        ["compute", "v1", "admin", "workspaces", id, "spending-limit"] => match *method {
            Method::GET => {
                let caller = store.authenticate(secret, req.peer.ip())?;
                store.retrieve_spending_limit(&caller, &decode(id))
            }
            Method::PUT => {
                admin(&mut store)?;
                store.set_spending_limit(&decode(id), req.body)
            }
            _ => Err(wrong_method()),
        },
        ["compute", "v1", "admin", "usage"] => {
            admin(&mut store)?;
            only(Method::GET)?;
            store.usage(&query)
        }
        ["compute", "v1", "auth", "me"] => {
            let caller = store.authenticate(secret, req.peer.ip())?;
            only(Method::GET)?;
            Ok(json!({
                "principal_type": "api_key",
                "api_key_id": caller.key_id,
                "key_type": caller.key_type,
                "mode": caller.mode(),
                "organization_id": ORGANIZATION_ID,
                "organization_name": ORGANIZATION_NAME,
                "selected_organization_id": ORGANIZATION_ID,
                "workspace_id": caller.workspace_id,
            }))
        }
        ["compute", "v1", "cli", "version"] => {
            store.authenticate(secret, req.peer.ip())?;
            only(Method::GET)?;
            Ok(cli_version(query.iter().find(|(k, _)| k == "current").map(|(_, v)| v.as_str())))
        }
        _ => Err(ApiError::not_found(format!("no route for {method} {}", req.path))),
    }
}

/// A path segment, percent-decoded.
fn decode(segment: &str) -> String {
    percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

/// The emulator's CLI release metadata.
fn cli_version(current: Option<&str>) -> Value {
    const LATEST: &str = "1.0.0";
    const MINIMUM: &str = "0.5.0";
    let parse = |v: &str| v.split('.').map(|p| p.parse::<u64>().unwrap_or(0)).collect::<Vec<_>>();
    let (update_available, update_required) = match current {
        Some(current) => (parse(current) < parse(LATEST), parse(current) < parse(MINIMUM)),
        None => (false, false),
    };
    json!({
        "install": {
            "macos_linux": "curl -fsSL https://example.invalid/install.sh | sh",
            "windows": "irm https://example.invalid/install.ps1 | iex",
        },
        "latest": LATEST,
        "message": null,
        "minimum_supported": MINIMUM,
        "update_available": update_available,
        "update_required": update_required,
    })
}

/// `/__emulator/faults`: `POST` a fault (or a list), `GET` the queue, `DELETE` to clear it.
fn control(shared: &Shared, method: &Method, path: &str, body: &[u8]) -> Response<Body> {
    if path.trim_end_matches('/') != "faults" {
        return error(&ApiError::not_found(format!("no control route /__emulator/{path}")));
    }
    match *method {
        Method::POST => {
            let faults = match serde_json::from_slice::<Value>(body) {
                Ok(Value::Array(items)) => items.into_iter().map(serde_json::from_value).collect(),
                Ok(item) => serde_json::from_value(item).map(|f: Fault| vec![f]),
                Err(e) => Err(e),
            };
            match faults {
                Ok(faults) => {
                    let queued = faults.len();
                    faults.into_iter().for_each(|f| shared.faults.push(f));
                    json_response(StatusCode::OK, Bytes::from(json!({ "queued": queued }).to_string()))
                }
                Err(e) => error(&ApiError::bad_request(format!("invalid fault: {e}"))),
            }
        }
        Method::GET => {
            let pending = serde_json::to_string(&shared.faults.pending()).expect("serialisable");
            json_response(StatusCode::OK, Bytes::from(pending))
        }
        Method::DELETE => {
            shared.faults.clear();
            json_response(StatusCode::OK, Bytes::from_static(b"{}"))
        }
        _ => error(&ApiError::method_not_allowed("use GET, POST or DELETE")),
    }
}
