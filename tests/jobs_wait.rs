//! Waiting for a small-molecule design run against a scripted server: the events in order, every
//! result once and before the end, failed and stopped runs, the deadline, a `Retry-After` hint,
//! polls that go through the retry layer, and no polling after the stream is dropped.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use boltz_api::jobs::{Finished, JobEvent, JobState};
use boltz_api::models::small_molecule::design::Run;
use boltz_api::{Client, Error, TimeoutKind};
use futures_util::{StreamExt, TryStreamExt};
use support::{Recorded, Reply, TestServer, json};

const KEY: &str = "sk_bc_admin_live_jobs_0123456789";
const RUN_PATH: &str = "/compute/v1/small-molecule/design/run_1";
const RESULTS_PATH: &str = "/compute/v1/small-molecule/design/run_1/results";

fn run(status: &str, generated: u32, extra: &str) -> String {
    format!(
        r#"{{"id":"run_1","created_at":"2026-01-02T03:04:05Z","engine":"boltzmol","engine_version":"1.0",
        "livemode":false,"pipeline":"boltzmol","pipeline_version":"1.0","status":"{status}",
        "workspace_id":"ws_1","progress":{{"num_molecules_generated":{generated},"total_molecules_to_generate":2}}{extra}}}"#
    )
}

fn molecule(id: &str) -> String {
    let file = r#"{"url":"http://127.0.0.1:9/f","url_expires_at":"2026-01-02T04:04:05Z"}"#;
    format!(
        r#"{{"id":"{id}","created_at":"2026-01-02T03:04:05Z","smiles":"CCO","artifacts":{{"archive":{file},"structure":{file}}},
        "metrics":{{"binding_confidence":0.5,"complex_iplddt":0.5,"complex_plddt":0.5,"iptm":0.5,"optimization_score":0.5,"ptm":0.5,"structure_confidence":0.5}}}}"#
    )
}

