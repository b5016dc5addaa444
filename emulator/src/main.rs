//! `boltz-emulator`: run the in-memory Boltz admin API until interrupted.
//!
//! ```text
//! boltz-emulator [--bind 127.0.0.1] [--port 0] [--admin-key SECRET]
//! ```
//!
//! It prints `BOLTZ_BASE_URL=…` and `BOLTZ_API_KEY=…` lines, ready for `eval` or a test harness.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use boltz_api_emulator::Emulator;

fn usage() -> ExitCode {
    eprintln!("usage: boltz-emulator [--bind IP] [--port PORT] [--admin-key SECRET]");
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut bind = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut port = 0u16;
    let mut admin_key = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else { return usage() };
        match flag.as_str() {
            "--bind" => match value.parse() {
                Ok(ip) => bind = ip,
                Err(_) => return usage(),
            },
            "--port" => match value.parse() {
                Ok(p) => port = p,
                Err(_) => return usage(),
            },
            "--admin-key" => admin_key = Some(value),
            _ => return usage(),
        }
    }
    let mut builder = Emulator::builder().bind(SocketAddr::new(bind, port));
    if let Some(key) = admin_key {
        builder = builder.admin_key(key);
    }
    let emulator = match builder.start().await {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("boltz-emulator: cannot listen on {bind}:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("BOLTZ_BASE_URL={}", emulator.base_url());
    println!("BOLTZ_API_KEY={}", emulator.admin_key());
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}
