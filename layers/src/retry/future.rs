use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::{Request, Response};
use pin_project_lite::pin_project;
use tower_service::Service;

use super::policy::{RetryPolicy, Wait};
use crate::BoxError;

pin_project! {
    /// Future of [`Retry`](super::Retry): the current attempt, then the wait before the next.
    pub struct ResponseFuture<S, B>
    where
        S: Service<Request<B>>,
    {
        // The copy the next attempt (a retry or a redirect hop) is sent from.
        copy: Option<Request<B>>,
        policy: RetryPolicy,
        service: S,
        #[pin]
        state: State<S::Future>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        Called { #[pin] future: F },
        Waiting { #[pin] wait: Wait },
        Retrying,
    }
}

impl<S, B> ResponseFuture<S, B>
where
    S: Service<Request<B>>,
{
    pub(super) fn new(copy: Option<Request<B>>, policy: RetryPolicy, service: S, future: S::Future) -> Self {
        Self { copy, policy, service, state: State::Called { future } }
    }
}

impl<S, B, ResB> Future for ResponseFuture<S, B>
where
    S: Service<Request<B>, Response = Response<ResB>, Error = BoxError>,
    B: Clone + Default,
{
    type Output = Result<Response<ResB>, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::Called { future } => {
                    let result = ready!(future.poll(cx));
                    let Some(next) = this.copy.as_mut() else { return Poll::Ready(result) };
                    match this.policy.next_attempt(next, &result) {
                        Some(wait) => this.state.set(State::Waiting { wait }),
                        None => return Poll::Ready(result),
                    }
                }
                StateProj::Waiting { wait } => {
                    ready!(wait.poll(cx));
                    this.state.set(State::Retrying);
                }
                StateProj::Retrying => {
                    ready!(this.service.poll_ready(cx))?;
                    let request = this.copy.take().expect("a retry is only scheduled with a copy");
                    *this.copy = this.policy.copy_request(&request);
                    this.state.set(State::Called { future: this.service.call(request) });
                }
            }
        }
    }
}
