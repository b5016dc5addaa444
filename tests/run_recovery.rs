//! Run directories left by a process killed at the worst moments, each rerun finishing the work
//! without a second start; runs gone wrong on the server, each its own `RunError`; the download
//! options of a run; and archives that try to write outside their directory.

use std::path::{Path, PathBuf};
use std::time::Duration;

use boltz_api::api::predictions::structure_and_binding::StartStructureAndBinding;
use boltz_api::api::small_molecule::library_screen::StartSmallMoleculeLibraryScreen;
use boltz_api::jobs::JobState;
use boltz_api::jobs::run::{RunError, RunErrorKind};
use boltz_api::models::common::params as common;
use boltz_api::models::predictions::structure_and_binding::params as sab;
use boltz_api::models::small_molecule::params as molecule;
use boltz_api::{Client, Error};
use boltz_api_emulator::{Emulator, Fault, FaultAction, HostileArchive};
use serde_json::Value;

const SEQUENCE: &str = "MKTAYIAKQRQISFVKSHFSRQ";
const POLL: Duration = Duration::from_millis(50);

fn prediction() -> StartStructureAndBinding {
    StartStructureAndBinding::new(sab::Input::new([
        sab::Entity::protein("A", SEQUENCE),
        sab::Entity::ligand_smiles("B", "CCO"),
    ]))
}

fn screen() -> StartSmallMoleculeLibraryScreen {
    StartSmallMoleculeLibraryScreen::new(
        [common::Molecule::new("CCO").id("m1"), common::Molecule::new("CCN").id("m2")],
        molecule::Target::new([common::ProteinEntity::new(["A"], SEQUENCE)]),
    )
}

async fn setup() -> (Emulator, Client) {
    let emulator = Emulator::builder()
        .pending_duration(Duration::ZERO)
        .job_duration(Duration::from_millis(150))
        .start()
        .await
        .unwrap();
    let client =
        Client::builder().api_key(emulator.admin_key()).base_url(emulator.base_url()).build().unwrap();
    (emulator, client)
}

fn root(test: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("boltz-api-recovery-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    root
}

fn state(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(".boltz-run.json")).unwrap()).unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Killed after the first `.boltz-run.json.tmp` was written, before its rename: the start was
/// not sent yet, so the rerun starts the run, once.
#[tokio::test]
async fn a_state_never_renamed_into_place_is_started_over() {
    let (emulator, client) = setup().await;
    let root = root("tmp-state");
    let dir = root.join("egfr");
    std::fs::create_dir_all(&dir).unwrap();
    // Even cut short in the middle of the write.
    std::fs::write(dir.join(".boltz-run.json.tmp"), r#"{"cursor_after_id": null, "downl"#).unwrap();
    let run = client.run(prediction()).root(&root).name("egfr").poll_interval(POLL, POLL).await.unwrap();
    assert_eq!(run.state(), &JobState::Succeeded);
    assert_eq!(emulator.jobs().len(), 1);
    assert!(!dir.join(".boltz-run.json.tmp").exists());
    // A directory with anything else in it is still not taken.
    let other = root.join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "mine").unwrap();
    let err = client.run(prediction()).root(&root).name("other").await.unwrap_err();
    assert!(matches!(&err, Error::Run(e) if matches!(**e, RunError::NotARun(_))), "{err:?}");
    std::fs::remove_dir_all(&root).unwrap();
}

/// Killed between the unpack and the state save, and killed during the unpack: the rerun clears
/// the pending mark and the half-written `files.tmp-*`, downloading nothing again.
#[tokio::test]
async fn a_prediction_killed_around_its_unpack_is_finished() {
    let (emulator, client) = setup().await;
    let root = root("unpack");
    let run = client.run(prediction()).root(&root).name("p").poll_interval(POLL, POLL).await.unwrap();
    let dir = run.path().to_owned();
    let downloads = emulator.file_requests().len();

    // The state as it was saved before the download: pending, though the files are all there.
    let mut saved = state(&dir);
    saved["pending"] = serde_json::json!({"kind": "prediction_archive"});
    std::fs::write(dir.join(".boltz-run.json"), serde_json::to_string_pretty(&saved).unwrap()).unwrap();
    let again = client.finish_run(&dir).poll_interval(POLL, POLL).await.unwrap();
    assert_eq!(again.state(), &JobState::Succeeded);
    assert_eq!(state(&dir)["pending"], Value::Null, "a complete directory shows no work pending");
    assert_eq!(emulator.file_requests().len(), downloads, "nothing fetched again");

    // Killed mid-unpack: the archive is there, `files/` is not, a `files.tmp-*` half written.
    let outputs = dir.join("outputs");
    std::fs::remove_dir_all(outputs.join("files")).unwrap();
    std::fs::create_dir_all(outputs.join("files.tmp-k1ll3d00/result")).unwrap();
    std::fs::write(outputs.join("files.tmp-k1ll3d00/result/metrics.json"), "{\"trunc").unwrap();
    let mut saved = state(&dir);
    saved["pending"] = serde_json::json!({"kind": "prediction_archive"});
    std::fs::write(dir.join(".boltz-run.json"), serde_json::to_string_pretty(&saved).unwrap()).unwrap();
    client.finish_run(&dir).poll_interval(POLL, POLL).await.unwrap();
    assert_eq!(names(&outputs), ["archive.tar.gz", "files"], "no files.tmp-* left");
    assert!(outputs.join("files/result/metrics.json").is_file());
    assert_eq!(state(&dir)["pending"], Value::Null);
    assert_eq!((emulator.jobs().len(), emulator.file_requests().len()), (1, downloads));
    std::fs::remove_dir_all(&root).unwrap();
}

