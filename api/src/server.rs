//! Assembles the service: state, routes, middleware, the OpenAPI document and docs UI.

use std::{sync::Arc, time::Duration};

use anyhow::Context as _;
use poem::{EndpointExt, Route, Server, get, listener::TcpListener, middleware::Tracing};
use poem_openapi::OpenApiService;
use prepq_schema::BlobStore;
use tokio::sync::broadcast;

use crate::{
    auth::{AccessTokens, Passwords},
    config::ApiConfig,
    error::json_errors,
    health, relay,
    routes::{
        self, AccountsApi, AdminApi, AnalysesApi, EventsApi, FilesApi, JobsApi, OrdersApi,
        PointsApi, PostingsApi, ProfileApi, ReconciliationsApi, ResumesApi, SourcesApi,
    },
    security,
    state::AppState,
};

type Apis = (
    AccountsApi,
    ProfileApi,
    ResumesApi,
    AnalysesApi,
    PointsApi,
    PostingsApi,
    JobsApi,
    FilesApi,
    EventsApi,
    OrdersApi,
    AdminApi,
    SourcesApi,
    ReconciliationsApi,
);

fn openapi() -> OpenApiService<Apis, ()> {
    let apis = (
        AccountsApi,
        ProfileApi,
        ResumesApi,
        AnalysesApi,
        PointsApi,
        PostingsApi,
        JobsApi,
        FilesApi,
        EventsApi,
        OrdersApi,
        AdminApi,
        SourcesApi,
        ReconciliationsApi,
    );
    OpenApiService::new(apis, "PrepQ API", env!("CARGO_PKG_VERSION"))
        .description("Submit typed background jobs (resume extraction, analysis, ...) and follow them by polling or server-sent events.")
        .server("/api/v1")
}

/// The OpenAPI document, as checked in at `openapi/openapi.json`.
pub fn openapi_json() -> String {
    openapi().spec()
}

/// Runs the API until SIGTERM or Ctrl-C.
pub async fn serve(config: ApiConfig) -> anyhow::Result<()> {
    let config = Arc::new(config);
    prepq_schema::migrate(&config.database_url)
        .await
        .context("migrating the database")?;
    let db = prepq_schema::connect(&config.database_url, config.db_pool)?;
    let redis_client = redis::Client::open(config.redis_url.as_str())?;
    let timeout = Duration::from_millis(config.redis_timeout_ms);
    let redis = redis_client
        .get_connection_manager_with_config(
            redis::aio::ConnectionManagerConfig::new()
                .set_response_timeout(Some(timeout))
                .set_connection_timeout(Some(timeout)),
        )
        .await
        .context("connecting to Redis")?;
    let secret = match &config.jwt_secret {
        Some(secret) => secret.as_bytes().to_vec(),
        None => {
            tracing::warn!(
                "PREPQ_JWT_SECRET is not set: using a random key; tokens end with this process"
            );
            rand::random::<[u8; 32]>().to_vec()
        }
    };
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder()?;
    let (events, _) = broadcast::channel(4096);
    let relay_status = relay::RelayStatus::default();
    tokio::spawn(relay::run(
        redis_client,
        events.clone(),
        relay_status.clone(),
    ));
    let passwords = Passwords::new(&config.argon2).context("argon2 cost settings")?;
    let state = AppState {
        db,
        redis,
        tokens: AccessTokens::new(&secret, Duration::from_secs(config.access_token_secs)),
        passwords,
        blobs: BlobStore::new(&config.blob_dir),
        config: config.clone(),
        events,
        payments: config
            .payments
            .provider()
            .context("reading the payment configuration")?
            .map(Arc::new),
    };

    let api = openapi();
    let spec = api.spec_endpoint();
    let docs = api.swagger_ui();
    let routes = Route::new()
        .at(
            "/api/v1/payments/wechat/notify",
            poem::post(routes::payment_notify::notify),
        )
        .nest("/api/v1", api)
        .at("/openapi.json", spec)
        .nest("/docs", docs)
        .at("/healthz", get(health::healthz))
        .at("/readyz", get(health::readyz))
        .at("/metrics", get(health::metrics));
    let routes = match security::cors(&config.cors_origins) {
        Some(cors) => routes.with(cors).boxed(),
        None => routes.boxed(),
    };
    let app = routes
        .around(json_errors)
        .around(security::security_headers)
        .data(state)
        .data(relay_status)
        .data(metrics)
        .with(Tracing);
    tracing::info!(addr = %config.bind, "api listening");
    Server::new(TcpListener::bind(config.bind))
        .run_with_graceful_shutdown(app, shutdown_signal(), Some(Duration::from_secs(10)))
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("shutting down");
}
