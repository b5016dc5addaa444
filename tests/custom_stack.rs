//! Users compose their own tower layers under and over the client.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use boltz_api::api::admin::api_keys::RevokeApiKey;
use boltz_api::json::{HttpRequest, HttpResponse};
use boltz_api::models::ApiKey;
use boltz_api::{Client, Error};
use support::{Reply, SEED, TestServer, json};
use tower::limit::ConcurrencyLimitLayer;
use tower::util::MapRequestLayer;
use tower::{ServiceBuilder, ServiceExt, service_fn};

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
