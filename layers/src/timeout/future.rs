use std::future::{Future, Pending};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::Either;
use pin_project_lite::pin_project;
use tokio::time::Sleep;

use super::{AttemptElapsed, DeadlineElapsed};
use crate::BoxError;

#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    Attempt,
    Deadline,
}

/// The deadline's timer: boxed when there is one, so a call without a deadline carries no timer
/// as outer layers move its future; the attempt timer is always there and stays inline.
pub(super) type MaybeTimer = Either<Pin<Box<Sleep>>, Pending<()>>;

pin_project! {
    /// Future of the timeout services: the inner future raced against a timer.
    pub struct ResponseFuture<F, T = Sleep> {
        #[pin]
        inner: F,
        #[pin]
        timer: T,
        after: Duration,
        kind: Kind,
    }
}

impl<F, T> ResponseFuture<F, T> {
    pub(super) fn new(inner: F, timer: T, after: Duration, kind: Kind) -> Self {
        Self { inner, timer, after, kind }
    }
}

impl<F, T, R, E> Future for ResponseFuture<F, T>
where
    F: Future<Output = Result<R, E>>,
    E: Into<BoxError>,
    T: Future<Output = ()>,
{
    type Output = Result<R, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(result) = this.inner.poll(cx) {
            return Poll::Ready(result.map_err(Into::into));
        }
        match this.timer.poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(match this.kind {
                Kind::Attempt => AttemptElapsed::new(*this.after).into(),
                Kind::Deadline => DeadlineElapsed::new(*this.after).into(),
            })),
            Poll::Pending => Poll::Pending,
        }
    }
}
