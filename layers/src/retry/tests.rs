use std::io;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, Method, Request, Response};
use tokio::time::Instant;
use tower::{BoxError, Layer, ServiceExt};
use tower_test::mock;

use super::*;
use crate::timeout::{AttemptElapsed, AttemptTimeoutLayer, DeadlineLayer};

type Req = Request<String>;
type Res = Response<Bytes>;

/// What the fake server does with one attempt.
enum Reply {
    Status(u16, Vec<(&'static str, String)>),
    Fail(fn() -> BoxError),
    Hang,
}

fn status(code: u16) -> Reply {
    Reply::Status(code, Vec::new())
}

fn with(code: u16, name: &'static str, value: impl Into<String>) -> Reply {
    Reply::Status(code, vec![(name, value.into())])
}

fn refused() -> BoxError {
    io::Error::from(io::ErrorKind::ConnectionRefused).into()
}

fn reset() -> BoxError {
    io::Error::from(io::ErrorKind::ConnectionReset).into()
}

fn elapsed() -> BoxError {
    AttemptElapsed::new(Duration::from_secs(60)).into()
}

/// One attempt as the server saw it.
#[derive(Debug)]
struct Seen {
    at: Duration,
    count_header: Option<String>,
    attempt: u32,
    uri: String,
    operation: Option<&'static str>,
    marker: Option<Marker>,
}

/// A caller's own request extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Marker(u8);

fn boltz_like(max_retries: u32) -> RetryLayer {
    RetryLayer::new(max_retries)
        .attempt_header(HeaderName::from_static("x-stainless-retry-count"))
        .should_retry_header(HeaderName::from_static("x-should-retry"))
}

fn get() -> Req {
    Request::get("http://localhost/x").body(String::new()).unwrap()
}

fn post() -> Req {
    Request::post("http://localhost/x").body("{}".to_owned()).unwrap()
}

/// Drive `svc` with `req`, answering attempts from `replies` in order.
async fn drive<S>(
    svc: S,
    mut handle: mock::Handle<Req, Res>,
    req: Req,
    replies: Vec<Reply>,
) -> (Result<Res, BoxError>, Vec<Seen>)
where
    S: tower::Service<Req, Response = Res, Error = BoxError> + Send + 'static,
    S::Future: Send,
{
    let start = Instant::now();
    let body = req.body().clone();
    let call = tokio::spawn(svc.oneshot(req));
    tokio::pin!(call);
    let mut replies = replies.into_iter();
    let mut seen = Vec::new();
    let mut hung = Vec::new();
    loop {
        tokio::select! {
            biased;
            result = &mut call => return (result.unwrap(), seen),
            next = handle.next_request() => {
                let Some((req, send)) = next else { continue };
                seen.push(Seen {
                    at: start.elapsed(),
                    count_header: req.headers().get("x-stainless-retry-count").map(|v| v.to_str().unwrap().to_owned()),
                    attempt: Attempt::index_of(&req),
                    uri: req.uri().to_string(),
                    operation: crate::operation::Operation::of(&req).map(|op| op.name),
                    marker: req.extensions().get::<Marker>().copied(),
                });
                assert_eq!(req.body(), &body, "every attempt carries the same body");
                match replies.next().expect("an attempt the test did not expect") {
                    Reply::Status(code, headers) => {
                        let mut res = Response::builder().status(code);
                        for (k, v) in headers {
                            res = res.header(k, v);
                        }
                        send.send_response(res.body(Bytes::from_static(b"{}")).unwrap());
                    }
                    Reply::Fail(make) => send.send_error(make()),
                    Reply::Hang => hung.push(send),
                }
            }
        }
    }
}

async fn run(layer: RetryLayer, req: Req, replies: Vec<Reply>) -> (Result<Res, BoxError>, Vec<Seen>) {
    let (mock, handle) = mock::pair::<Req, Res>();
    drive(layer.layer(mock), handle, req, replies).await
}

fn final_status(result: &Result<Res, BoxError>) -> u16 {
    result.as_ref().expect("a response").status().as_u16()
}

fn gaps(seen: &[Seen]) -> Vec<Duration> {
    seen.windows(2).map(|w| w[1].at - w[0].at).collect()
}

#[tokio::test(start_paused = true)]
async fn the_status_table_for_an_idempotent_request() {
    for code in [408, 409, 429, 500, 502, 503, 504] {
        let (result, seen) = run(boltz_like(2), get(), vec![status(code), status(200)]).await;
        assert_eq!((final_status(&result), seen.len()), (200, 2), "status {code} is retried");
    }
    for code in [400, 401, 403, 404, 422, 418] {
        let (result, seen) = run(boltz_like(2), get(), vec![status(code)]).await;
        assert_eq!((final_status(&result), seen.len()), (code, 1), "status {code} is final");
    }
}

#[tokio::test(start_paused = true)]
async fn errors_are_retried_for_an_idempotent_request() {
    for fail in [refused as fn() -> BoxError, reset, elapsed] {
        let (result, seen) = run(boltz_like(2), get(), vec![Reply::Fail(fail), status(200)]).await;
        assert_eq!((final_status(&result), seen.len()), (200, 2));
    }
}

#[tokio::test(start_paused = true)]
async fn the_should_retry_header_overrides_the_status_both_ways() {
    let (result, seen) =
        run(boltz_like(2), get(), vec![with(400, "x-should-retry", "true"), status(200)]).await;
    assert_eq!((final_status(&result), seen.len()), (200, 2));
    let (result, seen) = run(boltz_like(2), get(), vec![with(503, "x-should-retry", "false")]).await;
    assert_eq!((final_status(&result), seen.len()), (503, 1));
    // Anything but the exact lowercase words falls through to the status rules.
    let (result, seen) =
        run(boltz_like(2), get(), vec![with(503, "x-should-retry", "TRUE"), status(200)]).await;
    assert_eq!((final_status(&result), seen.len()), (200, 2));
    // Without the header configured the hint is ignored.
    let (result, seen) = run(RetryLayer::new(2), get(), vec![with(400, "x-should-retry", "true")]).await;
    assert_eq!((final_status(&result), seen.len()), (400, 1));
}

#[tokio::test(start_paused = true)]
async fn server_delays_are_honoured_within_bounds() {
    let cases: [(&'static str, &str, Duration); 4] = [
        ("retry-after-ms", "250", Duration::from_millis(250)),
        ("retry-after", "2", Duration::from_secs(2)),
        ("retry-after", "1.5", Duration::from_millis(1500)),
        ("retry-after", "60", Duration::from_secs(60)),
    ];
    for (name, value, wait) in cases {
        let (result, seen) = run(boltz_like(2), get(), vec![with(429, name, value), status(200)]).await;
        assert_eq!(final_status(&result), 200);
        assert_eq!(gaps(&seen), [wait], "{name}: {value}");
    }
}

#[tokio::test(start_paused = true)]
async fn an_http_date_retry_after_is_honoured() {
    let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(10));
    let (_, seen) = run(boltz_like(2), get(), vec![with(503, "retry-after", date), status(200)]).await;
    let gap = gaps(&seen)[0];
    assert!(gap > Duration::from_secs(8) && gap <= Duration::from_secs(10), "{gap:?}");
}

#[tokio::test(start_paused = true)]
async fn out_of_range_hints_fall_back_to_backoff() {
    for value in ["0", "120", "-3", "garbage"] {
        let (_, seen) = run(boltz_like(2), get(), vec![with(429, "retry-after", value), status(200)]).await;
        let gap = gaps(&seen)[0];
        assert!(gap > Duration::from_millis(375) && gap <= Duration::from_millis(500), "{value}: {gap:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn backoff_grows_within_its_windows() {
    let replies = vec![status(503), status(503), status(503), status(503)];
    let (result, seen) = run(boltz_like(3), get(), replies).await;
    assert_eq!((final_status(&result), seen.len()), (503, 4));
    let windows = [(375, 500), (750, 1000), (1500, 2000)];
    for (gap, (low, high)) in gaps(&seen).into_iter().zip(windows) {
        assert!(
            gap > Duration::from_millis(low) && gap <= Duration::from_millis(high),
            "{gap:?} not in ({low}, {high}] ms"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn each_attempt_carries_its_index() {
    let (_, seen) = run(boltz_like(2), get(), vec![status(500), status(500), status(500)]).await;
    let headers: Vec<_> = seen.iter().map(|s| s.count_header.clone().unwrap()).collect();
    assert_eq!(headers, ["0", "1", "2"]);
    let attempts: Vec<_> = seen.iter().map(|s| s.attempt).collect();
    assert_eq!(attempts, [0, 1, 2]);
}

#[tokio::test(start_paused = true)]
async fn a_caller_set_count_header_is_left_alone() {
    let mut req = get();
    req.headers_mut().insert("x-stainless-retry-count", "42".parse().unwrap());
    let (_, seen) = run(boltz_like(2), req, vec![status(500), status(500), status(500)]).await;
    assert!(seen.iter().all(|s| s.count_header.as_deref() == Some("42")));
}

#[tokio::test(start_paused = true)]
async fn max_retries_zero_and_three() {
    let (_, seen) = run(boltz_like(0), get(), vec![status(503)]).await;
    assert_eq!(seen.len(), 1);
    let (_, seen) = run(boltz_like(3), get(), (0..4).map(|_| status(503)).collect()).await;
    assert_eq!(seen.len(), 4);
    // A per-request override wins over the layer's setting.
    let mut req = get();
    req.extensions_mut().insert(MaxRetries(0));
    let (_, seen) = run(boltz_like(3), req, vec![status(503)]).await;
    assert_eq!(seen.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_non_idempotent_request_is_replayed_only_when_unprocessed() {
    for reply in
        [status(503), status(500), status(408), status(409), Reply::Fail(elapsed), Reply::Fail(reset)]
    {
        let (_, seen) = run(boltz_like(2), post(), vec![reply]).await;
        assert_eq!(seen.len(), 1, "may have been processed: not replayed");
    }
    let (result, seen) = run(boltz_like(2), post(), vec![status(429), status(201)]).await;
    assert_eq!((final_status(&result), seen.len()), (201, 2));
    let (result, seen) = run(boltz_like(2), post(), vec![Reply::Fail(refused), status(201)]).await;
    assert_eq!((final_status(&result), seen.len()), (201, 2));
    let (result, seen) =
        run(boltz_like(2), post(), vec![with(500, "x-should-retry", "true"), status(201)]).await;
    assert_eq!((final_status(&result), seen.len()), (201, 2));
}

#[tokio::test(start_paused = true)]
async fn an_idempotency_extension_overrides_the_method() {
    let mut req = post();
    req.extensions_mut().insert(crate::operation::Operation {
        name: "items.update",
        path_template: "/x",
        idempotency: Idempotency::Idempotent,
    });
    let (result, seen) = run(boltz_like(2), req, vec![status(503), status(200)]).await;
    assert_eq!((final_status(&result), seen.len()), (200, 2));
    let mut req =
        Request::builder().method(Method::PUT).uri("http://localhost/x").body(String::new()).unwrap();
    req.extensions_mut().insert(Idempotency::NonIdempotent);
    let (_, seen) = run(boltz_like(2), req, vec![status(503)]).await;
    assert_eq!(seen.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_clone_shares_the_exhausted_budget() {
    let budget = Arc::new(TpsBudget::new(Duration::from_secs(1), 1, 0.0));
    let (mock, mut handle) = mock::pair::<Req, Res>();
    let svc = boltz_like(2).budget(budget).layer(mock);
    let clone = svc.clone();
    // Answer every attempt with 503 and count them.
    let server = tokio::spawn(async move {
        let mut attempts = 0;
        while let Some((_req, send)) = handle.next_request().await {
            attempts += 1;
            send.send_response(Response::builder().status(503).body(Bytes::new()).unwrap());
        }
        attempts
    });
    assert_eq!(svc.oneshot(get()).await.unwrap().status(), 503);
    assert_eq!(clone.oneshot(get()).await.unwrap().status(), 503);
    // First call: 1 attempt + the one reserved retry; second call: no retry left.
    assert_eq!(server.await.unwrap(), 3);
}

#[tokio::test(start_paused = true)]
async fn the_attempt_timeout_is_retried_and_the_deadline_bounds_the_call() {
    let stack = |mock| {
        DeadlineLayer::new(Some(Duration::from_secs(3)))
            .layer(boltz_like(2).layer(AttemptTimeoutLayer::new(Duration::from_secs(1)).layer(mock)))
    };
    let (mock, handle) = mock::pair::<Req, Res>();
    let (result, seen) = drive(stack(mock), handle, get(), vec![Reply::Hang, Reply::Hang, Reply::Hang]).await;
    // Attempt 0 times out at 1 s and is retried after ≤ 0.5 s; attempt 1 times out by 2.5 s, and
    // the next backoff (0.75–1 s) would end past the 3 s deadline, so it is not made.
    assert_eq!(seen.len(), 2);
    assert!(result.unwrap_err().is::<AttemptElapsed>());

    let (mock, handle) = mock::pair::<Req, Res>();
    let short = DeadlineLayer::new(Some(Duration::from_millis(500)))
        .layer(boltz_like(2).layer(AttemptTimeoutLayer::new(Duration::from_secs(10)).layer(mock)));
    let start = Instant::now();
    let (result, seen) = drive(short, handle, get(), vec![Reply::Hang]).await;
    assert_eq!(seen.len(), 1);
    assert!(result.unwrap_err().is::<crate::timeout::DeadlineElapsed>());
    assert_eq!(start.elapsed(), Duration::from_millis(500));
}

#[tokio::test(start_paused = true)]
async fn a_server_delay_past_the_deadline_returns_the_response() {
    let (mock, handle) = mock::pair::<Req, Res>();
    let svc = DeadlineLayer::new(Some(Duration::from_secs(2))).layer(boltz_like(2).layer(mock));
    let (result, seen) = drive(svc, handle, get(), vec![with(429, "retry-after", "5")]).await;
    assert_eq!((final_status(&result), seen.len()), (429, 1));
}

fn redirect(code: u16, location: &str) -> Reply {
    with(code, "location", location)
}

#[tokio::test(start_paused = true)]
async fn redirects_are_followed_at_once_and_are_not_retries() {
    let replies = vec![redirect(302, "/y"), redirect(307, "http://localhost/z"), status(503), status(200)];
    let (result, seen) = run(boltz_like(2).follow_redirects(3), get(), replies).await;
    assert_eq!(final_status(&result), 200);
    let uris: Vec<_> = seen.iter().map(|s| s.uri.as_str()).collect();
    assert_eq!(
        uris,
        ["http://localhost/x", "http://localhost/y", "http://localhost/z", "http://localhost/z"]
    );
    let counts: Vec<_> = seen.iter().map(|s| s.count_header.as_deref().unwrap()).collect();
    assert_eq!(counts, ["0", "0", "0", "1"], "a hop keeps the retry count");
    assert_eq!(seen.iter().map(|s| s.attempt).collect::<Vec<_>>(), [0, 0, 0, 1]);
    assert_eq!(gaps(&seen)[..2], [Duration::ZERO, Duration::ZERO], "no backoff before a hop");
}

#[tokio::test(start_paused = true)]
async fn redirects_stop_at_the_hop_limit_and_are_off_by_default() {
    let (result, seen) =
        run(boltz_like(2).follow_redirects(1), get(), vec![redirect(302, "/y"), redirect(302, "/z")]).await;
    assert_eq!((final_status(&result), seen.len()), (302, 2));
    let (result, seen) = run(boltz_like(2), get(), vec![redirect(302, "/y")]).await;
    assert_eq!((final_status(&result), seen.len()), (302, 1));
}

#[tokio::test(start_paused = true)]
async fn redirects_are_followed_with_retries_off_and_without_budget() {
    let mut req = get();
    req.extensions_mut().insert(MaxRetries(0));
    let (result, seen) =
        run(boltz_like(2).follow_redirects(3), req, vec![redirect(308, "/y"), status(503)]).await;
    assert_eq!((final_status(&result), seen.len()), (503, 2));
    // An empty budget refuses the retry but not the hops before it.
    let empty = Arc::new(TpsBudget::new(Duration::from_secs(1), 0, 0.0));
    let layer = boltz_like(2).follow_redirects(3).budget(empty);
    let (result, seen) = run(layer, get(), vec![redirect(302, "/y"), redirect(302, "/z"), status(503)]).await;
    assert_eq!((final_status(&result), seen.len()), (503, 3));
}

fn revoke_like() -> Req {
    let mut req = post();
    req.extensions_mut().insert(crate::operation::Operation {
        name: "items.revoke",
        path_template: "/x/{id}/revoke",
        idempotency: Idempotency::Idempotent,
    });
    req
}

#[tokio::test(start_paused = true)]
async fn every_attempt_and_hop_carries_the_extensions_of_the_request() {
    // Only an operation: the copy leaves the map out and puts the operation back.
    let replies = vec![status(503), redirect(307, "/y"), status(200)];
    let (result, seen) = run(boltz_like(2).follow_redirects(1), revoke_like(), replies).await;
    assert_eq!((final_status(&result), seen.len()), (200, 3), "an idempotent operation is retried");
    assert!(seen.iter().all(|s| s.operation == Some("items.revoke")), "{seen:?}");
    // Other extensions too: the copy is a full one.
    let mut req = revoke_like();
    req.extensions_mut().insert(Marker(7));
    let (_, seen) = run(boltz_like(2), req, vec![status(503), status(503), status(200)]).await;
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| s.operation == Some("items.revoke") && s.marker == Some(Marker(7))));
    // A PUT named non-idempotent by its operation is not replayed once it may have been processed.
    let mut req = Request::put("http://localhost/x").body("{}".to_owned()).unwrap();
    req.extensions_mut().insert(crate::operation::Operation {
        name: "items.create",
        path_template: "/x",
        idempotency: Idempotency::NonIdempotent,
    });
    let (_, seen) = run(boltz_like(2), req, vec![Reply::Fail(reset)]).await;
    assert_eq!(seen.len(), 1);
}
