use std::task::{Context, Poll};
use std::time::Duration;

use http::Request;
use tokio::time::Instant;
use tower_layer::Layer;
use tower_service::Service;

use std::future::pending;

use futures_util::future::Either;

use super::future::{Kind, MaybeTimer, ResponseFuture};
use crate::BoxError;

/// Request extension that sets (or overrides) the total time budget of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TotalTimeout(pub Duration);

/// Request extension inserted by [`DeadlineLayer`]: the instant the call must finish by.
///
/// Layers below read it, for example to refuse a retry whose backoff would end after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline(pub Instant);

/// Bounds a whole call with a total deadline, failing with [`DeadlineElapsed`](super::DeadlineElapsed).
#[derive(Debug, Clone, Copy, Default)]
pub struct DeadlineLayer {
    budget: Option<Duration>,
}

impl DeadlineLayer {
    /// A default budget for every call; `None` means calls have a deadline only when the request
    /// carries a [`TotalTimeout`].
    pub fn new(budget: Option<Duration>) -> Self {
        Self { budget }
    }
}

impl<S> Layer<S> for DeadlineLayer {
    type Service = DeadlineService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        DeadlineService { inner, budget: self.budget }
    }
}

/// Service made by [`DeadlineLayer`].
#[derive(Debug, Clone)]
pub struct DeadlineService<S> {
    inner: S,
    budget: Option<Duration>,
}

impl<S, B> Service<Request<B>> for DeadlineService<S>
where
    S: Service<Request<B>>,
    S::Error: Into<BoxError>,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = ResponseFuture<S::Future, MaybeTimer>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let budget = req.extensions().get::<TotalTimeout>().map(|t| t.0).or(self.budget);
        match budget {
            Some(budget) => {
                let at = Instant::now() + budget;
                req.extensions_mut().insert(Deadline(at));
                let sleep = Box::pin(tokio::time::sleep_until(at));
                ResponseFuture::new(self.inner.call(req), Either::Left(sleep), budget, Kind::Deadline)
            }
            None => ResponseFuture::new(
                self.inner.call(req),
                Either::Right(pending()),
                Duration::ZERO,
                Kind::Deadline,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeout::DeadlineElapsed;
    use tower::{ServiceExt, service_fn};

    #[tokio::test(start_paused = true)]
    async fn publishes_the_deadline_and_enforces_it() {
        let svc = DeadlineLayer::new(Some(Duration::from_secs(2))).layer(service_fn(
            |req: Request<()>| async move {
                let deadline = req.extensions().get::<Deadline>().copied();
                tokio::time::sleep(Duration::from_secs(3)).await;
                Ok::<_, BoxError>(deadline)
            },
        ));
        let start = Instant::now();
        let err = svc.clone().oneshot(Request::new(())).await.unwrap_err();
        assert_eq!(
            err.downcast_ref::<DeadlineElapsed>(),
            Some(&DeadlineElapsed::new(Duration::from_secs(2)))
        );
        assert_eq!(start.elapsed(), Duration::from_secs(2));

        let mut req = Request::new(());
        req.extensions_mut().insert(TotalTimeout(Duration::from_secs(5)));
        let start = Instant::now();
        let seen = svc.oneshot(req).await.unwrap().unwrap();
        assert_eq!(seen.0, start + Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_budget_nothing_is_bounded() {
        let svc = DeadlineLayer::new(None).layer(service_fn(|req: Request<()>| async move {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok::<_, BoxError>(req.extensions().get::<Deadline>().is_none())
        }));
        assert!(svc.oneshot(Request::new(())).await.unwrap());
    }
}
