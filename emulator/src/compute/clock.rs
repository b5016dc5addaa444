//! The compute plane's clock: real time (the default), or a manual clock that moves only when a
//! test advances it. Either can be advanced; switching keeps the current time.

use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};

/// How the clock moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClockMode {
    /// It follows the wall clock (plus whatever it was advanced by).
    RealTime,
    /// It stands still until advanced.
    Manual,
}

impl ClockMode {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ClockMode::RealTime => "real_time",
            ClockMode::Manual => "manual",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "real_time" | "real-time" | "realtime" => Some(ClockMode::RealTime),
            "manual" => Some(ClockMode::Manual),
            _ => None,
        }
    }
}

/// The time every job, link and timestamp of the compute plane is measured against.
#[derive(Debug)]
pub(crate) struct Clock {
    mode: ClockMode,
    /// The time at `since`.
    base: DateTime<Utc>,
    since: Instant,
}

impl Clock {
    pub(crate) fn new(mode: ClockMode) -> Self {
        Self { mode, base: Utc::now(), since: Instant::now() }
    }

    pub(crate) fn mode(&self) -> ClockMode {
        self.mode
    }

    /// The current time, to the millisecond.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        let now = match self.mode {
            ClockMode::RealTime => {
                self.base + TimeDelta::from_std(self.since.elapsed()).unwrap_or(TimeDelta::zero())
            }
            ClockMode::Manual => self.base,
        };
        truncate_to_millis(now)
    }

    /// Move the clock forward.
    pub(crate) fn advance(&mut self, ms: i64) {
        self.base += TimeDelta::milliseconds(ms.max(0));
    }

    /// Switch modes without a jump in time.
    pub(crate) fn set_mode(&mut self, mode: ClockMode) {
        self.base = self.now();
        self.since = Instant::now();
        self.mode = mode;
    }
}

fn truncate_to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced() {
        let mut clock = Clock::new(ClockMode::Manual);
        let start = clock.now();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(clock.now(), start);
        clock.advance(1_500);
        assert_eq!((clock.now() - start).num_milliseconds(), 1_500);
        clock.set_mode(ClockMode::RealTime);
        assert!(clock.now() >= start + TimeDelta::milliseconds(1_500));
        clock.set_mode(ClockMode::Manual);
        let frozen = clock.now();
        assert_eq!(clock.now(), frozen);
        assert_eq!(ClockMode::parse(ClockMode::RealTime.as_str()), Some(ClockMode::RealTime));
    }
}
