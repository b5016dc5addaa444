//! Request ids the server sends come back on responses and on every kind of error.

mod support;

use boltz_api::Client;
use support::{SEED, TestServer, json};

const KEY: &str = "sk_bc_admin_live_reqid_0123456789";

#[tokio::test]
async fn request_ids_are_kept_on_responses_and_errors() {
    let server = TestServer::start(|req, _| {
        let (status, body, header) = match req.uri.path() {
            p if p.contains("/ok/") => (200, SEED, "x-request-id"),
            p if p.contains("/missing/") => (404, r#"{"message":"no such key"}"#, "request-id"),
            _ => (200, r#"{"not":"a key"}"#, "x-request-id"),
        };
        let mut reply = json(status, body);
        reply.response.headers_mut().insert(header, "req_42".parse().unwrap());
        reply
    })
    .await;
    let client = Client::builder().api_key(KEY).base_url(server.url()).build().unwrap();
    let ok = client.admin().api_keys().revoke("ok").with_response().await.unwrap();
    assert_eq!(ok.request_id(), Some("req_42"));
    let missing = client.admin().api_keys().revoke("missing").await.unwrap_err();
    assert_eq!(missing.request_id(), Some("req_42"));
    let garbled = client.admin().api_keys().revoke("garbled").await.unwrap_err();
    assert_eq!(garbled.request_id(), Some("req_42"));
}
