//! An in-memory emulator of the Boltz API (admin plane and compute plane), for tests and local
//! development.
//!
//! It listens on two origins on 127.0.0.1:
//!
//! * **the API** ([`Emulator::base_url`]): all 74 operations of the official SDK 0.50.0, routed
//!   with `matchit`.
//!   * Admin plane (13): API keys (create, list with cursor pagination, revoke), workspaces,
//!     spending limits, usage, `auth/me` and `cli/version`. Keys are enforced the way the service
//!     does (revoked, expired, wrong type, `allowed_ips` checked against the TCP peer).
//!   * Compute plane (61): `predictions.adme`, `predictions.structure_and_binding`,
//!     `protein.design`, `protein.library_screen`, `protein.sequence_redesign`,
//!     `small_molecule.design`, `small_molecule.library_screen`, `small_molecule.explore` and
//!     `share_links`, answering in the shapes of the SDK's schema (`spec/compute.schema.json`).
//!     Workspace keys and admin keys may both call it; a workspace key acts in its workspace, an
//!     admin key in the `workspace_id` it names (the default workspace otherwise).
//! * **the file origin** ([`Emulator::files_url`]), a second listener: the files that
//!   presigned `{url, url_expires_at}` links in outputs, results and echoed inputs point to.
//!   Links really expire (a signed token with an expiry; an expired or altered link answers 403
//!   like S3), `Range` (206, 416) and `HEAD` work, and the origin neither needs nor looks at an
//!   API key: it records whether one was sent ([`Emulator::file_requests`]) so tests can assert
//!   a client never sends it. Archives are small deterministic `.tar.gz` files holding
//!   `predicted_structure.cif` and `result/metrics.json`.
//!
//! # Jobs and the clock
//!
//! A job is `pending` for a while (default 500 ms), then `running` for its duration (default
//! 3 s), then `succeeded`, measured on the emulator's clock. The clock follows real time by
//! default, so jobs finish on their own; [`EmulatorBuilder::manual_clock`] (or
//! [`Emulator::use_manual_clock`]) makes it stand still until [`Emulator::advance`] moves it, for
//! tests that step jobs exactly. Link expiry uses the same clock.
//!
//! A pipeline asked for N items (proteins, molecules, budget) makes result k once k/N of its
//! running time has passed, so results appear while it runs; `list_results` pages them
//! (`after_id`, `before_id`, `limit`, `ids`) in the CursorPage envelope, and `progress` counts
//! them. `stop` freezes a pipeline (`stopped`), `resume` continues it (`running` at once).
//! [`Emulator::fail_job`] makes a job fail with `error {code, message}`; [`Emulator::finish_job`]
//! makes it succeed now. `delete_data` sets `data_deleted_at`, makes `input` and `output` null and
//! removes its files. `estimate_cost` depends on the request only.
//!
//! # Idempotency
//!
//! A `start` with an `idempotency_key` already used in the same workspace for the same kind of job
//! returns that job when the body is the same, and fails with **409 Conflict** when it differs.
//! UNCONFIRMED: the SDK documents neither the key's scope nor the status for a reused key; both
//! are guesses (see `compute/store.rs` and `error.rs`).
//!
//! # Faults
//!
//! Queued [`Fault`]s (by method and path pattern) apply to the admin routes, the compute routes
//! and the file origin alike: `Fault::new("GET", "/files/*/results/*/archive.tar.gz", …)` hits
//! result archive downloads.
//!
//! # Control endpoints
//!
//! Under `/__emulator/` on the API origin, without a key: `faults`, `clock` (`GET`, `PUT
//! {"mode":"manual"|"real_time"}`), `clock/advance` (`POST {"ms":N}`), `config` (`GET`, `PUT
//! {"pending_ms","job_ms","link_ttl_ms"}`), `jobs`, `jobs/{id}`, `jobs/{id}/fail` (`POST
//! {"code","message"}`), `jobs/{id}/finish` and `files/requests`.
//!
//! # Guesses
//!
//! Where the SDK is silent the emulator picks an answer and marks it `UNCONFIRMED` in the source:
//! the status of a reused idempotency key (409), of stopping or resuming a finished run (409), of
//! deleting the data of a job in progress (409), of an archived or expired share link (404); the
//! ID prefixes of sequence-redesign (`prot_red_`) and explore (`sm_exp_`) runs; that
//! `share_links.read` and `list_pipeline_results` need no key; the default `num_samples` (1);
//! list order (oldest first); 200 for every success (the SDKs accept any 2xx); the status right
//! after `resume` (`running`); 422 for a body that breaks the schema; the file a library-screen
//! list is echoed as (JSON Lines).
//!
//! ```
//! use std::time::Duration;
//! use boltz_api_emulator::Emulator;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let emulator = Emulator::builder().manual_clock().job_duration(Duration::from_secs(60)).start().await?;
//! assert!(emulator.base_url().starts_with("http://127.0.0.1:"));
//! assert_ne!(emulator.files_url(), emulator.base_url());
//! assert!(emulator.admin_key().starts_with("sk_bc_admin_live_"));
//! emulator.advance(Duration::from_secs(61)); // jobs started before this have finished
//! # Ok(()) }
//! ```

