//! One client, many keys: `with_api_key` sends another key over the same connection pool and
//! stack, keeps it on the API origin, labels it in logs and scrubs it from errors.

mod support;

use boltz_api::Client;
use support::{Capture, SEED, TestServer, json};

const ADMIN: &str = "sk_bc_admin_live_base_0123456789";
const WORKSPACE: &str = "sk_bc_ws_live_tenant_9876543210";

#[tokio::test]
async fn a_client_with_another_key_shares_the_pool_and_keeps_the_key_rules() {
    let capture = Capture::default();
    let _guard = capture.install();
    let server = TestServer::start(|req, _| {
        let key = req.headers["x-api-key"].to_str().unwrap().to_owned();
        if req.uri.path().contains("/echo/") {
            return json(401, &format!(r#"{{"message":"Invalid API key provided: {key}"}}"#));
        }
        json(200, SEED)
    })
    .await;
    let admin = Client::builder().api_key(ADMIN).base_url(server.url()).build().unwrap();
    let tenant = admin.with_api_key(WORKSPACE).unwrap();

    admin.admin().api_keys().revoke("a").await.unwrap();
    tenant.admin().api_keys().revoke("b").await.unwrap();
    tenant.admin().api_keys().revoke("c").header("x-api-key", "sk_caller_set").await.unwrap();
    admin.admin().api_keys().revoke("d").await.unwrap();
    let requests = server.requests();
    let keys: Vec<_> = requests.iter().map(|r| r.headers["x-api-key"].to_str().unwrap().to_owned()).collect();
    assert_eq!(
        keys,
        [ADMIN, WORKSPACE, WORKSPACE, ADMIN],
        "each client's own key; a caller's header is replaced"
    );
    let ports: std::collections::BTreeSet<u16> = requests.iter().map(|r| r.peer.port()).collect();
    assert_eq!(ports.len(), 1, "one connection serves both keys: {ports:?}");

    // Through the tower::Service path too.
    let mut service = tenant.clone();
    tower::ServiceExt::oneshot(&mut service, boltz_api::api::admin::api_keys::RevokeApiKey::new("e"))
        .await
        .unwrap();
    assert_eq!(server.requests().last().unwrap().headers["x-api-key"], WORKSPACE);

    // Scrubbed when echoed, labelled by its own prefix, never sent elsewhere.
    let err = tenant.admin().api_keys().revoke("echo").await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains(WORKSPACE) && text.contains("sk_bc_ws_liv[redacted]"), "{text}");
    let other = TestServer::start(|_, _| json(200, "{}")).await;
    let _: serde_json::Value =
        tenant.request(http::Method::GET, &format!("{}/x", other.url())).send().await.unwrap();
    assert!(other.requests()[0].headers.get("x-api-key").is_none());
    let logs = capture.text();
    assert!(logs.contains("credential=\"sk_bc_ws_liv\""), "{logs}");
    assert!(!logs.contains(WORKSPACE) && !logs.contains(ADMIN), "{logs}");
    assert!(format!("{tenant:?}").find(WORKSPACE).is_none());

    assert!(admin.with_api_key("").is_err());
    assert!(admin.with_api_key("bad\nkey").is_err());
}