/// An archive with an entry that leaves its directory, or with a link, is refused: nothing is
/// written outside, no `files/` is made, and the result stays pending for a later run.
#[tokio::test]
async fn hostile_archives_are_refused() {
    for (kind, what) in
        [(HostileArchive::Escape, "leaves the archive"), (HostileArchive::Symlink, "not a regular file")]
    {
        let (emulator, client) = setup().await;
        emulator.serve_hostile_archives(Some(kind));
        let root = root(&format!("hostile-{kind:?}"));
        let err = client.run(screen()).root(&root).name("s").poll_interval(POLL, POLL).await.unwrap_err();
        assert!(matches!(&err, Error::Run(e) if matches!(**e, RunError::Archive { .. })), "{err:?}");
        assert!(err.to_string().contains(what) || format!("{err:?}").contains(what), "{kind:?}: {err:?}");
        let dir = root.join("s");
        assert!(!root.join("escaped.txt").exists() && !dir.join("results").join("escaped.txt").exists());
        for result in std::fs::read_dir(dir.join("results")).unwrap().flatten().filter(|e| e.path().is_dir())
        {
            let entries = names(&result.path());
            assert!(entries.is_empty(), "the refused archive is not kept: {entries:?}");
        }
        assert_eq!(state(&dir)["pending"]["kind"], "result_page", "the page is still to do");
        // Once the archives are sound, the same directory finishes, with one job.
        emulator.serve_hostile_archives(None);
        let run = client.finish_run(&dir).poll_interval(POLL, POLL).await.unwrap();
        assert_eq!(run.results::<Value>().unwrap().count(), 2);
        assert_eq!(emulator.jobs().len(), 1);
        std::fs::remove_dir_all(&root).unwrap();
    }
}

fn kind(err: &Error) -> Option<RunErrorKind> {
    err.run_error().map(RunError::kind)
}

fn rewrite_state(dir: &Path, change: impl FnOnce(&mut Value)) {
    let mut saved = state(dir);
    change(&mut saved);
    std::fs::write(dir.join(".boltz-run.json"), serde_json::to_string_pretty(&saved).unwrap()).unwrap();
}

/// A run the server no longer has, an ID of another kind, and a run whose data was deleted each
/// get their own error, and only the first of them costs a call.
#[tokio::test]
async fn runs_gone_wrong_on_the_server_are_named() {
    let (emulator, client) = setup().await;
    let root = root("gone");
    let run = client.run(prediction()).root(&root).name("p").poll_interval(POLL, POLL).await.unwrap();
    let dir = run.path().to_owned();
    let id = run.run_id().to_owned();

    rewrite_state(&dir, |s| s["remote"]["run_id"] = "sab_pred_nothere".into());
    let err = client.finish_run(&dir).await.unwrap_err();
    assert_eq!(kind(&err), Some(RunErrorKind::JobGone), "{err:?}");
    assert!(err.to_string().contains("sab_pred_nothere"), "{err}");

    rewrite_state(&dir, |s| s["remote"]["run_id"] = "prot_des_abc".into());
    let calls = emulator.requests_received();
    let err = client.finish_run(&dir).await.unwrap_err();
    assert_eq!(kind(&err), Some(RunErrorKind::OtherKind), "{err:?}");
    assert_eq!(emulator.requests_received(), calls, "refused before any call");

    // Its data deleted: a directory that holds the outputs is finished; one that does not is told.
    rewrite_state(&dir, |s| s["remote"]["run_id"] = id.clone().into());
    client.predictions().structure_and_binding().delete_data(id.as_str()).await.unwrap();
    client.finish_run(&dir).poll_interval(POLL, POLL).await.unwrap();
    std::fs::remove_dir_all(dir.join("outputs")).unwrap();
    let err = client.finish_run(&dir).poll_interval(POLL, POLL).await.unwrap_err();
    assert_eq!(kind(&err), Some(RunErrorKind::DataDeleted), "{err:?}");
    assert!(err.to_string().contains("was deleted"), "{err}");
    std::fs::remove_dir_all(&root).unwrap();
}

/// A stalled archive costs the run's stall timeout, not the default minute, and the retries it
/// allows.
#[tokio::test]
async fn a_run_takes_its_download_options() {
    let (emulator, client) = setup().await;
    let root = root("options");
    emulator.inject(Fault::new("GET", "/files/*/archive.tar.gz", FaultAction::StallBody).times(2));
    let started = std::time::Instant::now();
    let err = client
        .run(prediction())
        .root(&root)
        .name("p")
        .poll_interval(POLL, POLL)
        .stall_timeout(Duration::from_millis(200))
        .download_retries(1)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("stalled") || format!("{err:?}").contains("stalled"), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    let archive_gets = |emulator: &Emulator| {
        emulator.file_requests().iter().filter(|r| r.path.ends_with("/archive.tar.gz")).count()
    };
    assert_eq!(archive_gets(&emulator), 2, "the first attempt and one retry");
    // With the faults spent, the same directory finishes, resuming the part it has.
    let run = client
        .finish_run(root.join("p"))
        .poll_interval(POLL, POLL)
        .attempt_timeout(Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(run.state(), &JobState::Succeeded);
    assert_eq!(emulator.jobs().len(), 1);
    std::fs::remove_dir_all(&root).unwrap();
}