mod admin;
mod compute;
mod control;
mod error;
mod faults;
pub mod fixed;
mod pagination;
mod router;
mod server;
mod store;

pub use compute::{FileRequest, HostileArchive, JobInfo};
pub use faults::{Fault, FaultAction};
pub use server::ReceivedRequest;

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use compute::clock::ClockMode;
use compute::{Compute, Config};
use server::Shared;
use store::Store;

/// A running emulator. Dropping it stops accepting connections on both origins.
pub struct Emulator {
    addr: SocketAddr,
    base_url: String,
    files_addr: SocketAddr,
    files_url: String,
    admin_key: String,
    shared: Arc<Shared>,
    tasks: [JoinHandle<()>; 2],
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url)
            .field("files_url", &self.files_url)
            .finish_non_exhaustive()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX / 4).min(i64::MAX / 4)
}

impl Emulator {
    /// Start on 127.0.0.1 with free ports, a random bootstrap admin key and a real-time clock.
    pub async fn start() -> io::Result<Self> {
        Self::builder().start().await
    }

    /// Configure the addresses, the bootstrap key, the clock or job durations before starting.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder {
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            files_bind: None,
            admin_key: None,
            clock: ClockMode::RealTime,
            config: Config::default(),
        }
    }

    /// The URL to use as the client's base URL, e.g. `http://127.0.0.1:43127`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The API's listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The file origin presigned links point to, e.g. `http://127.0.0.1:43128`.
    pub fn files_url(&self) -> &str {
        &self.files_url
    }

    /// The file origin's listening address.
    pub fn files_addr(&self) -> SocketAddr {
        self.files_addr
    }

    /// The bootstrap admin key's secret.
    pub fn admin_key(&self) -> &str {
        &self.admin_key
    }

    /// Queue a fault for matching requests (on either origin).
    pub fn inject(&self, fault: Fault) {
        self.shared.faults.push(fault);
    }

    /// Drop every queued fault.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// How many API requests (control and file requests aside) have been received, faulted ones
    /// included.
    pub fn requests_received(&self) -> u64 {
        self.shared.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The API requests received so far (the most recent 100 000), oldest first.
    pub fn received(&self) -> Vec<ReceivedRequest> {
        self.shared.log.lock().expect("request log").iter().cloned().collect()
    }

    /// The file origin's requests so far (the most recent 10 000), oldest first.
    pub fn file_requests(&self) -> Vec<FileRequest> {
        self.shared.compute.file_requests()
    }

    /// Every API key id, the bootstrap key's included, in creation order.
    pub fn api_key_ids(&self) -> Vec<String> {
        self.shared.store.lock().expect("store lock").key_ids()
    }

    /// Every compute job, oldest first, as it is now.
    pub fn jobs(&self) -> Vec<JobInfo> {
        self.shared.compute.jobs()
    }

    /// One compute job, as it is now.
    pub fn job(&self, id: &str) -> Option<JobInfo> {
        self.jobs().into_iter().find(|job| job.id == id)
    }

    /// Move the clock forward (with either clock).
    pub fn advance(&self, by: Duration) {
        self.shared.compute.advance(millis(by));
    }

    /// Stop the clock: from now on it moves only with [`Emulator::advance`].
    pub fn use_manual_clock(&self) {
        self.shared.compute.set_clock_mode(ClockMode::Manual);
    }

    /// Let the clock follow real time again, from the time it shows now.
    pub fn use_real_time_clock(&self) {
        self.shared.compute.set_clock_mode(ClockMode::RealTime);
    }

    /// How long jobs started from now on run (running time, stops aside).
    pub fn set_job_duration(&self, duration: Duration) {
        self.shared.compute.update_config(|c| c.job_ms = millis(duration));
    }

    /// How long jobs started from now on stay `pending` first.
    pub fn set_pending_duration(&self, duration: Duration) {
        self.shared.compute.update_config(|c| c.pending_ms = millis(duration));
    }

    /// How long presigned links made from now on work.
    pub fn set_link_ttl(&self, ttl: Duration) {
        self.shared.compute.update_config(|c| c.link_ttl_ms = millis(ttl));
    }

    /// How long the file origin waits before each answer from now on, as object storage's
    /// latency.
    pub fn set_file_latency(&self, latency: Duration) {
        self.shared.compute.update_config(|c| c.file_latency_ms = millis(latency));
    }

    /// Serve every archive with a hostile entry from now on (`None`: the usual archives again),
    /// to test how a client unpacks what it downloads.
    pub fn serve_hostile_archives(&self, kind: Option<HostileArchive>) {
        self.shared.compute.update_config(|c| c.hostile_archives = kind);
    }

    /// Make a job that has not finished fail now with `error {code, message}`; false when there is
    /// no such job or it has finished.
    pub fn fail_job(&self, id: &str, code: &str, message: &str) -> bool {
        self.shared.compute.fail_job(id, code, message).is_ok()
    }

    /// Make a job that has not finished succeed now (a pipeline with all its results); false when
    /// there is no such job or it has finished.
    pub fn finish_job(&self, id: &str) -> bool {
        self.shared.compute.finish_job(id).is_ok()
    }
}

