//! Run directories: start a prediction or pipeline, wait for it and download what it makes into
//! a directory that survives crashes and restarts, in the official SDK's format (schema
//! version 1), so that a run either client started can be finished by the other.
//!
//! ```no_run
//! use boltz_api::api::predictions::structure_and_binding::StartStructureAndBinding;
//! use boltz_api::models::predictions::structure_and_binding::params::{Entity, Input};
//!
//! # async fn run(client: boltz_api::Client) -> Result<(), boltz_api::Error> {
//! let request = StartStructureAndBinding::new(Input::new([
//!     Entity::protein("A", "MKTAYIAKQRQISFVKSHFSRQ"),
//!     Entity::ligand_smiles("B", "CC(=O)Oc1ccccc1C(=O)O"),
//! ]));
//! // Runs under boltz-experiments/aspirin; run it again after a crash and it goes on from where
//! // it stopped, without starting a second prediction.
//! let run = client.run(request).name("aspirin").await?;
//! println!("{} is in {}", run.run_id(), run.path().display());
//! # Ok(()) }
//! ```
//!
//! The layout (`<root>/<name>/`):
//!
//! * `.boltz-run.json`: the state: the request's fingerprint, the idempotency key (saved before
//!   the start is sent, so a start whose answer was lost is sent again with the same key), what
//!   the server said last, and the results page in progress.
//! * `run.json`: the run as last fetched, without its presigned links.
//! * `outputs/archive.tar.gz` and `outputs/files/` (structure-and-binding predictions): the
//!   archive, kept, and unpacked, with the structure renamed `<id>_predicted.cif`.
//! * `results/<id>/{archive.tar.gz,files/,metadata.json}` and `results/index.jsonl`
//!   (pipelines): each result as the run makes it, and one JSON line per result.
//!
//! Polls back off from 1 s to 15 s (the SDK polls every 5 s); everything else follows the SDK,
//! which writes and reads the same files.

mod archive;
mod calls;
mod engine;
mod error;
mod fingerprint;
mod index;
mod names;
mod progress;
mod pyjson;
mod read;
mod results;
mod state;
mod status;
mod summary;
mod types;

use std::future::IntoFuture;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::future::BoxFuture;

pub use error::{RunError, RunErrorKind};
pub use existing::DownloadResults;
pub(crate) use existing::stop;
pub use names::deterministic_name;
pub(crate) use progress::Progress;
pub use progress::{RunEvent, RunProgress, jsonl_progress};
pub use read::{Results, RunResult};
pub use status::{Phase, RunStatus, status};
pub use types::{DownloadMode, RunType, Runnable};

use crate::client::Client;
use crate::error::Error;
use crate::jobs::JobState;
use crate::jobs::pacing::Deadline;
use engine::Engine;
use state::RunState;

/// Where run directories go unless told otherwise, as in the SDK.
pub const DEFAULT_ROOT: &str = "boltz-experiments";

/// The options [`Run`] and [`FinishRun`] share.
#[derive(Debug, Clone)]
pub(crate) struct RunOptions {
    pub(crate) first_poll: Duration,
    pub(crate) max_poll: Duration,
    pub(crate) deadline: Option<Duration>,
    pub(crate) download_mode: Option<DownloadMode>,
    pub(crate) download: DownloadOptions,
    pub(crate) workers: usize,
    pub(crate) progress: Option<progress::Progress>,
}

/// Result archives downloaded at once unless told otherwise: enough to hide the latency of object
/// storage (tens of milliseconds a file), few enough for a small machine.
pub const DEFAULT_WORKERS: usize = 16;

/// How each archive is downloaded; `None` keeps [`Client::download`]'s default.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DownloadOptions {
    pub(crate) retries: Option<u32>,
    pub(crate) stall: Option<Duration>,
    pub(crate) attempt: Option<Duration>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            first_poll: Duration::from_secs(1),
            max_poll: Duration::from_secs(15),
            deadline: None,
            download_mode: None,
            download: DownloadOptions::default(),
            workers: DEFAULT_WORKERS,
            progress: None,
        }
    }
}

