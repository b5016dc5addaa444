//! The prediction part of the main job on its own: predict the structure of a protein with a
//! ligand bound, follow the prediction until it ends, download its archive, and show its
//! confidence metrics (the quickstart runs the same after its key management part).
//!
//! ```text
//! cargo run --example predict                       # against the embedded emulator (a few seconds)
//! cargo run --example predict -- DIR                # the archive goes to DIR/<id>/ (default target/predict-output)
//! BOLTZ_BASE_URL=… BOLTZ_API_KEY=… cargo run --example predict   # against that server
//! ```

#[path = "shared/prediction.rs"]
mod prediction;

use std::path::PathBuf;
use std::time::Duration;

use boltz_api::Client;
use boltz_api_emulator::Emulator;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // With no BOLTZ_BASE_URL, run against an emulator inside this process: pending for 0.3 s,
    // then running for 1.5 s, so the polls (1 s apart, then 1.5 s) see it running, then done.
    let emulator = match std::env::var("BOLTZ_BASE_URL") {
        Ok(_) => None,
        Err(_) => Some(
            Emulator::builder()
                .pending_duration(Duration::from_millis(300))
                .job_duration(Duration::from_millis(1_500))
                .start()
                .await?,
        ),
    };
    let client = match &emulator {
        Some(emulator) => {
            Client::builder().api_key(emulator.admin_key()).base_url(emulator.base_url()).build()?
        }
        None => Client::from_env()?, // BOLTZ_API_KEY, BOLTZ_BASE_URL
    };
    let out =
        std::env::args_os().nth(1).map_or_else(|| PathBuf::from("target/predict-output"), PathBuf::from);
    prediction::predict(&client, &out, 1).await
}
