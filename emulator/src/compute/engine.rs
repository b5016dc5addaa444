//! The job engine: a job's state is a pure function of its timeline and the clock, so nothing
//! runs in the background. A job waits `pending_ms`, then runs for `duration_ms` of running time;
//! stop freezes the running time, resume continues it, and a failure ends it.
//!
//! A pipeline asked for N items produces result k once k/N of its running time has passed.

use chrono::{DateTime, TimeDelta, Utc};

use crate::error::ApiError;

/// A job status, as the API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Pending,
    Running,
    Succeeded,
    Failed,
    Stopped,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Stopped => "stopped",
        }
    }

    pub(crate) fn is_terminal(self) -> bool {
        matches!(self, Status::Succeeded | Status::Failed)
    }
}

/// Why a job failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) at: DateTime<Utc>,
    pub(crate) code: String,
    pub(crate) message: String,
}

/// What a job looks like at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub(crate) status: Status,
    pub(crate) started_at: Option<DateTime<Utc>>,
    pub(crate) completed_at: Option<DateTime<Utc>>,
    pub(crate) stopped_at: Option<DateTime<Utc>>,
    /// Running time so far, in milliseconds (at most the job's duration).
    pub(crate) work_ms: i64,
}

/// When a job runs.
#[derive(Debug, Clone)]
pub(crate) struct Timeline {
    duration_ms: i64,
    /// Stretches of running: when each began and how much running time had passed by then.
    /// The first begins when the job leaves `pending`.
    segments: Vec<(DateTime<Utc>, i64)>,
    /// The running time at which it was stopped or failed; `None` while it may run.
    frozen: Option<i64>,
    stopped_at: Option<DateTime<Utc>>,
    failure: Option<Failure>,
}

fn ms(delta: TimeDelta) -> i64 {
    delta.num_milliseconds()
}

fn conflict(message: &str) -> ApiError {
    ApiError::conflict(message.to_owned())
}

impl Timeline {
    pub(crate) fn new(created_at: DateTime<Utc>, pending_ms: i64, duration_ms: i64) -> Self {
        let start = created_at + TimeDelta::milliseconds(pending_ms.max(0));
        Self {
            duration_ms: duration_ms.max(0),
            segments: vec![(start, 0)],
            frozen: None,
            stopped_at: None,
            failure: None,
        }
    }

    pub(crate) fn failure(&self) -> Option<&Failure> {
        self.failure.as_ref()
    }

    fn start(&self) -> DateTime<Utc> {
        self.segments[0].0
    }

    /// Running time at `now`.
    fn work(&self, now: DateTime<Utc>) -> i64 {
        match self.frozen {
            Some(work) => work,
            None => {
                let (since, base) = *self.segments.last().expect("a timeline has a segment");
                (base + ms(now - since).max(0)).min(self.duration_ms)
            }
        }
    }

    /// When the running time reached `work` (for results' `created_at`).
    ///
    /// A stretch ends where the next begins: at a stop (the next starts from the work reached)
    /// or at a jump (`finish`, where the work reached so far is less than the next one's).
    pub(crate) fn time_of_work(&self, work: i64) -> DateTime<Utc> {
        for pair in self.segments.windows(2) {
            let ((since, base), (next_since, next_base)) = (pair[0], pair[1]);
            let reached = next_base.min(base + ms(next_since - since));
            if work <= reached {
                return since + TimeDelta::milliseconds(work - base);
            }
        }
        let (since, base) = *self.segments.last().expect("a timeline has a segment");
        since + TimeDelta::milliseconds((work - base).max(0))
    }

    /// When it was halted (stopped or failed), if it is.
    fn halted_at(&self) -> Option<DateTime<Utc>> {
        self.failure.as_ref().map(|f| f.at).or(self.stopped_at)
    }

    pub(crate) fn at(&self, now: DateTime<Utc>) -> Snapshot {
        let start = self.start();
        let ran = start <= now && self.halted_at().is_none_or(|halt| start <= halt);
        let work = self.work(now);
        let status = if self.failure.is_some() {
            Status::Failed
        } else if self.stopped_at.is_some() {
            Status::Stopped
        } else if now < start {
            Status::Pending
        } else if work >= self.duration_ms {
            Status::Succeeded
        } else {
            Status::Running
        };
        let completed_at = match status {
            Status::Failed => self.failure.as_ref().map(|f| f.at),
            Status::Succeeded => Some(self.time_of_work(self.duration_ms)),
            // UNCONFIRMED: whether `completed_at` is set on a stopped run; it is not here.
            _ => None,
        };
        Snapshot {
            status,
            started_at: ran.then_some(start),
            completed_at,
            stopped_at: if status == Status::Stopped { self.stopped_at } else { None },
            work_ms: if ran { work } else { 0 },
        }
    }

