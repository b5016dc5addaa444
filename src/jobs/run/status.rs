//! Where a run directory stands, read from its files alone, without a call: the official CLI's
//! `download-status`, with its field names.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::state::{Pending, RunState};
use crate::error::Error;

/// What a run directory is doing, as the CLI names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Phase {
    /// The directory exists; no run is confirmed yet (its start may not have been answered).
    Created,
    /// The run has not ended; nothing is being downloaded.
    WaitingRemote,
    /// A prediction's archive is being downloaded or unpacked.
    MaterializingOutputs,
    /// A page of a pipeline's results is being collected.
    MaterializingResults,
    /// The run succeeded and everything is on disk.
    Ready,
    /// The run failed.
    Failed,
    /// The run was stopped, and what it made is on disk.
    Stopped,
}

impl Phase {
    /// The name the CLI prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Created => "created",
            Phase::WaitingRemote => "waiting_remote",
            Phase::MaterializingOutputs => "materializing_outputs",
            Phase::MaterializingResults => "materializing_results",
            Phase::Ready => "ready",
            Phase::Failed => "failed",
            Phase::Stopped => "stopped",
        }
    }
}

/// A run directory's state, as `boltz-api download-status --format json` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RunStatus {
    /// The directory.
    pub run_dir: PathBuf,
    /// Its name.
    pub name: String,
    /// `prediction`, `small_molecule_library_screen`, …
    pub run_type: String,
    /// `everything` or `metadata_only`.
    pub download_mode: String,
    /// The run's ID, once the start was answered.
    pub run_id: Option<String>,
    /// The workspace it runs in, when known.
    pub workspace_id: Option<String>,
    /// The run's status when last fetched.
    pub status: Option<String>,
    /// What the directory is doing.
    pub phase: Phase,
    /// Nothing left to do: no work pending, and the run succeeded or was stopped.
    pub ready: bool,
    /// `prediction_archive` or `result_page`, while work is pending.
    pub pending_kind: Option<String>,
    /// How many results of the page in progress are still to collect.
    pub pending_count: usize,
    /// The cursor the page in progress was listed with.
    pub pending_after_id: Option<String>,
    /// The last result of the page in progress.
    pub pending_page_last_id: Option<String>,
    /// The results of the page in progress still to collect.
    pub pending_result_ids: Vec<String>,
    /// Where the next page starts.
    pub cursor_after_id: Option<String>,
    /// The newest result the server reported.
    pub latest_result_id: Option<String>,
    /// When the run started, as the SDK writes it.
    pub started_at: Option<String>,
    /// When it completed.
    pub completed_at: Option<String>,
    /// When it was stopped.
    pub stopped_at: Option<String>,
    /// The error code of a failed run.
    pub error_code: Option<String>,
}

impl RunStatus {
    pub(crate) fn of(dir: &Path, state: &RunState) -> Self {
        let (pending_kind, after_id, page_last_id, ids) = match &state.pending {
            None => (None, None, None, Vec::new()),
            Some(Pending::PredictionArchive) => (Some("prediction_archive"), None, None, Vec::new()),
            Some(Pending::ResultPage { after_id, page_last_id, result_ids }) => {
                (Some("result_page"), after_id.clone(), page_last_id.clone(), result_ids.clone())
            }
        };
        let remote = &state.remote;
        let status = remote.status.as_deref();
        let ended = matches!(status, Some("succeeded" | "stopped"));
        let phase = match (&state.pending, status) {
            (_, Some("failed")) => Phase::Failed,
            (Some(Pending::PredictionArchive), _) => Phase::MaterializingOutputs,
            (Some(Pending::ResultPage { .. }), _) => Phase::MaterializingResults,
            _ if remote.run_id.is_none() => Phase::Created,
            (None, Some("succeeded")) => Phase::Ready,
            (None, Some("stopped")) => Phase::Stopped,
            _ => Phase::WaitingRemote,
        };
        RunStatus {
            run_dir: dir.to_owned(),
            name: state.name.clone(),
            run_type: state.run_type.clone(),
            download_mode: state.download_mode.clone().unwrap_or_else(|| "everything".to_owned()),
            run_id: remote.run_id.clone(),
            workspace_id: remote.workspace_id.clone(),
            status: remote.status.clone(),
            phase,
            ready: ended && state.pending.is_none(),
            pending_kind: pending_kind.map(str::to_owned),
            pending_count: ids.len(),
            pending_after_id: after_id,
            pending_page_last_id: page_last_id,
            pending_result_ids: ids,
            cursor_after_id: state.cursor_after_id.clone(),
            latest_result_id: remote.latest_result_id.clone(),
            started_at: remote.started_at.clone(),
            completed_at: remote.completed_at.clone(),
            stopped_at: remote.stopped_at.clone(),
            error_code: remote.error_code.clone(),
        }
    }
}

/// Where the run directory `dir` stands, from `.boltz-run.json` alone: no call is made.
pub async fn status(dir: impl AsRef<Path>) -> Result<RunStatus, Error> {
    let dir = dir.as_ref();
    let state = RunState::load(dir).await?;
    Ok(RunStatus::of(dir, &state))
}
