//! Compute jobs over raw HTTP: the lifecycle on a manual clock, injected failures, stop and
//! resume, results appearing while a pipeline runs (and paged), `delete_data`, key scoping, the
//! control endpoints, and the binary's real-time clock.

mod common;

use std::time::Duration;

use boltz_api_emulator::Emulator;
use common::{Api, fixture, molecule_design_body, prediction_body};
use serde_json::{Value, json};

const SAB: &str = "/compute/v1/predictions/structure-and-binding";
const MOLECULES: &str = "/compute/v1/small-molecule/design";

async fn manual() -> Emulator {
    Emulator::builder()
        .manual_clock()
        .pending_duration(Duration::from_secs(1))
        .job_duration(Duration::from_secs(10))
        .start()
        .await
        .unwrap()
}

fn millis(timestamp: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(timestamp.as_str().unwrap()).unwrap().timestamp_millis()
}

#[tokio::test]
async fn a_prediction_goes_pending_running_succeeded_on_the_manual_clock() {
    let emulator = manual().await;
    let api = Api::admin(&emulator);
    let job = api.post(SAB, &prediction_body("k1")).await;
    let id = job["id"].as_str().unwrap();
    assert!(id.starts_with("sab_pred_"));
    assert_eq!(job["status"], "pending");
    assert_eq!((job["started_at"].clone(), job["output"].clone()), (Value::Null, Value::Null));
    assert_eq!(job["workspace_id"], "ws_default");
    assert_eq!(job["input"]["entities"][0]["value"], "MKTAYIAKQRQISFVKSHFSRQ");

    // Time stands still until advanced.
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(api.get(&format!("{SAB}/{id}")).await["status"], "pending");

    emulator.advance(Duration::from_millis(1_500));
    let running = api.get(&format!("{SAB}/{id}")).await;
    assert_eq!(running["status"], "running");
    assert_eq!(millis(&running["started_at"]) - millis(&running["created_at"]), 1_000);
    assert_eq!((running["completed_at"].clone(), running["expires_at"].clone()), (Value::Null, Value::Null));

    emulator.advance(Duration::from_secs(10));
    let done = api.get(&format!("{SAB}/{id}")).await;
    assert_eq!(done["status"], "succeeded");
    assert_eq!(millis(&done["completed_at"]) - millis(&done["created_at"]), 11_000);
    assert!(done["expires_at"].is_string());
    let output = &done["output"];
    assert_eq!(output["all_sample_results"].as_array().unwrap().len(), 1);
    assert_eq!(output["binding_metrics"]["type"], "ligand_protein_binding_metrics");
    assert!(output["best_sample"]["ligand_structure"]["url"].is_string(), "the ligand has a structure");
    assert!(output["archive"]["url"].as_str().unwrap().starts_with(emulator.files_url()));

    // The summary in a list has neither input nor output.
    let list = api.get(SAB).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert!(list["data"][0].get("input").is_none() && list["data"][0].get("output").is_none());
    assert_eq!(list["data"][0]["status"], "succeeded");
    assert_eq!(emulator.job(id).unwrap().status, "succeeded");
}

#[tokio::test]
async fn failures_are_injected_with_the_library_or_the_control_endpoint() {
    let emulator = manual().await;
    let api = Api::admin(&emulator);
    let first = api.post(SAB, &prediction_body("f1")).await;
    let first = first["id"].as_str().unwrap();
    emulator.advance(Duration::from_secs(2));
    assert!(emulator.fail_job(first, "out_of_memory", "the GPU ran out of memory"));
    let failed = api.get(&format!("{SAB}/{first}")).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["error"]["code"], "out_of_memory");
    assert_eq!(failed["error"]["message"], "the GPU ran out of memory");
    assert!(failed["completed_at"].is_string() && failed["output"].is_null());
    assert!(!emulator.fail_job(first, "again", "a finished job stays as it is"));
    assert!(!emulator.fail_job("sab_pred_nope", "x", "y"));

    let second = api.post(MOLECULES, &molecule_design_body(10, "f2")).await;
    let second = second["id"].as_str().unwrap();
    emulator.advance(Duration::from_secs(6)); // half-way: 5 results
    let body = json!({"code": "invalid_target", "message": "no pocket found"}).to_string();
    let response = api.control("POST", &format!("jobs/{second}/fail"), &body).await;
    assert_eq!(response.status, 200, "{}", response.text());
    let failed = api.get(&format!("{MOLECULES}/{second}")).await;
    assert_eq!(
        (failed["status"].as_str(), failed["error"]["code"].as_str()),
        (Some("failed"), Some("invalid_target"))
    );
    assert_eq!(failed["progress"]["num_molecules_generated"], 5, "results made before the failure stay");
    let results = api.get(&format!("{MOLECULES}/{second}/results")).await;
    assert_eq!(results["data"].as_array().unwrap().len(), 5);
    assert_eq!(api.control("POST", "jobs/nope/fail", "").await.status, 404);
    assert_eq!(api.control("POST", &format!("jobs/{second}/fail"), "").await.status, 409);
}