macro_rules! run_option_setters {
    () => {
        /// Poll `first` apart at the start, backing off to at most `max` (default 1 s to 15 s).
        pub fn poll_interval(mut self, first: ::std::time::Duration, max: ::std::time::Duration) -> Self {
            self.options.first_poll = first;
            self.options.max_poll = max;
            self
        }

        /// Give up waiting after `deadline` with [`TimeoutKind::Wait`](crate::TimeoutKind::Wait);
        /// the run goes on, and running this again picks it up.
        pub fn deadline(mut self, deadline: ::std::time::Duration) -> Self {
            self.options.deadline = Some(deadline);
            self
        }

        /// What to keep of a pipeline's results (default [`DownloadMode::Everything`](crate::jobs::run::DownloadMode::Everything)); it must
        /// match the directory's.
        pub fn download_mode(mut self, mode: DownloadMode) -> Self {
            self.options.download_mode = Some(mode);
            self
        }

        /// Report what the run does as it goes (see [`RunProgress`](crate::jobs::run::RunProgress); [`jsonl_progress`](crate::jobs::run::jsonl_progress) writes
        /// it as the CLI does). Called from the task that awaits the run, and from its
        /// downloads, so it should be quick.
        pub fn on_progress(
            mut self,
            report: impl Fn(&$crate::jobs::run::RunProgress) + Send + Sync + 'static,
        ) -> Self {
            self.options.progress = Some($crate::jobs::run::Progress::new(report));
            self
        }

        /// How many result archives a pipeline downloads and unpacks at once (default
        /// [`DEFAULT_WORKERS`](crate::jobs::run::DEFAULT_WORKERS); at least 1). Results are still committed in order.
        pub fn workers(mut self, workers: usize) -> Self {
            self.options.workers = workers.max(1);
            self
        }

        /// Retries of an archive download after transient failures (default 5), each resuming
        /// where the bytes stopped.
        pub fn download_retries(mut self, retries: u32) -> Self {
            self.options.download.retries = Some(retries);
            self
        }

        /// Give a download attempt up when no byte has arrived for this long (default 60 s).
        pub fn stall_timeout(mut self, stall: ::std::time::Duration) -> Self {
            self.options.download.stall = Some(stall);
            self
        }

        /// Give a download attempt up after this long, however it is going (default: none);
        /// the next attempt resumes from the bytes it got.
        pub fn attempt_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.options.download.attempt = Some(timeout);
            self
        }
    };
}

// After the setters' macro, which it uses.
mod existing;

/// A finished run directory.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RunDir {
    path: PathBuf,
    run_type: RunType,
    run_id: String,
    state: JobState,
}

impl RunDir {
    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What kind of run it holds.
    pub fn run_type(&self) -> RunType {
        self.run_type
    }

    /// The run's ID.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// How it ended: [`JobState::Succeeded`] or [`JobState::Stopped`] (a failed run is an
    /// [`Error::JobFailed`]).
    pub fn state(&self) -> &JobState {
        &self.state
    }

    /// The unpacked output archive of a structure-and-binding prediction.
    pub fn outputs(&self) -> Option<PathBuf> {
        self.run_type.has_output_archive().then(|| self.path.join("outputs").join("files"))
    }

    /// `results/index.jsonl` of a pipeline run: one line per result.
    pub fn results_index(&self) -> Option<PathBuf> {
        self.run_type.is_pipeline().then(|| self.path.join("results").join("index.jsonl"))
    }
}

/// A run about to start or resume in a directory, made by [`Client::run`]; `.await` it.
#[must_use = "a run does nothing until it is awaited"]
#[derive(Debug)]
pub struct Run<'a, R> {
    client: &'a Client,
    request: R,
    root: PathBuf,
    name: Option<String>,
    dir: Option<PathBuf>,
    options: RunOptions,
}

