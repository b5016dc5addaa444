//! Waiting for a job: a `Stream` of what changed, poll by poll, or a future of how it ended.
//!
//! Each poll goes through the client's stack (retries, timeouts, logs). Polls start a second
//! apart and back off by half again each time, with 20 % jitter, up to 15 s; a `Retry-After` the
//! server sends with the job wins. A pipeline's results are listed on each poll, from where the
//! last listing ended, before its state is read, so every result is reported before the end.
//! Dropping the stream or the future stops polling; the job itself goes on.

use std::collections::VecDeque;
use std::future::IntoFuture;
use std::time::{Duration, SystemTime};

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::{self, BoxStream};

use boltz_api_layers::retry::backoff::server_delay;

use super::job::{Job, JobState};
use super::pacing::{Backoff, Deadline};
use crate::client::Client;
use crate::error::{Error, JobFailure};
use crate::pagination::Paginated;

/// What happened to a job between two polls.
#[derive(Debug)]
#[non_exhaustive]
pub enum JobEvent<J: Job> {
    /// Its state changed (the first poll reports the state it is in); the job as fetched.
    State(J),
    /// Its progress counters changed, its state did not.
    Progress(J),
    /// Results that appeared since the last poll, in the server's order (pipelines).
    Results(Vec<J::Item>),
    /// It finished; always the last event.
    Finished(Finished<J>),
}

/// How a job ended when it did not fail.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Finished<J> {
    /// With its outputs.
    Succeeded(J),
    /// Stopped on request, with the results it had.
    Stopped(J),
}

impl<J: Job> Finished<J> {
    /// The job as last fetched.
    pub fn job(&self) -> &J {
        match self {
            Self::Succeeded(job) | Self::Stopped(job) => job,
        }
    }

    /// The job as last fetched, owned.
    pub fn into_job(self) -> J {
        match self {
            Self::Succeeded(job) | Self::Stopped(job) => job,
        }
    }

    /// [`JobState::Succeeded`] or [`JobState::Stopped`].
    pub fn state(&self) -> JobState {
        match self {
            Self::Succeeded(_) => JobState::Succeeded,
            Self::Stopped(_) => JobState::Stopped,
        }
    }
}

/// Waiting for a job, made by [`Client::wait`]: `.await` it for how the job ended, or take
/// [`events`](Self::events) for every change on the way.
#[must_use = "waiting does nothing until it is awaited or its events are polled"]
#[derive(Debug)]
pub struct Wait<'a, J> {
    client: &'a Client,
    id: String,
    deadline: Option<Duration>,
    first_interval: Duration,
    max_interval: Duration,
    after: Option<String>,
    _job: std::marker::PhantomData<fn() -> J>,
}

impl<'a, J: Job> Wait<'a, J> {
    pub(crate) fn new(client: &'a Client, id: &str) -> Self {
        Self {
            client,
            id: id.to_owned(),
            deadline: None,
            first_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(15),
            after: None,
            _job: std::marker::PhantomData,
        }
    }

    /// Give up after `deadline` with [`TimeoutKind::Wait`](crate::TimeoutKind::Wait); the job itself goes on.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Poll `first` apart at the start, backing off to at most `max` (default 1 s to 15 s).
    pub fn poll_interval(mut self, first: Duration, max: Duration) -> Self {
        self.first_interval = first;
        self.max_interval = max.max(first);
        self
    }

    /// Report only the results listed after the one with this ID: for a wait that takes over
    /// from an earlier one (after a restart, say), give the last result ID it reported. Results
    /// are listed oldest first and only ever appended, so none is missed or repeated.
    pub fn results_after(mut self, id: impl Into<String>) -> Self {
        self.after = Some(id.into());
        self
    }