    /// Of `total` items, how many are done at `now`: item k is done once k/total of the running
    /// time has passed.
    pub(crate) fn produced(&self, now: DateTime<Utc>, total: u64) -> u64 {
        let snapshot = self.at(now);
        if snapshot.status == Status::Succeeded || self.duration_ms == 0 {
            return if snapshot.started_at.is_some() { total } else { 0 };
        }
        let done = u128::from(total) * snapshot.work_ms.max(0) as u128 / self.duration_ms as u128;
        done.min(u128::from(total)) as u64
    }

    /// The running time at which item `k` (1-based) of `total` is done.
    pub(crate) fn work_for_item(&self, k: u64, total: u64) -> i64 {
        if total == 0 {
            return 0;
        }
        let numerator = u128::from(k) * self.duration_ms as u128;
        numerator.div_ceil(u128::from(total)) as i64
    }

    /// Stop a pending or running job; stopping a stopped job changes nothing.
    pub(crate) fn stop(&mut self, now: DateTime<Utc>) -> Result<(), ApiError> {
        match self.at(now).status {
            Status::Pending | Status::Running => {
                self.frozen = Some(self.at(now).work_ms);
                self.stopped_at = Some(now);
                Ok(())
            }
            Status::Stopped => Ok(()),
            // UNCONFIRMED: the service's answer to stopping a finished run; 409 here.
            Status::Succeeded | Status::Failed => Err(conflict("the run has already finished")),
        }
    }

    /// Resume a stopped job; it is `running` at once. Resuming a pending or running job changes
    /// nothing.
    ///
    /// UNCONFIRMED: the status right after `resume` (compute-plane.md §1.9), and that
    /// `stopped_at` is cleared.
    pub(crate) fn resume(&mut self, now: DateTime<Utc>) -> Result<(), ApiError> {
        match self.at(now).status {
            Status::Stopped => {
                let work = self.frozen.unwrap_or(0);
                let never_ran = self.stopped_at.is_some_and(|stop| stop < self.start());
                if never_ran {
                    self.segments = vec![(now, 0)];
                } else {
                    self.segments.push((now, work));
                }
                self.frozen = None;
                self.stopped_at = None;
                Ok(())
            }
            Status::Pending | Status::Running => Ok(()),
            // UNCONFIRMED: the service's answer to resuming a finished run; 409 here.
            Status::Succeeded | Status::Failed => Err(conflict("the run has already finished")),
        }
    }

    /// Fail a job that has not finished.
    pub(crate) fn fail(&mut self, now: DateTime<Utc>, code: String, message: String) -> Result<(), ApiError> {
        let snapshot = self.at(now);
        if snapshot.status.is_terminal() {
            return Err(conflict("the job has already finished"));
        }
        self.frozen = Some(snapshot.work_ms);
        self.stopped_at = None;
        if snapshot.started_at.is_none() {
            // It never ran: keep its start after the failure, so it never reports one.
            self.segments = vec![(now + TimeDelta::milliseconds(1), 0)];
        }
        self.failure = Some(Failure { at: now, code, message });
        Ok(())
    }

