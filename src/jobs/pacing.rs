//! How often a job is polled, and for how long: shared by waiting and by run directories.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{Error, TimeoutKind};

/// Polls start `first` apart and back off by half again each time, with 20 % jitter so that many
/// waiters do not poll in step, up to `max`; a `Retry-After` the server sent wins.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    interval: Duration,
    max: Duration,
}

impl Backoff {
    pub(crate) fn new(first: Duration, max: Duration) -> Self {
        Self { interval: first, max: max.max(first) }
    }

    /// The pause before the next poll, given the server's hint with the last response.
    pub(crate) fn next(&mut self, hint: Option<Duration>) -> Duration {
        // The server's hint is kept as it is; the client's own interval is jittered.
        let pause = hint.unwrap_or_else(|| jittered(self.interval));
        self.interval = self.interval.mul_f64(1.5).min(self.max);
        pause
    }
}

/// An optional limit on the whole wait.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline(Option<(Instant, Duration)>);

impl Deadline {
    /// `after` from now, or none.
    pub(crate) fn new(after: Option<Duration>) -> Self {
        Self(after.map(|after| (Instant::now() + after, after)))
    }

    /// Run `future` within the deadline: [`TimeoutKind::Wait`] when it passes.
    pub(crate) async fn within<T>(&self, future: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        match self.0 {
            Some((at, after)) => tokio::time::timeout_at(at, future)
                .await
                .unwrap_or(Err(Error::Timeout { kind: TimeoutKind::Wait, after })),
            None => future.await,
        }
    }
}

/// `interval` give or take 20 %.
fn jittered(interval: Duration) -> Duration {
    interval.mul_f64(0.8 + 0.4 * fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_a_fifth() {
        for _ in 0..100 {
            let d = jittered(Duration::from_secs(10));
            assert!(d >= Duration::from_secs(8) && d <= Duration::from_secs(12), "{d:?}");
        }
    }

    #[test]
    fn intervals_grow_by_half_to_the_cap_and_a_hint_wins() {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(3));
        let within = |d: Duration, secs: f64| {
            let s = d.as_secs_f64();
            assert!(s >= secs * 0.8 - 1e-9 && s <= secs * 1.2 + 1e-9, "{d:?} is not {secs} s ± 20 %");
        };
        within(backoff.next(None), 1.0);
        within(backoff.next(None), 1.5);
        assert_eq!(backoff.next(Some(Duration::from_millis(7))), Duration::from_millis(7));
        within(backoff.next(None), 3.0);
        within(backoff.next(None), 3.0);
    }
}