    /// Every change, poll by poll; after [`JobEvent::Finished`] or an error it ends. A failed
    /// job is an [`Error::JobFailed`] carrying the job's error.
    pub fn events(self) -> BoxStream<'static, Result<JobEvent<J>, Error>> {
        let poller = Poller::<J> {
            client: self.client.clone(),
            id: self.id,
            deadline: Deadline::new(self.deadline),
            backoff: Backoff::new(self.first_interval, self.max_interval),
            pause: Duration::ZERO,
            last: None,
            cursor: self.after,
            queue: VecDeque::new(),
            polled: false,
            ended: false,
        };
        stream::unfold(poller, |mut poller| async move { poller.next().await.map(|event| (event, poller)) })
            .boxed()
    }
}

impl<J: Job> IntoFuture for Wait<'_, J> {
    type Output = Result<Finished<J>, Error>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        let mut events = self.events();
        Box::pin(async move {
            while let Some(event) = events.next().await {
                if let JobEvent::Finished(finished) = event? {
                    return Ok(finished);
                }
            }
            unreachable!("the events end with Finished or an error")
        })
    }
}

/// The polling state behind [`Wait::events`].
struct Poller<J: Job> {
    client: Client,
    id: String,
    deadline: Deadline,
    backoff: Backoff,
    /// The pause before the next poll.
    pause: Duration,
    last: Option<J>,
    /// The results listing continues after this ID.
    cursor: Option<String>,
    queue: VecDeque<Result<JobEvent<J>, Error>>,
    polled: bool,
    ended: bool,
}

impl<J: Job> Poller<J> {
    async fn next(&mut self) -> Option<Result<JobEvent<J>, Error>> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some(event);
            }
            if self.ended {
                return None;
            }
            if let Err(err) = self.poll().await {
                self.ended = true;
                return Some(Err(err));
            }
        }
    }

    async fn poll(&mut self) -> Result<(), Error> {
        if self.polled {
            let pause = self.pause;
            self.deadline
                .within(async {
                    tokio::time::sleep(pause).await;
                    Ok(())
                })
                .await?;
        }
        self.polled = true;
        self.list_results().await?;
        let client = self.client.clone();
        let response = self.deadline.within(client.send(J::retrieve(&self.id)).with_response()).await?;
        let hint = server_delay(&response.headers, SystemTime::now());
        let job = response.value;
        let state = job.state();
        match &self.last {
            Some(last) if last.state() == state => {
                if job.progress_changed(last) {
                    self.queue.push_back(Ok(JobEvent::Progress(job.clone())));
                }
            }
            _ => self.queue.push_back(Ok(JobEvent::State(job.clone()))),
        }
        if state.is_terminal() {
            // Results that arrived with the end come before it.
            self.list_results().await?;
            self.queue.push_back(match state {
                JobState::Succeeded => Ok(JobEvent::Finished(Finished::Succeeded(job.clone()))),
                JobState::Stopped => Ok(JobEvent::Finished(Finished::Stopped(job.clone()))),
                _ => Err(failure(&job)),
            });
            self.ended = true;
        }
        self.last = Some(job);
        self.pause = self.backoff.next(hint);
        Ok(())
    }

    /// Every result after the cursor, page by page, as one event per page.
    async fn list_results(&mut self) -> Result<(), Error> {
        let client = self.client.clone();
        while let Some(request) = J::results(&self.id, self.cursor.as_deref()) {
            let page = self.deadline.within(client.send(request.clone()).into_future()).await?;
            let next = page.last_id.clone();
            let (items, _) = request.split(page);
            if items.is_empty() {
                return Ok(());
            }
            self.queue.push_back(Ok(JobEvent::Results(items)));
            match next {
                Some(last) => self.cursor = Some(last),
                None => return Ok(()),
            }
        }
        Ok(())
    }
}

fn failure<J: Job>(job: &J) -> Error {
    let (code, message) =
        job.error().map_or(("unknown", "the job failed without an error"), |e| (&e.code, &e.message));
    Error::JobFailed(Box::new(JobFailure::new(job.id(), code, message)))
}
