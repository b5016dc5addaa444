//! What a run directory reports: progress events with the official CLI's names and fields (also
//! as its JSON lines), and the local status (`download-status`) at each phase, read without a call.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use boltz_api::Client;
use boltz_api::api::small_molecule::library_screen::StartSmallMoleculeLibraryScreen;
use boltz_api::jobs::run::{Phase, RunEvent, RunProgress, jsonl_progress, status};
use boltz_api::models::common::params as common;
use boltz_api::models::small_molecule::params as molecule;
use boltz_api_emulator::{Emulator, Fault, FaultAction};
use serde_json::Value;

const POLL: Duration = Duration::from_millis(50);

fn screen(n: usize) -> StartSmallMoleculeLibraryScreen {
    let molecules = (0..n).map(|i| common::Molecule::new("C".repeat(1 + i % 5)).id(format!("m{i}")));
    StartSmallMoleculeLibraryScreen::new(
        molecules,
        molecule::Target::new([common::ProteinEntity::new(["A"], "MKTAYIAKQRQISFVKSHFSRQ")]),
    )
}

/// A writer into shared memory, for the JSON lines.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn events_and_status_through_a_run() {
    let emulator = Emulator::builder()
        .pending_duration(Duration::ZERO)
        .job_duration(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let client =
        Client::builder().api_key(emulator.admin_key()).base_url(emulator.base_url()).build().unwrap();
    let root = std::env::temp_dir().join(format!("boltz-api-progress-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);

    // Stopped mid-page by a missing archive: the status says so.
    emulator.inject(Fault::new("GET", "/files/*/results/*/archive.tar.gz", FaultAction::status(404)));
    client.run(screen(25)).root(&root).name("s").poll_interval(POLL, POLL).workers(1).await.unwrap_err();
    let dir = root.join("s");
    let mid = status(&dir).await.unwrap();
    assert_eq!(
        (mid.phase, mid.ready, mid.pending_kind.as_deref()),
        (Phase::MaterializingResults, false, Some("result_page"))
    );
    assert!(mid.pending_count > 0 && mid.pending_count == mid.pending_result_ids.len());
    assert_eq!(mid.run_type, "small_molecule_library_screen");

    let events: Arc<Mutex<Vec<RunProgress>>> = Arc::default();
    let lines = Lines::default();
    let jsonl = jsonl_progress(lines.clone());
    let seen = events.clone();
    let run = client
        .finish_run(&dir)
        .poll_interval(POLL, POLL)
        .on_progress(move |p| {
            jsonl(p);
            seen.lock().unwrap().push(p.clone());
        })
        .await
        .unwrap();
    let events = events.lock().unwrap().clone();
    let names: Vec<&str> = events.iter().map(|e| e.event.name()).collect();
    assert_eq!(names.last(), Some(&"ready"), "{names:?}");
    let downloads = events.iter().filter(|e| matches!(e.event, RunEvent::ArchiveDownload { .. })).count();
    let extracts = events.iter().filter(|e| matches!(e.event, RunEvent::ArchiveExtract { .. })).count();
    assert!((1..=25).contains(&downloads) && extracts == downloads, "{downloads} {extracts}: {names:?}");
    assert!(names.contains(&"page_discovered") || mid.pending_count == 25, "{names:?}");
    for event in &events {
        if let RunEvent::ArchiveExtract { result_id, extracted_dir } = &event.event {
            let id = result_id.as_deref().unwrap();
            assert_eq!(extracted_dir, &dir.join("results").join(id).join("files"));
        }
    }
    let done = run.status().await.unwrap();
    assert_eq!((done.phase, done.ready, done.pending_count), (Phase::Ready, true, 0));
    assert_eq!(done.status.as_deref(), Some("succeeded"));

    // The JSON lines: one per event, each with the CLI's fields.
    let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    let json: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(json.len(), events.len());
    for (line, event) in json.iter().zip(&events) {
        assert_eq!(line["event"], event.event.name());
        for field in [
            "ts",
            "message",
            "run_dir",
            "name",
            "run_type",
            "download_mode",
            "run_id",
            "status",
            "phase",
            "ready",
            "pending_kind",
            "pending_count",
            "cursor_after_id",
            "latest_result_id",
            "error_code",
        ] {
            assert!(line.get(field).is_some(), "no {field} in {line}");
        }
        assert!(line["ts"].as_str().unwrap().ends_with('Z'));
    }
    let extract = json.iter().find(|l| l["event"] == "archive_extract").unwrap();
    assert!(extract["result_id"].is_string() && extract["extracted_dir"].is_string(), "{extract}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[tokio::test]
async fn a_failed_run_says_failed() {
    let emulator = Emulator::builder()
        .pending_duration(Duration::ZERO)
        .job_duration(Duration::from_secs(5))
        .start()
        .await
        .unwrap();
    let client =
        Client::builder().api_key(emulator.admin_key()).base_url(emulator.base_url()).build().unwrap();
    let root = std::env::temp_dir().join(format!("boltz-api-progress-failed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let names: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = names.clone();
    let run = tokio::spawn({
        let (client, root) = (client.clone(), root.clone());
        async move {
            client
                .run(screen(3))
                .root(root)
                .name("f")
                .poll_interval(POLL, POLL)
                .on_progress(move |p| seen.lock().unwrap().push(p.event.name().to_owned()))
                .await
        }
    });
    let id = loop {
        if let Some(job) = emulator.jobs().first() {
            break job.id.clone();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(emulator.fail_job(&id, "out_of_capacity", "no GPUs"));
    run.await.unwrap().unwrap_err();
    let names = names.lock().unwrap().clone();
    assert_eq!(names.last().map(String::as_str), Some("failed"), "{names:?}");
    assert!(names.iter().any(|n| n == "waiting") && names.iter().any(|n| n == "status"), "{names:?}");
    assert_eq!(names.iter().filter(|n| *n == "running").count(), 1, "throttled: {names:?}");
    let failed = status(root.join("f")).await.unwrap();
    assert_eq!(
        (failed.phase, failed.ready, failed.error_code.as_deref()),
        (Phase::Failed, false, Some("out_of_capacity"))
    );
    std::fs::remove_dir_all(&root).unwrap();
}
