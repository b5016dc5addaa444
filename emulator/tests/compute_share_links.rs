//! Share links: create, retrieve and archive with a key; `read` and `list_pipeline_results` by
//! the link's ID alone (UNCONFIRMED: that they need no key), until it is archived or expires.

mod common;

use std::time::Duration;

use boltz_api_emulator::Emulator;
use common::{Api, molecule_design_body, prediction_body, send};
use serde_json::{Value, json};

const SAB: &str = "/compute/v1/predictions/structure-and-binding";
const MOLECULES: &str = "/compute/v1/small-molecule/design";

async fn without_key(emulator: &Emulator, path: &str) -> common::Response {
    send(emulator.addr(), "GET", path, &[], b"").await
}

#[tokio::test]
async fn a_share_link_exposes_its_jobs_until_archived() {
    let emulator = Emulator::builder().manual_clock().start().await.unwrap();
    let api = Api::admin(&emulator);
    let prediction = api.post(SAB, &prediction_body("p")).await;
    let pipeline = api.post(MOLECULES, &molecule_design_body(10, "m")).await;
    let (prediction, pipeline) = (prediction["id"].as_str().unwrap(), pipeline["id"].as_str().unwrap());
    emulator.advance(Duration::from_secs(60));

    let request = json!({
        "expires_at": "2099-01-01T00:00:00Z",
        "pipeline_ids": [pipeline],
        "prediction_ids": [prediction],
        "access_parameters": {"access_mode": "email", "allowed_emails": ["reviewer@example.com"]},
    });
    let link = api.post("/compute/v1/share-links", &request.to_string()).await;
    let id = link["id"].as_str().unwrap();
    assert!(id.starts_with("share_"));
    assert_eq!(link["workspace_id"], "ws_default");
    assert_eq!(link["pipeline_ids"], json!([pipeline]));
    assert_eq!(link["access_parameters"]["access_mode"], "email");
    assert!(link["archived_at"].is_null() && link["url"].is_null());
    assert_eq!(api.get(&format!("/compute/v1/share-links/{id}")).await, link);

    // Read by the ID alone: the shared jobs in full, with fresh links to their files.
    let read = without_key(&emulator, &format!("/compute/v1/share/{id}")).await;
    assert_eq!(read.status, 200, "{}", read.text());
    let read = read.json();
    assert_eq!(read["id"], id);
    assert_eq!(read["pipelines"][0]["id"], pipeline);
    assert_eq!(read["pipelines"][0]["progress"]["num_molecules_generated"], 10);
    assert_eq!(read["predictions"][0]["id"], prediction);
    assert!(read["predictions"][0]["output"]["archive"]["url"].is_string());
    let results =
        without_key(&emulator, &format!("/compute/v1/share/{id}/pipelines/{pipeline}/results?limit=4")).await;
    assert_eq!(results.status, 200);
    let results = results.json();
    assert_eq!((results["data"].as_array().unwrap().len(), results["has_more"].as_bool()), (4, Some(true)));
    let authed = api.get(&format!("{MOLECULES}/{pipeline}/results?limit=4")).await;
    assert_eq!(results["last_id"], authed["last_id"], "the same items as list_results");
    // A pipeline the link does not share is not there.
    assert_eq!(
        without_key(&emulator, &format!("/compute/v1/share/{id}/pipelines/{prediction}/results"))
            .await
            .status,
        404
    );
    // Sending a key anyway changes nothing, even a wrong one.
    let with_bad_key =
        send(emulator.addr(), "GET", &format!("/compute/v1/share/{id}"), &[("x-api-key", "nope")], b"").await;
    assert_eq!(with_bad_key.status, 200);

    // Archive: idempotent, and the link stops opening.
    let archived = api.post(&format!("/compute/v1/share-links/{id}/archive"), "").await;
    assert_eq!(archived["archived"], true);
    let again = api.post(&format!("/compute/v1/share-links/{id}/archive"), "").await;
    assert_eq!(again["archived_at"], archived["archived_at"]);
    assert_eq!(
        api.get(&format!("/compute/v1/share-links/{id}")).await["archived_at"],
        archived["archived_at"]
    );
    assert_eq!(without_key(&emulator, &format!("/compute/v1/share/{id}")).await.status, 404);
    assert_eq!(
        without_key(&emulator, &format!("/compute/v1/share/{id}/pipelines/{pipeline}/results")).await.status,
        404
    );
    assert_eq!(without_key(&emulator, "/compute/v1/share/share_nope").await.status, 404);
    // Create, retrieve and archive need a key.
    assert_eq!(without_key(&emulator, &format!("/compute/v1/share-links/{id}")).await.status, 401);
}

