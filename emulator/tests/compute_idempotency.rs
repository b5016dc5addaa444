//! Idempotent starts: the same key with the same body returns the same job and makes no second
//! one; the same key with another body is refused with 409 (UNCONFIRMED: the status is a guess).
//! Estimates depend on the request only.

mod common;

use std::time::Duration;

use boltz_api_emulator::Emulator;
use common::{Api, fixture, molecule_design_body, prediction_body};
use serde_json::json;

const SAB: &str = "/compute/v1/predictions/structure-and-binding";
const MOLECULES: &str = "/compute/v1/small-molecule/design";

#[tokio::test]
async fn the_same_key_and_body_return_the_same_job() {
    let emulator = Emulator::builder().manual_clock().start().await.unwrap();
    let api = Api::admin(&emulator);
    let first = api.post(SAB, &prediction_body("retry-1")).await;
    // The same body with its keys in another order is the same request.
    let reordered = json!({
        "idempotency_key": "retry-1",
        "model": "boltz-2.1",
        "input": {
            "binding": {"binder_chain_id": "B", "type": "ligand_protein_binding"},
            "entities": [
                {"chain_ids": ["A"], "type": "protein", "value": "MKTAYIAKQRQISFVKSHFSRQ"},
                {"value": "CCO", "type": "ligand_smiles", "chain_ids": ["B"]}
            ]
        }
    });
    emulator.advance(Duration::from_secs(60));
    let second = api.post(SAB, &reordered.to_string()).await;
    assert_eq!(second["id"], first["id"]);
    assert_eq!(second["created_at"], first["created_at"]);
    assert_eq!(second["status"], "succeeded", "the replay returns the job as it is now");
    assert_eq!(second["idempotency_key"], "retry-1");
    assert_eq!(emulator.jobs().len(), 1, "no second job");

    // Another key is another job.
    let third = api.post(SAB, &prediction_body("retry-2")).await;
    assert_ne!(third["id"], first["id"]);
    // No key: every start is a new job.
    let no_key = json!({"input": {"entities": [{"type": "protein", "chain_ids": ["A"], "value": "MK"}]}});
    let a = api.post(SAB, &no_key.to_string()).await;
    let b = api.post(SAB, &no_key.to_string()).await;
    assert_ne!(a["id"], b["id"]);
    assert!(a["idempotency_key"].is_null());
    assert_eq!(emulator.jobs().len(), 4);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_a_conflict() {
    let emulator = Emulator::builder().manual_clock().start().await.unwrap();
    let api = Api::admin(&emulator);
    api.post(MOLECULES, &molecule_design_body(10, "k")).await;
    let conflict = api.call("POST", MOLECULES, &molecule_design_body(11, "k")).await;
    assert_eq!(conflict.status, 409, "{}", conflict.text());
    let error = conflict.json();
    assert!(error["error"]["message"].as_str().unwrap().contains("idempotency key"), "{error}");
    assert_eq!(emulator.jobs().len(), 1);

    // The key's scope is the workspace and the kind of job.
    let workspace = api.post("/compute/v1/admin/workspaces", r#"{"name":"other"}"#).await;
    let other = workspace["id"].as_str().unwrap();
    let mut elsewhere: serde_json::Value = serde_json::from_str(&molecule_design_body(10, "k")).unwrap();
    elsewhere["workspace_id"] = json!(other);
    let job = api.post(MOLECULES, &elsewhere.to_string()).await;
    assert_eq!(job["workspace_id"], other);
    let sab = api.post(SAB, &prediction_body("k")).await;
    assert!(sab["id"].as_str().unwrap().starts_with("sab_pred_"));
    assert_eq!(emulator.jobs().len(), 3);

    // Deleting a run's data keeps its key: the replay still finds it, the conflict still holds.
    emulator.advance(Duration::from_secs(60));
    let first = &emulator.jobs()[0].id;
    api.post(&format!("{MOLECULES}/{first}/delete-data"), "").await;
    let replay = api.post(MOLECULES, &molecule_design_body(10, "k")).await;
    assert_eq!((replay["id"].as_str(), replay["input"].is_null()), (Some(first.as_str()), true));
    assert_eq!(api.call("POST", MOLECULES, &molecule_design_body(12, "k")).await.status, 409);
}

#[tokio::test]
async fn every_start_fixture_replays_to_the_same_job() {
    let emulator = Emulator::builder().manual_clock().start().await.unwrap();
    let api = Api::admin(&emulator);
    let starts = [
        ("predictions/adme", "predictions.adme"),
        ("predictions/structure-and-binding", "predictions.structure_and_binding"),
        ("protein/design", "protein.design"),
        ("protein/library-screen", "protein.library_screen"),
        ("protein/sequence-redesign", "protein.sequence_redesign"),
        ("small-molecule/design", "small_molecule.design"),
        ("small-molecule/explore", "small_molecule.explore"),
        ("small-molecule/library-screen", "small_molecule.library_screen"),
    ];
    for (path, name) in starts {
        let body = fixture(name).to_string();
        let first = api.post(&format!("/compute/v1/{path}"), &body).await;
        let again = api.post(&format!("/compute/v1/{path}"), &body).await;
        assert_eq!(first["id"], again["id"], "{name}");
        assert_eq!(first["idempotency_key"], format!("conformance-{name}"), "{name}");
    }
    assert_eq!(emulator.jobs().len(), starts.len());
}

#[tokio::test]
async fn estimates_depend_on_the_request_only() {
    let emulator = Emulator::start().await.unwrap();
    let api = Api::admin(&emulator);
    let path = format!("{MOLECULES}/estimate-cost");
    let estimate = api.post(&path, &molecule_design_body(250, "e1")).await;
    assert_eq!(estimate["breakdown"]["application"], "small_molecule_design");
    assert_eq!(estimate["breakdown"]["num_units"], 250);
    assert_eq!(estimate["breakdown"]["cost_per_unit_usd"], "0.0200");
    assert_eq!(estimate["estimated_cost_usd"], "5.00");
    assert!(estimate["disclaimer"].is_string());
    // The key does not matter, and nothing is started.
    assert_eq!(api.post(&path, &molecule_design_body(250, "e2")).await, estimate);
    assert_ne!(api.post(&path, &molecule_design_body(500, "e1")).await, estimate);
    assert!(emulator.jobs().is_empty());
    let adme = api
        .post("/compute/v1/predictions/adme/estimate-cost", &fixture("predictions.adme").to_string())
        .await;
    assert_eq!(
        (adme["breakdown"]["application"].as_str(), adme["breakdown"]["num_units"].as_u64()),
        (Some("adme"), Some(2))
    );
    assert_eq!(api.call("POST", &path, r#"{"num_molecules": 5, "target": {}}"#).await.status, 422);
}
