//! Per-attempt timeouts and a total deadline over all attempts.
//!
//! [`AttemptTimeoutLayer`] bounds one attempt (sending, waiting for headers, reading the body when
//! placed above a collecting layer). [`DeadlineLayer`] bounds the whole call, retries and backoff
//! included, and publishes the instant as a [`Deadline`] extension so a retry layer below can
//! refuse a wait that would outlive it.
//!
//! ```
//! use std::time::Duration;
//! use boltz_api_layers::timeout::{AttemptElapsed, AttemptTimeout, AttemptTimeoutLayer};
//! use tower::{Layer, ServiceExt, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let svc = AttemptTimeoutLayer::new(Duration::from_secs(60)).layer(service_fn(|_req: http::Request<()>| async {
//!     tokio::time::sleep(Duration::from_secs(5)).await;
//!     Ok::<_, tower::BoxError>(())
//! }));
//! // A per-request override, carried as an extension.
//! let mut req = http::Request::new(());
//! req.extensions_mut().insert(AttemptTimeout(Duration::from_secs(1)));
//! let err = svc.oneshot(req).await.unwrap_err();
//! assert!(err.is::<AttemptElapsed>());
//! # }
//! ```

mod attempt;
mod deadline;
mod future;
mod shared_timer;

pub use attempt::{AttemptTimeout, AttemptTimeoutLayer, AttemptTimeoutService, AttemptTimer};
pub use deadline::{Deadline, DeadlineLayer, DeadlineService, TotalTimeout};
pub use future::ResponseFuture;

use std::fmt;
use std::time::Duration;

/// One attempt took longer than its timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptElapsed {
    after: Duration,
}

impl AttemptElapsed {
    /// An attempt that was stopped after `after`.
    pub fn new(after: Duration) -> Self {
        Self { after }
    }

    /// The timeout that elapsed.
    pub fn after(&self) -> Duration {
        self.after
    }
}

impl fmt::Display for AttemptElapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "attempt timed out after {:?}", self.after)
    }
}

impl std::error::Error for AttemptElapsed {}

/// The total deadline over all attempts passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineElapsed {
    after: Duration,
}

impl DeadlineElapsed {
    /// A call that was stopped after `after`.
    pub fn new(after: Duration) -> Self {
        Self { after }
    }

    /// The total budget that elapsed.
    pub fn after(&self) -> Duration {
        self.after
    }
}

impl fmt::Display for DeadlineElapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "deadline of {:?} passed", self.after)
    }
}

impl std::error::Error for DeadlineElapsed {}