#[tokio::test]
async fn stop_freezes_a_pipeline_and_resume_continues_it() {
    let emulator = manual().await;
    let api = Api::admin(&emulator);
    let job = api.post(MOLECULES, &molecule_design_body(10, "s1")).await;
    let id = job["id"].as_str().unwrap().to_owned();
    assert_eq!(job["pipeline"], "boltzmol");
    assert_eq!(job["progress"]["total_molecules_to_generate"], 10);
    emulator.advance(Duration::from_secs(4)); // 3 s of running: 3 results
    let stopped = api.post(&format!("{MOLECULES}/{id}/stop"), "").await;
    assert_eq!(stopped["status"], "stopped");
    assert!(stopped["stopped_at"].is_string());
    assert!(stopped["completed_at"].is_null());
    assert_eq!(stopped["progress"]["num_molecules_generated"], 3);
    // Stopping again changes nothing.
    assert_eq!(api.post(&format!("{MOLECULES}/{id}/stop"), "").await["stopped_at"], stopped["stopped_at"]);

    emulator.advance(Duration::from_secs(100));
    let still = api.get(&format!("{MOLECULES}/{id}")).await;
    assert_eq!(
        (still["status"].as_str(), still["progress"]["num_molecules_generated"].as_u64()),
        (Some("stopped"), Some(3))
    );

    let resumed = api.post(&format!("{MOLECULES}/{id}/resume"), "").await;
    assert_eq!(resumed["status"], "running");
    assert!(resumed["stopped_at"].is_null());
    emulator.advance(Duration::from_secs(4));
    assert_eq!(api.get(&format!("{MOLECULES}/{id}")).await["progress"]["num_molecules_generated"], 7);
    emulator.advance(Duration::from_secs(3));
    let done = api.get(&format!("{MOLECULES}/{id}")).await;
    assert_eq!(done["status"], "succeeded");
    // The results made after the resume are dated after it.
    let results = api.get(&format!("{MOLECULES}/{id}/results")).await;
    let dates: Vec<i64> =
        results["data"].as_array().unwrap().iter().map(|r| millis(&r["created_at"])).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]));
    assert!(dates[3] - dates[2] > 100_000, "{dates:?}");

    // A finished run can be neither stopped nor resumed.
    let refused = api.call("POST", &format!("{MOLECULES}/{id}/stop"), "").await;
    assert_eq!(refused.status, 409, "{}", refused.text());
    assert_eq!(api.call("POST", &format!("{MOLECULES}/{id}/resume"), "").await.status, 409);
    // Predictions have no stop.
    assert_eq!(api.call("POST", &format!("{SAB}/{id}/stop"), "").await.status, 404);
}

