//! The Rust half of the run-directory interop with the official Python SDK
//! (`tests/conformance/run_dirs.py` drives it against the `boltz-emulator` binary).
//!
//! `conformance_runs <action> <kind> <dir>`, with `BOLTZ_BASE_URL` and `BOLTZ_API_KEY` set:
//!
//! * `start <prediction|screen|big-screen> <dir>`: run the request in `dir` but stop waiting after
//!   `RUN_DEADLINE_MS` (default 1500), leaving a run in progress for the SDK to finish;
//! * `run <prediction|screen|big-screen> <dir>`: run the request in `dir` to the end (resuming what is
//!   there);
//! * `finish - <dir>`: finish whatever run `dir` holds;
//! * `download <id> <root>`: download an existing run into the directory its ID names under
//!   `root` (printing that directory too).
//!
//! The requests are the ones the Python script gives the SDK. Prints the run's ID and state.

use std::path::PathBuf;
use std::time::Duration;

use boltz_api::api::predictions::structure_and_binding::StartStructureAndBinding;
use boltz_api::api::small_molecule::library_screen::StartSmallMoleculeLibraryScreen;
use boltz_api::models::common::params as common;
use boltz_api::models::predictions::structure_and_binding::params as sab;
use boltz_api::models::small_molecule::params as molecule;
use boltz_api::{Client, Error, TimeoutKind};

const SEQUENCE: &str = "MKTAYIAKQRQISFVKSHFSRQ";

fn prediction() -> StartStructureAndBinding {
    StartStructureAndBinding::new(
        sab::Input::new([sab::Entity::protein("A", SEQUENCE), sab::Entity::ligand_smiles("B", "CCO")])
            .binding(sab::LigandProteinBinding::new("B")),
    )
}

fn screen() -> StartSmallMoleculeLibraryScreen {
    let molecules = [
        common::Molecule::new("CCO").id("mol-1"),
        common::Molecule::new("c1ccccc1").id("mol-2"),
        common::Molecule::new("CC(=O)O").id("mol-3"),
    ];
    screen_of(molecules.into())
}

/// 45 molecules: more than two of the SDK's 20-result pages, collected by several workers.
fn big_screen() -> StartSmallMoleculeLibraryScreen {
    screen_of((1..=45).map(|i| common::Molecule::new("C".repeat(i % 9 + 1)).id(format!("mol-{i}"))).collect())
}

fn screen_of(molecules: Vec<common::Molecule>) -> StartSmallMoleculeLibraryScreen {
    StartSmallMoleculeLibraryScreen::new(
        molecules,
        molecule::Target::new([common::ProteinEntity::new(["A"], SEQUENCE)]),
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [action, kind, dir] = args.as_slice() else {
        return Err(
            "usage: conformance_runs <start|run|finish|download> <prediction|screen|big-screen|-|id> <dir>"
                .into(),
        );
    };
    let client = Client::from_env()?;
    let dir = PathBuf::from(dir);
    let poll = Duration::from_millis(100);
    let deadline = match action.as_str() {
        "start" => std::env::var("RUN_DEADLINE_MS").ok().and_then(|ms| ms.parse().ok()).unwrap_or(1500),
        _ => 60_000,
    };
    let deadline = Duration::from_millis(deadline);
    let outcome = match (action.as_str(), kind.as_str()) {
        ("finish", _) => client.finish_run(&dir).poll_interval(poll, poll).deadline(deadline).await,
        ("download", id) => {
            let run =
                client.download_results(id).root(&dir).poll_interval(poll, poll).deadline(deadline).await?;
            println!("{}", run.path().display());
            Ok(run)
        }
        (_, "prediction") => {
            client.run(prediction()).dir(&dir).poll_interval(poll, poll).deadline(deadline).await
        }
        (_, "screen") => client.run(screen()).dir(&dir).poll_interval(poll, poll).deadline(deadline).await,
        (_, "big-screen") => {
            client.run(big_screen()).dir(&dir).workers(8).poll_interval(poll, poll).deadline(deadline).await
        }
        _ => return Err(format!("unknown kind {kind}").into()),
    };
    match outcome {
        Ok(run) => println!("{} {:?}", run.run_id(), run.state()),
        Err(Error::Timeout { kind: TimeoutKind::Wait, .. }) if action == "start" => println!("left running"),
        Err(err) => return Err(err.into()),
    }
    Ok(())
}
