//! A bounded chaos soak on loopback: 64 tasks make 5 000 mixed calls through one `Client` while
//! the emulator injects faults into about 20 % of requests. Every call resolves exactly once, no
//! retried create makes a duplicate key, nothing panics, and dropping the client leaves no task
//! behind.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use boltz_api::api::admin::api_keys::{CreateApiKey, ListApiKeys};
use boltz_api::{Client, Error};
use boltz_api_emulator::{Emulator, Fault, FaultAction};
use futures_util::TryStreamExt;

const CALLS: usize = 5_000;
const TASKS: usize = 64;

/// The emulator on a runtime of its own, so the test runtime's task count is the client's.
fn emulator_elsewhere() -> (Emulator, tokio::sync::oneshot::Sender<()>) {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            ready_tx.send(Emulator::start().await.unwrap()).unwrap();
            let _ = stop_rx.await;
        });
    });
    (ready_rx.recv().unwrap(), stop_tx)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Create,
    List,
    Revoke,
}

fn label(result: &Result<(), Error>) -> &'static str {
    match result {
        Ok(()) => "ok",
        Err(Error::Api(_)) => "api",
        Err(Error::Timeout { .. }) => "timeout",
        Err(Error::Transport(_)) => "transport",
        Err(Error::Decode(_)) => "decode",
        Err(Error::Connect(_)) => "connect",
        Err(_) => "other",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_soak() {
    let (emulator, stop) = emulator_elsewhere();
    let baseline = tokio::runtime::Handle::current().metrics().num_alive_tasks();
    let client = Client::builder()
        .api_key(emulator.admin_key())
        .base_url(emulator.base_url())
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let mut targets = Vec::new();
    for i in 0..16 {
        targets.push(
            client
                .admin()
                .api_keys()
                .create(CreateApiKey::new(format!("target-{i}")))
                .await
                .unwrap()
                .key_details
                .id,
        );
    }

    let actions = [
        FaultAction::status(429).header("retry-after-ms", "5"),
        FaultAction::status(503),
        FaultAction::Close,
        FaultAction::Reset,
        FaultAction::TruncatedBody,
        FaultAction::Delay { ms: 600 },
    ];
    for path in ["/compute/v1/admin/api-keys", "/compute/v1/admin/api-keys/*/revoke"] {
        for action in &actions {
            emulator.inject(Fault::new("*", path, action.clone()).times(u32::MAX).probability(0.037));
        }
    }

    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let client = client.clone();
            let targets = targets.clone();
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                for call in (task..CALLS).step_by(TASKS) {
                    let (kind, result) = match call % 3 {
                        0 => {
                            let name = format!("soak-{call}");
                            let result = client.admin().api_keys().create(CreateApiKey::new(&name)).await;
                            (Kind::Create, result.map(|created| assert_eq!(created.key_details.name, name)))
                        }
                        1 => (
                            Kind::List,
                            client.admin().api_keys().list(ListApiKeys::new().limit(20)).await.map(drop),
                        ),
                        _ => {
                            let target = &targets[call % targets.len()];
                            (Kind::Revoke, client.admin().api_keys().revoke(target).await.map(drop))
                        }
                    };
                    outcomes.push((call, kind, result));
                }
                outcomes
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(CALLS);
    let all = async {
        for task in tasks {
            outcomes.extend(task.await.expect("no task panics"));
        }
    };
    tokio::time::timeout(Duration::from_secs(120), all).await.expect("the soak finishes in bounded time");
    let elapsed = started.elapsed();
    emulator.clear_faults();

    // Every call resolved exactly once.
    let mut calls: Vec<_> = outcomes.iter().map(|(call, _, _)| *call).collect();
    calls.sort_unstable();
    assert_eq!(calls, (0..CALLS).collect::<Vec<_>>());

    // No create was replayed into a duplicate, and every successful create exists once.
    let keys: Vec<_> =
        client.admin().api_keys().list(ListApiKeys::new().limit(100)).stream().try_collect().await.unwrap();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for key in &keys {
        *by_name.entry(key.name.as_str()).or_default() += 1;
    }
    let duplicates: Vec<_> = by_name.iter().filter(|(_, n)| **n > 1).collect();
    assert!(duplicates.is_empty(), "duplicated keys: {duplicates:?}");
    for (call, kind, result) in &outcomes {
        if *kind == Kind::Create && result.is_ok() {
            assert_eq!(by_name.get(format!("soak-{call}").as_str()), Some(&1));
        }
    }

    let mut tally: HashMap<(Kind, &str), usize> = HashMap::new();
    for (_, kind, result) in &outcomes {
        *tally.entry((*kind, label(result))).or_default() += 1;
    }
    let faulted = emulator.received().len();
    println!("{CALLS} calls in {elapsed:.1?}, {faulted} requests received; outcomes: {tally:?}");
    assert!(tally.iter().filter(|((_, label), _)| *label == "ok").map(|(_, n)| n).sum::<usize>() > CALLS / 2);

    // Dropping the client closes its pooled connections and ends their tasks.
    drop(client);
    let deadline = Instant::now() + Duration::from_secs(10);
    let metrics = tokio::runtime::Handle::current().metrics();
    while metrics.num_alive_tasks() > baseline && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(metrics.num_alive_tasks(), baseline, "tasks left behind by the dropped client");
    let _ = stop.send(());
}
