//! One revoke through the default stack over an in-memory service that answers at once, against
//! the bare service (JSON adapter + body collection only), adding one layer at a time so each
//! layer's cost shows.

mod support;

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::time::Duration;

use boltz_api::Client;
use boltz_api::json::HttpRequest;
use boltz_api::layers::attempt_log::AttemptLogLayer;
use boltz_api::layers::auth::AuthLayer;
use boltz_api::layers::base_uri::BaseUriLayer;
use boltz_api::layers::collect::CollectLayer;
use boltz_api::layers::default_headers::DefaultHeadersLayer;
use boltz_api::layers::retry::RetryLayer;
use boltz_api::layers::timeout::{AttemptTimeoutLayer, DeadlineLayer};
use boltz_api::layers::trace::TraceLayer;
use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http::{HeaderMap, HeaderName, HeaderValue, Response, Uri};
use http_body_util::Full;
use support::{KEY, SEED};
use tower::{ServiceBuilder, service_fn};

const BASE: &str = "http://127.0.0.1:9";

type Canned = Result<Response<Full<Bytes>>, Infallible>;

/// A transport that answers every request with the revoke response, without I/O.
fn in_memory()
-> impl tower::Service<HttpRequest, Response = Response<Full<Bytes>>, Error = Infallible, Future = Ready<Canned>>
+ Clone
+ Send
+ Sync
+ 'static {
    service_fn(|_req: HttpRequest| ready(Ok(Response::new(Full::new(Bytes::from_static(SEED.as_bytes()))))))
}

fn auth() -> AuthLayer {
    AuthLayer::new(
        &Uri::from_static(BASE),
        HeaderName::from_static("x-api-key"),
        HeaderValue::from_static(KEY),
    )
    .unwrap()
}

fn retry() -> RetryLayer {
    RetryLayer::new(2)
        .attempt_header(HeaderName::from_static("x-stainless-retry-count"))
        .should_retry_header(HeaderName::from_static("x-should-retry"))
        .follow_redirects(10)
}

fn default_headers() -> DefaultHeadersLayer {
    let mut headers = HeaderMap::new();
    headers.insert("user-agent", HeaderValue::from_static("boltz-api-rust/bench"));
    DefaultHeadersLayer::new(headers)
}

/// A client over `outer… → collect → inner… → in-memory transport`.
macro_rules! client {
    ([$($outer:expr),*], [$($inner:expr),*]) => {
        Client::from_service(
            ServiceBuilder::new()
                $(.layer($outer))*
                .layer(CollectLayer::default())
                $(.layer($inner))*
                .map_err(|e: Infallible| -> tower::BoxError { match e {} })
                .service(in_memory()),
        )
    };
}

fn stack(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let _guard = rt.enter();
    let timeout = || AttemptTimeoutLayer::new(Duration::from_secs(60));
    let base = || BaseUriLayer::new(Uri::from_static(BASE));
    let variants: Vec<(&str, Client)> = vec![
        ("0 bare (json + collect)", client!([], [])),
        ("1 + auth", client!([], [auth()])),
        ("2 + attempt timeout", client!([timeout()], [auth()])),
        ("3 + attempt log", client!([AttemptLogLayer::new(), timeout()], [auth()])),
        ("4 + retry and redirects", client!([retry(), AttemptLogLayer::new(), timeout()], [auth()])),
        ("5 + base uri", client!([base(), retry(), AttemptLogLayer::new(), timeout()], [auth()])),
        (
            "6 + deadline",
            client!([DeadlineLayer::new(None), base(), retry(), AttemptLogLayer::new(), timeout()], [auth()]),
        ),
        (
            "7 + default headers",
            client!(
                [
                    default_headers(),
                    DeadlineLayer::new(None),
                    base(),
                    retry(),
                    AttemptLogLayer::new(),
                    timeout()
                ],
                [auth()]
            ),
        ),
        (
            "8 + trace",
            client!(
                [
                    TraceLayer::new(),
                    default_headers(),
                    DeadlineLayer::new(None),
                    base(),
                    retry(),
                    AttemptLogLayer::new(),
                    timeout()
                ],
                [auth()]
            ),
        ),
        (
            "8 without trace and attempt log",
            client!([default_headers(), DeadlineLayer::new(None), base(), retry(), timeout()], [auth()]),
        ),
        (
            "full default stack (ClientBuilder)",
            Client::builder().api_key(KEY).base_url(BASE).build_with_transport(in_memory()).unwrap(),
        ),
    ];
    let mut group = c.benchmark_group("stack");
    for (name, client) in &variants {
        group.bench_function(*name, |b| {
            b.to_async(&rt).iter(|| async { client.admin().api_keys().revoke("key_123").await.unwrap() })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = stack
}
criterion_main!(benches);