impl<'a, R: Runnable> Run<'a, R> {
    pub(crate) fn new(client: &'a Client, request: R) -> Self {
        Self {
            client,
            request,
            root: DEFAULT_ROOT.into(),
            name: None,
            dir: None,
            options: RunOptions::default(),
        }
    }

    /// The directory's name under the root: running the same request under the same name again
    /// resumes it; another request under it is refused. Without one, a new name is made.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Where named directories go (default `boltz-experiments`, relative to the working
    /// directory).
    pub fn root(mut self, root: impl Into<PathBuf>) -> Self {
        self.root = root.into();
        self
    }

    /// The run directory itself, instead of a root and a name.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    run_option_setters!();

    async fn run(self) -> Result<RunDir, Error> {
        let dir = match (self.dir, self.name) {
            (Some(dir), _) => dir,
            (None, Some(name)) => self.root.join(valid_name(&name)?),
            (None, None) => {
                self.root.join(format!("run-{}", fingerprint::hex(&fastrand::u64(..).to_be_bytes())))
            }
        };
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let body = serde_json::to_value(&self.request).map_err(crate::error::BuildError::Serialize)?;
        let text = |key: &str| body.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        let (workspace, caller_key) = (text("workspace_id"), text("idempotency_key"));
        let fingerprint = fingerprint::fingerprint(&body);
        let run_type = R::RUN_TYPE;
        let state = if ready(&dir).await? {
            let state = RunState::load(&dir).await?;
            check(&dir, &state, run_type, &fingerprint, workspace.as_deref(), self.options.download_mode)?;
            state
        } else {
            let mode = self.options.download_mode.unwrap_or_default();
            // Only pipelines may keep metadata alone.
            check_mode(&dir, run_type, mode, mode)?;
            // The key is on disk before the start is sent.
            let key = caller_key
                .unwrap_or_else(|| format!("exp_{}", fingerprint::hex(&fastrand::u128(..).to_be_bytes())));
            let mut state = RunState::new(name, run_type, mode, fingerprint, key);
            state.remote.workspace_id = workspace;
            state.save(&dir).await?;
            state
        };
        let deadline = Deadline::new(self.options.deadline);
        let mut engine = Engine::new(self.client.clone(), dir, state, &self.options)?;
        deadline
            .within(async move {
                engine.start(body).await?;
                engine.finish().await
            })
            .await
    }
}

impl<'a, R: Runnable + Send + 'a> IntoFuture for Run<'a, R> {
    type Output = Result<RunDir, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// Finishing a run directory someone started (this crate or the official SDK), made by
/// [`Client::finish_run`]; `.await` it.
#[must_use = "finishing does nothing until it is awaited"]
#[derive(Debug)]
pub struct FinishRun<'a> {
    client: &'a Client,
    dir: PathBuf,
    options: RunOptions,
}

impl<'a> FinishRun<'a> {
    pub(crate) fn new(client: &'a Client, dir: &Path) -> Self {
        Self { client, dir: dir.to_owned(), options: RunOptions::default() }
    }

    run_option_setters!();

    async fn run(self) -> Result<RunDir, Error> {
        let dir = self.dir;
        match tokio::fs::metadata(&dir).await {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(RunError::NotADirectory(dir).into()),
            Err(_) => return Err(RunError::Missing(dir).into()),
        }
        let state = RunState::load(&dir).await?;
        let run_type =
            state.run_type().map_err(|reason| RunError::Invalid { path: dir.join(state::FILE), reason })?;
        let stored = state
            .download_mode()
            .map_err(|reason| RunError::Invalid { path: dir.join(state::FILE), reason })?;
        check_mode(&dir, run_type, stored, self.options.download_mode.unwrap_or(stored))?;
        let deadline = Deadline::new(self.options.deadline);
        let engine = Engine::new(self.client.clone(), dir, state, &self.options)?;
        // A directory written before the mode was recorded gets it now, as the SDK does.
        engine.save().await?;
        deadline.within(engine.finish()).await
    }
}

