//! What a subscriber sees of a call, in OpenTelemetry's HTTP names: the call's span with its
//! method, template and final outcome, and one event per attempt with the resend count, the
//! status or error type and both socket addresses.
//!
//! One test per binary: tracing caches callsite interest globally, so a second test running
//! in parallel without a subscriber could hide events from this one.

mod support;

use boltz_api::Client;
use support::{SEED, TestServer, json};
use tracing_subscriber::fmt::format::FmtSpan;

const KEY: &str = "sk_bc_admin_live_otel_0123456789";

/// Every line a TRACE subscriber writes, span closes included (they show the recorded fields).
fn capture() -> (support::Capture, tracing::subscriber::DefaultGuard) {
    let capture = support::Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(capture.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    (capture, guard)
}

#[tokio::test]
async fn spans_and_attempt_events_use_opentelemetry_names() {
    let (capture, _guard) = capture();
    let failed_once = std::sync::atomic::AtomicBool::new(false);
    let server = TestServer::start(move |_, _| {
        if failed_once.swap(true, std::sync::atomic::Ordering::SeqCst) {
            json(200, SEED)
        } else {
            let mut reply = json(503, "{}");
            reply.response.headers_mut().insert("retry-after-ms", "1".parse().unwrap());
            reply
        }
    })
    .await;
    let client = Client::builder().api_key(KEY).base_url(server.url()).build().unwrap();
    client.admin().api_keys().revoke("key_1").await.unwrap();
    let logs = capture.text();
    let port = server.addr.port();
    for expected in [
        "http.request.method=POST".to_owned(),
        "url.template=\"/compute/v1/admin/api-keys/{api_key_id}/revoke\"".to_owned(),
        format!("url.full=\"http://127.0.0.1:{port}/compute/v1/admin/api-keys/key_1/revoke\""),
        "server.address=\"127.0.0.1\"".to_owned(),
        format!("server.port={port}"),
        // The span keeps the final outcome; the attempts each have their own.
        "http.response.status_code=200".to_owned(),
        "http.response.status_code=503".to_owned(),
        "http.request.resend_count=0".to_owned(),
        "http.request.resend_count=1".to_owned(),
        "network.local.address=127.0.0.1".to_owned(),
        format!("network.peer.port={port}"),
    ] {
        assert!(logs.contains(&expected), "no {expected} in\n{logs}");
    }
    let close =
        logs.lines().find(|l| l.contains("close")).unwrap_or_else(|| panic!("no span close in\n{logs}"));
    assert!(close.contains("http.response.status_code=200"), "the span records the final status: {close}");

    // The query stays out of url.full: it may carry tokens.
    let _: serde_json::Value = client
        .request(http::Method::GET, "/compute/v1/anything")
        .query([("token", "s3cr3t")])
        .send()
        .await
        .unwrap();
    let logs = capture.text();
    assert!(logs.contains("url.full=\"http://127.0.0.1:"), "{logs}");
    assert!(!logs.contains("s3cr3t"), "{logs}");
}
