//! Compose your own tower layers with the client's stack: a concurrency limit from tower and a
//! request counter written here, both wrapped around the default stack with `.layer(..)`.
//!
//! ```text
//! cargo run --example custom_stack
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use boltz_api::Client;
use boltz_api::api::admin::api_keys::CreateApiKey;
use boltz_api_emulator::Emulator;
use tower::limit::ConcurrencyLimitLayer;
use tower::{Layer, Service};

/// Counts the requests that pass through it.
#[derive(Clone, Default)]
struct CountLayer {
    count: Arc<AtomicU64>,
}

impl<S> Layer<S> for CountLayer {
    type Service = Count<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Count { inner, count: self.count.clone() }
    }
}

#[derive(Clone)]
struct Count<S> {
    inner: S,
    count: Arc<AtomicU64>,
}

impl<S: Service<R>, R> Service<R> for Count<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: R) -> Self::Future {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.inner.call(req)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start().await?;
    let counter = CountLayer::default();
    let client = Client::builder()
        .api_key(emulator.admin_key())
        .base_url(emulator.base_url())
        .layer(ConcurrencyLimitLayer::new(4))
        .layer(counter.clone())
        .build()?;

    let calls: Vec<_> = (0..20)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                client.admin().api_keys().create(CreateApiKey::new(format!("batch-{i}"))).await
            })
        })
        .collect();
    for call in calls {
        call.await??;
    }
    println!(
        "created 20 keys, at most 4 at a time; the counting layer saw {} calls",
        counter.count.load(Ordering::Relaxed)
    );
    Ok(())
}
