use std::{
    collections::HashMap,
    sync::atomic::{AtomicBool, Ordering},
};

use opentelemetry::{
    propagation::TextMapPropagator,
    trace::{TraceContextExt, TraceId},
};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::{Instrument, Span};
use tracing_opentelemetry::OpenTelemetrySpanExt;

static ENABLED: AtomicBool = AtomicBool::new(false);

const TRACEPARENT: &str = "traceparent";

pub(crate) fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Whether spans are made and sent: the one check on the hot path when they are not.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// The current span as a W3C `traceparent`, to be continued elsewhere (a job's row, an
/// outbound request); `None` when tracing is off or no span is current.
pub fn trace_parent() -> Option<String> {
    if !enabled() {
        return None;
    }
    let context = Span::current().context();
    if !context.span().span_context().is_valid() {
        return None;
    }
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&context, &mut carrier);
    carrier.remove(TRACEPARENT)
}

/// Makes `span` a child of `trace_parent` (from a job's row or a request's header) and
/// records its trace id in its `trace_id` field, so every log line inside names the trace.
/// Call before the span is first entered.
pub fn follow(span: &Span, trace_parent: Option<&str>) {
    if !enabled() {
        return;
    }
    if let Some(parent) = trace_parent {
        let carrier = HashMap::from([(TRACEPARENT.to_owned(), parent.to_owned())]);
        // A malformed value yields an empty context: the span starts a trace of its own.
        let _ = span.set_parent(TraceContextPropagator::new().extract(&carrier));
    }
    let trace_id = span.context().span().span_context().trace_id();
    if trace_id != TraceId::INVALID {
        span.record("trace_id", tracing::field::display(trace_id));
    }
}

/// An outbound request in a span of its own (a client span), whose `traceparent` the
/// server it reaches continues.
pub trait TracedSend {
    /// `send`, named `name` in the trace (`llm chat`, `crawl fetch`).
    fn send_traced(
        self,
        name: &'static str,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send;
}

impl TracedSend for reqwest::RequestBuilder {
    async fn send_traced(self, name: &'static str) -> reqwest::Result<reqwest::Response> {
        if !enabled() {
            return self.send().await;
        }
        let span = tracing::info_span!(
            "outbound",
            otel.name = name,
            otel.kind = "client",
            otel.status_code = tracing::field::Empty,
            http.response.status_code = tracing::field::Empty,
        );
        let call = async {
            let request = match trace_parent() {
                Some(parent) => self.header(TRACEPARENT, parent),
                None => self,
            };
            request.send().await
        };
        let answer = call.instrument(span.clone()).await;
        match &answer {
            Ok(response) => {
                span.record("http.response.status_code", response.status().as_u16());
                if response.status().is_server_error() {
                    span.record("otel.status_code", "ERROR");
                }
            }
            Err(_) => {
                span.record("otel.status_code", "ERROR");
            }
        }
        answer
    }
}
