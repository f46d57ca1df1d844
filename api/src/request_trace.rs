//! One span per request when tracing is on, continuing the caller's `traceparent`: the
//! root of the trace of every job the request enqueues.

use poem::{Endpoint, IntoResponse, Request, Response};
use tracing::{Instrument, field::Empty};

pub async fn traced_requests<E: Endpoint>(ep: E, req: Request) -> poem::Result<Response> {
    if !prepq_telemetry::enabled() {
        return Ok(ep.call(req).await?.into_response());
    }
    let span = tracing::info_span!(
        "request",
        otel.name = %route_of(&req),
        otel.kind = "server",
        otel.status_code = Empty,
        http.request.method = %req.method(),
        url.path = %req.uri().path(),
        http.response.status_code = Empty,
        trace_id = Empty,
    );
    let parent = req
        .headers()
        .get("traceparent")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    prepq_telemetry::follow(&span, parent.as_deref());
    let response = match ep.call(req).instrument(span.clone()).await {
        Ok(response) => response.into_response(),
        Err(error) => error.into_response(),
    };
    span.record("http.response.status_code", response.status().as_u16());
    if response.status().is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
    Ok(response)
}

/// `POST /api/v1/jobs/{id}`: the path with its ids replaced, so span names stay few.
fn route_of(req: &Request) -> String {
    let path: Vec<&str> = req
        .uri()
        .path()
        .split('/')
        .map(|segment| {
            if segment.len() >= 32 && segment.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
                "{id}"
            } else {
                segment
            }
        })
        .collect();
    format!("{} {}", req.method(), path.join("/"))
}
