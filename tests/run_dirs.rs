//! Run directories against the emulator: the official SDK's layout for a prediction and a
//! pipeline, a second run under the same name that resumes without a second start, a different
//! request refused, a download that failed part-way finished later, failed and stopped runs, the
//! metadata-only mode, and directories that are not runs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use boltz_api::api::predictions::structure_and_binding::StartStructureAndBinding;
use boltz_api::api::small_molecule::library_screen::StartSmallMoleculeLibraryScreen;
use boltz_api::jobs::JobState;
use boltz_api::jobs::run::{DownloadMode, RunDir, RunError, RunResult, RunType};
use boltz_api::models::common::params as common;
use boltz_api::models::predictions::structure_and_binding::Prediction;
use boltz_api::models::predictions::structure_and_binding::params as sab;
use boltz_api::models::small_molecule::library_screen::ScreenedMolecule;
use boltz_api::models::small_molecule::params as molecule;
use boltz_api::{BuildError, Client, Error};
use boltz_api_emulator::{Emulator, Fault, FaultAction};
use serde_json::Value;

const SEQUENCE: &str = "MKTAYIAKQRQISFVKSHFSRQ";

fn prediction(ligand: &str) -> StartStructureAndBinding {
    StartStructureAndBinding::new(
        sab::Input::new([sab::Entity::protein("A", SEQUENCE), sab::Entity::ligand_smiles("B", ligand)])
            .binding(sab::LigandProteinBinding::new("B")),
    )
}

fn screen() -> StartSmallMoleculeLibraryScreen {
    let molecules = [
        common::Molecule::new("CCO").id("mol-1"),
        common::Molecule::new("c1ccccc1").id("mol-2"),
        common::Molecule::new("CC(=O)O").id("mol-3"),
    ];
    StartSmallMoleculeLibraryScreen::new(
        molecules,
        molecule::Target::new([common::ProteinEntity::new(["A"], SEQUENCE)]),
    )
}

/// An emulator whose jobs finish in a fraction of a second, and a client for it.
async fn setup(job: Duration) -> (Emulator, Client) {
    let emulator = Emulator::builder()
        .pending_duration(Duration::from_millis(20))
        .job_duration(job)
        .start()
        .await
        .unwrap();
    let client =
        Client::builder().api_key(emulator.admin_key()).base_url(emulator.base_url()).build().unwrap();
    (emulator, client)
}

