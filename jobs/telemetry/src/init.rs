use std::io::IsTerminal;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::{Resource, propagation::TraceContextPropagator, trace::SdkTracerProvider};
use tracing_subscriber::{EnvFilter, Layer, layer::SubscriberExt, util::SubscriberInitExt};

use crate::{LogFormat, TelemetryConfig, propagation};

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("the log filter: {0}")]
    Filter(#[from] tracing_subscriber::filter::ParseError),
    #[error("the OTLP exporter: {0}")]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
    #[error("a subscriber is already installed: {0}")]
    Installed(#[from] tracing_subscriber::util::TryInitError),
}

/// Holds the span exporter: dropping it sends the spans still buffered.
#[must_use = "dropping it stops the span exporter"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("sending the last spans: {e}");
        }
    }
}

/// Installs the process's subscriber. Call before starting the async runtime: the OTLP
/// exporter sends from a thread of its own with a blocking client.
pub fn init(
    config: &TelemetryConfig,
    service: &str,
    default_filter: &str,
) -> Result<Telemetry, TelemetryError> {
    let filter = EnvFilter::try_new(config.log_filter.as_deref().unwrap_or(default_filter))?;
    let provider = match config.otlp_endpoint.as_deref().map(str::trim) {
        Some(endpoint) if !endpoint.is_empty() => {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
                .build()?;
            let name = config
                .service_name
                .clone()
                .unwrap_or_else(|| service.to_owned());
            Some(
                SdkTracerProvider::builder()
                    .with_batch_exporter(exporter)
                    .with_resource(Resource::builder().with_service_name(name).build())
                    .build(),
            )
        }
        _ => None,
    };
    let traces = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("prepq"))
            .with_location(false)
            .with_threads(false)
    });
    let lines = match config.log_format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_ansi(std::io::stdout().is_terminal())
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .boxed(),
    };
    tracing_subscriber::registry()
        .with(traces)
        .with(lines)
        .with(filter)
        .try_init()?;
    if provider.is_some() {
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        propagation::enable();
    }
    Ok(Telemetry { provider })
}
