//! Heap allocations per revoke round trip over loopback, the crate's `Client` against a bare
//! hyper-util client + `serde_json`, counted by a global allocator. The server runs in the same
//! process and allocates the same for both, so the difference is the client's.
//!
//! ```text
//! cargo bench --bench allocations
//! ```

mod support;

use std::alloc::System;

use boltz_api_emulator::fixed::FixedServer;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use support::{KEY, SEED, raw_client, raw_revoke, stack_client};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const ROUNDS: u64 = 2_000;

/// Average allocations per call of `f` after a warm-up that opens the pooled connection.
async fn per_call<F, Fut>(mut f: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    for _ in 0..100 {
        f().await;
    }
    let region = Region::new(GLOBAL);
    for _ in 0..ROUNDS {
        f().await;
    }
    let stats = region.change();
    (stats.allocations + stats.reallocations) as f64 / ROUNDS as f64
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let server = FixedServer::start(SEED).await.unwrap();
        let base = server.base_url();
        let raw = raw_client();
        let stack = stack_client(&base, KEY);
        let raw_allocs = per_call(|| async { raw_revoke(&raw, &base, KEY).await.map(drop).unwrap() }).await;
        let stack_allocs =
            per_call(|| async { stack.admin().api_keys().revoke("key_123").await.map(drop).unwrap() }).await;
        println!(
            "allocations per revoke round trip (client and in-process server), {ROUNDS} sequential calls:"
        );
        println!("  raw hyper-util + serde_json : {raw_allocs:>6.1}");
        println!("  boltz_api Client            : {stack_allocs:>6.1}");
        println!("  difference                  : {:>+6.1}", stack_allocs - raw_allocs);
    });
}