    /// Make a job that has not finished succeed now.
    pub(crate) fn finish(&mut self, now: DateTime<Utc>) -> Result<(), ApiError> {
        let snapshot = self.at(now);
        if snapshot.status.is_terminal() {
            return Err(conflict("the job has already finished"));
        }
        if snapshot.started_at.is_none() {
            self.segments = vec![(now, 0)];
        }
        self.segments.push((now, self.duration_ms));
        self.frozen = None;
        self.stopped_at = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_800_000_000_000).unwrap()
    }

    fn at(ms: i64) -> DateTime<Utc> {
        t0() + TimeDelta::milliseconds(ms)
    }

    #[test]
    fn pending_then_running_then_succeeded() {
        let timeline = Timeline::new(t0(), 100, 1_000);
        assert_eq!(timeline.at(at(50)).status, Status::Pending);
        assert_eq!(timeline.at(at(50)).started_at, None);
        let running = timeline.at(at(600));
        assert_eq!(
            (running.status, running.started_at, running.work_ms),
            (Status::Running, Some(at(100)), 500)
        );
        let done = timeline.at(at(5_000));
        assert_eq!((done.status, done.completed_at), (Status::Succeeded, Some(at(1_100))));
    }

    #[test]
    fn items_appear_at_their_fraction_of_the_running_time() {
        let timeline = Timeline::new(t0(), 0, 1_000);
        assert_eq!(timeline.produced(at(0), 4), 0);
        assert_eq!(timeline.produced(at(249), 4), 0);
        assert_eq!(timeline.produced(at(250), 4), 1);
        assert_eq!(timeline.produced(at(999), 4), 3);
        assert_eq!(timeline.produced(at(1_000), 4), 4);
        assert_eq!(timeline.work_for_item(3, 4), 750);
        assert_eq!(timeline.time_of_work(750), at(750));
    }

    #[test]
    fn stop_freezes_and_resume_continues() {
        let mut timeline = Timeline::new(t0(), 0, 1_000);
        timeline.stop(at(400)).unwrap();
        let stopped = timeline.at(at(9_000));
        assert_eq!(
            (stopped.status, stopped.stopped_at, stopped.work_ms),
            (Status::Stopped, Some(at(400)), 400)
        );
        assert_eq!(timeline.produced(at(9_000), 10), 4);
        timeline.resume(at(10_000)).unwrap();
        assert_eq!(timeline.at(at(10_000)).status, Status::Running);
        assert_eq!(timeline.at(at(10_000)).stopped_at, None);
        assert_eq!(timeline.time_of_work(500), at(10_100));
        assert_eq!(timeline.time_of_work(400), at(400), "reached before the stop");
        let done = timeline.at(at(10_600));
        assert_eq!((done.status, done.completed_at), (Status::Succeeded, Some(at(10_600))));
        assert_eq!(timeline.stop(at(11_000)).unwrap_err().status, 409);
        assert_eq!(timeline.resume(at(11_000)).unwrap_err().status, 409);
    }

    #[test]
    fn a_run_stopped_while_pending_starts_when_resumed() {
        let mut timeline = Timeline::new(t0(), 500, 1_000);
        timeline.stop(at(100)).unwrap();
        assert_eq!(timeline.at(at(2_000)).started_at, None);
        timeline.resume(at(3_000)).unwrap();
        let running = timeline.at(at(3_200));
        assert_eq!(
            (running.status, running.started_at, running.work_ms),
            (Status::Running, Some(at(3_000)), 200)
        );
    }

    #[test]
    fn failures_and_finishing() {
        let mut timeline = Timeline::new(t0(), 0, 1_000);
        timeline.fail(at(300), "oom".into(), "out of memory".into()).unwrap();
        let failed = timeline.at(at(5_000));
        assert_eq!(
            (failed.status, failed.completed_at, failed.work_ms),
            (Status::Failed, Some(at(300)), 300)
        );
        assert_eq!(timeline.produced(at(5_000), 10), 3);
        assert!(timeline.fail(at(400), "x".into(), "y".into()).is_err());

        let mut pending = Timeline::new(t0(), 500, 1_000);
        pending.fail(at(100), "x".into(), "y".into()).unwrap();
        assert_eq!(pending.at(at(200)).started_at, None);

        let mut finished = Timeline::new(t0(), 500, 1_000);
        finished.finish(at(100)).unwrap();
        let done = finished.at(at(100));
        assert_eq!(
            (done.status, done.started_at, done.completed_at),
            (Status::Succeeded, Some(at(100)), Some(at(100)))
        );
        assert_eq!(finished.produced(at(100), 7), 7);

        let mut jumped = Timeline::new(t0(), 0, 1_000);
        jumped.finish(at(300)).unwrap();
        assert_eq!(jumped.time_of_work(200), at(200));
        assert_eq!(jumped.time_of_work(900), at(300), "the rest was done at the jump");
        assert_eq!(jumped.at(at(300)).completed_at, Some(at(300)));
    }
}
