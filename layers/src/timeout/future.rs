use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::time::Sleep;

use super::{AttemptElapsed, DeadlineElapsed};
use crate::BoxError;

#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    Attempt,
    Deadline,
}

pin_project! {
    /// Future of the timeout services: the inner future raced against an optional timer. The
    /// timer is boxed so a future without one stays small as outer layers move it.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        sleep: Option<Pin<Box<Sleep>>>,
        after: Duration,
        kind: Kind,
    }
}

impl<F> ResponseFuture<F> {
    pub(super) fn new(inner: F, sleep: Option<Pin<Box<Sleep>>>, after: Duration, kind: Kind) -> Self {
        Self { inner, sleep, after, kind }
    }
}

impl<F, T, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<T, E>>,
    E: Into<BoxError>,
{
    type Output = Result<T, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(result) = this.inner.poll(cx) {
            return Poll::Ready(result.map_err(Into::into));
        }
        match this.sleep.as_mut().map(|sleep| sleep.as_mut().poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(Err(match this.kind {
                Kind::Attempt => AttemptElapsed::new(*this.after).into(),
                Kind::Deadline => DeadlineElapsed::new(*this.after).into(),
            })),
            _ => Poll::Pending,
        }
    }
}
