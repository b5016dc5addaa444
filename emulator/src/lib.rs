//! An in-memory emulator of the Boltz admin API, for tests and local development.
//!
//! It serves the API key endpoints (create, list with cursor pagination, revoke), `auth/me` and
//! `cli/version` on 127.0.0.1, enforces keys the way the service does (revoked, expired, wrong
//! type, `allowed_ips` checked against the TCP peer) and can inject faults for resilience tests.
//!
//! ```
//! use boltz_api_emulator::Emulator;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let emulator = Emulator::start().await?;
//! assert!(emulator.base_url().starts_with("http://127.0.0.1:"));
//! assert!(emulator.admin_key().starts_with("sk_bc_admin_live_"));
//! # Ok(()) }
//! ```

mod error;
mod faults;
pub mod fixed;
mod pagination;
mod server;
mod store;

pub use faults::{Fault, FaultAction};
pub use server::ReceivedRequest;

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use server::Shared;
use store::Store;

/// A running emulator. Dropping it stops accepting connections.
pub struct Emulator {
    addr: SocketAddr,
    base_url: String,
    admin_key: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Emulator {
    /// Start on 127.0.0.1 with a free port and a random bootstrap admin key.
    pub async fn start() -> io::Result<Self> {
        Self::builder().start().await
    }

    /// Configure the address or the bootstrap key before starting.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder { bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0), admin_key: None }
    }

    /// The URL to use as the client's base URL, e.g. `http://127.0.0.1:43127`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bootstrap admin key's secret.
    pub fn admin_key(&self) -> &str {
        &self.admin_key
    }

    /// Queue a fault for matching requests.
    pub fn inject(&self, fault: Fault) {
        self.shared.faults.push(fault);
    }

    /// Drop every queued fault.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// How many API requests (control requests aside) have been received, faulted ones included.
    pub fn requests_received(&self) -> u64 {
        self.shared.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The API requests received so far (the most recent 100 000), oldest first.
    pub fn received(&self) -> Vec<ReceivedRequest> {
        self.shared.log.lock().expect("request log").iter().cloned().collect()
    }

    /// Every API key id, the bootstrap key's included, in creation order.
    pub fn api_key_ids(&self) -> Vec<String> {
        self.shared.store.lock().expect("store lock").key_ids()
    }
}

/// Configures an [`Emulator`].
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    bind: SocketAddr,
    admin_key: Option<String>,
}

impl EmulatorBuilder {
    /// Listen on this address (default `127.0.0.1:0`, a free port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Use this secret for the bootstrap admin key instead of a random one.
    pub fn admin_key(mut self, secret: impl Into<String>) -> Self {
        self.admin_key = Some(secret.into());
        self
    }

    /// Bind and start serving on the current tokio runtime.
    pub async fn start(self) -> io::Result<Emulator> {
        let listener = TcpListener::bind(self.bind).await?;
        let addr = listener.local_addr()?;
        let mut store = Store::new();
        let admin_key = store.bootstrap_admin(self.admin_key);
        let shared = Arc::new(Shared::new(store));
        let task = tokio::spawn(server::serve(listener, shared.clone()));
        Ok(Emulator { addr, base_url: format!("http://{addr}"), admin_key, shared, task })
    }
}
