//! The client against the emulator: every API key behaviour, end to end over loopback.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use boltz_api::api::admin::api_keys::{CreateApiKey, ListApiKeys};
use boltz_api::models::{AuthMe, KeyMode, KeyType};
use boltz_api::{ApiErrorKind, Client, Error};
use boltz_api_emulator::{Emulator, Fault, FaultAction};
use futures_util::TryStreamExt;

fn client(emulator: &Emulator, key: &str) -> Client {
    Client::builder().api_key(key).base_url(emulator.base_url()).build().unwrap()
}

fn kind(err: &Error) -> ApiErrorKind {
    err.as_api().unwrap_or_else(|| panic!("not an API error: {err:?}")).kind()
}

#[tokio::test]
async fn create_list_revoke_and_refuse() {
    let emulator = Emulator::start().await.unwrap();
    let admin = client(&emulator, emulator.admin_key());
    let created = admin
        .admin()
        .api_keys()
        .create(CreateApiKey::new("ci").allowed_ips(["127.0.0.1"]).mode(KeyMode::Test))
        .await
        .unwrap();
    let secret = created.key.expose_secret().to_owned();
    let details = &created.key_details;
    assert!(secret.starts_with("sk_bc_ws_test_"));
    assert_eq!(details.key_prefix, secret[..12]);
    assert_eq!(
        (details.key_type.clone(), details.livemode, details.is_active),
        (KeyType::Workspace, false, true)
    );
    assert_eq!(details.allowed_ips, ["127.0.0.1"]);
    assert_eq!(details.last_used_at, None);

    let workspace = client(&emulator, &secret);
    let AuthMe::ApiKey(me) = workspace.auth().me().await.unwrap() else { panic!("an API key principal") };
    assert_eq!((me.api_key_id.as_str(), me.mode.clone()), (details.id.as_str(), KeyMode::Test));

    let listed: Vec<_> =
        admin.admin().api_keys().list(ListApiKeys::new()).stream().try_collect().await.unwrap();
    let listed_key = listed.iter().find(|k| k.id == details.id).unwrap();
    assert!(listed_key.last_used_at.is_some(), "last_used_at follows use");

    let revoked = admin.admin().api_keys().revoke(&details.id).await.unwrap();
    assert!(!revoked.is_active);
    let again = admin.admin().api_keys().revoke(&details.id).await.unwrap();
    assert_eq!(again, revoked, "revoke is idempotent");

    let err = workspace.auth().me().await.unwrap_err();
    assert_eq!(kind(&err), ApiErrorKind::Authentication);
    let err = admin.admin().api_keys().revoke("key_unknown").await.unwrap_err();
    assert_eq!(kind(&err), ApiErrorKind::NotFound);
}

#[tokio::test]
async fn admin_endpoints_need_an_admin_key_and_a_key_at_all() {
    let emulator = Emulator::start().await.unwrap();
    let admin = client(&emulator, emulator.admin_key());
    let created = admin.admin().api_keys().create(CreateApiKey::new("ws")).await.unwrap();
    let workspace = client(&emulator, created.key.expose_secret());
    let err = workspace.admin().api_keys().list(ListApiKeys::new()).await.unwrap_err();
    assert_eq!(kind(&err), ApiErrorKind::PermissionDenied);
    let err = client(&emulator, "sk_bc_ws_live_unknown").auth().me().await.unwrap_err();
    assert_eq!(kind(&err), ApiErrorKind::Authentication);
}

#[tokio::test]
async fn allowed_ips_are_checked_against_the_source_address() {
    let emulator = Emulator::start().await.unwrap();
    let admin = client(&emulator, emulator.admin_key());
    let created = admin
        .admin()
        .api_keys()
        .create(CreateApiKey::new("pinned").allowed_ips(["127.0.0.2"]))
        .await
        .unwrap();
    let secret = created.key.expose_secret();

    let err = client(&emulator, secret).auth().me().await.unwrap_err();
    assert_eq!(kind(&err), ApiErrorKind::PermissionDenied);
    assert!(err.to_string().contains("127.0.0.1"), "{err}");

    let pinned = Client::builder()
        .api_key(secret)
        .base_url(emulator.base_url())
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .build()
        .unwrap();
    assert!(matches!(pinned.auth().me().await.unwrap(), AuthMe::ApiKey(_)));
}

