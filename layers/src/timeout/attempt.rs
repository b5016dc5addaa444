use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::Either;

use http::Request;
use tower_layer::Layer;
use tower_service::Service;

use super::future::{Kind, ResponseFuture};
use super::shared_timer::{SharedSleep, SharedTimer};
use crate::BoxError;

/// Request extension that overrides the layer's default attempt timeout for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptTimeout(pub Duration);

/// Fails an attempt with [`AttemptElapsed`](super::AttemptElapsed) when it runs too long.
///
/// Attempts under the default timeout that start close together share one timer, so one may
/// fire up to `max(1 ms, timeout / 100)` late; an [`AttemptTimeout`] override gets a timer of
/// its own and fires on time.
#[derive(Clone)]
pub struct AttemptTimeoutLayer {
    timeout: Duration,
    shared: Arc<SharedTimer>,
}

impl AttemptTimeoutLayer {
    /// Time out attempts after `timeout` unless the request carries an [`AttemptTimeout`].
    pub fn new(timeout: Duration) -> Self {
        Self { timeout, shared: Arc::default() }
    }
}

impl fmt::Debug for AttemptTimeoutLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttemptTimeoutLayer").field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

/// The timer of one attempt: the shared one for the default timeout, its own for an override.
pub type AttemptTimer = Either<SharedSleep, tokio::time::Sleep>;

impl<S> Layer<S> for AttemptTimeoutLayer {
    type Service = AttemptTimeoutService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AttemptTimeoutService { inner, timeout: self.timeout, shared: self.shared.clone() }
    }
}

/// Service made by [`AttemptTimeoutLayer`].
#[derive(Clone)]
pub struct AttemptTimeoutService<S> {
    inner: S,
    timeout: Duration,
    shared: Arc<SharedTimer>,
}

impl<S: fmt::Debug> fmt::Debug for AttemptTimeoutService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttemptTimeoutService")
            .field("inner", &self.inner)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl<S, B> Service<Request<B>> for AttemptTimeoutService<S>
where
    S: Service<Request<B>>,
    S::Error: Into<BoxError>,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = ResponseFuture<S::Future, AttemptTimer>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let (timeout, timer) = match req.extensions().get::<AttemptTimeout>() {
            Some(&AttemptTimeout(timeout)) => (timeout, Either::Right(tokio::time::sleep(timeout))),
            None => (self.timeout, Either::Left(self.shared.start(self.timeout))),
        };
        ResponseFuture::new(self.inner.call(req), timer, timeout, Kind::Attempt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeout::AttemptElapsed;
    use tower::{ServiceExt, service_fn};

    fn slow(
        delay: Duration,
    ) -> impl tower::Service<Request<()>, Response = (), Error = BoxError, Future: Send> + Clone {
        AttemptTimeoutLayer::new(Duration::from_secs(60)).layer(service_fn(
            move |_req: Request<()>| async move {
                tokio::time::sleep(delay).await;
                Ok::<_, BoxError>(())
            },
        ))
    }

    #[tokio::test(start_paused = true)]
    async fn the_default_applies_and_a_request_may_override_it() {
        assert!(slow(Duration::from_secs(59)).oneshot(Request::new(())).await.is_ok());
        let err = slow(Duration::from_secs(61)).oneshot(Request::new(())).await.unwrap_err();
        assert_eq!(err.downcast_ref::<AttemptElapsed>(), Some(&AttemptElapsed::new(Duration::from_secs(60))));

        let mut req = Request::new(());
        req.extensions_mut().insert(AttemptTimeout(Duration::from_millis(10)));
        let start = tokio::time::Instant::now();
        let err = slow(Duration::from_secs(1)).oneshot(req).await.unwrap_err();
        assert!(err.is::<AttemptElapsed>());
        assert_eq!(start.elapsed(), Duration::from_millis(10));
    }

    fn hanging(
        layer: &AttemptTimeoutLayer,
    ) -> impl tower::Service<Request<()>, Response = (), Error = BoxError, Future: Send> + Send + 'static
    {
        layer.layer(service_fn(|_req: Request<()>| std::future::pending::<Result<(), BoxError>>()))
    }

    #[tokio::test(start_paused = true)]
    async fn attempts_starting_together_share_a_timer_that_fires_at_most_the_window_late() {
        let layer = AttemptTimeoutLayer::new(Duration::from_secs(1));
        let start = tokio::time::Instant::now();
        let first = tokio::spawn(hanging(&layer).oneshot(Request::new(())));
        tokio::time::sleep(Duration::from_millis(4)).await;
        let second = tokio::spawn(hanging(&layer).oneshot(Request::new(())));
        assert!(first.await.unwrap().unwrap_err().is::<AttemptElapsed>());
        assert!(second.await.unwrap().unwrap_err().is::<AttemptElapsed>());
        // The window of a 1 s timeout is 10 ms wide: both fire when the window's last one is due.
        assert_eq!(start.elapsed(), Duration::from_millis(1010));
        // An attempt after the window closed gets a new timer.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let later = tokio::time::Instant::now();
        assert!(hanging(&layer).oneshot(Request::new(())).await.is_err());
        assert_eq!(later.elapsed(), Duration::from_millis(1010));
    }

    #[test]
    fn a_layer_used_from_a_second_runtime_gets_timers_there() {
        // A 10 s timeout has a 100 ms window, still open when the second runtime starts.
        let layer = AttemptTimeoutLayer::new(Duration::from_secs(10));
        let first = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        first.block_on(async {
            let attempt = hanging(&layer).oneshot(Request::new(()));
            assert!(tokio::time::timeout(Duration::from_millis(1), attempt).await.is_err());
        });
        drop(first);
        let second =
            tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap();
        second.block_on(async {
            let start = tokio::time::Instant::now();
            assert!(hanging(&layer).oneshot(Request::new(())).await.unwrap_err().is::<AttemptElapsed>());
            assert_eq!(start.elapsed(), Duration::from_millis(10_100));
        });
    }
}
