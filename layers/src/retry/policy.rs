use std::sync::Arc;
use std::time::SystemTime;

use futures_util::future::Either;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use tower::retry::budget::Budget;

use super::backoff::{backoff, server_delay};
use super::{Attempt, Config, MaxRetries, redirect};
use crate::BoxError;
use crate::classify::{ErrorClass, classify};
use crate::operation::{Idempotency, Operation};
use crate::stale::{Resent, stale_failure};
use crate::timeout::Deadline;

/// The rules of [`RetryLayer`](super::RetryLayer), with the state of one call; one clone per call.
#[derive(Clone)]
pub(crate) struct RetryPolicy {
    config: Arc<Config>,
    retries: u32,
    redirects: u32,
    /// Whether the current attempt was already sent again after a stale connection.
    resent: bool,
    /// The operation of a copy made without its extensions, restored before the copy is sent.
    stripped: Option<Operation>,
}

/// The wait before the next attempt: none before a redirect hop, a timer before a retry.
pub(crate) type Wait = Either<std::future::Ready<()>, tokio::time::Sleep>;

impl RetryPolicy {
    pub(super) fn new(config: Arc<Config>) -> Self {
        Self { config, retries: 0, redirects: 0, resent: false, stripped: None }
    }

    fn max_retries<B>(&self, req: &Request<B>) -> u32 {
        req.extensions().get::<MaxRetries>().map_or(self.config.max_retries, |m| m.0)
    }

    /// The header the attempt index is written to, if any.
    pub(super) fn count_header(&self) -> Option<&HeaderName> {
        self.config.count_header.as_ref()
    }

    /// Whether `req` could be sent again, as a retry or a redirect hop, so needs a copy.
    fn may_send_again<B>(&self, req: &Request<B>) -> bool {
        self.max_retries(req) > 0 || self.config.max_redirects > 0
    }
}

impl std::fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("retries", &self.retries)
            .field("redirects", &self.redirects)
            .field("resent", &self.resent)
            .finish_non_exhaustive()
    }
}

/// Whether an outcome may be retried, before counting retries, budget and deadline.
/// `idempotency` is only looked up for outcomes that depend on it.
fn retryable<ResB>(
    result: &Result<Response<ResB>, BoxError>,
    idempotency: impl FnOnce() -> Idempotency,
    config: &Config,
) -> bool {
    match result {
        Ok(res) => {
            let hint = config
                .should_retry_header
                .as_ref()
                .and_then(|name| res.headers().get(name))
                .map(HeaderValue::as_bytes);
            match hint {
                Some(b"true") => true,
                Some(b"false") => false,
                _ => status_retryable(res.status(), idempotency),
            }
        }
        Err(err) => match classify(&**err) {
            ErrorClass::Connect => true,
            ErrorClass::AttemptTimeout | ErrorClass::Transport => idempotency().replay_is_safe(),
            ErrorClass::Deadline | ErrorClass::BodyTooLarge => false,
        },
    }
}

fn status_retryable(status: StatusCode, idempotency: impl FnOnce() -> Idempotency) -> bool {
    // A 429 means the request was turned away unprocessed, so even a create may be replayed.
    if status == StatusCode::TOO_MANY_REQUESTS {
        return true;
    }
    let transient =
        status == StatusCode::REQUEST_TIMEOUT || status == StatusCode::CONFLICT || status.is_server_error();
    transient && idempotency().replay_is_safe()
}

/// A retry or a redirect hop is a new attempt, which may itself be resent once.
fn new_attempt<B>(resent: &mut bool, req: &mut Request<B>) {
    if std::mem::take(resent) {
        req.extensions_mut().remove::<Resent>();
    }
}

fn response_headers<ResB>(result: &Result<Response<ResB>, BoxError>) -> Option<&HeaderMap> {
    result.as_ref().ok().map(Response::headers)
}

