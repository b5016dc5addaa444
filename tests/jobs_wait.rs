//! Waiting for a small-molecule design run against a scripted server: the events in order, every
//! result once and before the end, failed and stopped runs, the deadline, a `Retry-After` hint,
//! polls that go through the retry layer, and no polling after the stream is dropped. Against the
//! emulator (manual clock, stepped between polls): a run stopped and resumed, progress events.
//! Under paused time over an in-process transport: the backoff schedule, and nothing (no poll, no
//! task) left behind by a dropped wait.

mod support;

use std::convert::Infallible;
use std::future::IntoFuture;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use boltz_api::api::small_molecule::design::{ListSmallMoleculeDesignResults, StartSmallMoleculeDesign};
use boltz_api::jobs::{Finished, JobEvent, JobState};
use boltz_api::json::HttpRequest;
use boltz_api::models::common::params::ProteinEntity;
use boltz_api::models::small_molecule::design::Run;
use boltz_api::models::small_molecule::params::Target;
use boltz_api::{Client, Error, TimeoutKind};
use boltz_api_emulator::Emulator;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use http_body_util::Full;
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

// ---- Against the emulator, its clock stepped between polls ----

/// Bounds every wait for one event.
const LIMIT: Duration = Duration::from_secs(10);
/// The poll interval against the emulator: its clock, not this, decides what a poll sees.
const STEP: Duration = Duration::from_millis(5);

/// An emulator whose jobs run for `job` with no pending phase, on a clock that moves only when the
/// test advances it, and a client for it.
async fn emulator(job: Duration) -> (Emulator, Client) {
    let emulator = Emulator::builder()
        .manual_clock()
        .pending_duration(Duration::ZERO)
        .job_duration(job)
        .start()
        .await
        .unwrap();
    let client =
        Client::builder().api_key(emulator.admin_key()).base_url(emulator.base_url()).build().unwrap();
    (emulator, client)
}

/// A small-molecule design of `molecules` molecules: the emulator makes molecule k once k/N of
/// the running time has passed.
fn design(molecules: i64) -> StartSmallMoleculeDesign {
    StartSmallMoleculeDesign::new(
        molecules,
        Target::new([ProteinEntity::new(["A"], "MKTAYIAKQRQISFVKSHFSRQ")]),
    )
}

fn generated(run: &Run) -> i64 {
    run.progress.as_ref().map_or(-1, |p| p.num_molecules_generated)
}

/// An event in a few characters: its kind and what it counts.
fn describe(event: &JobEvent<Run>) -> String {
    match event {
        JobEvent::State(run) => format!("state:{}", run.status.as_str()),
        JobEvent::Progress(run) => format!("progress:{}", generated(run)),
        JobEvent::Results(items) => format!("results:{}", items.len()),
        JobEvent::Finished(done) => format!("finished:{:?}", done.state()),
        _ => "other".to_owned(),
    }
}

/// The next event, within [`LIMIT`]. The stream is lazy: it polls only while it is asked for an
/// event, and a poll's events come out before the next poll starts, so what a test does to the
/// emulator between two events is seen by the next poll and by no earlier one.
async fn next_event(
    events: &mut futures_util::stream::BoxStream<'static, Result<JobEvent<Run>, Error>>,
) -> Option<JobEvent<Run>> {
    tokio::time::timeout(LIMIT, events.try_next()).await.expect("an event within the limit").unwrap()
}

