//! Data in and out beyond the schema-made samples of `compute_plane.rs`: the admin plane's
//! models and requests, requests without a body, a job stored as JSON and read back that can
//! still be waited on, and a results page whose bad field is named inside its union.

use std::time::Duration;

use boltz_api::api::admin::api_keys::{CreateApiKey, ListApiKeys, RevokeApiKey};
use boltz_api::api::admin::usage::ListUsage;
use boltz_api::api::admin::workspaces::{CreateWorkspace, SetSpendingLimit, UpdateWorkspace};
use boltz_api::api::predictions::structure_and_binding::StartStructureAndBinding;
use boltz_api::api::protein::design::ListProteinDesignResults;
use boltz_api::endpoint::Endpoint;
use boltz_api::models::predictions::structure_and_binding::Prediction;
use boltz_api::models::predictions::structure_and_binding::params::{Entity, Input};
use boltz_api::models::{
    ApiKey, AuthMe, CliVersion, CreatedApiKey, DataRetention, KeyMode, SpendingLimit, UsageBucket,
    WindowSize, Workspace,
};
use boltz_api::pagination::{CursorPage, OpaqueCursorPage};
use boltz_api::{Client, Error};
use boltz_api_emulator::Emulator;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Decode `value`, write it back: the same JSON. Returns the typed value.
fn round_trip<T: DeserializeOwned + Serialize>(value: Value) -> T {
    let typed: T = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), value);
    typed
}

fn key(extra: Value) -> Value {
    let mut key = json!({"id": "key_1", "allowed_ips": ["10.0.0.1"], "created_at": "2026-01-02T03:04:05Z",
        "expires_at": null, "is_active": true, "key_prefix": "sk_bc_ws_tes", "key_type": "workspace",
        "last_used_at": null, "livemode": false, "name": "ci"});
    key.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    key
}

#[test]
fn admin_models_write_back_what_they_read() {
    // `workspace_id` absent, two fields null, one unknown: all kept as they were.
    let typed: ApiKey = round_trip(key(json!({"rotated_from": {"id": "key_0", "at": null}})));
    assert_eq!(typed.extra["rotated_from"]["id"], "key_0");
    assert_eq!(typed.workspace_id, None);
    // The new key's secret is written out too: storing it is what the caller asked for.
    let created: CreatedApiKey =
        round_trip(json!({"key": "sk_bc_ws_test_secret", "key_details": key(json!({}))}));
    assert!(!format!("{created:?}").contains("secret"), "Debug still hides it");
    let workspace: Workspace =
        round_trip(json!({"id": "ws_1", "archived_at": null, "created_at": "2026-01-02T03:04:05Z",
        "data_retention": {"unit": "fortnights", "value": 1, "calendar": "iso"}, "is_default": false,
        "updated_at": "2026-01-02T03:04:05Z", "region": "eu"}));
    assert_eq!(workspace.data_retention.extra["calendar"], "iso");
    round_trip::<SpendingLimit>(json!({"accrued_usage": {"amount": 2500, "currency": "MILLI_USD"},
        "limit": {"amount": 9007199254740991_i64, "currency": "MILLI_EUR"}, "type": "lifetime", "period": null}));
    round_trip::<OpaqueCursorPage<UsageBucket>>(json!({"data": [{"start_time": "2026-04-01T00:00:00Z",
        "end_time": "2026-04-02T00:00:00Z", "quantity": 42, "application": "adme", "unit": "molecules"}],
        "next_page": "c/+=", "has_more": true}));
    round_trip::<CursorPage<ApiKey>>(
        json!({"data": [key(json!({}))], "first_id": "key_1", "last_id": "key_1",
        "has_more": false, "total": 1}),
    );
    for me in [
        json!({"principal_type": "api_key", "api_key_id": "k", "key_type": "admin", "mode": "live",
               "organization_id": "o", "selected_organization_id": "o", "workspace_id": null}),
        json!({"principal_type": "user", "user_id": "u", "organization_memberships": [
               {"compute_role": "owner", "organization_id": "o", "seats": 3}]}),
        json!({"principal_type": "robot", "id": 1}),
    ] {
        round_trip::<AuthMe>(me);
    }
    round_trip::<CliVersion>(
        json!({"install": {"macos_linux": "curl …", "windows": "iwr …"}, "latest": "1.2.3",
        "message": null, "minimum_supported": "1.0.0", "update_available": false, "update_required": false}),
    );
}

