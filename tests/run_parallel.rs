//! A pipeline with hundreds of results into a run directory: archives downloaded by many workers
//! at once, the index an ordered prefix of the results at every moment, and a page in progress
//! always one the official SDK can resume (20 results it finds by listing 20 after its cursor).

use std::time::Duration;

use boltz_api::Client;
use boltz_api::api::small_molecule::library_screen::{
    ListSmallMoleculeLibraryScreenResults, StartSmallMoleculeLibraryScreen,
};
use boltz_api::jobs::JobState;
use boltz_api::models::common::params as common;
use boltz_api::models::small_molecule::params as molecule;
use boltz_api_emulator::{Emulator, Fault, FaultAction};
use futures_util::TryStreamExt;
use serde_json::Value;

const SEQUENCE: &str = "MKTAYIAKQRQISFVKSHFSRQ";

fn screen(n: usize) -> StartSmallMoleculeLibraryScreen {
    let molecules = (0..n).map(|i| common::Molecule::new("C".repeat(1 + i % 7)).id(format!("m{i}")));
    StartSmallMoleculeLibraryScreen::new(
        molecules,
        molecule::Target::new([common::ProteinEntity::new(["A"], SEQUENCE)]),
    )
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn index_ids(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("results/index.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn listed(client: &Client, id: &str) -> Vec<String> {
    let all: Vec<_> = client
        .small_molecule()
        .library_screen()
        .list_results(ListSmallMoleculeLibraryScreenResults::new(id).limit(100))
        .stream()
        .try_collect()
        .await
        .unwrap();
    all.into_iter().map(|r| r.id).collect()
}

#[tokio::test]
async fn many_results_in_order_by_many_workers_and_a_page_the_sdk_can_resume() {
    const N: usize = 230;
    let emulator = Emulator::builder()
        .manual_clock()
        .pending_duration(Duration::ZERO)
        .job_duration(Duration::from_secs(10))
        .start()
        .await
        .unwrap();
    let client =
        Client::builder().api_key(emulator.admin_key()).base_url(emulator.base_url()).build().unwrap();
    let root = std::env::temp_dir().join(format!("boltz-api-parallel-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let poll = Duration::from_millis(300);

    // The run starts the job and finds nothing yet; meanwhile every result is made, and one
    // archive in the third SDK page is made to fail.
    let run = tokio::spawn({
        let (client, root) = (client.clone(), root.clone());
        async move { client.run(screen(N)).root(root).name("big").workers(8).poll_interval(poll, poll).await }
    });
    let job = loop {
        if let Some(job) = emulator.jobs().first() {
            break job.id.clone();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    emulator.advance(Duration::from_secs(11));
    let ids = listed(&client, &job).await;
    assert_eq!(ids.len(), N);
    let bad = &ids[44];
    let path = format!("/files/{job}/results/{bad}/archive.tar.gz");
    emulator.inject(Fault::new("GET", &path, FaultAction::status(404)));
    let err = run.await.unwrap().unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err:?}");

    let dir = root.join("big");
    let committed = index_ids(&dir);
    assert!((40..=44).contains(&committed.len()), "{} committed", committed.len());
    assert_eq!(committed, ids[..committed.len()], "the index is an ordered prefix");
    let state = read_json(&dir.join(".boltz-run.json"));
    assert_eq!(state["pending"]["kind"], "result_page");
    assert_eq!(state["pending"]["after_id"], ids[39].as_str(), "the third page of 20");
    assert_eq!(state["cursor_after_id"], ids[39].as_str());
    let pending: Vec<&str> =
        state["pending"]["result_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(pending.contains(&bad.as_str()) && pending.len() <= 20, "{pending:?}");
    // The SDK's resume: listing 20 after the cursor finds every pending result.
    let page: Value = client
        .request(http::Method::GET, &format!("/compute/v1/small-molecule/library-screen/{job}/results"))
        .query([("limit", "20"), ("after_id", ids[39].as_str())])
        .send()
        .await
        .unwrap();
    let sdk_page: Vec<&str> =
        page["data"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(pending.iter().all(|id| sdk_page.contains(id)), "{pending:?} in {sdk_page:?}");
    // What was downloaded is not fetched again.
    let fetched = emulator.file_requests().len();

    let finished = client.finish_run(&dir).workers(8).poll_interval(poll, poll).await.unwrap();
    assert_eq!(finished.state(), &JobState::Succeeded);
    assert_eq!(index_ids(&dir), ids, "every result once, in order");
    let state = read_json(&dir.join(".boltz-run.json"));
    assert_eq!(
        (state["pending"].clone(), state["cursor_after_id"].clone()),
        (Value::Null, Value::from(ids[N - 1].as_str()))
    );
    let again: Vec<String> = emulator.file_requests()[fetched..].iter().map(|r| r.path.clone()).collect();
    assert!(again.len() <= N - committed.len(), "{} archives fetched by the rerun", again.len());
    assert!(
        committed.iter().all(|id| !again.iter().any(|p| p.contains(&format!("/{id}/")))),
        "a committed result fetched again"
    );
    for id in &ids {
        assert!(dir.join("results").join(id).join("files").is_dir(), "{id}");
    }
    // The CSV the CLI writes for small-molecule pipelines: a row per result, in order.
    let csv = std::fs::read_to_string(dir.join("results/summary.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert!(
        rows[0].starts_with("smiles,id,") && rows[0].contains("metrics.binding_confidence"),
        "{}",
        rows[0]
    );
    assert!(!rows[0].contains("paths") && !rows[0].contains("created_at"));
    assert_eq!(rows.len(), N + 1);
    let column = rows[0].split(',').position(|c| c == "id").unwrap();
    assert!(rows[1..].iter().zip(&ids).all(|(row, id)| row.split(',').nth(column) == Some(id.as_str())));
    assert_eq!(emulator.jobs().len(), 1);
    std::fs::remove_dir_all(&root).unwrap();
}