#[tokio::test]
async fn results_appear_while_a_pipeline_runs_and_page_like_every_cursor_page() {
    let emulator = manual().await;
    let api = Api::admin(&emulator);
    let job = api.post(MOLECULES, &molecule_design_body(20, "r1")).await;
    let id = job["id"].as_str().unwrap().to_owned();
    let results = |query: &str| format!("{MOLECULES}/{id}/results{query}");
    assert_eq!(api.get(&results("")).await["data"], json!([]));
    assert_eq!(api.get(&results("")).await["has_more"], false);

    // Result k of N appears at k/N of the running time: 20 results over 10 s.
    emulator.advance(Duration::from_millis(1_000 + 2_499));
    let page = api.get(&results("")).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 4);
    emulator.advance(Duration::from_millis(1));
    let page = api.get(&results("")).await;
    let data = page["data"].as_array().unwrap();
    assert_eq!(data.len(), 5);
    let ids: Vec<&str> = data.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!((page["first_id"].as_str(), page["last_id"].as_str()), (Some(ids[0]), Some(ids[4])));
    let progress = &api.get(&format!("{MOLECULES}/{id}")).await["progress"];
    assert_eq!(progress["num_molecules_generated"], 5);
    assert_eq!(progress["latest_result_id"], ids[4]);
    assert!(data[0]["smiles"].is_string() && data[0]["metrics"]["binding_confidence"].is_number());
    assert!(data[0]["artifacts"]["archive"]["url"].as_str().unwrap().contains(".tar.gz?"));

    // Forward pages with after_id, backward with before_id, a filter by ids.
    let first = api.get(&results("?limit=2")).await;
    assert_eq!((first["data"].as_array().unwrap().len(), first["has_more"].as_bool()), (2, Some(true)));
    let next = api.get(&results(&format!("?limit=2&after_id={}", first["last_id"].as_str().unwrap()))).await;
    assert_eq!(next["first_id"], ids[2]);
    let last = api.get(&results(&format!("?limit=2&after_id={}", ids[3]))).await;
    assert_eq!((last["data"].as_array().unwrap().len(), last["has_more"].as_bool()), (1, Some(false)));
    let back = api.get(&results(&format!("?limit=2&before_id={}", ids[4]))).await;
    assert_eq!((back["first_id"].as_str(), back["last_id"].as_str()), (Some(ids[2]), Some(ids[3])));
    assert_eq!(back["has_more"], true);
    let filtered =
        api.get(&results(&format!("?ids={},{},res_nope_1,{}&limit=2", ids[4], ids[1], ids[1]))).await;
    let filtered_ids: Vec<&str> =
        filtered["data"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(filtered_ids, [ids[1], ids[4]], "filtered, de-duplicated, in order");
    assert_eq!(api.call("GET", &results("?after_id=bogus"), "").await.status, 400);
    let too_many: Vec<String> = (0..201).map(|i| format!("r{i}")).collect();
    assert_eq!(api.call("GET", &results(&format!("?ids={}", too_many.join(","))), "").await.status, 400);

    // A result asked for by id before it exists is simply not there yet.
    emulator.advance(Duration::from_secs(20));
    let all = api.get(&results("")).await;
    assert_eq!(all["data"].as_array().unwrap().len(), 20);
    assert_eq!(all["has_more"], false);
}

