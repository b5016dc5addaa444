//! W3C trace context on every attempt (feature `opentelemetry`): a `traceparent` (and
//! `tracestate`) header taken from the OpenTelemetry context of the current `tracing` span,
//! which is the call's `request` span, so the server's spans join the caller's trace.
//!
//! It needs a `tracing-opentelemetry` layer in the subscriber; without one the span has no
//! OpenTelemetry context and nothing is added. A `traceparent` the caller set is kept.

use http::HeaderMap;
use http::header::{HeaderName, HeaderValue};
use opentelemetry::trace::TraceContextExt;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::json::HttpRequest;

const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

/// Add the current span's trace context to `req`; a `tower::util::MapRequestLayer` function.
pub(crate) fn propagate(mut req: HttpRequest) -> HttpRequest {
    inject(&tracing::Span::current(), req.headers_mut());
    req
}

/// Write `span`'s trace context as W3C Trace Context headers, if it has a valid one.
fn inject(span: &tracing::Span, headers: &mut HeaderMap) {
    if headers.contains_key(TRACEPARENT) {
        return;
    }
    let context = span.context();
    let otel_span = context.span();
    let span_context = otel_span.span_context();
    if !span_context.is_valid() {
        return;
    }
    let parent = format!(
        "00-{}-{}-{:02x}",
        span_context.trace_id(),
        span_context.span_id(),
        span_context.trace_flags().to_u8()
    );
    if let Ok(value) = HeaderValue::try_from(parent) {
        headers.insert(TRACEPARENT, value);
    }
    let state = span_context.trace_state().header();
    if let Ok(value) = HeaderValue::try_from(state).map(|v| (!v.is_empty()).then_some(v)) {
        headers.extend(value.map(|v| (TRACESTATE, v)));
    }
}
