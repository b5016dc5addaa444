//! `boltz-emulator`: run the in-memory Boltz API (admin and compute planes, and the file origin
//! its presigned links point to) until interrupted.
//!
//! ```text
//! boltz-emulator [--bind 127.0.0.1] [--port 0] [--files-port 0] [--admin-key SECRET]
//!                [--job-ms 3000] [--pending-ms 500] [--link-ttl-ms 900000] [--file-latency-ms 0] [--manual-clock]
//! ```
//!
//! Jobs follow real time: pending for `--pending-ms`, running for `--job-ms`, then succeeded
//! (a pipeline's results appear one by one while it runs). `--manual-clock` stops the clock until
//! `POST /__emulator/clock/advance {"ms":N}` moves it. The other control endpoints are listed in
//! the crate documentation (`/__emulator/jobs`, `/__emulator/jobs/{id}/fail`, `/__emulator/config`,
//! `/__emulator/faults`, …).
//!
//! It prints `BOLTZ_BASE_URL=…`, `BOLTZ_EMULATOR_FILES_URL=…` and `BOLTZ_API_KEY=…` lines, ready
//! for `eval` or a test harness.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use boltz_api_emulator::Emulator;

const USAGE: &str = "usage: boltz-emulator [--bind IP] [--port PORT] [--files-port PORT] [--admin-key SECRET] \
[--job-ms MS] [--pending-ms MS] [--link-ttl-ms MS] [--file-latency-ms MS] [--manual-clock]";

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut bind = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut port = 0u16;
    let mut files_port = 0u16;
    let mut builder = Emulator::builder();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--manual-clock" {
            builder = builder.manual_clock();
            continue;
        }
        if flag == "--help" || flag == "-h" {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        let Some(value) = args.next() else { return usage() };
        let ms = || value.parse::<u64>().ok().map(Duration::from_millis);
        match flag.as_str() {
            "--bind" => match value.parse() {
                Ok(ip) => bind = ip,
                Err(_) => return usage(),
            },
            "--port" => match value.parse() {
                Ok(p) => port = p,
                Err(_) => return usage(),
            },
            "--files-port" => match value.parse() {
                Ok(p) => files_port = p,
                Err(_) => return usage(),
            },
            "--admin-key" => builder = builder.admin_key(value),
            "--job-ms" => match ms() {
                Some(d) => builder = builder.job_duration(d),
                None => return usage(),
            },
            "--pending-ms" => match ms() {
                Some(d) => builder = builder.pending_duration(d),
                None => return usage(),
            },
            "--link-ttl-ms" => match ms() {
                Some(d) => builder = builder.link_ttl(d),
                None => return usage(),
            },
            "--file-latency-ms" => match ms() {
                Some(d) => builder = builder.file_latency(d),
                None => return usage(),
            },
            _ => return usage(),
        }
    }
    let builder = builder.bind(SocketAddr::new(bind, port)).files_bind(SocketAddr::new(bind, files_port));
    let emulator = match builder.start().await {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("boltz-emulator: cannot listen on {bind}:{port} (files: {files_port}): {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("BOLTZ_BASE_URL={}", emulator.base_url());
    println!("BOLTZ_EMULATOR_FILES_URL={}", emulator.files_url());
    println!("BOLTZ_API_KEY={}", emulator.admin_key());
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}
