//! Runs started elsewhere into run directories (`client.download_results(id)`), named from their
//! ID as the official SDK and CLI name them; an ID of no known kind refused before any call; a
//! pipeline stopped through its directory; and a directory the official CLI left mid-page, its
//! page of up to 1 000 results, finished.

use std::path::{Path, PathBuf};
use std::time::Duration;

use boltz_api::api::predictions::structure_and_binding::StartStructureAndBinding;
use boltz_api::api::small_molecule::library_screen::StartSmallMoleculeLibraryScreen;
use boltz_api::jobs::JobState;
use boltz_api::jobs::run::{RunError, RunErrorKind, RunType, deterministic_name};
use boltz_api::models::common::params as common;
use boltz_api::models::predictions::structure_and_binding::params as sab;
use boltz_api::models::small_molecule::params as molecule;
use boltz_api::{Client, Error};
use boltz_api_emulator::Emulator;
use serde_json::{Value, json};

const SEQUENCE: &str = "MKTAYIAKQRQISFVKSHFSRQ";
const POLL: Duration = Duration::from_millis(50);

fn screen(n: usize) -> StartSmallMoleculeLibraryScreen {
    let molecules = (0..n).map(|i| common::Molecule::new("C".repeat(1 + i % 5)).id(format!("m{i}")));
    StartSmallMoleculeLibraryScreen::new(
        molecules,
        molecule::Target::new([common::ProteinEntity::new(["A"], SEQUENCE)]),
    )
}

async fn setup(job: Duration) -> (Emulator, Client) {
    let emulator =
        Emulator::builder().pending_duration(Duration::ZERO).job_duration(job).start().await.unwrap();
    let client =
        Client::builder().api_key(emulator.admin_key()).base_url(emulator.base_url()).build().unwrap();
    (emulator, client)
}

fn root(test: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("boltz-api-existing-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    root
}

fn state(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(".boltz-run.json")).unwrap()).unwrap()
}