fn root(test: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("boltz-api-runs-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    root
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Every file and directory under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            out.push(path.strip_prefix(base).unwrap().to_string_lossy().into_owned());
            if path.is_dir() {
                walk(base, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn fast(run: Duration) -> (Duration, Duration) {
    (run / 20, run / 5)
}

#[tokio::test]
async fn a_prediction_runs_into_the_sdk_layout_and_again_without_a_second_start() {
    let (emulator, client) = setup(Duration::from_millis(200)).await;
    let root = root("prediction");
    let (first, max) = fast(Duration::from_millis(200));
    let run =
        client.run(prediction("CCO")).root(&root).name(" egfr ").poll_interval(first, max).await.unwrap();
    assert_eq!(run.path(), root.join("egfr"), "the name is trimmed as the SDK trims it");
    assert_eq!((run.run_type(), run.state()), (RunType::Prediction, &JobState::Succeeded));
    let id = run.run_id().to_owned();

    let state_text = std::fs::read_to_string(run.path().join(".boltz-run.json")).unwrap();
    let state: Value = serde_json::from_str(&state_text).unwrap();
    assert_eq!(state["schema_version"], 1);
    assert_eq!(state["run_type"], "prediction");
    assert_eq!(state["download_mode"], "everything");
    assert_eq!(state["name"], "egfr");
    assert!(state["request_fingerprint"].as_str().unwrap().starts_with("sha256:"));
    let key = state["idempotency_key"].as_str().unwrap();
    assert!(key.starts_with("exp_") && key.len() == 36, "{key}");
    assert_eq!(state["remote"]["run_id"], id.as_str());
    assert_eq!(state["remote"]["status"], "succeeded");
    assert!(state["remote"]["completed_at"].as_str().unwrap().ends_with("+00:00"), "Python's isoformat");
    assert_eq!((state["pending"].clone(), state["cursor_after_id"].clone()), (Value::Null, Value::Null));
    // Sorted, indented and with every key, as the SDK writes it.
    assert!(state_text.starts_with("{\n  \"cursor_after_id\": null,\n  \"download_mode\""), "{state_text}");
    assert!(state_text.contains("\"stopped_at\": null"), "{state_text}");

    let run_json = std::fs::read_to_string(run.path().join("run.json")).unwrap();
    assert!(!run_json.contains("url") && run_json.contains(&id), "run.json keeps no links: {run_json}");
    // The typed job comes back from it, without links, and writes back as it is.
    let job: Prediction = run.job().unwrap();
    assert_eq!((job.id.as_str(), job.status.as_str()), (id.as_str(), "succeeded"));
    let best = &job.output.as_ref().expect("the output").best_sample;
    assert!(best.metrics.structure_confidence > 0.0 && !best.structure.has_link());
    assert_eq!(serde_json::to_value(&job).unwrap(), serde_json::from_str::<Value>(&run_json).unwrap());
    let err = client.download(&best.structure, root.join("x.cif")).await.unwrap_err();
    assert!(matches!(err, Error::Build(BuildError::MissingLink)), "{err:?}");
    let opened = RunDir::open(run.path()).await.unwrap();
    assert_eq!((opened.run_id(), opened.state()), (id.as_str(), &JobState::Succeeded));

    let files = tree(run.path());
    let structure = format!("outputs/files/{id}_predicted.cif");
    for expected in
        [".boltz-run.json", "run.json", "outputs/archive.tar.gz", "outputs/files", structure.as_str()]
    {
        assert!(files.iter().any(|f| f == expected), "no {expected} in {files:?}");
    }
    assert!(
        !files.iter().any(|f| f.ends_with(".part") || f.contains("files.tmp-") || f.ends_with(".tmp")),
        "{files:?}"
    );
    let metrics = read_json(&run.path().join("outputs/files/result/metrics.json"));
    assert!(metrics.as_object().is_some_and(|m| !m.is_empty()), "{metrics}");
    let downloads = emulator.file_requests();
    assert!(!downloads.is_empty() && downloads.iter().all(|r| !r.api_key_sent), "{downloads:?}");

    // The same request under the same name resumes: no second start, nothing downloaded again.
    let again =
        client.run(prediction("CCO")).root(&root).name("egfr").poll_interval(first, max).await.unwrap();
    assert_eq!(again.run_id(), id);
    assert_eq!(emulator.jobs().len(), 1, "one job for two runs");
    assert_eq!(emulator.file_requests().len(), downloads.len(), "the archive is not fetched again");

    // Another request under that name is refused before anything is sent.
    let err = client.run(prediction("CCN")).root(&root).name("egfr").await.unwrap_err();
    assert!(matches!(&err, Error::Run(e) if matches!(**e, RunError::OtherRequest(_))), "{err:?}");
    let err = client.run(screen()).root(&root).name("egfr").await.unwrap_err();
    assert!(matches!(&err, Error::Run(e) if matches!(**e, RunError::OtherRunType { .. })), "{err:?}");
    let err = client
        .run(prediction("CCO"))
        .root(&root)
        .name("x")
        .download_mode(DownloadMode::MetadataOnly)
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Run(e) if matches!(**e, RunError::DownloadMode { .. })), "{err:?}");
    assert_eq!(emulator.jobs().len(), 1);
    std::fs::remove_dir_all(&root).unwrap();
}

#[tokio::test]
async fn a_pipeline_collects_each_result_once_and_a_failed_download_is_finished_later() {
    let (emulator, client) = setup(Duration::from_millis(300)).await;
    let root = root("pipeline");
    let (first, max) = fast(Duration::from_millis(300));
    // The first result archive is not found, which a download does not retry.
    emulator.inject(Fault::new("GET", "/files/*/results/*/archive.tar.gz", FaultAction::status(404)));
    let err = client.run(screen()).root(&root).name("screen").poll_interval(first, max).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "the storage error is reported: {err:?}");
    let dir = root.join("screen");
    let state = read_json(&dir.join(".boltz-run.json"));
    assert_eq!(state["pending"]["kind"], "result_page", "the page in progress is recorded: {state}");
    assert!(!dir.join("results/index.jsonl").exists());

    emulator.clear_faults();
    let run = client.finish_run(&dir).poll_interval(first, max).await.unwrap();
    assert_eq!(run.state(), &JobState::Succeeded);
    let index = std::fs::read_to_string(run.results_index().unwrap()).unwrap();
    let lines: Vec<Value> = index.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3, "{index}");
    assert_eq!(ids.iter().collect::<std::collections::HashSet<_>>().len(), 3, "each result once: {index}");
    for (line, id) in lines.iter().zip(&ids) {
        assert!(line.get("artifacts").is_none(), "{line}");
        assert_eq!(line["paths"]["archive"], format!("results/{id}/archive.tar.gz"));
        assert_eq!(line["paths"]["structure"], format!("results/{id}/files/{id}_predicted.cif"));
        let metadata = read_json(&dir.join("results").join(id).join("metadata.json"));
        assert_eq!(metadata["id"], *id);
        assert!(metadata.get("artifacts").is_none());
    }
    let state = read_json(&dir.join(".boltz-run.json"));
    assert_eq!(state["pending"], Value::Null);
    assert_eq!(state["cursor_after_id"], ids[2]);
    // The typed results come back from the index, in its order, with their files.
    let results: Vec<RunResult<ScreenedMolecule>> = run.results().unwrap().collect::<Result<_, _>>().unwrap();
    let typed_ids: Vec<&str> = results.iter().map(|r| r.result.id.as_str()).collect();
    assert_eq!(typed_ids, ids);
    for entry in &results {
        assert!(entry.structure.as_ref().is_some_and(|p| p.is_file()), "{entry:?}");
        assert!(!entry.result.artifacts.archive.has_link());
    }

    // Running the request again under the name starts nothing and adds no line.
    client.run(screen()).root(&root).name("screen").poll_interval(first, max).await.unwrap();
    assert_eq!(emulator.jobs().len(), 1);
    assert_eq!(std::fs::read_to_string(run.results_index().unwrap()).unwrap(), index);
    std::fs::remove_dir_all(&root).unwrap();
}

