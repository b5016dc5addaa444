//! Revoke over a real HTTP/1.1 connection to a minimal server on 127.0.0.1 in this process: the
//! crate's `Client` against a bare hyper-util client + `serde_json`, at concurrency 1, 16 and 64.

mod support;

use std::future::IntoFuture;
use std::time::Duration;

use boltz_api_emulator::fixed::FixedServer;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use futures_util::future::join_all;
use support::{KEY, SEED, raw_client, raw_revoke, stack_client};

fn loopback(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let server = rt.block_on(FixedServer::start(SEED)).unwrap();
    let base = server.base_url();
    let stack = {
        let _guard = rt.enter();
        stack_client(&server.base_url(), KEY)
    };
    let raw = raw_client();

    let mut group = c.benchmark_group("loopback");
    for concurrency in [1usize, 16, 64] {
        group.throughput(Throughput::Elements(concurrency as u64));
        group.bench_with_input(
            BenchmarkId::new("raw hyper + serde_json", concurrency),
            &concurrency,
            |b, &n| {
                b.to_async(&rt).iter(|| async {
                    join_all((0..n).map(|_| raw_revoke(&raw, &base, KEY))).await.into_iter().for_each(|r| {
                        r.unwrap();
                    })
                })
            },
        );
        group.bench_with_input(BenchmarkId::new("boltz_api Client", concurrency), &concurrency, |b, &n| {
            b.to_async(&rt).iter(|| async {
                join_all((0..n).map(|_| stack.admin().api_keys().revoke("key_123").into_future()))
                    .await
                    .into_iter()
                    .for_each(|r| {
                        r.unwrap();
                    })
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = loopback
}
criterion_main!(benches);
