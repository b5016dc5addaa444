//! A small-molecule library screen of N molecules run into a run directory with `client.run`,
//! timed: the Rust half of `scripts/compare-runs.sh`, which runs the official Python SDK's
//! `run_small_molecule_library_screen` on the same request beside it.
//!
//! `BOLTZ_BASE_URL=… BOLTZ_API_KEY=… cargo run --release --example run_screen -- <n> <root> [workers]`
//!
//! Prints one JSON line: the number of results in the index and the seconds the run took.

use std::time::{Duration, Instant};

use boltz_api::Client;
use boltz_api::api::small_molecule::library_screen::StartSmallMoleculeLibraryScreen;
use boltz_api::models::common::params as common;
use boltz_api::models::small_molecule::params as molecule;

/// The molecules both clients screen: `C`, `CC`, … up to nine carbons, with their index as ID.
fn screen(n: usize) -> StartSmallMoleculeLibraryScreen {
    let molecules = (0..n).map(|i| common::Molecule::new("C".repeat(1 + i % 9)).id(format!("mol-{i}")));
    StartSmallMoleculeLibraryScreen::new(
        molecules,
        molecule::Target::new([common::ProteinEntity::new(["A"], "MKTAYIAKQRQISFVKSHFSRQ")]),
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(n), Some(root)) = (args.first().and_then(|n| n.parse().ok()), args.get(1)) else {
        return Err("usage: run_screen <n> <root> [workers]".into());
    };
    let workers = args.get(2).and_then(|w| w.parse().ok()).unwrap_or(boltz_api::jobs::run::DEFAULT_WORKERS);
    let client = Client::from_env()?;
    let started = Instant::now();
    let run = client
        .run(screen(n))
        .root(root)
        .name("rust")
        .workers(workers)
        .poll_interval(Duration::from_secs(1), Duration::from_secs(5))
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    // Counted a line at a time, so the count costs no memory of its own.
    let index = std::fs::File::open(run.results_index().expect("a pipeline"))?;
    let results = std::io::BufRead::lines(std::io::BufReader::new(index)).count();
    println!(r#"{{"client":"rust","results":{results},"seconds":{seconds:.3}}}"#);
    Ok(())
}
