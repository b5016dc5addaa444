//! Retries with server-hinted backoff, an idempotency rule and a shared budget.
//!
//! What is retried (after at most `max_retries` retries, default 2):
//!
//! | outcome | idempotent request | non-idempotent request |
//! |---|---|---|
//! | connect failure (nothing sent) | retry | retry |
//! | attempt timeout, other transport error | retry | no: it may have been processed |
//! | `should-retry` header `true` / `false` | retry / never | retry / never |
//! | 429 | retry | retry |
//! | 408, 409, ≥ 500 | retry | no |
//! | any other status | no | no |
//!
//! The wait is the server's `retry-after-ms` / `retry-after` hint when `0 < d ≤ 60 s`, else
//! `min(0.5 s · 2^n, 8 s)` minus up to 25 % jitter ([`backoff`]). A retry whose wait would end
//! after the call's [`Deadline`](crate::timeout::Deadline) is not made, and every retry must be
//! paid for from a [`TpsBudget`] shared by all clones of the layer.
//!
//! A request that failed on a stale pooled connection ([`stale_failure`](crate::stale::stale_failure):
//! a reused connection closed before any byte of the response) is not retried but sent again at
//! once, from the same copy: no wait, no budget, the same attempt header, at most once per
//! attempt; idempotent requests always, others only when hyper did not write them.
//!
//! The layer keeps one copy of each request to replay it. With
//! [`follow_redirects`](RetryLayer::follow_redirects) the same copy is rewritten into each
//! redirect hop, so a stack that retries and follows redirects copies a request once, not twice.
//! A request whose only extension is its [`Operation`](crate::operation::Operation) is copied
//! without the extension map, which it gets back before it is sent again.
//!
//! ```
//! use boltz_api_layers::retry::RetryLayer;
//! use bytes::Bytes;
//! use http_body_util::Full;
//! use std::sync::{Arc, atomic::{AtomicU32, Ordering}};
//! use tower::{Layer, ServiceExt, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), tower::BoxError> {
//! let calls = Arc::new(AtomicU32::new(0));
//! let seen = calls.clone();
//! let svc = RetryLayer::new(2).layer(service_fn(move |_req: http::Request<Full<Bytes>>| {
//!     let n = seen.fetch_add(1, Ordering::SeqCst);
//!     async move {
//!         let status = if n == 0 { 503 } else { 200 };
//!         Ok::<_, tower::BoxError>(http::Response::builder().status(status).body(Bytes::new())?)
//!     }
//! }));
//! let res = svc.oneshot(http::Request::get("http://localhost/").body(Full::default())?).await?;
//! assert_eq!(res.status(), 200);
//! assert_eq!(calls.load(Ordering::SeqCst), 2);
//! # Ok(()) }
//! ```

pub mod backoff;
mod future;
pub mod location;
mod policy;
mod redirect;

pub use crate::operation::Idempotency;
pub use future::ResponseFuture;
use policy::RetryPolicy;
pub use tower::retry::budget::TpsBudget;

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderName, HeaderValue, Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use crate::BoxError;

/// Request extension that overrides the layer's retry count for one request (`0` disables retries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxRetries(pub u32);

/// Request extension set by the retry layer on replayed attempts: which attempt this is.
///
/// The first attempt carries none (so the common, unretried call costs nothing); read it with
/// [`Attempt::index_of`], which counts a missing extension as attempt `0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    index: u32,
    /// Whether the layer wrote the attempt header (and so may rewrite it); a caller's stays.
    writes_header: bool,
}

impl Attempt {
    /// The attempt's index, `0` for the first.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The index of the attempt `req` is: its extension's, or `0` without one.
    pub fn index_of<B>(req: &Request<B>) -> u32 {
        req.extensions().get::<Self>().map_or(0, Self::index)
    }
}

struct Config {
    max_retries: u32,
    max_redirects: u32,
    budget: Arc<TpsBudget>,
    count_header: Option<HeaderName>,
    should_retry_header: Option<HeaderName>,
}