#[tokio::test]
async fn every_pipeline_kind_reports_progress_and_results() {
    let emulator = manual().await;
    let api = Api::admin(&emulator);
    let kinds = [
        ("protein/design", "protein.design", "num_proteins_generated"),
        ("protein/library-screen", "protein.library_screen", "num_proteins_screened"),
        ("protein/sequence-redesign", "protein.sequence_redesign", "num_proteins_generated"),
        ("small-molecule/design", "small_molecule.design", "num_molecules_generated"),
        ("small-molecule/library-screen", "small_molecule.library_screen", "num_molecules_screened"),
        ("small-molecule/explore", "small_molecule.explore", "num_molecules_scored"),
    ];
    let mut ids = Vec::new();
    for (path, fixture_name, _) in kinds {
        let job = api.post(&format!("/compute/v1/{path}"), &fixture(fixture_name).to_string()).await;
        assert_eq!(job["status"], "pending", "{path}");
        assert!(job["input"].is_object(), "{path}");
        ids.push(job["id"].as_str().unwrap().to_owned());
    }
    let explore = api.get(&format!("/compute/v1/small-molecule/explore/{}", ids[5])).await;
    assert_eq!(explore["progress"]["phase"], "preparing_library");
    emulator.advance(Duration::from_secs(30));
    for ((path, _, counter), id) in kinds.iter().zip(&ids) {
        let job = api.get(&format!("/compute/v1/{path}/{id}")).await;
        assert_eq!(job["status"], "succeeded", "{path}");
        let results = api.get(&format!("/compute/v1/{path}/{id}/results?limit=100")).await;
        let count = results["data"].as_array().unwrap().len() as u64;
        let done = job["progress"][counter].as_u64().unwrap();
        assert_eq!(count, done.min(100), "{path}");
        assert_eq!(results["has_more"], done > 100, "{path}");
        assert!(count > 0, "{path}");
    }
    // The library screens' inputs become single files; the results carry the external IDs.
    let screen = api.get(&format!("/compute/v1/small-molecule/library-screen/{}", ids[4])).await;
    assert!(screen["input"]["molecules"]["url"].is_string());
    let screened = api.get(&format!("/compute/v1/small-molecule/library-screen/{}/results", ids[4])).await;
    assert_eq!(screened["data"][0]["external_id"], "ethanol");
    // The binder design's results are of the binder kind; the URL template became a file.
    let design = api.get(&format!("/compute/v1/protein/design/{}", ids[0])).await;
    assert_eq!(design["input"]["templates"][0]["id"], "target");
    assert!(design["input"]["templates"][0]["url_expires_at"].is_string());
    let designed = api.get(&format!("/compute/v1/protein/design/{}/results", ids[0])).await;
    assert_eq!(designed["data"][0]["type"], "binder");
    assert_eq!(
        api.get(&format!("/compute/v1/small-molecule/explore/{}", ids[5])).await["progress"]["phase"],
        "scoring"
    );
}

#[tokio::test]
async fn delete_data_removes_input_output_and_results() {
    let emulator = manual().await;
    let api = Api::admin(&emulator);
    let job = api.post(SAB, &prediction_body("d1")).await;
    let id = job["id"].as_str().unwrap();
    let early = api.call("POST", &format!("{SAB}/{id}/delete-data"), "").await;
    assert_eq!(early.status, 409, "a job in progress keeps its data: {}", early.text());
    emulator.advance(Duration::from_secs(20));
    let deleted = api.post(&format!("{SAB}/{id}/delete-data"), "").await;
    assert_eq!(deleted["data_deleted"], true);
    assert_eq!(deleted["id"], id);
    let again = api.post(&format!("{SAB}/{id}/delete-data"), "").await;
    assert_eq!(again["data_deleted_at"], deleted["data_deleted_at"], "deleting twice keeps the first time");
    let job = api.get(&format!("{SAB}/{id}")).await;
    assert_eq!(job["status"], "succeeded");
    assert_eq!(job["data_deleted_at"], deleted["data_deleted_at"]);
    assert!(job["input"].is_null() && job["output"].is_null());

    let pipeline = api.post(MOLECULES, &molecule_design_body(10, "d2")).await;
    let pipeline = pipeline["id"].as_str().unwrap();
    emulator.advance(Duration::from_secs(3));
    api.post(&format!("{MOLECULES}/{pipeline}/stop"), "").await;
    api.post(&format!("{MOLECULES}/{pipeline}/delete-data"), "").await;
    assert_eq!(api.get(&format!("{MOLECULES}/{pipeline}/results")).await["data"], json!([]));
    assert_eq!(api.call("POST", &format!("{MOLECULES}/{pipeline}/resume"), "").await.status, 409);
    // Explore has no delete_data, list or estimate_cost.
    let explore = "/compute/v1/small-molecule/explore";
    assert_eq!(api.call("POST", &format!("{explore}/x/delete-data"), "").await.status, 404);
    assert_eq!(api.call("GET", explore, "").await.status, 405);
}

