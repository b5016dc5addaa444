//! Starts carry an idempotency key made once per call, so they are retried like reads: every
//! attempt of a call sends the same key, and a caller's key is kept. A share-link create, which
//! has no key, is not replayed once it may have been processed.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use boltz_api::Client;
use boltz_api::api::predictions::adme::StartAdme;
use boltz_api::api::share_links::CreateShareLink;
use boltz_api::models::predictions::adme::params::{Input, Molecule};
use support::{Recorded, Reply, TestServer, json};

const KEY: &str = "sk_bc_admin_live_starts_0123456789";

const PREDICTION: &str = r#"{"id":"pred_1","created_at":"2026-01-02T03:04:05Z","livemode":false,
    "model":"adme-v1","status":"pending","version":"v1","workspace_id":"ws_1"}"#;

fn client(server: &TestServer) -> Client {
    Client::builder().api_key(KEY).base_url(server.url()).timeout(Duration::from_millis(300)).build().unwrap()
}

fn start() -> StartAdme {
    StartAdme::new(Input::new([Molecule::new("CCO")]))
}

fn keys(server: &TestServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r: &Recorded| body(r)["idempotency_key"].as_str().unwrap().to_owned())
        .collect()
}

fn body(request: &Recorded) -> serde_json::Value {
    serde_json::from_slice(&request.body).unwrap()
}

/// A server that answers the first request with `first` and the others with the prediction.
async fn server(first: impl Fn() -> Reply + Send + Sync + 'static) -> TestServer {
    let seen = AtomicUsize::new(0);
    TestServer::start(
        move |_, _| if seen.fetch_add(1, Ordering::SeqCst) == 0 { first() } else { json(200, PREDICTION) },
    )
    .await
}

#[tokio::test]
async fn a_503_then_success_makes_two_attempts_with_one_key() {
    let server = server(|| {
        let mut reply = json(503, "{}");
        reply.response.headers_mut().insert("retry-after-ms", "10".parse().unwrap());
        reply
    })
    .await;
    let prediction = client(&server).predictions().adme().start(start()).await.unwrap();
    assert_eq!(prediction.id, "pred_1");
    let keys = keys(&server);
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1], "one key for every attempt of the call");
    assert!(keys[0].starts_with("boltz-rs-"));
    let counts: Vec<_> =
        server.requests().iter().map(|r| r.headers["x-stainless-retry-count"].clone()).collect();
    assert_eq!(counts, ["0", "1"]);
}

/// A start read from a file without a key gets one per call like a built one, kept across the
/// call's retries; a key in the file is used as it is.
#[tokio::test]
async fn a_start_read_from_json_gets_its_key_per_call() {
    let server = server(|| json(503, "{}")).await;
    let text =
        r#"{"input": {"molecules": [{"smiles": "CCO"}]}, "model": "adme-v1", "added_later": {"x": 1}}"#;
    let loaded: StartAdme = boltz_api::data::from_json(text).unwrap();
    client(&server).predictions().adme().start(loaded.clone()).await.unwrap();
    let sent_keys = keys(&server);
    assert_eq!(sent_keys.len(), 2);
    assert!(sent_keys[0].starts_with("boltz-rs-") && sent_keys[0] == sent_keys[1], "{sent_keys:?}");
    // What the file held is sent, unknown field included, beside the key.
    let sent = body(&server.requests()[0]);
    assert_eq!(sent["added_later"], serde_json::json!({"x": 1}));
    assert_eq!(sent["input"], serde_json::json!({"molecules": [{"smiles": "CCO"}]}));
    // Written back out, the request is the file: no key was added to it.
    assert_eq!(
        serde_json::to_value(&loaded).unwrap(),
        serde_json::from_str::<serde_json::Value>(text).unwrap()
    );

    let keyed: StartAdme =
        boltz_api::data::from_json(&text.replace("\"model\"", "\"idempotency_key\": \"batch-7\", \"model\""))
            .unwrap();
    let server = TestServer::start(|_, _| json(200, PREDICTION)).await;
    client(&server).predictions().adme().start(keyed).await.unwrap();
    assert_eq!(keys(&server), ["batch-7"]);
}

#[tokio::test]
async fn a_timeout_then_success_makes_two_attempts_with_one_key() {
    let server = server(|| Reply { delay: Duration::from_secs(2), ..json(200, PREDICTION) }).await;
    client(&server).predictions().adme().start(start()).await.unwrap();
    let keys = keys(&server);
    assert_eq!((keys.len(), keys[0] == keys[1]), (2, true), "{keys:?}");
}

#[tokio::test]
async fn each_call_gets_its_own_key_and_a_callers_key_is_kept() {
    let server = TestServer::start(|_, _| json(200, PREDICTION)).await;
    let client = client(&server);
    client.predictions().adme().start(start()).await.unwrap();
    client.predictions().adme().start(start()).await.unwrap();
    client.predictions().adme().start(start().idempotency_key("mine")).await.unwrap();
    client.predictions().adme().estimate_cost(start().idempotency_key("estimate")).await.unwrap_err();
    let keys = keys(&server);
    assert_ne!(keys[0], keys[1], "a new call is a new submission");
    assert_eq!(&keys[2..], ["mine", "estimate"]);
    let paths: Vec<_> = server.requests().iter().map(|r| r.uri.path().to_owned()).collect();
    assert_eq!(paths[3], "/compute/v1/predictions/adme/estimate-cost");
}

#[tokio::test]
async fn a_share_link_create_is_not_replayed_after_a_503() {
    let server = server(|| json(503, "{}")).await;
    let create = CreateShareLink::new("2026-12-01T00:00:00Z").pipeline_ids(["run_1"]);
    let err = client(&server).share_links().create(create).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.requests().len(), 1);
    assert!(body(&server.requests()[0]).get("idempotency_key").is_none());
}