fn index_ids(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("results/index.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].as_str().unwrap().to_owned())
        .collect()
}

fn kind(err: &Error) -> Option<RunErrorKind> {
    err.run_error().map(RunError::kind)
}

#[tokio::test]
async fn a_run_started_elsewhere_downloads_into_the_directory_its_id_names() {
    let (emulator, client) = setup(Duration::from_millis(200)).await;
    let root = root("download");
    let started = client.small_molecule().library_screen().start(screen(5)).await.unwrap();
    let run = client.download_results(&started.id).root(&root).poll_interval(POLL, POLL).await.unwrap();
    assert_eq!(run.path(), root.join(deterministic_name(&started.id)));
    assert_eq!((run.run_type(), run.state()), (RunType::SmallMoleculeLibraryScreen, &JobState::Succeeded));
    assert_eq!(index_ids(run.path()).len(), 5);
    let saved = state(run.path());
    assert_eq!(
        saved["request_fingerprint"],
        format!("download-results:{}:", started.id),
        "the SDK's download-only fingerprint"
    );
    assert!(saved["idempotency_key"].as_str().unwrap().starts_with("exp_"));
    assert_eq!(saved["remote"]["run_id"], started.id.as_str());
    // Again: nothing fetched, nothing added; a prediction likewise, into its own directory.
    let fetched = emulator.file_requests().len();
    client.download_results(&started.id).root(&root).poll_interval(POLL, POLL).await.unwrap();
    assert_eq!((emulator.file_requests().len(), index_ids(run.path()).len()), (fetched, 5));
    let input =
        sab::Input::new([sab::Entity::protein("A", SEQUENCE), sab::Entity::ligand_smiles("B", "CCO")]);
    let prediction = client
        .predictions()
        .structure_and_binding()
        .start(StartStructureAndBinding::new(input))
        .await
        .unwrap();
    let dir = root.join("egfr");
    let run = client.download_results(&prediction.id).dir(&dir).poll_interval(POLL, POLL).await.unwrap();
    assert!(run.outputs().unwrap().join("result/metrics.json").is_file());

    // Another run's ID for that directory, or an ID of no known kind, is refused; the latter
    // before any call and without a directory.
    let err = client.download_results(&started.id).dir(&dir).await.unwrap_err();
    assert_eq!(kind(&err), Some(RunErrorKind::OtherRun), "{err:?}");
    let calls = emulator.requests_received();
    for id in ["pres_0123", "res_abc_1", "job_42"] {
        let err = client.download_results(id).root(&root).await.unwrap_err();
        assert_eq!(kind(&err), Some(RunErrorKind::OtherKind), "{id}: {err:?}");
        assert!(!root.join(deterministic_name(id)).exists());
    }
    assert_eq!(emulator.requests_received(), calls);
    assert_eq!(emulator.jobs().len(), 2, "nothing started");
    std::fs::remove_dir_all(&root).unwrap();
}

#[tokio::test]
async fn a_pipeline_is_stopped_through_its_directory() {
    let (emulator, client) = setup(Duration::from_secs(30)).await;
    let root = root("stop");
    let started = client.small_molecule().library_screen().start(screen(50)).await.unwrap();
    // Left running by its deadline.
    let err = client
        .download_results(&started.id)
        .root(&root)
        .poll_interval(POLL, POLL)
        .deadline(Duration::from_millis(900))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    let dir = root.join(deterministic_name(&started.id));
    let stopped = client.stop_run(&dir).await.unwrap();
    assert_eq!(stopped.state(), &JobState::Stopped);
    assert_eq!(state(&dir)["remote"]["status"], "stopped");
    assert_eq!(emulator.job(&started.id).unwrap().status, "stopped");
    // Stopping again changes nothing and calls nothing.
    let calls = emulator.requests_received();
    client.stop_run(&dir).await.unwrap();
    assert_eq!(emulator.requests_received(), calls);
    let run = client.finish_run(&dir).poll_interval(POLL, POLL).await.unwrap();
    assert_eq!(run.state(), &JobState::Stopped);
    let made = emulator.job(&started.id).unwrap().results as usize;
    assert_eq!(index_ids(&dir).len(), made);

    // A prediction cannot be stopped.
    let input = sab::Input::new([sab::Entity::protein("A", SEQUENCE)]);
    let prediction = client
        .predictions()
        .structure_and_binding()
        .start(StartStructureAndBinding::new(input))
        .await
        .unwrap();
    let err = client
        .download_results(&prediction.id)
        .root(&root)
        .deadline(Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    let err = client.stop_run(root.join(deterministic_name(&prediction.id))).await.unwrap_err();
    assert_eq!(kind(&err), Some(RunErrorKind::NotAPipeline), "{err:?}");
    std::fs::remove_dir_all(&root).unwrap();
}

/// `.boltz-run.json` as the official CLI writes it for `download-results --id` (its fingerprint
/// the SHA-256 of `{run_type, run_id, workspace_id}`, its key `download_…`), stopped in the middle
/// of a page of up to 1 000 results it listed at once.
#[tokio::test]
async fn a_directory_the_cli_left_mid_page_is_finished() {
    let (emulator, client) = setup(Duration::from_millis(100)).await;
    let root = root("cli");
    let started = client.small_molecule().library_screen().start(screen(130)).await.unwrap();
    client.wait(&started).await.unwrap();
    let ids: Vec<String> = {
        use futures_util::TryStreamExt;
        let request =
            boltz_api::api::small_molecule::library_screen::ListSmallMoleculeLibraryScreenResults::new(
                started.id.as_str(),
            );
        let all: Vec<_> = client
            .small_molecule()
            .library_screen()
            .list_results(request)
            .stream()
            .try_collect()
            .await
            .unwrap();
        all.into_iter().map(|r| r.id).collect()
    };
    assert_eq!(ids.len(), 130);
    let dir = root.join("lucid-atom-checks-2f7148");
    std::fs::create_dir_all(dir.join("results")).unwrap();
    // The CLI had committed the first three of its one page of all 130.
    let line = |id: &str| format!("{}\n", json!({"id": id, "smiles": "C"}));
    std::fs::write(dir.join("results/index.jsonl"), ids[..3].iter().map(|id| line(id)).collect::<String>())
        .unwrap();
    let cli_state = json!({
        "schema_version": 1, "name": "lucid-atom-checks-2f7148", "run_type": "small_molecule_library_screen",
        "download_mode": "metadata_only",
        "request_fingerprint": "9b1c6f1f3f5e4d8a0e3c5b7d9f1a2c4e6b8d0f2a4c6e8a0b2d4f6a8c0e2b4d6f",
        "idempotency_key": "download_0123456789abcdef0123456789abcdef",
        "remote": {"run_id": started.id, "workspace_id": null, "status": "succeeded", "started_at": null,
                   "completed_at": null, "stopped_at": null, "latest_result_id": ids[129], "error_code": null},
        "pending": {"kind": "result_page", "after_id": null, "page_last_id": ids[129], "result_ids": ids[3..]},
        "cursor_after_id": null, "cli_written": true,
    });
    std::fs::write(dir.join(".boltz-run.json"), serde_json::to_string_pretty(&cli_state).unwrap()).unwrap();
    let run = client.finish_run(&dir).poll_interval(POLL, POLL).await.unwrap();
    assert_eq!(run.state(), &JobState::Succeeded);
    assert_eq!(index_ids(&dir), ids, "every result once, in order");
    let saved = state(&dir);
    assert_eq!(
        (saved["pending"].clone(), saved["cursor_after_id"].clone()),
        (Value::Null, Value::from(ids[129].as_str()))
    );
    assert_eq!(saved["cli_written"], true, "keys the crate does not know are kept");
    assert_eq!(saved["idempotency_key"], "download_0123456789abcdef0123456789abcdef");
    // `download_results` with the same ID takes the CLI's directory too.
    client.download_results(&started.id).dir(&dir).poll_interval(POLL, POLL).await.unwrap();
    assert_eq!(index_ids(&dir).len(), 130);
    assert_eq!(emulator.jobs().len(), 1);
    std::fs::remove_dir_all(&root).unwrap();
}
