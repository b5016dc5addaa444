//! Jobs under load, against the embedded emulator: 200 predictions and pipeline runs started and
//! waited on at once through one `Client`, each ending exactly once with every result reported
//! once; and starts under injected 503s, attempt timeouts and lost responses, which are retried
//! with their idempotency key and so never make a second job.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use boltz_api::Client;
use boltz_api::api::predictions::structure_and_binding::StartStructureAndBinding;
use boltz_api::api::small_molecule::design::StartSmallMoleculeDesign;
use boltz_api::jobs::{Job, JobEvent, JobState};
use boltz_api::models::common::params::ProteinEntity;
use boltz_api::models::predictions::structure_and_binding::params::{Entity, Input};
use boltz_api::models::small_molecule::params::Target;
use boltz_api_emulator::{Emulator, Fault, FaultAction};
use futures_util::TryStreamExt;
use tokio::task::JoinSet;

const SEQUENCE: &str = "MKTAYIAKQRQISFVKSHFSRQ";
const PREDICTIONS: &str = "/compute/v1/predictions/structure-and-binding";
const DESIGNS: &str = "/compute/v1/small-molecule/design";

fn prediction() -> StartStructureAndBinding {
    StartStructureAndBinding::new(Input::new([
        Entity::protein("A", SEQUENCE),
        Entity::ligand_smiles("B", "CCO"),
    ]))
}

fn design() -> StartSmallMoleculeDesign {
    StartSmallMoleculeDesign::new(10, Target::new([ProteinEntity::new(["A"], SEQUENCE)]))
}

/// How one wait went: the job, how many `Finished` events it saw, how it ended, and the result
/// IDs it reported (none for a prediction).
struct Waited {
    id: String,
    finished: usize,
    state: JobState,
    results: Vec<String>,
}

