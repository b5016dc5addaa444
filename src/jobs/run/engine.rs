//! Driving a run directory: the start (once, with the stored idempotency key), then poll after
//! poll the run's state written to `run.json` and `.boltz-run.json`, a prediction's archive
//! downloaded and unpacked, and a pipeline's results collected (`results.rs`), in the official
//! SDK's format, so that either client can pick up where the other stopped.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use http::Method;
use serde_json::{Map, Value};

use boltz_api_layers::retry::backoff::server_delay;

use super::archive;
use super::calls::{Calls, Fresh, presigned};
use super::error::RunError;
use super::progress::{Progress, RunEvent};
use super::pyjson;
use super::state::{Pending, RunState, write_atomic};
use super::status::RunStatus;
use super::types::{Call, DownloadMode, RunType};
use super::{DownloadOptions, RunDir, RunOptions};
use crate::client::Client;
use crate::endpoint::Idempotency;
use crate::error::{Error, JobFailure};
use crate::jobs::JobState;
use crate::jobs::pacing::Backoff;

pub(crate) struct Engine {
    client: Client,
    pub(super) dir: PathBuf,
    pub(super) state: RunState,
    pub(super) run_type: RunType,
    pub(super) mode: DownloadMode,
    backoff: Backoff,
    download: DownloadOptions,
    /// Result archives downloaded at once.
    pub(super) workers: usize,
    pub(super) progress: Option<Progress>,
    /// When `running` was last reported.
    running_reported: Option<Instant>,
}

/// `running` is reported at most this often, as the CLI does.
const RUNNING_EVERY: Duration = Duration::from_secs(30);

fn state_name(state: &JobState) -> &str {
    match state {
        JobState::Pending => "pending",
        JobState::Running => "running",
        JobState::Unknown(other) => other,
        _ => "ending",
    }
}

impl Engine {
    pub(crate) fn new(
        client: Client,
        dir: PathBuf,
        state: RunState,
        options: &RunOptions,
    ) -> Result<Self, Error> {
        let run_type = state.run_type().map_err(|reason| invalid(&dir, reason))?;
        let mode = state.download_mode().map_err(|reason| invalid(&dir, reason))?;
        Ok(Self {
            client,
            dir,
            state,
            run_type,
            mode,
            backoff: Backoff::new(options.first_poll, options.max_poll),
            download: options.download,
            workers: options.workers,
            progress: options.progress.clone(),
            running_reported: None,
        })
    }

    pub(crate) async fn save(&self) -> Result<(), Error> {
        self.state.save(&self.dir).await
    }

    /// The calls of this run, for its workspace.
    pub(super) fn calls(&self) -> Calls {
        Calls::new(self.client.clone(), self.run_type, self.state.remote.workspace_id.clone(), self.download)
    }

    /// Post the start request, unless an earlier attempt got its answer. The key saved with the
    /// directory goes with it, so a start whose answer was lost is recognised by the server.
    pub(crate) async fn start(&mut self, mut body: Value) -> Result<(), Error> {
        if let Some(id) = &self.state.remote.run_id {
            tracing::info!(run_id = %id, dir = %self.dir.display(), "reusing the run this directory started");
            return Ok(());
        }
        let map = body.as_object_mut().expect("a start request is a JSON object");
        map.insert("idempotency_key".to_owned(), self.state.idempotency_key.clone().into());
        match &self.state.remote.workspace_id {
            Some(workspace) => map.insert("workspace_id".to_owned(), workspace.clone().into()),
            None => map.remove("workspace_id"),
        };
        let (name, template) = self.run_type.operation(Call::Start);
        let job: Value = self
            .client
            .request(Method::POST, self.run_type.path())
            .operation(name, template)
            .json(&body)
            .idempotency(Idempotency::Idempotent)
            .send()
            .await?;
        self.record(&job).await
    }