#[tokio::test]
async fn keys_are_enforced_and_scoped_to_workspaces() {
    let emulator = manual().await;
    let admin = Api::admin(&emulator);
    assert_eq!(Api::with_key(&emulator, "nope").call("GET", SAB, "").await.status, 401);
    assert_eq!(send_without_key(&emulator, SAB).await, 401);

    let workspace = admin.post("/compute/v1/admin/workspaces", r#"{"name":"lab"}"#).await;
    let lab = workspace["id"].as_str().unwrap();
    let created = admin
        .post("/compute/v1/admin/api-keys", &json!({"name": "lab key", "workspace_id": lab}).to_string())
        .await;
    let lab_api = Api::with_key(&emulator, created["key"].as_str().unwrap());

    // A workspace key acts in its own workspace, and may not name another.
    let job = lab_api.post(SAB, &prediction_body("w1")).await;
    assert_eq!(job["workspace_id"], lab);
    assert_eq!(job["livemode"], true);
    let id = job["id"].as_str().unwrap();
    let elsewhere = json!({"input": {"entities": [{"type": "protein", "chain_ids": ["A"], "value": "MK"}]}, "workspace_id": "ws_default"});
    assert_eq!(lab_api.call("POST", SAB, &elsewhere.to_string()).await.status, 403);
    assert_eq!(lab_api.call("GET", &format!("{SAB}?workspace_id=ws_default"), "").await.status, 403);

    // The admin key's own job lands in the default workspace, which the lab key cannot see.
    let mine = admin.post(SAB, &prediction_body("w2")).await;
    assert_eq!(mine["workspace_id"], "ws_default");
    let mine_id = mine["id"].as_str().unwrap();
    assert_eq!(lab_api.call("GET", &format!("{SAB}/{mine_id}"), "").await.status, 404);
    assert_eq!(lab_api.get(SAB).await["data"].as_array().unwrap().len(), 1);

    // An admin key sees everything, or one workspace when it names it.
    assert_eq!(admin.get(SAB).await["data"].as_array().unwrap().len(), 2);
    assert_eq!(admin.get(&format!("{SAB}?workspace_id={lab}")).await["data"].as_array().unwrap().len(), 1);
    assert_eq!(admin.get(&format!("{SAB}/{id}")).await["id"], id);
    assert_eq!(admin.call("GET", &format!("{SAB}/{id}?workspace_id=ws_default"), "").await.status, 404);
    let in_lab = json!({"input": {"entities": [{"type": "protein", "chain_ids": ["A"], "value": "MK"}]}, "workspace_id": lab});
    assert_eq!(admin.post(SAB, &in_lab.to_string()).await["workspace_id"], lab);
    let unknown = json!({"input": {"entities": [{"type": "protein", "chain_ids": ["A"], "value": "MK"}]}, "workspace_id": "ws_nope"});
    assert_eq!(admin.call("POST", SAB, &unknown.to_string()).await.status, 404);

    // Bodies are checked.
    assert_eq!(admin.call("POST", SAB, "not json").await.status, 400);
    assert_eq!(admin.call("POST", SAB, r#"{"input":{"entities":[]}}"#).await.status, 422);
    assert_eq!(admin.call("POST", MOLECULES, &molecule_design_body(9, "x")).await.status, 422);
}

async fn send_without_key(emulator: &Emulator, path: &str) -> u16 {
    common::send(emulator.addr(), "GET", path, &[], b"").await.status
}

#[tokio::test]
async fn the_clock_and_durations_are_controlled_over_http() {
    let emulator = Emulator::builder().pending_duration(Duration::ZERO).start().await.unwrap();
    let api = Api::admin(&emulator);
    let clock = api.control("PUT", "clock", r#"{"mode":"manual"}"#).await.json();
    assert_eq!(clock["mode"], "manual");
    let config = api.control("PUT", "config", r#"{"job_ms":60000}"#).await.json();
    assert_eq!((config["job_ms"].as_i64(), config["pending_ms"].as_i64()), (Some(60_000), Some(0)));
    assert_eq!(config["link_ttl_ms"], 900_000);
    let job = api.post(MOLECULES, &molecule_design_body(10, "c1")).await;
    let id = job["id"].as_str().unwrap();
    assert_eq!(job["status"], "running", "no pending time");
    let moved = api.control("POST", "clock/advance", r#"{"ms":30000}"#).await.json();
    assert_eq!(millis(&moved["now"]) - millis(&clock["now"]), 30_000);
    let jobs = api.control("GET", "jobs", "").await.json();
    assert_eq!(jobs[0]["id"], id);
    assert_eq!(
        (jobs[0]["status"].as_str(), jobs[0]["results"].as_u64(), jobs[0]["total"].as_u64()),
        (Some("running"), Some(5), Some(10))
    );
    assert_eq!(jobs[0]["resource"], "small_molecule.design");
    let finished = api.control("POST", &format!("jobs/{id}/finish"), "").await;
    assert_eq!(finished.status, 200, "{}", finished.text());
    assert_eq!(api.control("GET", &format!("jobs/{id}"), "").await.json()["status"], "succeeded");
    assert_eq!(api.control("POST", "clock/advance", r#"{"ms":"x"}"#).await.status, 400);
    assert_eq!(api.control("PUT", "clock", r#"{"mode":"sundial"}"#).await.status, 400);
    assert_eq!(api.control("GET", "nothing", "").await.status, 404);
    assert_eq!(api.control("DELETE", "clock", "").await.status, 405);

    // Back on real time, with jobs of 50 ms, a job finishes on its own.
    api.control("PUT", "clock", r#"{"mode":"real_time"}"#).await;
    emulator.set_job_duration(Duration::from_millis(50));
    let quick = api.post(SAB, &prediction_body("c2")).await;
    let quick = quick["id"].as_str().unwrap();
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert_eq!(api.get(&format!("{SAB}/{quick}")).await["status"], "succeeded");
}

#[tokio::test]
async fn the_binary_takes_job_ms_and_runs_jobs_in_real_time() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_boltz-emulator"))
        .args(["--job-ms", "300", "--pending-ms", "100"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut vars = std::collections::HashMap::new();
    for _ in 0..3 {
        let line = lines.next().unwrap().unwrap();
        let (name, value) = line.split_once('=').unwrap();
        vars.insert(name.to_owned(), value.to_owned());
    }
    let base: std::net::SocketAddr = vars["BOLTZ_BASE_URL"].trim_start_matches("http://").parse().unwrap();
    assert_ne!(vars["BOLTZ_EMULATOR_FILES_URL"], vars["BOLTZ_BASE_URL"]);
    let key = vars["BOLTZ_API_KEY"].clone();
    let call = |method: &'static str, path: String, body: String| {
        let key = key.clone();
        async move { common::send(base, method, &path, &[("x-api-key", &key)], body.as_bytes()).await.json() }
    };
    let job = call("POST", SAB.to_owned(), prediction_body("b1")).await;
    let id = job["id"].as_str().unwrap().to_owned();
    let mut status = job["status"].as_str().unwrap().to_owned();
    for _ in 0..50 {
        if status == "succeeded" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        status =
            call("GET", format!("{SAB}/{id}"), String::new()).await["status"].as_str().unwrap().to_owned();
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(status, "succeeded", "a 400 ms job finishes within 5 s");
}

#[tokio::test]
async fn curated_specifications_need_a_type() {
    let emulator = Emulator::start().await.unwrap();
    let api = Api::admin(&emulator);
    let path = "/compute/v1/protein/design/curated-specifications";
    let nanobodies = api.get(&format!("{path}?type=nanobody")).await;
    assert_eq!(nanobodies["data"].as_array().unwrap().len(), 1);
    assert_eq!(nanobodies["data"][0]["binder_specification"]["binder"], "boltz_nanobody");
    assert_eq!(api.call("GET", path, "").await.status, 422);
    assert_eq!(api.call("GET", &format!("{path}?type=camelid"), "").await.status, 422);
}

#[tokio::test]
async fn faults_apply_to_compute_routes() {
    use boltz_api_emulator::{Fault, FaultAction};
    let emulator = manual().await;
    let api = Api::admin(&emulator);
    emulator.inject(Fault::new(
        "GET",
        "/compute/v1/small-molecule/design/*/results",
        FaultAction::status(503),
    ));
    let job = api.post(MOLECULES, &molecule_design_body(10, "f")).await;
    let results = format!("{MOLECULES}/{}/results", job["id"].as_str().unwrap());
    assert_eq!(api.call("GET", &results, "").await.status, 503);
    assert_eq!(api.call("GET", &results, "").await.status, 200);
    // A conflict tells clients not to retry.
    let conflict = api.call("POST", MOLECULES, &molecule_design_body(11, "f")).await;
    assert_eq!((conflict.status, conflict.header("x-should-retry")), (409, Some("false")));
}