/// Configures an [`Emulator`].
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    bind: SocketAddr,
    files_bind: Option<SocketAddr>,
    admin_key: Option<String>,
    clock: ClockMode,
    config: Config,
}

impl EmulatorBuilder {
    /// Listen on this address (default `127.0.0.1:0`, a free port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Serve files on this address (default: the API's IP, a free port).
    pub fn files_bind(mut self, addr: SocketAddr) -> Self {
        self.files_bind = Some(addr);
        self
    }

    /// Use this secret for the bootstrap admin key instead of a random one.
    pub fn admin_key(mut self, secret: impl Into<String>) -> Self {
        self.admin_key = Some(secret.into());
        self
    }

    /// Start with a clock that stands still until [`Emulator::advance`] moves it.
    pub fn manual_clock(mut self) -> Self {
        self.clock = ClockMode::Manual;
        self
    }

    /// How long jobs run (default 3 s of running time).
    pub fn job_duration(mut self, duration: Duration) -> Self {
        self.config.job_ms = millis(duration);
        self
    }

    /// How long jobs stay `pending` before they run (default 500 ms).
    pub fn pending_duration(mut self, duration: Duration) -> Self {
        self.config.pending_ms = millis(duration);
        self
    }

    /// How long presigned links work (default 15 minutes).
    pub fn link_ttl(mut self, ttl: Duration) -> Self {
        self.config.link_ttl_ms = millis(ttl);
        self
    }

    /// How long the file origin waits before each answer (default none), as object storage's
    /// latency.
    pub fn file_latency(mut self, latency: Duration) -> Self {
        self.config.file_latency_ms = millis(latency);
        self
    }

    /// Bind both origins and start serving on the current tokio runtime.
    pub async fn start(self) -> io::Result<Emulator> {
        let listener = TcpListener::bind(self.bind).await?;
        let addr = listener.local_addr()?;
        let files_listener =
            TcpListener::bind(self.files_bind.unwrap_or(SocketAddr::new(self.bind.ip(), 0))).await?;
        let files_addr = files_listener.local_addr()?;
        let files_url = format!("http://{files_addr}");
        let mut store = Store::new();
        let admin_key = store.bootstrap_admin(self.admin_key);
        let compute = Compute::new(files_url.clone(), self.clock, self.config);
        let shared = Arc::new(Shared::new(store, compute));
        let tasks = [
            tokio::spawn(server::serve(listener, shared.clone(), server::handle)),
            tokio::spawn(server::serve(files_listener, shared.clone(), compute::files::handle)),
        ];
        Ok(Emulator {
            addr,
            base_url: format!("http://{addr}"),
            files_addr,
            files_url,
            admin_key,
            shared,
            tasks,
        })
    }
}

/// The README's examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
