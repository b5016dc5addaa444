//! Feature `opentelemetry`: each attempt carries the W3C trace context of the call's `request`
//! span, which an OpenTelemetry pipeline exports with the HTTP semantic-convention attributes.

mod support;

use std::future::IntoFuture;

use boltz_api::Client;
use boltz_api::api::admin::api_keys::ListApiKeys;
use opentelemetry::trace::{SpanId, TracerProvider as _};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use support::{SEED, TestServer, json};
use tracing::Instrument;
use tracing_subscriber::layer::SubscriberExt;

/// A subscriber that exports every span to memory, installed on this thread.
struct Pipeline {
    exporter: InMemorySpanExporter,
    provider: SdkTracerProvider,
    _guard: tracing::subscriber::DefaultGuard,
}

impl Pipeline {
    fn install() -> Self {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
        let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("boltz-api-tests"));
        let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
        Self { exporter, provider, _guard }
    }

    fn spans(&self) -> Vec<SpanData> {
        self.provider.force_flush().unwrap();
        self.exporter.get_finished_spans().unwrap()
    }
}

fn attribute<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes.iter().find(|kv: &&KeyValue| kv.key.as_str() == key).map(|kv| &kv.value)
}

fn busy_then_ok() -> impl Fn(&support::Recorded, usize) -> support::Reply + Send + Sync {
    |_, n| match n {
        0 => {
            let mut reply = json(503, r#"{"detail":"busy"}"#);
            reply.response.headers_mut().insert("retry-after-ms", "1".parse().unwrap());
            reply
        }
        _ => json(200, SEED),
    }
}

#[tokio::test]
async fn every_attempt_carries_the_request_spans_trace_context() {
    let pipeline = Pipeline::install();
    let server = TestServer::start(busy_then_ok()).await;
    let client =
        Client::builder().api_key("sk_test_otel_propagation").base_url(server.url()).build().unwrap();

    let call = client.admin().api_keys().revoke("k1").into_future();
    call.instrument(tracing::info_span!("handler")).await.unwrap();

    let spans = pipeline.spans();
    let handler = spans.iter().find(|s| s.name == "handler").expect("the caller's span");
    let request = spans.iter().find(|s| s.name == "request").expect("the call's span");
    assert_eq!(request.parent_span_id, handler.span_context.span_id(), "the call is a child of the caller");
    assert_eq!(request.span_context.trace_id(), handler.span_context.trace_id());
    assert_ne!(request.span_context.span_id(), SpanId::INVALID);

    let expected = format!(
        "00-{}-{}-{:02x}",
        request.span_context.trace_id(),
        request.span_context.span_id(),
        request.span_context.trace_flags().to_u8()
    );
    let sent: Vec<_> =
        server.requests().iter().map(|r| r.headers["traceparent"].to_str().unwrap().to_owned()).collect();
    assert_eq!(sent, [expected.clone(), expected], "both attempts, the retry included");
    assert!(server.requests().iter().all(|r| !r.headers.contains_key("tracestate")), "no state, no header");
}

#[tokio::test]
async fn the_request_span_has_the_http_semantic_convention_attributes() {
    let pipeline = Pipeline::install();
    let server = TestServer::start(busy_then_ok()).await;
    let client = Client::builder().api_key("sk_test_otel_attributes").base_url(server.url()).build().unwrap();

    let list = ListApiKeys::new().workspace_id("ws_1");
    client.send(list).await.unwrap_err(); // SEED is not a page: a decode error after a 200
    let spans = pipeline.spans();
    let request = spans.iter().find(|s| s.name == "request").unwrap();
    let text = |key| attribute(request, key).map(|v| v.as_str().into_owned());
    assert_eq!(text("http.request.method").as_deref(), Some("GET"));
    assert_eq!(text("url.template").as_deref(), Some("/compute/v1/admin/api-keys"));
    assert_eq!(text("server.address").as_deref(), Some("127.0.0.1"));
    assert_eq!(attribute(request, "server.port"), Some(&Value::I64(server.addr.port().into())));
    assert_eq!(attribute(request, "http.response.status_code"), Some(&Value::I64(200)), "the final status");
    let keys: Vec<_> = request.attributes.iter().map(|kv| kv.key.as_str()).collect();
    for key in ["url.full", "server.port", "http.response.status_code", "error.type"] {
        assert!(keys.iter().filter(|k| **k == key).count() <= 1, "{key} recorded once: {keys:?}");
    }
    assert_eq!(text("error.type"), None, "the final outcome was a success");
    let url = text("url.full").unwrap();
    assert!(url.ends_with("/compute/v1/admin/api-keys"), "no query in url.full: {url}");
    assert!(server.requests()[0].uri.query().unwrap().contains("workspace_id=ws_1"), "the query was sent");
    let debug = format!("{spans:?}");
    assert!(!debug.contains("sk_test_otel_attributes"), "no key in any exported span");
}

#[tokio::test]
async fn without_an_opentelemetry_layer_or_with_the_callers_own_nothing_is_replaced() {
    let server = TestServer::start(|_, _| json(200, SEED)).await;
    let client = Client::builder().api_key("sk_test_otel_absent").base_url(server.url()).build().unwrap();
    client.admin().api_keys().revoke("k1").await.unwrap();
    assert!(!server.requests()[0].headers.contains_key("traceparent"), "no OpenTelemetry context, no header");

    let _pipeline = Pipeline::install();
    let own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    let call = client.admin().api_keys().revoke("k2").header("traceparent", own);
    call.into_future().instrument(tracing::info_span!("handler")).await.unwrap();
    assert_eq!(server.requests()[1].headers["traceparent"], own, "the caller's traceparent is kept");
}

#[tokio::test]
async fn a_failed_call_records_its_error_type_once() {
    let pipeline = Pipeline::install();
    let server = TestServer::start(|_, _| json(404, r#"{"detail":"no such key"}"#)).await;
    let client = Client::builder().api_key("sk_test_otel_errors").base_url(server.url()).build().unwrap();
    client.admin().api_keys().revoke("missing").await.unwrap_err();

    let refused = support::closed_port().await;
    let offline = Client::builder()
        .api_key("sk_test_otel_errors")
        .base_url(format!("http://{refused}"))
        .max_retries(0)
        .build();
    offline.unwrap().admin().api_keys().revoke("k").await.unwrap_err();

    let spans = pipeline.spans();
    let requests: Vec<_> = spans.iter().filter(|s| s.name == "request").collect();
    assert_eq!(requests.len(), 2);
    let (status, error) =
        (attribute(requests[0], "http.response.status_code"), attribute(requests[0], "error.type"));
    assert_eq!(
        (status, error),
        (Some(&Value::I64(404)), Some(&Value::from("404"))),
        "a 4xx is its own error type"
    );
    let (status, error) =
        (attribute(requests[1], "http.response.status_code"), attribute(requests[1], "error.type"));
    assert_eq!((status, error), (None, Some(&Value::from("connect"))), "no response: the error's class");
}
