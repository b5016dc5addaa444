//! One timer for all the attempts that start within a short window.
//!
//! A tokio timer is registered and cancelled under the runtime's one timer lock, twice per
//! attempt; with many attempts in flight on several worker threads that lock is contended. The
//! attempts that start within a window of `max(1 ms, timeout / 100)` instead share one timer that
//! fires when the last of them is due, so a timeout fires at most that window late, and the
//! timer lock is taken once per window instead of twice per attempt.

use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::future::{FutureExt, Shared};
use tokio::runtime::{Handle, Id};
use tokio::time::{Instant, Sleep};

/// The timer an attempt waits on.
pub(super) type SharedSleep = Shared<Pin<Box<Sleep>>>;

/// The open window of one timeout: attempts starting before `closes` share `timer`.
struct Window {
    runtime: Id,
    closes: Instant,
    timer: SharedSleep,
}

/// The current windows of a layer's default timeout, one per thread slot so that threads do not
/// share a lock or a timer's wake-up list.
pub(super) struct SharedTimer {
    windows: Box<[Mutex<Option<Window>>]>,
}

impl Default for SharedTimer {
    fn default() -> Self {
        Self { windows: (0..SLOTS).map(|_| Mutex::new(None)).collect() }
    }
}

const SLOTS: usize = 16;

thread_local! {
    /// This thread's slot, handed out in turn.
    static SLOT: usize = {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        NEXT.fetch_add(1, Ordering::Relaxed) % SLOTS
    };
}

impl SharedTimer {
    /// A timer that fires no earlier than `timeout` from now, and at most the window later.
    pub(super) fn start(&self, timeout: Duration) -> SharedSleep {
        // A timer belongs to the runtime that made it; a client used from another runtime (one
        // per test, say) opens a window of its own there.
        let runtime = Handle::current().id();
        let now = Instant::now();
        let slot = &self.windows[SLOT.with(|slot| *slot)];
        let mut window = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(open) = window.as_ref().filter(|w| w.runtime == runtime && now < w.closes) {
            return open.timer.clone();
        }
        let width = (timeout / 100).max(Duration::from_millis(1));
        let timer = Box::pin(tokio::time::sleep_until(now + width + timeout)).shared();
        *window = Some(Window { runtime, closes: now + width, timer: timer.clone() });
        timer
    }
}