/// A results page of the molecules after `after` (by position in `ids`).
fn page(ids: &[&str], after: Option<&str>) -> String {
    let start = after.and_then(|a| ids.iter().position(|id| *id == a)).map_or(0, |i| i + 1);
    let rest = &ids[start..];
    let data: Vec<String> = rest.iter().map(|id| molecule(id)).collect();
    let last = rest.last().map_or("null".to_owned(), |id| format!("\"{id}\""));
    format!(r#"{{"data":[{}],"last_id":{last},"has_more":false}}"#, data.join(","))
}

fn after_id(req: &Recorded) -> Option<String> {
    req.uri.query()?.split('&').find_map(|p| p.strip_prefix("after_id=")).map(str::to_owned)
}

/// The run's script: what each retrieve returns, in turn (the last one repeats), and how many
/// results exist at each retrieve.
fn scripted(states: Vec<(String, usize)>) -> impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static {
    let retrieves = AtomicUsize::new(0);
    move |req, _| {
        let step = retrieves.load(Ordering::SeqCst).min(states.len() - 1);
        let available = ["m1", "m2"][..states[step].1].to_vec();
        match req.uri.path() {
            RESULTS_PATH => json(200, &page(&available, after_id(req).as_deref())),
            RUN_PATH => {
                let step = retrieves.fetch_add(1, Ordering::SeqCst).min(states.len() - 1);
                json(200, &states[step].0)
            }
            other => json(404, &format!(r#"{{"message":"no route {other}"}}"#)),
        }
    }
}

fn client_for(server: &TestServer) -> Client {
    Client::builder().api_key(KEY).base_url(server.url()).build().unwrap()
}

async fn first_snapshot(client: &Client) -> Run {
    client.small_molecule().design().retrieve("run_1").await.unwrap()
}

#[tokio::test]
async fn events_come_in_order_and_every_result_once_before_the_end() {
    let states = vec![
        (run("pending", 0, ""), 0), // the snapshot fetched before waiting
        (run("pending", 0, ""), 0),
        (run("running", 0, ""), 0),
        (run("running", 1, ""), 1),
        (run("running", 1, ""), 1),
        (run("succeeded", 2, ""), 2),
    ];
    let server = TestServer::start(scripted(states)).await;
    let client = client_for(&server);
    let snapshot = first_snapshot(&client).await;
    let events: Vec<_> = client
        .wait(&snapshot)
        .poll_interval(Duration::from_millis(5), Duration::from_millis(20))
        .events()
        .try_collect()
        .await
        .unwrap();
    let kinds: Vec<String> = events
        .iter()
        .map(|e| match e {
            JobEvent::State(run) => format!("state:{}", run.status),
            JobEvent::Progress(run) => {
                format!("progress:{}", run.progress.as_ref().unwrap().num_molecules_generated)
            }
            JobEvent::Results(items) => {
                format!("results:{}", items.iter().map(|m| m.id.as_str()).collect::<Vec<_>>().join("+"))
            }
            JobEvent::Finished(done) => format!("finished:{:?}", done.state()),
            _ => "other".to_owned(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "state:pending",
            "state:running",
            "results:m1",
            "progress:1",
            "results:m2",
            "state:succeeded",
            "finished:Succeeded"
        ]
    );
    // Listings continued from the last result they had seen.
    let afters: Vec<Option<String>> =
        server.requests().iter().filter(|r| r.uri.path() == RESULTS_PATH).map(after_id).collect();
    assert!(afters.contains(&Some("m1".into())) && afters.contains(&Some("m2".into())), "{afters:?}");
}

#[tokio::test]
async fn a_failed_run_is_an_error_with_its_code_and_a_stopped_run_a_distinct_end() {
    let error = r#","error":{"code":"target_invalid","message":"the target has no chains"}"#;
    let server =
        TestServer::start(scripted(vec![(run("running", 0, ""), 0), (run("failed", 0, error), 0)])).await;
    let client = client_for(&server);
    let snapshot = first_snapshot(&client).await;
    let err = client
        .wait(&snapshot)
        .poll_interval(Duration::from_millis(5), Duration::from_millis(5))
        .await
        .unwrap_err();
    let Error::JobFailed(failure) = &err else { panic!("{err:?}") };
    assert_eq!(
        (failure.id(), failure.code(), failure.message()),
        ("run_1", "target_invalid", "the target has no chains")
    );
    assert!(err.to_string().contains("target_invalid"), "{err}");

    let server =
        TestServer::start(scripted(vec![(run("running", 1, ""), 1), (run("stopped", 1, ""), 1)])).await;
    let client = client_for(&server);
    let snapshot = first_snapshot(&client).await;
    let done = client
        .wait(&snapshot)
        .poll_interval(Duration::from_millis(5), Duration::from_millis(5))
        .await
        .unwrap();
    assert!(matches!(done, Finished::Stopped(_)));
    assert_eq!(done.state(), JobState::Stopped);
}

#[tokio::test]
async fn the_deadline_ends_waiting_and_dropping_the_stream_ends_polling() {
    let server = TestServer::start(scripted(vec![(run("running", 0, ""), 0)])).await;
    let client = client_for(&server);
    let snapshot = first_snapshot(&client).await;
    let start = Instant::now();
    let err = client
        .wait(&snapshot)
        .poll_interval(Duration::from_millis(20), Duration::from_millis(20))
        .deadline(Duration::from_millis(150))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { kind: TimeoutKind::Wait, .. }), "{err:?}");
    assert!(start.elapsed() < Duration::from_secs(2));

    let mut events =
        client.wait(&snapshot).poll_interval(Duration::from_millis(5), Duration::from_millis(5)).events();
    events.next().await.unwrap().unwrap();
    drop(events);
    let before = server.requests().len();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.requests().len(), before, "nothing polls after the stream is dropped");
}

#[tokio::test]
async fn a_retry_after_hint_sets_the_next_poll_and_polls_are_retried() {
    let retrieves = Arc::new(AtomicUsize::new(0));
    let seen = retrieves.clone();
    let server = TestServer::start(move |req, _| {
        if req.uri.path() == RESULTS_PATH {
            return json(200, &page(&[], None));
        }
        match seen.fetch_add(1, Ordering::SeqCst) {
            0 => json(200, &run("running", 0, "")),
            1 => {
                let mut reply = json(200, &run("running", 0, ""));
                reply.response.headers_mut().insert("retry-after", "1".parse().unwrap());
                reply
            }
            // A 503 on a poll is retried by the client's stack, not reported.
            2 => {
                let mut reply = json(503, "{}");
                reply.response.headers_mut().insert("retry-after-ms", "10".parse().unwrap());
                reply
            }
            _ => json(200, &run("succeeded", 2, "")),
        }
    })
    .await;
    let client = client_for(&server);
    let snapshot = first_snapshot(&client).await;
    let start = Instant::now();
    client.wait(&snapshot).poll_interval(Duration::from_millis(5), Duration::from_millis(5)).await.unwrap();
    assert!(start.elapsed() >= Duration::from_secs(1), "the hinted second was waited: {:?}", start.elapsed());
    assert_eq!(retrieves.load(Ordering::SeqCst), 4);
}