/// Every admin request reads from the JSON it writes, and is the request built in code.
#[test]
fn admin_requests_read_what_they_write() {
    fn same<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(built: T, text: Value) {
        assert_eq!(serde_json::to_value(&built).unwrap(), text);
        assert_eq!(serde_json::from_value::<T>(text).unwrap(), built);
    }
    same(
        CreateApiKey::new("ci").mode(KeyMode::Test).allowed_ips(["10.0.0.1"]),
        json!({"name": "ci", "allowed_ips": ["10.0.0.1"], "mode": "test"}),
    );
    same(RevokeApiKey::new("key_1"), json!({"api_key_id": "key_1"}));
    same(ListApiKeys::new().limit(5).workspace_id("ws_1"), json!({"limit": 5, "workspace_id": "ws_1"}));
    same(
        CreateWorkspace::new().name("lab").data_retention(DataRetention::days(3)).spending_limit(5000),
        json!({"name": "lab", "data_retention": {"unit": "days", "value": 3},
               "spending_limit": {"limit": {"amount": 5000, "currency": "MILLI_USD"}, "type": "lifetime"}}),
    );
    same(
        SetSpendingLimit::new("ws_1", 7),
        json!({"workspace_id": "ws_1", "limit": {"amount": 7, "currency": "MILLI_USD"}, "type": "lifetime"}),
    );
    same(UpdateWorkspace::new("ws_1").clear_name(), json!({"workspace_id": "ws_1", "name": null}));
    same(UpdateWorkspace::new("ws_1").name("x"), json!({"workspace_id": "ws_1", "name": "x"}));
    let from = "2026-04-01T00:00:00Z".parse().unwrap();
    let to = "2026-04-02T00:00:00Z".parse().unwrap();
    same(
        ListUsage::new(from, to, WindowSize::Day).workspace_ids(["ws_1"]),
        json!({"starting_at": "2026-04-01T00:00:00Z", "ending_at": "2026-04-02T00:00:00Z", "window_size": "DAY",
               "workspace_ids": ["ws_1"]}),
    );
    // A loaded request is sent as the built one is: the path parameter stays out of the body.
    let loaded: UpdateWorkspace =
        serde_json::from_value(json!({"workspace_id": "ws_1", "name": null})).unwrap();
    assert_eq!(loaded.path().unwrap(), "/compute/v1/admin/workspaces/ws_1");
    assert_eq!(&loaded.body().unwrap().unwrap()[..], br#"{"name":null}"#);
}

#[test]
fn a_list_request_reads_its_query_parameters() {
    let loaded: ListProteinDesignResults =
        serde_json::from_value(json!({"id": "prot_des_1", "after_id": "r_9", "limit": 50, "ids": "r1,r2"}))
            .unwrap();
    let built = ListProteinDesignResults::new("prot_des_1").after_id("r_9").limit(50).ids(["r1", "r2"]);
    assert_eq!(loaded, built);
    assert_eq!(loaded.query(), built.query());
}

/// A job stored as JSON (as in a database) reads back as the same job, and waiting on the copy
/// follows the job on the server.
#[tokio::test]
async fn a_stored_job_reads_back_whole_and_can_be_waited_on() {
    let emulator = Emulator::builder()
        .pending_duration(Duration::ZERO)
        .job_duration(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let client =
        Client::builder().api_key(emulator.admin_key()).base_url(emulator.base_url()).build().unwrap();
    let input =
        Input::new([Entity::protein("A", "MKTAYIAKQRQISFVKSHFSRQ"), Entity::ligand_smiles("B", "CCO")]);
    let started = client
        .predictions()
        .structure_and_binding()
        .start(StartStructureAndBinding::new(input))
        .await
        .unwrap();
    let stored = serde_json::to_string(&started).unwrap();
    let loaded: Prediction = serde_json::from_str(&stored).unwrap();
    assert_eq!(loaded, started);
    let finished = client
        .wait(&loaded)
        .poll_interval(Duration::from_millis(50), Duration::from_millis(100))
        .await
        .unwrap();
    assert!(finished.job().output.is_some(), "{:?}", finished.job().status);
    // And the finished job, stored and read back, is the same again.
    let again: Prediction = serde_json::from_str(&serde_json::to_string(finished.job()).unwrap()).unwrap();
    assert_eq!(&again, finished.job());
}

/// A results page whose union item has a bad field reports the field's path inside the item.
#[tokio::test]
async fn a_bad_field_inside_a_union_is_named_by_its_path() {
    let server = support::TestServer::start(|_, _| {
        support::json(
            200,
            r#"{"data":[{"id":5,"created_at":"2026-01-02T03:04:05Z","status":"succeeded"}],"first_id":null,"last_id":null}"#,
        )
    })
    .await;
    let client =
        Client::builder().api_key("sk_bc_admin_live_data_0123456789").base_url(server.url()).build().unwrap();
    let error = client.protein().design().list_results("prot_des_1").await.unwrap_err();
    let Error::Decode(decode) = error else { panic!("{error:?}") };
    assert_eq!(decode.path(), "data[0].id");
    assert!(
        decode.message().starts_with("invalid type: integer `5`, expected a string"),
        "{}",
        decode.message()
    );
}

mod support;
