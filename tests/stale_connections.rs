//! A server that closes every kept-alive connection after its response without saying so (no
//! `Connection: close`), as load balancers and idle keep-alive timeouts do. A request that meets
//! such a connection in the pool is sent again at once on a new one: no backoff, no retry counted,
//! no warning; a create that was written is never sent twice.

mod support;

use std::future::IntoFuture;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use boltz_api::api::admin::api_keys::{CreateApiKey, ListApiKeys};
use boltz_api::{Client, Error};
use futures_util::TryStreamExt;
use support::{Capture, SEED};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const KEY: &str = "sk_bc_admin_live_stale_0123456789";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Close {
    /// Close right after each response.
    AfterResponse,
    /// Answer a connection's first request; read its next one, then close without an answer: the
    /// close always races the client's next request, and loses.
    OnNextRequest,
}

#[derive(Debug, Clone)]
struct Seen {
    target: String,
    retry_count: String,
    at: Instant,
    answered: bool,
}

struct Server {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn answered(&self) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.answered).collect()
    }
}

/// One request: its target and retry-count header, or `None` at end of stream.
async fn read_request(socket: &mut TcpStream) -> Option<(String, String)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (key, value) = l.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
        })
    };
    let length: usize = header("content-length").map_or(0, |v| v.parse().unwrap());
    while data.len() < head_end + length {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    let target = head.split_whitespace().nth(1)?.to_owned();
    Some((target, header("x-stainless-retry-count").unwrap_or_default()))
}

async fn start(close: Close, reply: fn(&str) -> String) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut first = true;
                while let Some((target, retry_count)) = read_request(&mut socket).await {
                    let answered = first || close == Close::AfterResponse;
                    let at = Instant::now();
                    log.lock().unwrap().push(Seen { target: target.clone(), retry_count, at, answered });
                    if !answered {
                        return;
                    }
                    let body = reply(&target);
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    socket.write_all(response.as_bytes()).await.unwrap();
                    if close == Close::AfterResponse {
                        return;
                    }
                    first = false;
                }
            });
        }
    });
    Server { url, seen }
}

/// Five pages of one key each, by `after_id`; any other path gets the revoke response.
fn pages(target: &str) -> String {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != "/compute/v1/admin/api-keys" {
        return SEED.to_owned();
    }
    let page = query
        .split('&')
        .find_map(|p| p.strip_prefix("after_id=key_"))
        .map_or(1, |n| n.parse::<u32>().unwrap() + 1);
    let key = SEED.replacen(r#""id":"id""#, &format!(r#""id":"key_{page}""#), 1);
    format!(r#"{{"data":[{key}],"first_id":"key_{page}","last_id":"key_{page}","has_more":{}}}"#, page < 5)
}

fn client(server: &Server) -> Client {
    Client::builder().api_key(KEY).base_url(&server.url).build().unwrap()
}

/// Every answered request went out as a first attempt, with no wait between calls.
fn assert_at_once(server: &Server, calls: usize) {
    let answered = server.answered();
    assert_eq!(answered.len(), calls, "{answered:#?}");
    assert!(answered.iter().all(|s| s.retry_count == "0"), "{answered:#?}");
    for pair in answered.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap < Duration::from_millis(50), "a {gap:?} gap before {}", pair[1].target);
    }
}

fn assert_no_warning(logs: &str) {
    assert!(!logs.lines().any(|l| l.contains(" WARN ")), "{logs}");
}

#[tokio::test]
async fn paging_through_five_pages_makes_five_requests_at_once() {
    for close in [Close::AfterResponse, Close::OnNextRequest] {
        let capture = Capture::default();
        let _guard = capture.install();
        let server = start(close, pages).await;
        let keys: Vec<_> =
            client(&server).admin().api_keys().list(ListApiKeys::new()).stream().try_collect().await.unwrap();
        let ids: Vec<_> = keys.iter().map(|k| k.id.as_str()).collect();
        assert_eq!(ids, ["key_1", "key_2", "key_3", "key_4", "key_5"]);
        assert_at_once(&server, 5);
        assert_no_warning(&capture.text());
        if close == Close::AfterResponse {
            assert_eq!(server.seen().len(), 5, "nothing reached the server but the five pages");
        } else {
            // Pages 2 to 5 each met a closed connection first: the resend path really ran.
            assert_eq!(server.seen().len(), 9);
            assert!(capture.text().contains("the pooled connection had been closed"));
        }
    }
}

#[tokio::test]
async fn twenty_sequential_revokes_go_out_at_once() {
    for close in [Close::AfterResponse, Close::OnNextRequest] {
        let capture = Capture::default();
        let _guard = capture.install();
        let server = start(close, pages).await;
        let client = client(&server);
        for _ in 0..20 {
            client.admin().api_keys().revoke("key_123").await.unwrap();
        }
        assert_at_once(&server, 20);
        assert_no_warning(&capture.text());
        if close == Close::OnNextRequest {
            assert_eq!(server.seen().len(), 39);
        }
    }
}

#[tokio::test]
async fn a_create_that_was_written_is_not_sent_twice() {
    let server = start(Close::OnNextRequest, |target| match target {
        "/compute/v1/admin/api-keys" => format!(r#"{{"key":"sk_bc_ws_test_new","key_details":{SEED}}}"#),
        _ => SEED.to_owned(),
    })
    .await;
    let client = client(&server);
    client.admin().api_keys().revoke("warm_up").await.unwrap();
    let err = client.admin().api_keys().create(CreateApiKey::new("once")).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.may_have_been_processed());
    let creates: Vec<_> =
        server.seen().into_iter().filter(|s| s.target == "/compute/v1/admin/api-keys").collect();
    assert_eq!(creates.len(), 1, "{creates:#?}");
}

#[tokio::test]
async fn a_request_is_resent_at_most_once_per_attempt() {
    let server = start(Close::OnNextRequest, pages).await;
    let client = client(&server);
    // Two pooled connections, each of which the server closes on its next request.
    let (a, b) = tokio::join!(
        client.admin().api_keys().revoke("a").into_future(),
        client.admin().api_keys().revoke("b").into_future()
    );
    a.unwrap();
    b.unwrap();
    let before = server.seen().len();
    client.admin().api_keys().revoke("twice").await.unwrap();
    // Stale on one connection, resent at once onto the other, stale again: that is a retry.
    let counts: Vec<_> =
        server.seen()[before..].iter().map(|s| (s.retry_count.clone(), s.answered)).collect();
    assert_eq!(counts, [("0".into(), false), ("0".into(), false), ("1".into(), true)]);
}
