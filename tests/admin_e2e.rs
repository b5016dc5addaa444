//! Workspaces, spending limits, usage and the CLI check against the emulator, end to end.

use boltz_api::api::admin::api_keys::CreateApiKey;
use boltz_api::api::admin::usage::ListUsage;
use boltz_api::api::admin::workspaces::{CreateWorkspace, ListWorkspaces, UpdateWorkspace};
use boltz_api::models::{Application, DataRetention, Money, UsageGroupBy, WindowSize};
use boltz_api::{ApiErrorKind, Client, Error};
use boltz_api_emulator::Emulator;
use chrono::{TimeZone, Utc};
use futures_util::TryStreamExt;

fn client(emulator: &Emulator, key: &str) -> Client {
    Client::builder().api_key(key).base_url(emulator.base_url()).build().unwrap()
}

fn kind(err: &Error) -> ApiErrorKind {
    err.as_api().unwrap_or_else(|| panic!("not an API error: {err:?}")).kind()
}

#[tokio::test]
async fn workspace_lifecycle() {
    let emulator = Emulator::start().await.unwrap();
    let admin = client(&emulator, emulator.admin_key());
    let workspaces = admin.admin().workspaces();

    let created = workspaces
        .create(CreateWorkspace::new().name("Research").data_retention(DataRetention::hours(48)))
        .await
        .unwrap();
    assert_eq!(
        (created.name.as_deref(), created.is_default, created.archived_at),
        (Some("Research"), false, None)
    );
    assert_eq!(created.data_retention, DataRetention::hours(48));
    assert_eq!(workspaces.retrieve(&created.id).await.unwrap(), created);

    let renamed = workspaces.update(UpdateWorkspace::new(&created.id).name("Research 2")).await.unwrap();
    assert_eq!(renamed.name.as_deref(), Some("Research 2"));
    assert_eq!(renamed.data_retention, created.data_retention, "omitted fields are unchanged");
    let cleared = workspaces.update(UpdateWorkspace::new(&created.id).clear_name()).await.unwrap();
    assert_eq!(cleared.name, None);
    let err =
        workspaces.update(UpdateWorkspace::new(&created.id).data_retention(DataRetention::days(30))).await;
    assert_eq!(kind(&err.unwrap_err()), ApiErrorKind::UnprocessableEntity);

    let key =
        admin.admin().api_keys().create(CreateApiKey::new("in-ws").workspace_id(&created.id)).await.unwrap();
    let ws_client = client(&emulator, key.key.expose_secret());
    ws_client.auth().me().await.unwrap();

    let archived = workspaces.archive(&created.id).await.unwrap();
    assert!(archived.archived_at.is_some());
    assert_eq!(
        workspaces.archive(&created.id).await.unwrap().archived_at,
        archived.archived_at,
        "idempotent"
    );
    assert_eq!(
        kind(&ws_client.auth().me().await.unwrap_err()),
        ApiErrorKind::Authentication,
        "its keys are off"
    );
    assert_eq!(kind(&workspaces.retrieve("ws_missing").await.unwrap_err()), ApiErrorKind::NotFound);
}

#[tokio::test]
async fn workspace_streams_page_both_ways_with_the_name_filter() {
    let emulator = Emulator::start().await.unwrap();
    let admin = client(&emulator, emulator.admin_key());
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            admin
                .admin()
                .workspaces()
                .create(CreateWorkspace::new().name(format!("team-{i}")))
                .await
                .unwrap()
                .id,
        );
    }
    admin.admin().workspaces().create(CreateWorkspace::new().name("other")).await.unwrap();

    let before = emulator.requests_received();
    let forward: Vec<_> = admin
        .admin()
        .workspaces()
        .list(ListWorkspaces::new().name("TEAM").limit(2))
        .stream()
        .map_ok(|w| w.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(forward, ids);
    assert_eq!(emulator.requests_received() - before, 3);

    let backward: Vec<_> = admin
        .admin()
        .workspaces()
        .list(ListWorkspaces::new().name("team").before_id(&ids[4]).limit(1))
        .stream()
        .map_ok(|w| w.id)
        .try_collect()
        .await
        .unwrap();
    let expected: Vec<_> = ids[..4].iter().rev().cloned().collect();
    assert_eq!(backward, expected);
}