#[tokio::test]
async fn streams_page_forwards_and_backwards() {
    let emulator = Emulator::start().await.unwrap();
    let admin = client(&emulator, emulator.admin_key());
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(
            admin.admin().api_keys().create(CreateApiKey::new(format!("k{i}"))).await.unwrap().key_details.id,
        );
    }
    let before = emulator.requests_received();
    let forward: Vec<_> = admin
        .admin()
        .api_keys()
        .list(ListApiKeys::new().limit(2).workspace_id("ws_default"))
        .stream()
        .map_ok(|k| k.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(forward, ids);
    assert_eq!(emulator.requests_received() - before, 4, "pages of 2, 2, 2 and 1");

    let backward: Vec<_> = admin
        .admin()
        .api_keys()
        .list(ListApiKeys::new().before_id(&ids[6]).limit(2).workspace_id("ws_default"))
        .stream()
        .map_ok(|k| k.id)
        .try_collect()
        .await
        .unwrap();
    // Pages come newest first; each page keeps the server's order.
    let expected: Vec<&String> = [4, 5, 2, 3, 0, 1].iter().map(|&i| &ids[i]).collect();
    assert_eq!(backward.iter().collect::<Vec<_>>(), expected);

    let page = admin.admin().api_keys().list(ListApiKeys::new().limit(3)).await.unwrap();
    assert_eq!((page.data.len(), page.has_more), (3, Some(true)));
}

#[tokio::test]
async fn concurrent_creates_and_revokes_lose_nothing() {
    let emulator = Emulator::start().await.unwrap();
    let admin = client(&emulator, emulator.admin_key());
    let tasks: Vec<_> = (0..64)
        .map(|task| {
            let admin = admin.clone();
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for i in (task..1000).step_by(64) {
                    let created = admin
                        .admin()
                        .api_keys()
                        .create(CreateApiKey::new(format!("load-{i}")))
                        .await
                        .unwrap();
                    ids.push(created.key_details.id);
                }
                ids
            })
        })
        .collect();
    let mut created = HashSet::new();
    for task in tasks {
        created.extend(task.await.unwrap());
    }
    assert_eq!(created.len(), 1000);
    let listed: Vec<_> = admin
        .admin()
        .api_keys()
        .list(ListApiKeys::new().limit(100).workspace_id("ws_default"))
        .stream()
        .map_ok(|k| k.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1000);
    assert_eq!(listed.into_iter().collect::<HashSet<_>>(), created);

    let target = created.iter().next().unwrap().clone();
    let revokes: Vec<_> = (0..500)
        .map(|_| {
            let admin = admin.clone();
            let target = target.clone();
            tokio::spawn(async move { admin.admin().api_keys().revoke(target).await })
        })
        .collect();
    for revoke in revokes {
        let key = revoke.await.unwrap().unwrap();
        assert!(!key.is_active);
    }
}

#[tokio::test]
async fn injected_faults_drive_the_retry_path() {
    let emulator = Emulator::start().await.unwrap();
    let admin = client(&emulator, emulator.admin_key());
    let id = admin.admin().api_keys().create(CreateApiKey::new("k")).await.unwrap().key_details.id;

    emulator.inject(Fault::new(
        "POST",
        "/compute/v1/admin/api-keys/*/revoke",
        FaultAction::status(429).header("retry-after-ms", "10"),
    ));
    let before = emulator.requests_received();
    assert!(!admin.admin().api_keys().revoke(&id).await.unwrap().is_active);
    assert_eq!(emulator.requests_received() - before, 2, "a 429 then a success");

    // A create is not replayed once it may have been processed.
    emulator.inject(Fault::new("POST", "/compute/v1/admin/api-keys", FaultAction::status(503)));
    let before = emulator.requests_received();
    let err = admin.admin().api_keys().create(CreateApiKey::new("k2")).await.unwrap_err();
    assert_eq!((kind(&err), emulator.requests_received() - before), (ApiErrorKind::InternalServer, 1));
    assert!(err.may_have_been_processed());

    emulator.inject(Fault::new("POST", "/compute/v1/admin/api-keys/*/revoke", FaultAction::Close));
    assert!(
        !admin.admin().api_keys().revoke(&id).await.unwrap().is_active,
        "an idempotent call survives a closed connection"
    );

    emulator.inject(Fault::new("GET", "/compute/v1/auth/me", FaultAction::MalformedJson));
    assert!(matches!(admin.auth().me().await.unwrap_err(), Error::Decode(_)));

    emulator.inject(Fault::new("GET", "/compute/v1/auth/me", FaultAction::TruncatedBody));
    assert!(matches!(admin.auth().me().no_retry().await.unwrap_err(), Error::Transport(_)));

    emulator.inject(Fault::new("GET", "/compute/v1/auth/me", FaultAction::StallBody));
    let err = admin.auth().me().no_retry().timeout(Duration::from_millis(200)).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");

    emulator.inject(Fault::new("GET", "/compute/v1/auth/me", FaultAction::Delay { ms: 500 }));
    let err = admin.auth().me().no_retry().timeout(Duration::from_millis(100)).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}
