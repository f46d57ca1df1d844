//! A stand-in OpenTelemetry collector on 127.0.0.1: takes OTLP/HTTP protobuf exports at
//! `/v1/traces`, as a real collector does, and keeps every span for the scenario to read.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use opentelemetry_proto::tonic::{
    collector::trace::v1::ExportTraceServiceRequest, common::v1::any_value,
};
use poem::{
    EndpointExt, Route, Server, handler,
    http::StatusCode,
    listener::{Acceptor, Listener, TcpListener},
    web::Data,
};
use prost::Message;

/// One span as exported, ids in hex as in a `traceparent`.
#[derive(Debug, Clone)]
pub struct CollectedSpan {
    pub service: String,
    pub name: String,
    pub trace_id: String,
    pub span_id: String,
    /// Empty for a trace's root.
    pub parent_span_id: String,
    pub attributes: BTreeMap<String, String>,
    /// `2` is OpenTelemetry's `STATUS_CODE_ERROR`.
    pub status_code: i32,
}

#[derive(Default)]
struct Spans(Mutex<Vec<CollectedSpan>>);

pub struct OtlpCollector {
    /// What `OTEL_EXPORTER_OTLP_ENDPOINT` is set to.
    pub endpoint: String,
    spans: Arc<Spans>,
}

impl OtlpCollector {
    pub async fn start() -> Self {
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("binding the collector");
        let port = acceptor.local_addr()[0]
            .as_socket_addr()
            .expect("a TCP address")
            .port();
        let spans = Arc::new(Spans::default());
        let app = Route::new()
            .at("/v1/traces", poem::post(export))
            .data(spans.clone());
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            spans,
        }
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<CollectedSpan> {
        self.spans.0.lock().unwrap().clone()
    }
}

#[handler]
async fn export(spans: Data<&Arc<Spans>>, body: poem::Body) -> StatusCode {
    let Ok(bytes) = body.into_bytes().await else {
        return StatusCode::BAD_REQUEST;
    };
    let Ok(request) = ExportTraceServiceRequest::decode(bytes) else {
        return StatusCode::BAD_REQUEST;
    };
    let mut kept = spans.0.0.lock().unwrap();
    for resource_spans in request.resource_spans {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|resource| &resource.attributes)
            .find(|attribute| attribute.key == "service.name")
            .map(|attribute| text(attribute.value.as_ref()))
            .unwrap_or_default();
        for span in resource_spans
            .scope_spans
            .into_iter()
            .flat_map(|scope| scope.spans)
        {
            kept.push(CollectedSpan {
                service: service.clone(),
                name: span.name,
                trace_id: hex::encode(span.trace_id),
                span_id: hex::encode(span.span_id),
                parent_span_id: hex::encode(span.parent_span_id),
                attributes: span
                    .attributes
                    .iter()
                    .map(|attribute| (attribute.key.clone(), text(attribute.value.as_ref())))
                    .collect(),
                status_code: span.status.map_or(0, |status| status.code),
            });
        }
    }
    StatusCode::OK
}

fn text(value: Option<&opentelemetry_proto::tonic::common::v1::AnyValue>) -> String {
    match value.and_then(|value| value.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        _ => String::new(),
    }
}
