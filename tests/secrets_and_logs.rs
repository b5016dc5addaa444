//! With every event at TRACE captured, the key never appears in a log line, `Debug`, `Display`
//! or error, and each attempt event names the connection's 127.0.0.1 addresses.

mod support;

use std::time::Duration;

use boltz_api::{Client, Error};
use support::{Capture, Reply, SEED, TestServer, closed_port, json};

const KEY: &str = "sk_bc_admin_live_TOPSECRET_0123456789";

#[tokio::test]
async fn the_key_never_leaks_and_attempts_name_their_addresses() {
    let capture = Capture::default();
    let _guard = capture.install();

    let server = TestServer::start(|req, _| match req.uri.path() {
        p if p.contains("/ok/") => json(200, SEED),
        p if p.contains("/refused/") => json(401, r#"{"error":{"message":"invalid api key"}}"#),
        p if p.contains("/forbidden/") => json(
            403,
            r#"{"error":{"message":"requests from IP address 127.0.0.1 are not allowed for this API key"}}"#,
        ),
        p if p.contains("/flaky/") => {
            let mut reply = json(500, "{}");
            reply.response.headers_mut().insert("retry-after-ms", "5".parse().unwrap());
            reply
        }
        p if p.contains("/slow/") => Reply { delay: Duration::from_secs(2), ..json(200, SEED) },
        _ => json(200, "not json"),
    })
    .await;
    let client = Client::builder().api_key(KEY).base_url(server.url()).build().unwrap();
    let mut texts = vec![format!("{client:?}"), format!("{:?}", Client::builder().api_key(KEY))];

    client.admin().api_keys().revoke("ok").await.unwrap();
    let mut errors: Vec<Error> = Vec::new();
    for id in ["refused", "forbidden", "flaky", "garbled", ""] {
        errors.push(client.admin().api_keys().revoke(id).await.unwrap_err());
    }
    errors.push(
        client
            .admin()
            .api_keys()
            .revoke("slow")
            .timeout(Duration::from_millis(50))
            .no_retry()
            .await
            .unwrap_err(),
    );
    let closed = closed_port().await;
    let dead =
        Client::builder().api_key(KEY).base_url(format!("http://{closed}")).max_retries(0).build().unwrap();
    errors.push(dead.admin().api_keys().revoke("x").await.unwrap_err());
    errors.push(Client::builder().api_key(format!("{KEY}\n")).build().unwrap_err());

    for err in &errors {
        texts.push(format!("{err}"));
        texts.push(format!("{err:?}"));
        let mut source = std::error::Error::source(err);
        while let Some(inner) = source {
            texts.push(format!("{inner} {inner:?}"));
            source = inner.source();
        }
    }
    let logs = capture.text();
    texts.push(logs.clone());
    for text in &texts {
        assert!(!text.contains(KEY), "the key leaked into: {text}");
        assert!(!text.contains("TOPSECRET"), "part of the key leaked into: {text}");
    }

    // Spans carry the operation and the key's public prefix only.
    assert!(logs.contains("operation=\"admin.api_keys.revoke\""), "{logs}");
    assert!(logs.contains("credential=\"sk_bc_admin_\""), "{logs}");
    // Attempt events carry both socket addresses, in OpenTelemetry's names.
    assert!(logs.contains("network.local.address=127.0.0.1"), "{logs}");
    assert!(logs.contains(&format!("network.peer.port={}", server.addr.port())), "{logs}");
    // A refusal that is not about the source IP ("invalid api key") gives no IP hint; one that is
    // ("ip not allowed") names the local address it came from.
    assert!(logs.contains("attempt failed (401 Unauthorized)"), "{logs}");
    assert!(
        logs.contains(
            "credential refused (403 Forbidden) for the source address: the request left from 127.0.0.1"
        ),
        "{logs}"
    );
    // Retries are logged per attempt.
    assert!(logs.contains("http.request.resend_count=2"), "{logs}");
    assert!(logs.contains("error.type=\"attempt_timeout\""), "{logs}");
    assert!(logs.contains("error.type=\"connect\""), "{logs}");
}