/// Wait for `job`, counting its `Finished` events and collecting its results' IDs with `id_of`.
async fn wait_for<J: Job>(client: &Client, job: &J, id_of: impl Fn(&J::Item) -> String) -> Waited {
    let events: Vec<JobEvent<J>> = client
        .wait(job)
        .poll_interval(Duration::from_millis(50), Duration::from_millis(400))
        .events()
        .try_collect()
        .await
        .unwrap();
    let mut waited =
        Waited { id: job.id().to_owned(), finished: 0, state: JobState::Pending, results: Vec::new() };
    for event in &events {
        match event {
            JobEvent::Results(items) => waited.results.extend(items.iter().map(&id_of)),
            JobEvent::Finished(done) => {
                waited.finished += 1;
                waited.state = done.state();
            }
            _ => {}
        }
    }
    assert!(matches!(events.last(), Some(JobEvent::Finished(_))), "{}: the last event is the end", waited.id);
    waited
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_jobs_waited_on_at_once_each_end_once_with_every_result_once() {
    // Real time: 100 ms pending, then 1 s running; a design makes a molecule every 100 ms.
    let emulator = Emulator::builder()
        .pending_duration(Duration::from_millis(100))
        .job_duration(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let client =
        Client::builder().api_key(emulator.admin_key()).base_url(emulator.base_url()).build().unwrap();

    let clock = std::time::Instant::now();
    let mut tasks = JoinSet::new();
    for i in 0..200 {
        let client = client.clone();
        tasks.spawn(async move {
            if i % 2 == 0 {
                let job = client.predictions().structure_and_binding().start(prediction()).await.unwrap();
                wait_for(&client, &job, |_| unreachable!("a prediction has no results listing")).await
            } else {
                let job = client.small_molecule().design().start(design()).await.unwrap();
                wait_for(&client, &job, |molecule| molecule.id.clone()).await
            }
        });
    }
    let waited =
        tokio::time::timeout(Duration::from_secs(60), tasks.join_all()).await.expect("done within a minute");
    let elapsed = clock.elapsed();

    // Every job the emulator has was waited on, and ended exactly once, as it ended there.
    let jobs = emulator.jobs();
    assert_eq!(jobs.len(), 200);
    let finished: BTreeMap<&str, usize> = waited.iter().map(|w| (w.id.as_str(), w.finished)).collect();
    assert_eq!(finished.len(), 200, "200 distinct jobs");
    for job in &jobs {
        assert_eq!(finished.get(job.id.as_str()), Some(&1), "{} ended once", job.id);
        assert_eq!(job.status, "succeeded");
    }
    for w in &waited {
        assert_eq!(w.state, JobState::Succeeded, "{}", w.id);
        if w.id.starts_with("sm_des_") {
            let unique: BTreeSet<&String> = w.results.iter().collect();
            assert_eq!((w.results.len(), unique.len()), (10, 10), "{}: every molecule once", w.id);
        } else {
            assert!(w.results.is_empty());
        }
    }

    // Polls per job, as the emulator received them (retrieves; a design also lists its results).
    let received = emulator.received();
    let (mut retrieves, mut listings) = (BTreeMap::<&str, usize>::new(), 0);
    for request in received.iter().filter(|r| r.method == "GET") {
        let id = request.path.strip_prefix(PREDICTIONS).or_else(|| request.path.strip_prefix(DESIGNS));
        match id.and_then(|rest| rest.strip_prefix('/')) {
            Some(rest) if rest.ends_with("/results") => listings += 1,
            Some(id) => {
                *retrieves.entry(finished.get_key_value(id).expect("a known job").0).or_default() += 1
            }
            None => {}
        }
    }
    let total: usize = retrieves.values().sum();
    let (min, max) = (retrieves.values().min().unwrap(), retrieves.values().max().unwrap());
    let average = total as f64 / 200.0;
    println!(
        "200 jobs in {elapsed:.2?}: {total} retrieves, {average:.2} per job (min {min}, max {max}); \
         {listings} result listings for 100 designs"
    );
    assert_eq!(retrieves.len(), 200, "every job was polled");
    // Polls 50 ms apart backing off to 400 ms reach a job 1.1 s long at most 8 times (jittered
    // 20 % short); more would be polling without waiting.
    assert!(*max <= 10, "at most 10 retrieves per job: {max}");
}

#[tokio::test]
async fn starts_under_503s_timeouts_and_lost_responses_make_no_duplicate_job() {
    let emulator = Emulator::builder().manual_clock().start().await.unwrap();
    // Attempts time out after 300 ms; a delayed answer comes after 1 s.
    let client = Client::builder()
        .api_key(emulator.admin_key())
        .base_url(emulator.base_url())
        .timeout(Duration::from_millis(300))
        .max_retries(4)
        .build()
        .unwrap();
    const STARTS: usize = 24;
    // One fault per start, in turn: a 503 (not processed), a delay past the attempt timeout (the
    // client gives up not knowing), a body cut short (processed, the answer lost).
    let faults = [FaultAction::status(503), FaultAction::Delay { ms: 1_000 }, FaultAction::TruncatedBody];
    for i in 0..STARTS {
        emulator.inject(Fault::new("POST", PREDICTIONS, faults[i % 3].clone()));
    }

    let mut tasks = JoinSet::new();
    for _ in 0..STARTS {
        let client = client.clone();
        tasks.spawn(async move { client.predictions().structure_and_binding().start(prediction()).await });
    }
    let started = tokio::time::timeout(Duration::from_secs(30), tasks.join_all()).await.expect("within 30 s");
    let ids: BTreeSet<String> = started.into_iter().map(|job| job.unwrap().id).collect();
    assert_eq!(ids.len(), STARTS, "each start is its own job");

    // A delayed attempt is handled once its second is up: let the last one have passed.
    let posts: Vec<_> = emulator.received().into_iter().filter(|r| r.method == "POST").collect();
    let last = posts.iter().map(|r| r.at).max().unwrap();
    tokio::time::sleep_until((last + Duration::from_millis(1_200)).into()).await;

    let jobs: BTreeSet<String> = emulator.jobs().into_iter().map(|job| job.id).collect();
    assert_eq!(jobs.len(), STARTS, "no start made a second job");
    assert_eq!(jobs, ids);
    // While a fault is queued every start attempt takes one, so each fault was met once and each
    // start then needed one more attempt at least (more only if a loaded machine slowed an answer
    // past the attempt timeout, which the keys make harmless too).
    assert!(posts.len() >= 2 * STARTS, "{} start attempts", posts.len());
    let retried = posts.iter().filter(|r| r.retry_count.as_deref() != Some("0")).count();
    println!("{STARTS} starts: {} attempts, {retried} of them retries", posts.len());
}