    /// Poll until the run ends, collecting what it made; a failed run is an error after its
    /// results so far are collected, a stopped one is not.
    pub(crate) async fn finish(mut self) -> Result<RunDir, Error> {
        let id = self.state.remote.run_id.clone().ok_or_else(|| RunError::NotStarted(self.dir.clone()))?;
        if RunType::of_id(&id).is_some_and(|kind| kind != self.run_type) {
            return Err(RunError::OtherKind { run_id: id, expected: self.run_type.as_str() }.into());
        }
        loop {
            let response = self.calls().retrieve(&id).await?;
            let hint = server_delay(&response.headers, SystemTime::now());
            let job = response.value;
            let before = JobState::from_status(self.state.remote.status.as_deref().unwrap_or_default());
            self.record(&job).await?;
            // Deleted data is not listed or downloaded: what the directory holds is all there is.
            let deleted_at = job.get("data_deleted_at").filter(|at| !at.is_null()).map(|at| match at {
                Value::String(at) => at.clone(),
                other => other.to_string(),
            });
            let progressed =
                self.run_type.is_pipeline() && deleted_at.is_none() && self.collect_results(&id).await?;
            let state = JobState::from_status(self.state.remote.status.as_deref().unwrap_or_default());
            match state {
                JobState::Failed => {
                    let error = failure(&id, &job);
                    self.report(RunEvent::Failed, || format!("run {id} failed: {error}"));
                    return Err(error);
                }
                JobState::Succeeded | JobState::Stopped
                    if deleted_at.is_some() && !self.complete(&before) =>
                {
                    return Err(RunError::DataDeleted { run_id: id, at: deleted_at }.into());
                }
                JobState::Succeeded | JobState::Stopped => {
                    if state == JobState::Succeeded
                        && self.run_type.has_output_archive()
                        && deleted_at.is_none()
                    {
                        self.materialize_prediction(&id, &job).await?;
                    }
                    self.report(RunEvent::Ready, || format!("run {id} is ready in {}", self.dir.display()));
                    return Ok(RunDir { path: self.dir, run_type: self.run_type, run_id: id, state });
                }
                _ => {
                    let now = Instant::now();
                    if self.running_reported.is_none_or(|at| now - at >= RUNNING_EVERY) {
                        self.running_reported = Some(now);
                        self.report(RunEvent::Running, || format!("run {id} is {}", state_name(&state)));
                    }
                    if !progressed {
                        let wait = self.backoff.next(hint);
                        self.report(RunEvent::Waiting, || format!("waiting {wait:?} for run {id}"));
                        tokio::time::sleep(wait).await;
                    }
                }
            }
        }
    }

    /// Stop the pipeline, unless it has ended, and record what the server says of it.
    pub(crate) async fn stop(mut self) -> Result<RunDir, Error> {
        if !self.run_type.is_pipeline() {
            return Err(RunError::NotAPipeline { path: self.dir, run_type: self.run_type.as_str() }.into());
        }
        let id = self.state.remote.run_id.clone().ok_or_else(|| RunError::NotStarted(self.dir.clone()))?;
        let mut state = JobState::from_status(self.state.remote.status.as_deref().unwrap_or_default());
        if !state.is_terminal() {
            let job = self.calls().stop(&id).await?;
            self.record(&job).await?;
            state = JobState::from_status(self.state.remote.status.as_deref().unwrap_or_default());
        }
        Ok(RunDir { path: self.dir, run_type: self.run_type, run_id: id, state })
    }

    /// Whether the directory holds all the run made: nothing pending, and the prediction's files
    /// unpacked, or a pipeline's results collected by an earlier run that saw it end (`before`).
    fn complete(&self, before: &JobState) -> bool {
        self.state.pending.is_none()
            && match self.run_type {
                RunType::Adme => true,
                kind if kind.has_output_archive() => self.dir.join("outputs").join("files").is_dir(),
                _ => before.is_terminal(),
            }
    }

    /// Keep what the server said: `remote` in the state, the run without its links in `run.json`.
    async fn record(&mut self, job: &Value) -> Result<(), Error> {
        let remote = &mut self.state.remote;
        let text = |key: &str| job.get(key).and_then(Value::as_str).map(str::to_owned);
        remote.run_id = text("id").or(remote.run_id.take());
        if let Some(workspace) = text("workspace_id") {
            remote.workspace_id = Some(workspace);
        }
        let changed = remote.status != text("status");
        remote.status = text("status");
        remote.started_at = job.get("started_at").and_then(isoformat);
        remote.completed_at = job.get("completed_at").and_then(isoformat);
        let pipeline = self.run_type.is_pipeline();
        remote.stopped_at = job.get("stopped_at").filter(|_| pipeline).and_then(isoformat);
        remote.latest_result_id = job
            .pointer("/progress/latest_result_id")
            .filter(|_| pipeline)
            .and_then(Value::as_str)
            .map(str::to_owned);
        remote.error_code = job.pointer("/error/code").and_then(Value::as_str).map(str::to_owned);
        if let Some(status) = &remote.status {
            tracing::debug!(run_id = ?remote.run_id, status = %status, "run polled");
        }
        write_atomic(
            &self.dir.join("run.json"),
            pyjson::to_string(&without_links(job.clone()), pyjson::PRETTY),
        )
        .await?;
        self.save().await?;
        if changed {
            let status = self.state.remote.status.clone().unwrap_or_default();
            self.report(RunEvent::Status, || format!("run status: {status}"));
        }
        Ok(())
    }

    /// Tell the progress callback, if there is one; the message is made only then.
    pub(super) fn report(&self, event: RunEvent, message: impl FnOnce() -> String) {
        if let Some(progress) = &self.progress {
            progress.report(event, message(), RunStatus::of(&self.dir, &self.state));
        }
    }

