//! The `/__emulator/faults` control endpoint, spoken to over a raw HTTP/1.1 connection.

use boltz_api_emulator::Emulator;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn raw(emulator: &Emulator, method: &str, path: &str, key: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(emulator.addr()).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\nx-api-key: {key}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test]
async fn faults_queued_over_http_apply_to_matching_requests() {
    let emulator = Emulator::start().await.unwrap();
    let key = emulator.admin_key().to_owned();
    let fault = r#"[{"method":"GET","path":"/compute/v1/auth/me","times":2,
        "action":{"kind":"status","status":503,"headers":{"x-should-retry":"false"}}}]"#;
    let queued = raw(&emulator, "POST", "/__emulator/faults", "", fault).await;
    assert!(queued.starts_with("HTTP/1.1 200") && queued.contains(r#"{"queued":1}"#), "{queued}");
    assert!(raw(&emulator, "GET", "/__emulator/faults", "", "").await.contains(r#""times":2"#));

    for _ in 0..2 {
        let faulted = raw(&emulator, "GET", "/compute/v1/auth/me", &key, "").await;
        assert!(
            faulted.starts_with("HTTP/1.1 503") && faulted.contains("x-should-retry: false"),
            "{faulted}"
        );
    }
    let normal = raw(&emulator, "GET", "/compute/v1/auth/me", &key, "").await;
    assert!(
        normal.starts_with("HTTP/1.1 200") && normal.contains(r#""principal_type":"api_key""#),
        "{normal}"
    );

    // A queued close applies to the next request, unless the queue is cleared first.
    let close = r#"{"path":"/compute/v1/auth/me","action":{"kind":"close"}}"#;
    raw(&emulator, "POST", "/__emulator/faults", "", close).await;
    raw(&emulator, "DELETE", "/__emulator/faults", "", "").await;
    assert!(raw(&emulator, "GET", "/compute/v1/auth/me", &key, "").await.starts_with("HTTP/1.1 200"));
    raw(&emulator, "POST", "/__emulator/faults", "", close).await;
    let closed = raw(&emulator, "GET", "/compute/v1/auth/me", &key, "").await;
    assert_eq!(closed, "", "the connection closes without a response");
    let bad = raw(&emulator, "POST", "/__emulator/faults", "", r#"{"path":1}"#).await;
    assert!(bad.starts_with("HTTP/1.1 400"), "{bad}");
}

#[tokio::test]
async fn unknown_routes_and_methods_are_refused() {
    let emulator = Emulator::start().await.unwrap();
    let key = emulator.admin_key().to_owned();
    assert!(raw(&emulator, "GET", "/compute/v1/nope", &key, "").await.starts_with("HTTP/1.1 404"));
    assert!(
        raw(&emulator, "DELETE", "/compute/v1/admin/api-keys", &key, "").await.starts_with("HTTP/1.1 405")
    );
    assert!(raw(&emulator, "GET", "/compute/v1/auth/me", "", "").await.starts_with("HTTP/1.1 401"));
    let version =
        raw(&emulator, "GET", "/compute/v1/cli/version?current=0.1.0&platform=linux-x64", &key, "").await;
    assert!(version.contains(r#""update_required":true"#), "{version}");
}