#[tokio::test]
async fn a_run_stopped_mid_way_ends_stopped_with_its_results_and_once_resumed_succeeds() {
    // 10 molecules (the fewest a design makes) in 10 s of running time: one a second.
    let (emulator, client) = emulator(Duration::from_secs(10)).await;
    let designs = client.small_molecule().design();
    let started = designs.start(design(10)).await.unwrap();
    emulator.advance(Duration::from_secs(3)); // three molecules

    // The first wait: the first poll sees it running with three molecules, the clock then moves
    // 2.5 s, the second poll reports two more, and the run is stopped before the third poll.
    let mut events = client.wait(&started).poll_interval(STEP, STEP).events();
    let (mut seen, mut first_ids, mut stopped) = (Vec::new(), Vec::new(), None);
    while let Some(event) = next_event(&mut events).await {
        seen.push(describe(&event));
        assert!(seen.len() <= 20, "{seen:?}");
        match event {
            JobEvent::Results(items) => first_ids.extend(items.into_iter().map(|m| m.id)),
            JobEvent::State(run) if run.status.as_str() == "running" => {
                emulator.advance(Duration::from_millis(2_500));
            }
            JobEvent::Progress(_) => {
                designs.stop(started.id.as_str()).await.unwrap();
                emulator.advance(Duration::from_secs(60)); // a stopped run makes nothing more
            }
            JobEvent::Finished(done) => stopped = Some(done),
            _ => {}
        }
    }
    assert_eq!(
        seen,
        ["results:3", "state:running", "results:2", "progress:5", "state:stopped", "finished:Stopped"]
    );
    let stopped = stopped.unwrap();
    assert!(matches!(stopped, Finished::Stopped(_)));
    assert_eq!(generated(stopped.job()), 5);
    assert_eq!(first_ids.len(), 5);
    let job = emulator.job(&started.id).unwrap();
    assert_eq!((job.status.as_str(), job.results), ("stopped", 5));

    // Resumed through the client, it runs the remaining 4.5 s; the clock moves 2.5 s after each
    // poll that saw it running or saw a new molecule.
    let resumed = designs.resume(started.id.as_str()).await.unwrap();
    assert_eq!(resumed.status.as_str(), "running");
    let mut events = client.wait(&resumed).poll_interval(STEP, STEP).events();
    let (mut seen, mut second_ids, mut finished) = (Vec::new(), Vec::new(), None);
    while let Some(event) = next_event(&mut events).await {
        seen.push(describe(&event));
        assert!(seen.len() <= 20, "{seen:?}");
        match event {
            JobEvent::Results(items) => second_ids.extend(items.into_iter().map(|m| m.id)),
            JobEvent::State(run) if run.status.as_str() == "running" => {
                emulator.advance(Duration::from_millis(2_500));
            }
            JobEvent::Progress(_) => emulator.advance(Duration::from_millis(2_500)),
            JobEvent::Finished(done) => finished = Some(done),
            _ => {}
        }
    }
    assert_eq!(
        seen,
        [
            "results:5",
            "state:running",
            "results:3",
            "progress:8",
            "results:2",
            "state:succeeded",
            "finished:Succeeded"
        ]
    );
    let finished = finished.unwrap();
    assert!(matches!(finished, Finished::Succeeded(_)));
    assert_eq!(generated(finished.job()), 10);

    // Without `results_after`, the second wait reports every result again: each once, the first
    // wait's first and in the same order, and all of them as the listing has them.
    let mut unique = second_ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((second_ids.len(), unique.len()), (10, 10), "{second_ids:?}");
    assert_eq!(second_ids[..5], first_ids[..]);
    let listed: Vec<String> = designs
        .list_results(ListSmallMoleculeDesignResults::new(started.id.as_str()))
        .stream()
        .map_ok(|m| m.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed, second_ids);
}