impl<'a> IntoFuture for FinishRun<'a> {
    type Output = Result<RunDir, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// The SDK's rule: one directory name, not `.` or `..`, surrounding whitespace dropped.
fn valid_name(name: &str) -> Result<&str, Error> {
    let stripped = name.trim();
    let reason = if stripped.is_empty() {
        "it is empty"
    } else if stripped == "." || stripped == ".." {
        "it is a dot segment"
    } else if stripped.contains(['/', '\\', '\0']) {
        "it must be a single directory name, not a path"
    } else {
        return Ok(stripped);
    };
    Err(RunError::Name { name: name.to_owned(), reason }.into())
}

/// Make the directory ready: whether it already holds a run. A directory holding anything else
/// is refused, so that no one's files are mixed with a run's.
async fn ready(dir: &Path) -> Result<bool, Error> {
    let file_error = |source| Error::File { path: dir.to_owned(), source };
    match tokio::fs::metadata(dir).await {
        Ok(meta) if !meta.is_dir() => Err(RunError::NotADirectory(dir.to_owned()).into()),
        Ok(_) => {
            if tokio::fs::try_exists(dir.join(state::FILE)).await.map_err(file_error)? {
                return Ok(true);
            }
            let mut entries = tokio::fs::read_dir(dir).await.map_err(file_error)?;
            while let Some(entry) = entries.next_entry().await.map_err(file_error)? {
                // A first state written but not yet renamed into place, when the process was
                // killed: no start was sent before it would have been, so nothing is lost
                // by starting over.
                if entry.file_name() == state::TMP_FILE {
                    let path = entry.path();
                    tokio::fs::remove_file(&path).await.map_err(|source| Error::File { path, source })?;
                    continue;
                }
                return Err(RunError::NotARun(dir.to_owned()).into());
            }
            Ok(false)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tokio::fs::create_dir_all(dir).await.map_err(file_error)?;
            Ok(false)
        }
        Err(source) => Err(Error::File { path: dir.to_owned(), source }),
    }
}

/// A directory that already holds a run takes the same request only.
fn check(
    dir: &Path,
    state: &RunState,
    run_type: RunType,
    fingerprint: &str,
    workspace: Option<&str>,
    mode: Option<DownloadMode>,
) -> Result<(), Error> {
    if state.run_type != run_type.as_str() {
        return Err(RunError::OtherRunType {
            path: dir.to_owned(),
            stored: state.run_type.clone(),
            requested: run_type.as_str(),
        }
        .into());
    }
    if state.request_fingerprint != fingerprint {
        return Err(RunError::OtherRequest(dir.to_owned()).into());
    }
    if let (Some(requested), Some(stored)) = (workspace, &state.remote.workspace_id) {
        if requested != stored {
            return Err(RunError::OtherWorkspace {
                path: dir.to_owned(),
                stored: stored.clone(),
                requested: requested.to_owned(),
            }
            .into());
        }
    }
    let stored =
        state.download_mode().map_err(|reason| RunError::Invalid { path: dir.join(state::FILE), reason })?;
    check_mode(dir, run_type, stored, mode.unwrap_or(stored))
}

/// Predictions keep everything; a pipeline keeps the mode it started with.
fn check_mode(
    dir: &Path,
    run_type: RunType,
    stored: DownloadMode,
    requested: DownloadMode,
) -> Result<(), Error> {
    let stored = if run_type.is_pipeline() { stored } else { DownloadMode::Everything };
    if stored == requested {
        return Ok(());
    }
    Err(RunError::DownloadMode {
        path: dir.to_owned(),
        stored: stored.as_str(),
        requested: requested.as_str(),
    }
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_directory() {
        assert_eq!(valid_name("  spaced  ").unwrap(), "spaced");
        for bad in ["", "  ", ".", "..", "a/b", "a/"] {
            let err = valid_name(bad).unwrap_err();
            assert!(
                matches!(&err, Error::Run(e) if matches!(**e, RunError::Name { .. })),
                "{bad:?}: {err:?}"
            );
        }
    }
}
