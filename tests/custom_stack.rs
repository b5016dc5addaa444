//! Users compose their own tower layers under and over the client.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use boltz_api::api::admin::api_keys::RevokeApiKey;
use boltz_api::json::{HttpRequest, HttpResponse};
use boltz_api::layers::operation::Operation;
use boltz_api::layers::retry::Attempt;
use boltz_api::models::ApiKey;
use boltz_api::{Client, Error};
use http_body_util::{BodyExt, Full};
use support::{Reply, SEED, TestServer, json};
use tower::buffer::BufferLayer;
use tower::limit::{ConcurrencyLimitLayer, RateLimitLayer};
use tower::util::MapRequestLayer;
use tower::{ServiceBuilder, ServiceExt, service_fn};
use tower_http::trace::TraceLayer;

#[tokio::test]
async fn user_layers_wrap_the_http_stack() {
    let server =
        TestServer::start(|_, _| Reply { delay: Duration::from_millis(100), ..json(200, SEED) }).await;
    let counted = Arc::new(AtomicUsize::new(0));
    let counter = counted.clone();
    let client = Client::builder()
        .api_key("sk_test_custom_stack")
        .base_url(server.url())
        .layer(ConcurrencyLimitLayer::new(2))
        .layer(MapRequestLayer::new(move |req: HttpRequest| {
            counter.fetch_add(1, Ordering::SeqCst);
            req
        }))
        .build()
        .unwrap();

    let start = Instant::now();
    let calls = (0..6).map(|i| {
        let client = client.clone();
        tokio::spawn(async move { client.admin().api_keys().revoke(format!("k{i}")).await })
    });
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(counted.load(Ordering::SeqCst), 6);
    assert_eq!(server.requests().len(), 6);
    // Six 100 ms calls, two at a time, take at least three rounds.
    assert!(start.elapsed() >= Duration::from_millis(300), "{:?}", start.elapsed());
}

#[tokio::test]
async fn the_client_is_a_tower_service_for_every_endpoint() {
    let http = service_fn(|req: HttpRequest| async move {
        assert_eq!(req.uri(), "/compute/v1/admin/api-keys/k/revoke");
        Ok::<_, tower::BoxError>(HttpResponse::new(SEED.into()))
    });
    let client = Client::from_service(http);
    let limited = ServiceBuilder::new().concurrency_limit(1).service(client);
    let key: ApiKey = limited.oneshot(RevokeApiKey::new("k")).await.unwrap();
    assert_eq!(key.id, "id");
}

#[tokio::test]
async fn from_service_round_trips_through_a_mock() {
    let (mock, mut handle) = tower_test::mock::pair::<HttpRequest, HttpResponse>();
    let client = Client::from_service(mock);
    let call = tokio::spawn(async move { client.admin().api_keys().revoke("key_9").await });
    let (req, send) = handle.next_request().await.unwrap();
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(req.uri().path(), "/compute/v1/admin/api-keys/key_9/revoke");
    send.send_response(http::Response::builder().status(404).body(r#"{"detail":"no key"}"#.into()).unwrap());
    let err = call.await.unwrap().unwrap_err();
    assert!(matches!(&err, Error::Api(api) if api.message() == "no key"), "{err:?}");
}

/// What a per-attempt layer saw of one attempt.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    attempt: u32,
    operation: Option<&'static str>,
    uri: String,
    has_key: bool,
}

#[tokio::test]
async fn attempt_layers_see_every_attempt_and_call_layers_see_the_call_once() {
    let server = TestServer::start(|_, n| match n {
        0 => {
            let mut reply = json(503, r#"{"detail":"busy"}"#);
            reply.response.headers_mut().insert("retry-after-ms", "1".parse().unwrap());
            reply
        }
        _ => json(200, SEED),
    })
    .await;
    let attempts = Arc::new(std::sync::Mutex::new(Vec::new()));
    let calls = Arc::new(AtomicUsize::new(0));
    let (seen, counter) = (attempts.clone(), calls.clone());
    let client = Client::builder()
        .api_key("sk_test_attempt_layer_key")
        .base_url(server.url())
        .layer(MapRequestLayer::new(move |req: HttpRequest| {
            counter.fetch_add(1, Ordering::SeqCst);
            req
        }))
        .attempt_layer(MapRequestLayer::new(move |req: HttpRequest| {
            seen.lock().unwrap().push(Seen {
                attempt: Attempt::index_of(&req),
                operation: Operation::of(&req).map(|op| op.name),
                uri: req.uri().to_string(),
                has_key: req.headers().contains_key("x-api-key"),
            });
            req
        }))
        .build()
        .unwrap();

    client.admin().api_keys().revoke("k1").await.unwrap();

    assert_eq!(calls.load(Ordering::SeqCst), 1, "a call layer sees the call once");
    let uri = format!("{}/compute/v1/admin/api-keys/k1/revoke", server.url());
    let seen = attempts.lock().unwrap().clone();
    let expected = |attempt| Seen {
        attempt,
        operation: Some("admin.api_keys.revoke"),
        uri: uri.clone(),
        has_key: false,
    };
    assert_eq!(seen, [expected(0), expected(1)], "each attempt, absolute, without the key");
    assert!(server.requests().iter().all(|r| r.headers["x-api-key"] == "sk_test_attempt_layer_key"));
}

#[tokio::test]
async fn a_layer_that_is_not_clone_goes_behind_a_buffer() {
    let server = TestServer::start(|_, _| json(200, SEED)).await;
    // RateLimit is not Clone: the buffer's worker owns it and clones of the client share it.
    let client = Client::builder()
        .api_key("sk_test_buffered_rate_limit")
        .base_url(server.url())
        .layer(
            ServiceBuilder::new()
                .layer(BufferLayer::new(64))
                .layer(RateLimitLayer::new(2, Duration::from_millis(200))),
        )
        .build()
        .unwrap();
    let start = Instant::now();
    for i in 0..5 {
        client.admin().api_keys().revoke(format!("k{i}")).await.unwrap();
    }
    // Two per 200 ms: the fifth call waits for the third window.
    assert!(start.elapsed() >= Duration::from_millis(400), "{:?}", start.elapsed());
    assert_eq!(server.requests().len(), 5);
}

#[tokio::test]
async fn a_tower_http_layer_that_changes_the_body_type_fits_with_an_adapter() {
    let server = TestServer::start(|_, _| json(200, SEED)).await;
    let capture = support::Capture::default();
    let _guard = capture.install();
    let client = Client::builder()
        .api_key("sk_test_tower_http_trace")
        .base_url(server.url())
        .layer(
            ServiceBuilder::new()
                // Back to the stack's `Response<Bytes>`: collect the layer's body type.
                .and_then(|response: http::Response<_>| async move {
                    let (parts, body) = response.into_parts();
                    let bytes = BodyExt::collect(body).await.map_err(tower::BoxError::from)?.to_bytes();
                    Ok::<_, tower::BoxError>(HttpResponse::from_parts(parts, bytes))
                })
                .layer(TraceLayer::new_for_http())
                // tower-http wants a `Body`: wrap the stack's `Bytes` in `Full`.
                .map_response(|response: HttpResponse| response.map(Full::new)),
        )
        .build()
        .unwrap();
    let key = client.admin().api_keys().revoke("k1").await.unwrap();
    assert_eq!(key.id, "id");
    let logs = capture.text();
    assert!(logs.contains("finished processing request"), "tower-http's trace layer ran: {logs}");
    assert!(!logs.contains("sk_test_tower_http_trace"), "and saw no key: {logs}");
}
