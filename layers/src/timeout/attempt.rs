use std::task::{Context, Poll};
use std::time::Duration;

use http::Request;
use tower_layer::Layer;
use tower_service::Service;

use super::future::{Kind, ResponseFuture};
use crate::BoxError;

/// Request extension that overrides the layer's default attempt timeout for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptTimeout(pub Duration);

/// Fails an attempt with [`AttemptElapsed`](super::AttemptElapsed) when it runs too long.
#[derive(Debug, Clone, Copy)]
pub struct AttemptTimeoutLayer {
    timeout: Duration,
}

impl AttemptTimeoutLayer {
    /// Time out attempts after `timeout` unless the request carries an [`AttemptTimeout`].
    pub fn new(timeout: Duration) -> Self {
        Self { timeout }
    }
}

impl<S> Layer<S> for AttemptTimeoutLayer {
    type Service = AttemptTimeoutService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AttemptTimeoutService { inner, timeout: self.timeout }
    }
}

/// Service made by [`AttemptTimeoutLayer`].
#[derive(Debug, Clone)]
pub struct AttemptTimeoutService<S> {
    inner: S,
    timeout: Duration,
}

impl<S, B> Service<Request<B>> for AttemptTimeoutService<S>
where
    S: Service<Request<B>>,
    S::Error: Into<BoxError>,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let timeout = req.extensions().get::<AttemptTimeout>().map_or(self.timeout, |t| t.0);
        let sleep = tokio::time::sleep(timeout);
        ResponseFuture::new(self.inner.call(req), sleep, timeout, Kind::Attempt)
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
}