/// Layer that retries failed requests; see the [module docs](self).
#[derive(Clone)]
pub struct RetryLayer {
    config: Arc<Config>,
}

impl RetryLayer {
    /// Retry at most `max_retries` times, with a default [`TpsBudget`] (10 s window,
    /// 10 retries a second plus 20 % of requests).
    pub fn new(max_retries: u32) -> Self {
        Self {
            config: Arc::new(Config {
                max_retries,
                max_redirects: 0,
                budget: Arc::new(TpsBudget::default()),
                count_header: None,
                should_retry_header: None,
            }),
        }
    }

    fn config_mut(&mut self) -> &mut Config {
        Arc::get_mut(&mut self.config).expect("RetryLayer is configured before it is cloned")
    }

    /// Share `budget` with other layers; every retry withdraws from it.
    pub fn budget(mut self, budget: Arc<TpsBudget>) -> Self {
        self.config_mut().budget = budget;
        self
    }

    /// Write the attempt index (`0`, `1`, …) into `name` on each attempt, unless the caller set
    /// that header, in which case it is left as it is.
    pub fn attempt_header(mut self, name: HeaderName) -> Self {
        self.config_mut().count_header = Some(name);
        self
    }

    /// Follow up to `max` redirects (none by default) on the same copy of the request that serves
    /// retries; hops are not retries and draw nothing from the budget. Request URIs must be
    /// absolute (put a base-URI layer above this one) for relative `Location`s to resolve.
    ///
    /// 307 and 308 keep the method and body; 303, and 301/302 after a `POST`, become a `GET`
    /// without a body. `authorization`, `cookie` and `proxy-authorization` are dropped for good
    /// once a hop leaves the origin. After `max` hops the redirect response is the result.
    pub fn follow_redirects(mut self, max: u32) -> Self {
        self.config_mut().max_redirects = max;
        self
    }

    /// Let a response header `name: true|false` override the status rules both ways.
    pub fn should_retry_header(mut self, name: HeaderName) -> Self {
        self.config_mut().should_retry_header = Some(name);
        self
    }
}

impl fmt::Debug for RetryLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryLayer")
            .field("max_retries", &self.config.max_retries)
            .field("max_redirects", &self.config.max_redirects)
            .field("attempt_header", &self.config.count_header)
            .field("should_retry_header", &self.config.should_retry_header)
            .finish_non_exhaustive()
    }
}

impl<S> Layer<S> for RetryLayer {
    type Service = Retry<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Retry { inner, policy: RetryPolicy::new(self.config.clone()) }
    }
}

/// Service made by [`RetryLayer`]: sends each request, keeps a copy, and lets the layer's rules
/// turn the copy into a retry or a redirect hop.
#[derive(Clone)]
pub struct Retry<S> {
    inner: S,
    /// A policy with fresh counters, cloned into each call's future.
    policy: RetryPolicy,
}

impl<S> fmt::Debug for Retry<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retry").field("policy", &self.policy).finish_non_exhaustive()
    }
}

impl<S, B, ResB> Service<Request<B>> for Retry<S>
where
    S: Service<Request<B>, Response = Response<ResB>, Error = BoxError> + Clone,
    B: Clone + Default,
{
    type Response = Response<ResB>;
    type Error = BoxError;
    type Future = ResponseFuture<S, B>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        if let Some(name) = self.policy.count_header() {
            if req.headers().contains_key(name) {
                // Rare: the caller's header stays on every attempt, which the extension records.
                req.extensions_mut().insert(Attempt { index: 0, writes_header: false });
            } else {
                req.headers_mut().insert(name.clone(), HeaderValue::from_static("0"));
            }
        }
        let mut policy = self.policy.clone();
        let copy = policy.copy_request(&req);
        // The ready service takes this attempt; a clone is kept for the next ones.
        let service = self.inner.clone();
        let future = self.inner.call(req);
        ResponseFuture::new(copy, policy, service, future)
    }
}

#[cfg(test)]
mod tests;
