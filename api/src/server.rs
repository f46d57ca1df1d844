//! Assembles the service: state, routes, middleware, the OpenAPI document and docs UI.

use std::{sync::Arc, time::Duration};

use anyhow::Context as _;
use metrics_exporter_prometheus::PrometheusHandle;
use poem::{Endpoint, EndpointExt, Route, get, middleware::Tracing};
use poem_openapi::OpenApiService;
use prepq_schema::BlobStore;
use tokio::sync::broadcast;

use crate::{
    auth::{AccessTokens, Passwords},
    config::ApiConfig,
    connections, console,
    error::json_errors,
    health, relay,
    request_guard::guard_requests,
    routes::{
        self, AccountsApi, AdminApi, AnalysesApi, AnnouncementsApi, DashboardApi, DeadLettersApi,
        EventsApi, FeedbackApi, FilesApi, InterviewsApi, InvitationsApi, JobsApi, MessagesApi,
        OrdersApi, PointsApi, PostingsApi, ProfileApi, QueuesApi, ReconciliationsApi, ResumesApi,
        SchedulesApi, SourcesApi, StatsApi, TicketsApi, WebhooksApi, WorkersApi,
    },
    security,
    state::AppState,
};

/// Every operation, in the order the spec lists them: the users', how they are told of
/// what happened and spread the word, and the administrators'.
type Apis = (
    (
        AccountsApi,
        ProfileApi,
        DashboardApi,
        ResumesApi,
        AnalysesApi,
        InterviewsApi,
        PointsApi,
        PostingsApi,
        JobsApi,
        FilesApi,
        EventsApi,
        OrdersApi,
    ),
    (
        MessagesApi,
        WebhooksApi,
        InvitationsApi,
        FeedbackApi,
        TicketsApi,
    ),
    (
        AdminApi,
        DeadLettersApi,
        QueuesApi,
        WorkersApi,
        StatsApi,
        SourcesApi,
        SchedulesApi,
        ReconciliationsApi,
        AnnouncementsApi,
    ),
);

fn openapi() -> OpenApiService<Apis, ()> {
    OpenApiService::new(Apis::default(), "PrepQ API", env!("CARGO_PKG_VERSION"))
        .description("Submit typed background jobs (resume extraction, analysis, ...) and follow them by polling or server-sent events.")
        .server("/api/v1")
}

/// The OpenAPI document, as checked in at `openapi/openapi.json`.
pub fn openapi_json() -> String {
    crate::spec::for_clients(&openapi().spec())
}

/// Runs the API until SIGTERM or Ctrl-C.
pub async fn serve(config: ApiConfig) -> anyhow::Result<()> {
    let config = Arc::new(config);
    prepq_schema::migrate(&config.database_url)
        .await
        .context("migrating the database")?;
    let services = Services::start(config.clone()).await?;
    if let Some(bind) = config.metrics_bind {
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .with_context(|| format!("binding {bind} for metrics"))?;
        let endpoint = Route::new()
            .at("/metrics", get(health::metrics))
            .data(services.metrics.clone())
            .map_to_response();
        tokio::spawn(async move {
            let limits = connections::ConnectionLimits {
                max_connections: 64,
                idle_timeout_secs: 20,
            };
            let stop = std::future::pending();
            if let Err(e) =
                connections::serve(listener, endpoint, &limits, stop, Duration::ZERO).await
            {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("binding {}", config.bind))?;
    tracing::info!(addr = %config.bind, "api listening");
    connections::serve(
        listener,
        app(services).map_to_response(),
        &config.connections,
        shutdown_signal(),
        Duration::from_secs(10),
    )
    .await?;
    Ok(())
}

/// HS256 is as strong as its key: shorter ones can be guessed offline from one token.
const MIN_JWT_SECRET_BYTES: usize = 32;

/// What the endpoint serves from: the handlers' state, the relay's health, the metrics.
pub struct Services {
    pub state: AppState,
    pub relay: relay::RelayStatus,
    pub metrics: PrometheusHandle,
}

impl Services {
    /// Connects to PostgreSQL and Redis and starts the event relay.
    pub async fn start(config: Arc<ApiConfig>) -> anyhow::Result<Self> {
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
            Some(secret) if secret.len() < MIN_JWT_SECRET_BYTES => anyhow::bail!(
                "PREPQ_JWT_SECRET is {} bytes; it must be at least {MIN_JWT_SECRET_BYTES} (e.g. `openssl rand -hex 32`)",
                secret.len()
            ),
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
        let relay = relay::RelayStatus::default();
        tokio::spawn(relay::run(redis_client, events.clone(), relay.clone()));
        let passwords = Passwords::new(&config.argon2).context("argon2 cost settings")?;
        let state = AppState {
            submissions: crate::state::submissions(db.clone()),
            sessions: Arc::new(prepq_schema::sessions::session_checks(db.clone())),
            db,
            redis,
            tokens: AccessTokens::new(&secret, Duration::from_secs(config.access_token_secs)),
            passwords,
            blobs: BlobStore::new(&config.blob_dir),
            payments: config
                .payments
                .provider()
                .context("reading the payment configuration")?
                .map(Arc::new),
            streams: crate::streams::OpenStreams::new(config.streams_per_user),
            config,
            events,
        };
        Ok(Self {
            state,
            relay,
            metrics,
        })
    }
}

/// The whole HTTP surface: the API, its document and docs UI, health, and the
/// middleware every answer passes through.
pub fn app(services: Services) -> impl Endpoint {
    let api = openapi();
    let document = openapi_json();
    let spec = poem::endpoint::make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/json")
            .body(document.clone())
    });
    let docs = api.swagger_ui();
    let routes = Route::new()
        .at(
            "/api/v1/payments/wechat/notify",
            poem::post(routes::payment_notify::notify),
        )
        .nest("/api/v1", api)
        .at("/openapi.json", spec)
        .nest("/docs", docs)
        .nest("/console", console::routes())
        .at("/healthz", get(health::healthz))
        .at("/readyz", get(health::readyz));
    // Errors become answers inside CORS, so that a browser can read a 401 or a 413 too.
    let answers = routes.around(guard_requests).around(json_errors);
    let answers = match security::cors(&services.state.config.cors_origins) {
        Some(cors) => answers.with(cors).boxed(),
        None => answers.boxed(),
    };
    answers
        .around(security::security_headers)
        .data(services.state)
        .data(services.relay)
        .with(Tracing)
        .around(crate::request_trace::traced_requests)
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