#[tokio::test]
async fn a_failed_run_is_an_error_after_its_results_and_a_stopped_run_is_not() {
    let (emulator, client) = setup(Duration::from_secs(3)).await;
    let root = root("ends");
    let poll = Duration::from_millis(20);

    let failing = tokio::spawn({
        let (client, root) = (client.clone(), root.clone());
        async move { client.run(screen()).root(root).name("fails").poll_interval(poll, poll).await }
    });
    let id = first_result(&emulator, 0).await;
    assert!(emulator.fail_job(&id, "out_of_capacity", "no GPUs left"));
    let err = failing.await.unwrap().unwrap_err();
    let Error::JobFailed(failure) = &err else { panic!("{err:?}") };
    assert_eq!((failure.id(), failure.code()), (id.as_str(), "out_of_capacity"));
    let state = read_json(&root.join("fails/.boltz-run.json"));
    assert_eq!(
        (state["remote"]["status"].as_str(), state["remote"]["error_code"].as_str()),
        (Some("failed"), Some("out_of_capacity"))
    );
    let made = emulator.job(&id).unwrap().results as usize;
    let index = std::fs::read_to_string(root.join("fails/results/index.jsonl")).unwrap();
    assert_eq!(index.lines().count(), made, "the results it made are collected before the error: {index}");

    let stopping = tokio::spawn({
        let (client, root) = (client.clone(), root.clone());
        async move {
            client
                .run(screen())
                .root(root)
                .name("stops")
                .download_mode(DownloadMode::MetadataOnly)
                .poll_interval(poll, poll)
                .await
        }
    });
    let id = first_result(&emulator, 1).await;
    client.small_molecule().library_screen().stop(&id).await.unwrap();
    let run = stopping.await.unwrap().unwrap();
    assert_eq!(run.state(), &JobState::Stopped);
    let made = emulator.job(&id).unwrap().results as usize;
    let index = std::fs::read_to_string(run.results_index().unwrap()).unwrap();
    assert_eq!(index.lines().count(), made, "{index}");
    assert!(index.lines().all(|l| !l.contains("paths")), "metadata only: {index}");
    // No result directories; the CSV of a small-molecule pipeline, as the CLI keeps it.
    assert_eq!(tree(&run.path().join("results")), ["index.jsonl", "summary.csv"], "metadata only");
    std::fs::remove_dir_all(&root).unwrap();
}

/// The id of the emulator's job number `n`, once it has made a result.
async fn first_result(emulator: &Emulator, n: usize) -> String {
    for _ in 0..500 {
        if let Some(job) = emulator.jobs().get(n).filter(|job| job.results > 0) {
            return job.id.clone();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("job {n} made no result in 5 s");
}

#[tokio::test]
async fn directories_that_are_not_finishable_runs_are_named_errors() {
    let (_emulator, client) = setup(Duration::from_millis(100)).await;
    let root = root("refused");
    let occupied = root.join("occupied");
    std::fs::create_dir_all(&occupied).unwrap();
    std::fs::write(occupied.join("notes.txt"), "mine").unwrap();
    let err = client.run(prediction("CCO")).root(&root).name("occupied").await.unwrap_err();
    assert!(matches!(&err, Error::Run(e) if matches!(**e, RunError::NotARun(_))), "{err:?}");
    assert_eq!(std::fs::read_dir(&occupied).unwrap().count(), 1, "nothing is added to it");

    let err = client.finish_run(root.join("absent")).await.unwrap_err();
    assert!(matches!(&err, Error::Run(e) if matches!(**e, RunError::Missing(_))), "{err:?}");

    let unconfirmed = root.join("unconfirmed");
    std::fs::create_dir_all(&unconfirmed).unwrap();
    let remote = r#"{"run_id":null,"workspace_id":null,"status":null,"started_at":null,"completed_at":null,"stopped_at":null,"latest_result_id":null,"error_code":null}"#;
    std::fs::write(
        unconfirmed.join(".boltz-run.json"),
        format!(r#"{{"schema_version":1,"name":"u","run_type":"prediction","request_fingerprint":"f","idempotency_key":"k","remote":{remote},"pending":null,"cursor_after_id":null}}"#),
    )
    .unwrap();
    let err = client.finish_run(&unconfirmed).await.unwrap_err();
    assert!(matches!(&err, Error::Run(e) if matches!(**e, RunError::NotStarted(_))), "{err:?}");
    std::fs::remove_dir_all(&root).unwrap();
}