#[tokio::test]
async fn a_wait_that_takes_over_reports_only_the_results_after_the_last_one_seen() {
    let (emulator, client) = emulator(Duration::from_secs(10)).await;
    let started = client.small_molecule().design().start(design(10)).await.unwrap();
    emulator.advance(Duration::from_secs(3)); // three molecules

    // A first waiter sees the first page of results and goes away.
    let mut events = client.wait(&started).poll_interval(STEP, STEP).events();
    let Some(JobEvent::Results(first)) = next_event(&mut events).await else { panic!("results first") };
    drop(events);
    let first: Vec<String> = first.into_iter().map(|m| m.id).collect();
    assert_eq!(first.len(), 3);

    // The one that takes over starts after the last of them and sees the other seven once.
    emulator.advance(Duration::from_secs(60));
    let mut events =
        client.wait(&started).poll_interval(STEP, STEP).results_after(first[2].as_str()).events();
    let mut rest = Vec::new();
    while let Some(event) = next_event(&mut events).await {
        if let JobEvent::Results(items) = event {
            rest.extend(items.into_iter().map(|m| m.id));
        }
    }
    assert_eq!(rest.len(), 7, "{rest:?}");
    assert!(rest.iter().all(|id| !first.contains(id)), "nothing reported twice");
}

#[tokio::test]
async fn counters_that_move_between_polls_are_progress_events_after_the_results_they_count() {
    // 10 molecules in 10 s: one a second, and the clock moves a second after each poll.
    let (emulator, client) = emulator(Duration::from_secs(10)).await;
    let started = client.small_molecule().design().start(design(10)).await.unwrap();
    let mut events = client.wait(&started).poll_interval(STEP, STEP).events();
    let (mut seen, mut reported) = (Vec::new(), Vec::<String>::new());
    while let Some(event) = next_event(&mut events).await {
        seen.push(describe(&event));
        assert!(seen.len() <= 30, "{seen:?}");
        match &event {
            JobEvent::Results(items) => reported.extend(items.iter().map(|m| m.id.clone())),
            JobEvent::Progress(run) => {
                // The counters are the run's as fetched, and what they count was reported first.
                let progress = run.progress.as_ref().unwrap();
                assert_eq!(progress.num_molecules_generated, reported.len() as i64);
                assert_eq!(progress.latest_result_id.as_ref(), reported.last());
                assert_eq!(progress.total_molecules_to_generate, 10);
                emulator.advance(Duration::from_secs(1));
            }
            JobEvent::State(_) => emulator.advance(Duration::from_secs(1)),
            _ => {}
        }
    }
    let mut expected = vec!["state:running".to_owned()];
    for n in 1..10 {
        expected.extend(["results:1".to_owned(), format!("progress:{n}")]);
    }
    expected.extend(["results:1", "state:succeeded", "finished:Succeeded"].map(String::from));
    assert_eq!(seen, expected);
    assert_eq!(reported.len(), 10);
}

// ---- Under paused time, over an in-process transport ----

