//! The compute plane: predictions, pipelines and share links (61 operations), jobs that move on
//! a controllable clock, and a second origin serving their files.
//!
//! The parts, each in its own file:
//! * `store.rs`: job and share-link records, the idempotency index;
//! * `engine.rs`: how a job's state follows from its timeline and the clock (`clock.rs`);
//! * `routes.rs`: the 61 operations' handlers (the router itself is `crate::router`);
//! * `shapes.rs`: the JSON they answer with;
//! * `files.rs`: presigned links and the file origin;
//! * `family.rs`: what differs between the eight kinds of job.

pub(crate) mod clock;
pub(crate) mod engine;
pub(crate) mod family;
pub(crate) mod files;
pub(crate) mod routes;
pub(crate) mod shapes;
pub(crate) mod store;

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;

use crate::error::ApiError;
use clock::{Clock, ClockMode};
use files::Links;
use store::JobStore;

/// A job, as the emulator's control surface reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobInfo {
    /// The job ID.
    pub id: String,
    /// The SDK resource that started it, e.g. `protein.design`.
    pub resource: String,
    /// The workspace it runs in.
    pub workspace_id: String,
    /// Its status now: `pending`, `running`, `succeeded`, `failed` or `stopped`.
    pub status: String,
    /// Results produced so far (a prediction has one, once it has succeeded).
    pub results: u64,
    /// Results it makes in all.
    pub total: u64,
}

/// A request the file origin received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRequest {
    /// `GET` or `HEAD` (or whatever was sent).
    pub method: String,
    /// The path, without the query (which holds the link's signature).
    pub path: String,
    /// The `Range` header, if sent.
    pub range: Option<String>,
    /// Whether an `x-api-key` header was sent. The origin ignores it; a client should never send
    /// its key to another origin.
    pub api_key_sent: bool,
    /// The status answered, or `None` when an injected fault dropped the connection.
    pub status: Option<u16>,
}

/// Durations that apply to jobs started from now on, and to links made from now on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Config {
    /// How long a job stays `pending`.
    pub(crate) pending_ms: i64,
    /// How long a job runs (running time, not counting stops).
    pub(crate) job_ms: i64,
    /// How long a presigned link works.
    pub(crate) link_ttl_ms: i64,
    /// How long the file origin waits before answering, as object storage's latency.
    pub(crate) file_latency_ms: i64,
    /// Archives made to test a client's extraction: with an entry that leaves the directory, or
    /// a link.
    pub(crate) hostile_archives: Option<HostileArchive>,
}

/// What a hostile archive holds besides the usual files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostileArchive {
    /// An entry named `../escaped.txt`.
    Escape,
    /// A symbolic link `files/link` pointing at `/etc/passwd`.
    Symlink,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            pending_ms: 500,
            job_ms: 3_000,
            link_ttl_ms: 15 * 60 * 1_000,
            file_latency_ms: 0,
            hostile_archives: None,
        }
    }
}

/// Everything behind the compute plane's lock.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) clock: Clock,
    pub(crate) config: Config,
    pub(crate) jobs: JobStore,
}

/// File-origin requests kept; older ones are dropped first.
const FILE_LOG_CAPACITY: usize = 10_000;

/// The compute plane's shared state.
#[derive(Debug)]
pub(crate) struct Compute {
    state: Mutex<State>,
    link_key: [u8; 32],
    files_origin: String,
    file_log: Mutex<VecDeque<FileRequest>>,
    /// Every file request, whatever the log kept.
    files_served: std::sync::atomic::AtomicU64,
}

impl Compute {
    pub(crate) fn new(files_origin: String, mode: ClockMode, config: Config) -> Self {
        let mut link_key = [0u8; 32];
        getrandom::fill(&mut link_key).expect("the OS random generator is available");
        Self {
            state: Mutex::new(State { clock: Clock::new(mode), config, jobs: JobStore::default() }),
            link_key,
            files_origin,
            file_log: Mutex::default(),
            files_served: std::sync::atomic::AtomicU64::new(0),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("compute lock")
    }

    pub(crate) fn link_key(&self) -> &[u8; 32] {
        &self.link_key
    }

    /// What presigned links are made with, at the state's current time.
    pub(crate) fn links(&self, state: &State) -> Links<'_> {
        Links {
            origin: &self.files_origin,
            key: &self.link_key,
            ttl_ms: state.config.link_ttl_ms,
            now: state.clock.now(),
        }
    }

    pub(crate) fn record_file(&self, request: FileRequest) {
        self.files_served.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut log = self.file_log.lock().expect("file log");
        if log.len() == FILE_LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(request);
    }

    /// How many file requests were received.
    pub(crate) fn files_served(&self) -> u64 {
        self.files_served.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn file_requests(&self) -> Vec<FileRequest> {
        self.file_log.lock().expect("file log").iter().cloned().collect()
    }

    /// Every job, oldest first.
    pub(crate) fn jobs(&self) -> Vec<JobInfo> {
        let state = self.lock();
        let now = state.clock.now();
        state
            .jobs
            .jobs()
            .map(|job| {
                let status = job.timeline.at(now).status;
                let results = if job.family.is_prediction() {
                    u64::from(status == engine::Status::Succeeded)
                } else {
                    job.timeline.produced(now, job.total)
                };
                JobInfo {
                    id: job.id.clone(),
                    resource: job.family.resource().to_owned(),
                    workspace_id: job.workspace_id.clone(),
                    status: status.as_str().to_owned(),
                    results,
                    total: job.total,
                }
            })
            .collect()
    }

    /// Make a job fail now with `error {code, message}`.
    pub(crate) fn fail_job(&self, id: &str, code: &str, message: &str) -> Result<(), ApiError> {
        let mut state = self.lock();
        let now = state.clock.now();
        let job = state.jobs.get_mut(id).ok_or_else(|| ApiError::not_found(format!("no job `{id}`")))?;
        job.timeline.fail(now, code.to_owned(), message.to_owned())
    }

    /// Make a job succeed now.
    pub(crate) fn finish_job(&self, id: &str) -> Result<(), ApiError> {
        let mut state = self.lock();
        let now = state.clock.now();
        let job = state.jobs.get_mut(id).ok_or_else(|| ApiError::not_found(format!("no job `{id}`")))?;
        job.timeline.finish(now)
    }

    pub(crate) fn advance(&self, ms: i64) {
        self.lock().clock.advance(ms);
    }

    pub(crate) fn set_clock_mode(&self, mode: ClockMode) {
        self.lock().clock.set_mode(mode);
    }

    /// The settings now.
    pub(crate) fn config(&self) -> Config {
        self.lock().config
    }

    pub(crate) fn update_config(&self, update: impl FnOnce(&mut Config)) -> Config {
        let mut state = self.lock();
        update(&mut state.config);
        state.config
    }
}