#[tokio::test]
async fn spending_limits() {
    let emulator = Emulator::start().await.unwrap();
    let admin = client(&emulator, emulator.admin_key());
    let workspaces = admin.admin().workspaces();
    let ws = workspaces.create(CreateWorkspace::new().name("capped")).await.unwrap();
    assert_eq!(workspaces.retrieve_spending_limit(&ws.id).await.unwrap(), None, "a JSON null means no cap");

    let err = workspaces.set_spending_limit(&ws.id, 1_000).await.unwrap_err();
    assert_eq!(kind(&err), ApiErrorKind::BadRequest, "below accrued usage");
    let set = workspaces.set_spending_limit(&ws.id, 50_000).await.unwrap().unwrap();
    assert_eq!((set.limit, set.accrued_usage.amount), (Money::milli_usd(50_000), 2_500));
    let unlimited = workspaces.set_spending_limit(&ws.id, Money::UNLIMITED).await.unwrap().unwrap();
    assert_eq!(unlimited.limit.amount, Money::UNLIMITED);

    let own = admin.admin().api_keys().create(CreateApiKey::new("own").workspace_id(&ws.id)).await.unwrap();
    let own = client(&emulator, own.key.expose_secret());
    assert!(own.admin().workspaces().retrieve_spending_limit(&ws.id).await.unwrap().is_some());
    let err = own.admin().workspaces().retrieve_spending_limit("ws_default").await.unwrap_err();
    assert_eq!(kind(&err), ApiErrorKind::PermissionDenied);
    let err = own.admin().workspaces().set_spending_limit(&ws.id, 10_000).await.unwrap_err();
    assert_eq!(kind(&err), ApiErrorKind::PermissionDenied);
}

#[tokio::test]
async fn usage_pages_with_an_opaque_token() {
    let emulator = Emulator::start().await.unwrap();
    let admin = client(&emulator, emulator.admin_key());
    admin.admin().workspaces().create(CreateWorkspace::new()).await.unwrap();
    let start = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
    let end = Utc.with_ymd_and_hms(2026, 4, 4, 0, 0, 0).unwrap();
    let request = ListUsage::new(start, end, WindowSize::Day)
        .group_by([UsageGroupBy::WorkspaceId, UsageGroupBy::Application])
        .applications([Application::Adme, Application::ProteinDesign])
        .limit(5);

    let before = emulator.requests_received();
    let buckets: Vec<_> = admin.admin().usage().list(request.clone()).stream().try_collect().await.unwrap();
    // 3 days × 2 workspaces × 2 applications, 5 per page.
    assert_eq!(buckets.len(), 12);
    assert_eq!(emulator.requests_received() - before, 3);
    assert!(buckets.iter().all(|b| b.workspace_id.is_some() && b.application.is_some()));
    assert_eq!(buckets[0].start_time, start);

    let first = admin.admin().usage().list(request).await.unwrap();
    assert_eq!((first.data.len(), first.has_more), (5, Some(true)));
    assert!(first.next_page.as_deref().unwrap().contains('+'), "a token that must be URL-encoded");
}

#[tokio::test]
async fn the_cli_version_check() {
    let emulator = Emulator::start().await.unwrap();
    let admin = client(&emulator, emulator.admin_key());
    let old = admin.cli().version(Some("0.1.0"), Some("linux-x64")).await.unwrap();
    assert!(old.update_available && old.update_required);
    let current = admin.cli().version(Some(&old.latest), None).await.unwrap();
    assert!(!current.update_available && !current.update_required);
}
