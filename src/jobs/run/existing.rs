//! Runs started elsewhere (another service, the web app, the CLI) into a run directory, and runs
//! stopped through their directory: the SDK's `experiments.download_results` and `stop`, the
//! CLI's `download-results --id` and `stop`.

use std::future::IntoFuture;
use std::path::{Path, PathBuf};

use futures_util::future::BoxFuture;

use super::engine::Engine;
use super::names::deterministic_name;
use super::state::{self, RunState};
use super::types::{DownloadMode, RunType};
use super::{DEFAULT_ROOT, RunDir, RunError, RunOptions, check_mode, fingerprint, ready, valid_name};
use crate::client::Client;
use crate::error::Error;
use crate::jobs::pacing::Deadline;

/// An existing run downloaded into a directory, made by [`Client::download_results`]; `.await`
/// it.
#[must_use = "a download does nothing until it is awaited"]
#[derive(Debug)]
pub struct DownloadResults<'a> {
    client: &'a Client,
    id: String,
    root: PathBuf,
    name: Option<String>,
    dir: Option<PathBuf>,
    workspace_id: Option<String>,
    options: RunOptions,
}

impl<'a> DownloadResults<'a> {
    pub(crate) fn new(client: &'a Client, id: String) -> Self {
        Self {
            client,
            id,
            root: DEFAULT_ROOT.into(),
            name: None,
            dir: None,
            workspace_id: None,
            options: RunOptions::default(),
        }
    }

    /// The directory's name under the root (default: made from the ID, as the SDK and CLI
    /// make it, such as `lucid-atom-checks-2f7148`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Where the directory goes (default `boltz-experiments`).
    pub fn root(mut self, root: impl Into<PathBuf>) -> Self {
        self.root = root.into();
        self
    }

    /// The run directory itself, instead of a root and a name.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// The run's workspace, for an admin key (sent on every call).
    pub fn workspace_id(mut self, workspace_id: impl Into<String>) -> Self {
        self.workspace_id = Some(workspace_id.into());
        self
    }

    run_option_setters!();

    async fn run(self) -> Result<RunDir, Error> {
        let id = self.id.trim().to_owned();
        // The kind comes from the ID, before anything is sent or written.
        let run_type = RunType::of_id(&id)
            .ok_or_else(|| RunError::OtherKind { run_id: id.clone(), expected: "prediction or pipeline" })?;
        let dir = match (self.dir, self.name) {
            (Some(dir), _) => dir,
            (None, Some(name)) => self.root.join(valid_name(&name)?),
            (None, None) => self.root.join(deterministic_name(&id)),
        };
        let requested = self.options.download_mode;
        let state = if ready(&dir).await? {
            let mut state = RunState::load(&dir).await?;
            reconcile(&dir, &mut state, &id, run_type, self.workspace_id, requested)?;
            state
        } else {
            let mode = requested.unwrap_or_default();
            check_mode(&dir, run_type, mode, mode)?;
            let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let workspace = self.workspace_id.clone().unwrap_or_default();
            // The SDK's download-only fingerprint and key.
            let fingerprint = format!("download-results:{id}:{workspace}");
            let key = format!("exp_{}", fingerprint::hex(&fastrand::u128(..).to_be_bytes()));
            let mut state = RunState::new(name, run_type, mode, fingerprint, key);
            state.remote.run_id = Some(id);
            state.remote.workspace_id = self.workspace_id;
            state
        };
        state.save(&dir).await?;
        let deadline = Deadline::new(self.options.deadline);
        let engine = Engine::new(self.client.clone(), dir, state, &self.options)?;
        deadline.within(engine.finish()).await
    }
}

/// A directory that exists already must hold this run, in this workspace and mode.
fn reconcile(
    dir: &Path,
    state: &mut RunState,
    id: &str,
    run_type: RunType,
    workspace: Option<String>,
    requested: Option<DownloadMode>,
) -> Result<(), Error> {
    match state.remote.run_id.as_deref() {
        Some(stored) if stored != id => {
            return Err(RunError::OtherRun {
                path: dir.to_owned(),
                stored: stored.to_owned(),
                requested: id.to_owned(),
            }
            .into());
        }
        _ => state.remote.run_id = Some(id.to_owned()),
    }
    let stored_type =
        state.run_type().map_err(|reason| RunError::Invalid { path: dir.join(state::FILE), reason })?;
    if stored_type != run_type {
        return Err(RunError::OtherRunType {
            path: dir.to_owned(),
            stored: state.run_type.clone(),
            requested: run_type.as_str(),
        }
        .into());
    }
    match (state.remote.workspace_id.as_deref(), workspace) {
        (Some(stored), Some(requested)) if stored != requested => {
            return Err(RunError::OtherWorkspace {
                path: dir.to_owned(),
                stored: stored.to_owned(),
                requested,
            }
            .into());
        }
        (_, Some(requested)) => state.remote.workspace_id = Some(requested),
        _ => {}
    }
    let stored =
        state.download_mode().map_err(|reason| RunError::Invalid { path: dir.join(state::FILE), reason })?;
    check_mode(dir, run_type, stored, requested.unwrap_or(stored))?;
    state.download_mode = Some(stored.as_str().to_owned());
    Ok(())
}

impl<'a> IntoFuture for DownloadResults<'a> {
    type Output = Result<RunDir, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// Stop the pipeline a run directory holds (unless it has ended); its results so far stay, and
/// [`Client::finish_run`] then collects them.
pub(crate) async fn stop(client: &Client, dir: &Path) -> Result<RunDir, Error> {
    let state = RunState::load(dir).await?;
    let options = RunOptions::default();
    Engine::new(client.clone(), dir.to_owned(), state, &options)?.stop().await
}
