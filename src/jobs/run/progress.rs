//! What a run directory's engine reports as it goes, with the official CLI's event names and
//! fields, for a program to follow, or written as JSON lines in the CLI's `--progress-format
//! jsonl` format.
//!
//! ```no_run
//! use boltz_api::jobs::run::{RunEvent, jsonl_progress};
//!
//! # async fn run(client: boltz_api::Client) -> Result<(), boltz_api::Error> {
//! // Every event as the CLI writes it, to stderr.
//! client.finish_run("boltz-experiments/screen").on_progress(jsonl_progress(std::io::stderr())).await?;
//! // Or picked apart.
//! client
//!     .finish_run("boltz-experiments/screen")
//!     .on_progress(|progress| {
//!         if let RunEvent::ArchiveExtract { result_id, .. } = &progress.event {
//!             println!("{result_id:?} unpacked; {} still pending", progress.status.pending_count);
//!         }
//!     })
//!     .await?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{SecondsFormat, Utc};
use serde_json::{Map, Value};

use super::status::RunStatus;

/// One thing that happened, by the CLI's event names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunEvent {
    /// Waiting before the next poll: the run has not ended and nothing was collected.
    Waiting,
    /// The run's status changed.
    Status,
    /// The run is still running (at most once every 30 s).
    Running,
    /// A page of results was listed.
    PageDiscovered {
        /// How many results it holds.
        results: usize,
    },
    /// An archive is being downloaded.
    ArchiveDownload {
        /// The result it belongs to; `None` for a prediction's output.
        result_id: Option<String>,
        /// Where it goes.
        archive_path: PathBuf,
    },
    /// An archive is being unpacked.
    ArchiveExtract {
        /// The result it belongs to; `None` for a prediction's output.
        result_id: Option<String>,
        /// Where its files go.
        extracted_dir: PathBuf,
    },
    /// The run failed.
    Failed,
    /// Everything is on disk.
    Ready,
}

impl RunEvent {
    /// The CLI's name of the event.
    pub fn name(&self) -> &'static str {
        match self {
            RunEvent::Waiting => "waiting",
            RunEvent::Status => "status",
            RunEvent::Running => "running",
            RunEvent::PageDiscovered { .. } => "page_discovered",
            RunEvent::ArchiveDownload { .. } => "archive_download",
            RunEvent::ArchiveExtract { .. } => "archive_extract",
            RunEvent::Failed => "failed",
            RunEvent::Ready => "ready",
        }
    }
}

/// An event, a message for people, and where the directory stood when it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunProgress {
    /// What happened.
    pub event: RunEvent,
    /// A sentence about it.
    pub message: String,
    /// The directory's status at that moment (for events of downloads running side by side, as
    /// of the start of their page).
    pub status: RunStatus,
}

impl RunProgress {
    /// The event as one line of the CLI's JSON-lines progress: `ts` (RFC 3339 with
    /// nanoseconds), `event`, `message`, every field of [`RunStatus`], and the event's details.
    pub fn to_json_line(&self) -> String {
        let mut line = Map::new();
        line.insert("ts".into(), Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, true).into());
        line.insert("event".into(), self.event.name().into());
        line.insert("message".into(), self.message.clone().into());
        if let Ok(Value::Object(status)) = serde_json::to_value(&self.status) {
            line.extend(status);
        }
        let path = |p: &PathBuf| Value::String(p.display().to_string());
        match &self.event {
            RunEvent::ArchiveDownload { result_id, archive_path } => {
                line.insert("result_id".into(), result_id.clone().into());
                line.insert("archive_path".into(), path(archive_path));
            }
            RunEvent::ArchiveExtract { result_id, extracted_dir } => {
                line.insert("result_id".into(), result_id.clone().into());
                line.insert("extracted_dir".into(), path(extracted_dir));
            }
            RunEvent::PageDiscovered { results } => {
                line.insert("page_results".into(), (*results).into());
            }
            _ => {}
        }
        Value::Object(line).to_string()
    }
}

/// A callback that writes each event to `out` as a line of the CLI's JSON-lines progress;
/// writing errors are ignored, as a progress display's are.
pub fn jsonl_progress<W: Write + Send + 'static>(out: W) -> impl Fn(&RunProgress) + Send + Sync + 'static {
    let out = Mutex::new(out);
    move |progress| {
        let line = progress.to_json_line();
        if let Ok(mut out) = out.lock() {
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }
}

/// The callback a run reports to.
#[derive(Clone)]
pub(crate) struct Progress(Arc<dyn Fn(&RunProgress) + Send + Sync>);

impl Progress {
    pub(crate) fn new(report: impl Fn(&RunProgress) + Send + Sync + 'static) -> Self {
        Self(Arc::new(report))
    }

    pub(crate) fn report(&self, event: RunEvent, message: String, status: RunStatus) {
        (self.0)(&RunProgress { event, message, status });
    }
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Progress(..)")
    }
}