#[tokio::test]
async fn a_share_link_expires_on_the_emulator_clock() {
    let emulator = Emulator::builder().manual_clock().start().await.unwrap();
    let api = Api::admin(&emulator);
    let clock: Value = api.control("GET", "clock", "").await.json();
    let now = chrono::DateTime::parse_from_rfc3339(clock["now"].as_str().unwrap()).unwrap();
    let expires = (now + chrono::TimeDelta::hours(1)).to_rfc3339();
    let pipeline = api.post(MOLECULES, &molecule_design_body(10, "x")).await;
    let request = json!({"expires_at": expires, "pipeline_ids": [pipeline["id"]]});
    let link = api.post("/compute/v1/share-links", &request.to_string()).await;
    assert_eq!(link["access_parameters"], json!({"access_mode": "public"}), "public by default");
    let read = format!("/compute/v1/share/{}", link["id"].as_str().unwrap());
    assert_eq!(without_key(&emulator, &read).await.status, 200);
    emulator.advance(Duration::from_secs(3_601));
    assert_eq!(without_key(&emulator, &read).await.status, 404);
}

#[tokio::test]
async fn share_links_are_checked() {
    let emulator = Emulator::builder().manual_clock().start().await.unwrap();
    let api = Api::admin(&emulator);
    let prediction = api.post(SAB, &prediction_body("p")).await;
    let prediction = prediction["id"].as_str().unwrap();
    let create = |body: Value| {
        let api = &api;
        async move { api.call("POST", "/compute/v1/share-links", &body.to_string()).await.status }
    };
    assert_eq!(create(json!({"prediction_ids": [prediction]})).await, 422, "expires_at is required");
    assert_eq!(
        create(json!({"expires_at": "2020-01-01T00:00:00Z", "prediction_ids": [prediction]})).await,
        422
    );
    assert_eq!(create(json!({"expires_at": "tomorrow"})).await, 422);
    assert_eq!(
        create(json!({"expires_at": "2099-01-01T00:00:00Z", "pipeline_ids": [prediction]})).await,
        404
    );
    assert_eq!(
        create(json!({"expires_at": "2099-01-01T00:00:00Z", "prediction_ids": ["sab_pred_nope"]})).await,
        404
    );
    let email_without_addresses =
        json!({"expires_at": "2099-01-01T00:00:00Z", "access_parameters": {"access_mode": "email"}});
    assert_eq!(create(email_without_addresses).await, 422);
    let too_many: Vec<String> = (0..101).map(|i| format!("p{i}")).collect();
    assert_eq!(create(json!({"expires_at": "2099-01-01T00:00:00Z", "pipeline_ids": too_many})).await, 422);

    // A workspace key sees only its workspace's links and jobs.
    let workspace = api.post("/compute/v1/admin/workspaces", r#"{"name":"lab"}"#).await;
    let lab = workspace["id"].as_str().unwrap();
    let key =
        api.post("/compute/v1/admin/api-keys", &json!({"name": "k", "workspace_id": lab}).to_string()).await;
    let lab_api = Api::with_key(&emulator, key["key"].as_str().unwrap());
    let refused = lab_api
        .call(
            "POST",
            "/compute/v1/share-links",
            &json!({"expires_at": "2099-01-01T00:00:00Z", "prediction_ids": [prediction]}).to_string(),
        )
        .await;
    assert_eq!(refused.status, 404, "the prediction is in another workspace");
    let link = api
        .post(
            "/compute/v1/share-links",
            &json!({"expires_at": "2099-01-01T00:00:00Z", "prediction_ids": [prediction]}).to_string(),
        )
        .await;
    let link_id = link["id"].as_str().unwrap();
    assert_eq!(lab_api.call("GET", &format!("/compute/v1/share-links/{link_id}"), "").await.status, 404);
    assert_eq!(
        lab_api.call("POST", &format!("/compute/v1/share-links/{link_id}/archive"), "").await.status,
        404
    );
}