    async fn materialize_prediction(&mut self, id: &str, job: &Value) -> Result<(), Error> {
        let file =
            presigned(job.pointer("/output/archive")).ok_or_else(|| RunError::NoArchive(id.to_owned()))?;
        let (archive, files) = archive::locations(&self.dir.join("outputs"), archive::suffix(&file.url)?);
        if !archive::is_materialized(&archive, &files) {
            self.state.pending = Some(Pending::PredictionArchive);
            self.save().await?;
            if !archive.is_file() {
                let event = RunEvent::ArchiveDownload { result_id: None, archive_path: archive.clone() };
                self.report(event, || format!("downloading the archive of {id}"));
                self.calls().fetch(&file, &archive, Fresh::Output { id: id.to_owned() }).await?;
            }
            let event = RunEvent::ArchiveExtract { result_id: None, extracted_dir: files.clone() };
            self.report(event, || format!("unpacking the archive of {id}"));
            archive::unpack(archive, files.clone()).await?;
        }
        // Also when a run killed after the unpack left the pending mark behind.
        if self.state.pending.is_some() {
            self.state.pending = None;
            self.save().await?;
        }
        archive::rename_structure(files, id.to_owned()).await
    }
}

fn failure(id: &str, job: &Value) -> Error {
    let text = |pointer: &str| job.pointer(pointer).and_then(Value::as_str);
    let (code, message) = (
        text("/error/code").unwrap_or("unknown"),
        text("/error/message").unwrap_or("the run failed without an error"),
    );
    Error::JobFailed(Box::new(JobFailure::new(id, code, message)))
}

fn invalid(dir: &Path, reason: String) -> Error {
    RunError::Invalid { path: dir.join(super::state::FILE), reason }.into()
}

/// Python's `datetime.isoformat()` of a timestamp: `+00:00` rather than `Z`, microseconds only
/// when there are some. A value that does not parse is kept as it is.
fn isoformat(value: &Value) -> Option<String> {
    let text = value.as_str()?;
    let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) else { return Some(text.to_owned()) };
    let micros = time.timestamp_subsec_micros();
    let fraction = if micros == 0 { String::new() } else { format!(".{micros:06}") };
    Some(format!("{}{fraction}{}", time.format("%Y-%m-%dT%H:%M:%S"), time.format("%:z")))
}

/// The run as `run.json` keeps it: every `url` and `url_expires_at` removed at any depth (they
/// expire, and they are bearer credentials), then every key left holding `{}`.
fn without_links(value: Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(without_links).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| k != "url" && k != "url_expires_at")
                .map(|(k, v)| (k, without_links(v)))
                .filter(|(_, v)| !matches!(v, Value::Object(m) if m.is_empty()))
                .collect::<Map<_, _>>(),
        ),
        other => other,
    }
}

/// `"paths"` as the last key of an index line.
pub(super) fn append_paths(line: &mut String, paths: &[(&str, String)]) {
    if paths.is_empty() || !line.ends_with('}') {
        return;
    }
    let fields: Vec<String> = paths
        .iter()
        .map(|(k, v)| {
            let pair = Value::Object(Map::from_iter([((*k).to_owned(), Value::String(v.clone()))]));
            let text = pyjson::to_string(&pair, pyjson::LINE);
            text[1..text.len() - 1].to_owned()
        })
        .collect();
    line.pop();
    if !line.ends_with('{') {
        line.push(',');
    }
    line.push_str(&format!("\"paths\":{{{}}}}}", fields.join(",")));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn links_and_emptied_objects_leave_run_json() {
        let run = json!({"id": "p", "details": {}, "output": {"archive": {"url": "u", "url_expires_at": "t"},
            "samples": [{"url": "u"}, {}], "kept": []}});
        assert_eq!(without_links(run), json!({"id": "p", "output": {"samples": [{}, {}], "kept": []}}));
    }

    #[test]
    fn timestamps_follow_python_isoformat() {
        for (input, output) in [
            ("2025-01-02T03:04:05Z", "2025-01-02T03:04:05+00:00"),
            ("2025-01-02T03:10:00.123456Z", "2025-01-02T03:10:00.123456+00:00"),
            ("2025-01-02T03:04:05.5+02:00", "2025-01-02T03:04:05.500000+02:00"),
            ("not a time", "not a time"),
        ] {
            assert_eq!(isoformat(&json!(input)).as_deref(), Some(output));
        }
        assert_eq!(isoformat(&Value::Null), None);
    }

    #[test]
    fn paths_go_last_on_an_index_line() {
        let mut line = r#"{"id":"r1","score":1.0}"#.to_owned();
        append_paths(
            &mut line,
            &[("archive", "results/r1/archive.tar.gz".into()), ("files", "results/r1/files".into())],
        );
        assert_eq!(
            line,
            r#"{"id":"r1","score":1.0,"paths":{"archive":"results/r1/archive.tar.gz","files":"results/r1/files"}}"#
        );
    }
}
