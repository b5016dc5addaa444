//! With every event at TRACE captured, neither the client's key nor a newly created secret
//! appears in any log line, `Debug`, `Display` or error, on every failure path the emulator can
//! inject.

mod support;

use std::time::Duration;

use boltz_api::api::admin::api_keys::CreateApiKey;
use boltz_api::{Client, Error};
use boltz_api_emulator::{Emulator, Fault, FaultAction};
use support::Capture;

const KEY: &str = "sk_bc_admin_live_FAULTSECRET_987654321";

#[tokio::test]
async fn no_secret_leaks_on_any_failure_path() {
    let capture = Capture::default();
    let _guard = capture.install();
    let emulator = Emulator::builder().admin_key(KEY).start().await.unwrap();
    let client = Client::builder()
        .api_key(KEY)
        .base_url(emulator.base_url())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();

    let created = client.admin().api_keys().create(CreateApiKey::new("leak-check")).await.unwrap();
    let new_secret = created.key.expose_secret().to_owned();
    let mut texts = vec![format!("{created:?}"), format!("{client:?}")];

    let revoke = "/compute/v1/admin/api-keys/*/revoke";
    let actions = [
        FaultAction::Close,
        FaultAction::Reset,
        FaultAction::TruncatedBody,
        FaultAction::MalformedJson,
        FaultAction::StallBody,
        FaultAction::Delay { ms: 400 },
        FaultAction::status(503).header("retry-after-ms", "1"),
        FaultAction::status(401),
        FaultAction::status(403),
    ];
    let mut errors: Vec<Error> = Vec::new();
    for action in actions {
        emulator.inject(Fault::new("POST", revoke, action).times(3));
        if let Err(err) = client.admin().api_keys().revoke(&created.key_details.id).await {
            errors.push(err);
        }
        emulator.clear_faults();
    }
    // A create whose response does not decode: the excerpt would hold the new secret.
    emulator.inject(Fault::new(
        "POST",
        "/compute/v1/admin/api-keys",
        FaultAction::Status {
            status: 200,
            headers: Default::default(),
            body: Some(format!(r#"{{"key":"{new_secret}","key_details":"truncated"}}"#)),
        },
    ));
    errors.push(client.admin().api_keys().create(CreateApiKey::new("x")).await.unwrap_err());
    assert!(errors.len() >= 6, "{errors:?}");

    for err in &errors {
        texts.push(format!("{err} {err:?}"));
        let mut source = std::error::Error::source(err);
        while let Some(inner) = source {
            texts.push(format!("{inner} {inner:?}"));
            source = inner.source();
        }
    }
    let logs = capture.text();
    assert!(logs.contains("attempt failed"), "the failures were logged: {logs}");
    texts.push(logs);
    for text in &texts {
        assert!(!text.contains(KEY) && !text.contains("FAULTSECRET"), "the key leaked into: {text}");
        assert!(!text.contains(&new_secret), "a created secret leaked into: {text}");
    }
}