/// A client with the default stack over an in-process transport that answers `run_1` (running for
/// the first `running` retrieves, then succeeded, each after `latency` on tokio's clock) and an
/// empty results page, and records when each retrieve arrived on tokio's clock.
fn in_process(running: usize, latency: Duration) -> (Client, Arc<Mutex<Vec<tokio::time::Instant>>>) {
    let polls = Arc::new(Mutex::new(Vec::new()));
    let seen = polls.clone();
    let transport = tower::service_fn(move |req: HttpRequest| {
        let (status, body) = match req.uri().path() {
            RESULTS_PATH => (200, page(&[], None)),
            RUN_PATH => {
                let mut polls = seen.lock().unwrap();
                polls.push(tokio::time::Instant::now());
                (200, run(if polls.len() <= running { "running" } else { "succeeded" }, 0, ""))
            }
            other => (404, format!(r#"{{"message":"no route {other}"}}"#)),
        };
        let response = http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        async move {
            tokio::time::sleep(latency).await;
            Ok::<_, Infallible>(response)
        }
    });
    let client = Client::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9")
        .build_with_transport(transport)
        .unwrap();
    (client, polls)
}

fn snapshot() -> Run {
    serde_json::from_str(&run("pending", 0, "")).unwrap()
}

#[tokio::test(start_paused = true)]
async fn polls_back_off_by_half_again_from_the_first_interval_to_the_cap_within_a_fifth() {
    // 12 polls, 11 gaps: 1 s, 1.5 s, 2.25 s, 3.375 s, 5.06 s, 7.59 s, then 10 s five times.
    let (client, polls) = in_process(11, Duration::ZERO);
    let started = tokio::time::Instant::now();
    let done = client
        .wait(&snapshot())
        .poll_interval(Duration::from_secs(1), Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(done.state(), JobState::Succeeded);
    let polls = polls.lock().unwrap().clone();
    assert_eq!(polls.len(), 12);
    assert_eq!(polls[0], started, "the first poll is made at once");
    let gaps: Vec<Duration> = polls.windows(2).map(|w| w[1] - w[0]).collect();
    // tokio's timers count whole milliseconds.
    let tick = Duration::from_millis(1);
    let mut nominal = Duration::from_secs(1);
    for (i, gap) in gaps.iter().enumerate() {
        let (low, high) = (nominal.mul_f64(0.8).saturating_sub(tick), nominal.mul_f64(1.2) + tick);
        assert!((low..=high).contains(gap), "gap {i}: {gap:?} is not {nominal:?} ± 20 %: {gaps:?}");
        nominal = nominal.mul_f64(1.5).min(Duration::from_secs(10));
    }
    let capped = &gaps[6..];
    assert_eq!(capped.len(), 5);
    assert!(capped.iter().any(|g| g != &capped[0]), "the gaps at the cap are jittered: {capped:?}");
}

#[tokio::test(start_paused = true)]
async fn a_dropped_wait_leaves_no_task_behind_and_polls_no_more() {
    // The run never changes, so a wait yields its first state and then polls on, silently.
    let (client, polls) = in_process(usize::MAX, Duration::from_millis(100));
    let alive = || tokio::runtime::Handle::current().metrics().num_alive_tasks();
    let polled = || polls.lock().unwrap().len();
    let before = alive();

    let mut events = client.wait(&snapshot()).events();
    assert!(matches!(events.try_next().await.unwrap(), Some(JobEvent::State(_))));
    // Ask for the next event for a minute: it polls on, and is cut off mid-way.
    assert!(tokio::time::timeout(Duration::from_secs(60), events.next()).await.is_err());
    let made = polled();
    assert!(made >= 6, "it polled while asked for an event: {made}");
    drop(events);
    tokio::time::sleep(Duration::from_secs(3_600)).await;
    assert_eq!(polled(), made, "an hour after the drop, no poll");
    assert_eq!(alive(), before, "no task outlives the stream");

    // The future form, dropped the same way.
    let wait = client.wait(&snapshot()).into_future();
    assert!(tokio::time::timeout(Duration::from_secs(60), wait).await.is_err());
    let made = polled();
    tokio::time::sleep(Duration::from_secs(3_600)).await;
    assert_eq!(polled(), made, "an hour after the drop, no poll");
    assert_eq!(alive(), before, "no task outlives the future");
}

#[tokio::test]
async fn over_real_sockets_a_dropped_wait_leaves_no_task_beyond_the_pooled_connection() {
    let server = TestServer::start(scripted(vec![(run("running", 0, ""), 0)])).await;
    let client = client_for(&server);
    // The snapshot opens the one pooled connection (a task on each side) the wait reuses.
    let snapshot = first_snapshot(&client).await;
    let alive = || tokio::runtime::Handle::current().metrics().num_alive_tasks();
    let before = alive();
    let mut events =
        client.wait(&snapshot).poll_interval(Duration::from_millis(5), Duration::from_millis(5)).events();
    events.next().await.unwrap().unwrap();
    assert!(tokio::time::timeout(Duration::from_millis(100), events.next()).await.is_err());
    drop(events);
    // A poll cut off mid-request may still be closing its connection: give it at most 2 s.
    let mut now = alive();
    for _ in 0..200 {
        if now <= before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        now = alive();
    }
    assert!(now <= before, "{now} tasks alive after the drop, {before} before the wait");
}
