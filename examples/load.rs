//! A bounded load generator: revoke calls at a fixed concurrency, with throughput, latency
//! percentiles, errors, CPU time and peak memory. `--raw` sends the same requests with a bare
//! hyper-util client + `serde_json`, so both figures come from one binary on one machine.
//!
//! ```text
//! cargo run --release --example load -- --concurrency 64 --requests 20000 [--raw]
//!     [--base-url URL --api-key KEY] [--max-seconds 60] [--threads N]
//! ```
//!
//! Without `--base-url` it starts a minimal fixed-response server on 127.0.0.1 in this process
//! (not the emulator, so the server is not the bottleneck); the `scripts/` measurements give it
//! the URL of a server in another process instead. `--raw` speaks plain HTTP only.
//! `--threads 1` runs everything on one thread, which makes instruction counts repeatable
//! (`scripts/instructions.sh`); the default is one worker per core. The `cpu` line is this
//! process's user and system time while the requests ran (start-up excluded), from
//! `/proc/self/stat` in 10 ms ticks, so give it runs of a second or more.

#[path = "../benches/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use boltz_api_emulator::fixed::FixedServer;
use support::{KEY, SEED, raw_client, raw_revoke, stack_client};

struct Args {
    concurrency: usize,
    requests: usize,
    raw: bool,
    base_url: Option<String>,
    api_key: String,
    max_seconds: u64,
    threads: Option<usize>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        concurrency: 64,
        requests: 20_000,
        raw: false,
        base_url: None,
        api_key: KEY.into(),
        max_seconds: 60,
        threads: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--concurrency" => args.concurrency = value()?.parse().map_err(|_| "bad --concurrency")?,
            "--requests" => args.requests = value()?.parse().map_err(|_| "bad --requests")?,
            "--max-seconds" => args.max_seconds = value()?.parse().map_err(|_| "bad --max-seconds")?,
            "--base-url" => args.base_url = Some(value()?),
            "--api-key" => args.api_key = value()?,
            "--threads" => args.threads = Some(value()?.parse().map_err(|_| "bad --threads")?),
            "--raw" => args.raw = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.concurrency == 0 || args.requests == 0 || args.threads == Some(0) {
        return Err("--concurrency, --requests and --threads must be positive".into());
    }
    Ok(args)
}

/// Peak resident memory of this process, from /proc (Linux).
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User and system CPU time of this process so far, all threads, from /proc (Linux).
fn cpu_time() -> Option<(Duration, Duration)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses: state is the first, then utime
    // and stime are the 12th and 13th, in clock ticks (USER_HZ, 100 on Linux).
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let tick = |t: &str| t.parse::<u64>().ok().map(|t| Duration::from_millis(t * 10));
    Some((tick(fields.next()?)?, tick(fields.next()?)?))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("load: {e}");
            std::process::exit(2);
        }
    };
    let runtime = match args.threads {
        Some(1) => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        Some(n) => tokio::runtime::Builder::new_multi_thread().worker_threads(n).enable_all().build(),
        None => tokio::runtime::Builder::new_multi_thread().enable_all().build(),
    };
    runtime.expect("a tokio runtime").block_on(run(args));
}

async fn run(args: Args) {
    let server = match &args.base_url {
        Some(_) => None,
        None => Some(FixedServer::start(SEED).await.expect("bind 127.0.0.1")),
    };
    let base = args.base_url.clone().unwrap_or_else(|| server.as_ref().unwrap().base_url());
    let raw = raw_client();
    let stack = stack_client(&base, &args.api_key);
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(args.max_seconds);

    let cpu_before = cpu_time();
    let started = Instant::now();
    let workers: Vec<_> = (0..args.concurrency)
        .map(|_| {
            let (raw, stack, base, key, next) =
                (raw.clone(), stack.clone(), base.clone(), args.api_key.clone(), next.clone());
            let (total, use_raw) = (args.requests, args.raw);
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0usize;
                while next.fetch_add(1, Ordering::Relaxed) < total && Instant::now() < deadline {
                    let start = Instant::now();
                    let ok = if use_raw {
                        raw_revoke(&raw, &base, &key).await.is_ok()
                    } else {
                        stack.admin().api_keys().revoke("key_123").await.is_ok()
                    };
                    latencies.push(start.elapsed());
                    errors += usize::from(!ok);
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(args.requests);
    let mut errors = 0;
    for worker in workers {
        let (mut l, e) = worker.await.expect("worker");
        latencies.append(&mut l);
        errors += e;
    }
    let elapsed = started.elapsed();
    let cpu_after = cpu_time();
    latencies.sort_unstable();
    let mode = if args.raw { "raw hyper-util + serde_json" } else { "boltz_api Client" };
    println!("mode        {mode}");
    println!("requests    {} in {:.2?} at concurrency {}", latencies.len(), elapsed, args.concurrency);
    println!("throughput  {:.0} requests/s", latencies.len() as f64 / elapsed.as_secs_f64());
    println!(
        "latency     p50 {:.1?}  p90 {:.1?}  p99 {:.1?}",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.90),
        percentile(&latencies, 0.99)
    );
    println!("errors      {errors}");
    if let (Some((user0, sys0)), Some((user1, sys1))) = (cpu_before, cpu_after) {
        let (user, sys) = (user1.saturating_sub(user0), sys1.saturating_sub(sys0));
        println!(
            "cpu         user {:.2?}  sys {:.2?}  per request {:.2}µs",
            user,
            sys,
            (user + sys).as_secs_f64() * 1e6 / latencies.len().max(1) as f64
        );
    }
    if let Some(kib) = peak_memory_kib() {
        println!("peak memory {:.1} MiB", kib as f64 / 1024.0);
    }
    if errors > 0 {
        std::process::exit(1);
    }
}