impl RetryPolicy {
    /// Decide what follows an attempt: `Some(wait)` after which `req`, rewritten into the next
    /// attempt or redirect hop, is sent; `None` when `result` is final.
    pub(super) fn next_attempt<B, ResB>(
        &mut self,
        req: &mut Request<B>,
        result: &Result<Response<ResB>, BoxError>,
    ) -> Option<Wait>
    where
        B: Default,
    {
        let wait = self.decide(req, result)?;
        if let Some(operation) = self.stripped.take() {
            req.extensions_mut().insert(operation);
        }
        Some(wait)
    }

    fn decide<B, ResB>(
        &mut self,
        req: &mut Request<B>,
        result: &Result<Response<ResB>, BoxError>,
    ) -> Option<Wait>
    where
        B: Default,
    {
        let config = &*self.config;
        if self.retries == 0 && self.redirects == 0 && !self.resent {
            config.budget.deposit();
        }
        // The copy was made without extensions when its operation is held here.
        let stripped = self.stripped;
        let idempotency =
            |req: &Request<B>| stripped.map_or_else(|| Idempotency::of(req), |op| op.idempotency);
        match result {
            Ok(res) => {
                if self.redirects < config.max_redirects && redirect::follow(req, res) {
                    self.redirects += 1;
                    new_attempt(&mut self.resent, req);
                    tracing::debug!(
                        status = res.status().as_u16(),
                        hop = self.redirects,
                        "following a redirect"
                    );
                    return Some(Either::Left(std::future::ready(())));
                }
            }
            Err(err) if !self.resent => {
                let stale = stale_failure(&**err);
                if stale.is_some_and(|stale| stale.unsent || idempotency(req).replay_is_safe()) {
                    self.resent = true;
                    req.extensions_mut().insert(Resent);
                    tracing::debug!(
                        "the pooled connection had been closed; sending again on a new connection"
                    );
                    return Some(Either::Left(std::future::ready(())));
                }
            }
            Err(_) => {}
        }
        // Most outcomes are final; that is settled before any extension is looked up.
        if !retryable(result, || idempotency(req), config) || self.retries >= self.max_retries(req) {
            return None;
        }
        let delay = response_headers(result)
            .and_then(|h| server_delay(h, SystemTime::now()))
            .unwrap_or_else(|| backoff(self.retries, fastrand::f64()));
        if let Some(Deadline(at)) = req.extensions().get::<Deadline>() {
            if tokio::time::Instant::now() + delay >= *at {
                tracing::debug!(?delay, "not retrying: the wait would pass the deadline");
                return None;
            }
        }
        if !config.budget.withdraw() {
            tracing::debug!("not retrying: retry budget exhausted");
            return None;
        }
        self.retries += 1;
        new_attempt(&mut self.resent, req);
        // No extension yet means the layer wrote (or was not asked for) the attempt header.
        let attempt = req.extensions_mut().get_or_insert(Attempt { index: 0, writes_header: true });
        attempt.index = self.retries;
        if let (true, Some(name)) = (attempt.writes_header, &config.count_header) {
            req.headers_mut().insert(name.clone(), HeaderValue::from(self.retries));
        }
        tracing::debug!(retry = self.retries, ?delay, "retrying");
        Some(Either::Right(tokio::time::sleep(delay)))
    }

    /// The copy the next attempt would be sent from, or `None` when there can be none.
    ///
    /// A request whose only extension is its [`Operation`] (the usual case) is copied without
    /// the extension map, which costs three allocations to clone and three to free; the
    /// operation is kept here and put back by [`next_attempt`](Self::next_attempt).
    pub(super) fn copy_request<B: Clone>(&mut self, req: &Request<B>) -> Option<Request<B>> {
        if !self.may_send_again(req) {
            return None;
        }
        self.stripped = None;
        if req.extensions().len() == 1 {
            if let Some(operation) = Operation::of(req) {
                self.stripped = Some(*operation);
                let mut copy = Request::new(req.body().clone());
                *copy.method_mut() = req.method().clone();
                *copy.uri_mut() = req.uri().clone();
                *copy.version_mut() = req.version();
                *copy.headers_mut() = req.headers().clone();
                return Some(copy);
            }
        }
        Some(req.clone())
    }
}
