//! `/healthz`, `/readyz` and `/metrics` of a worker process, for orchestrators and Prometheus.

use std::net::SocketAddr;

use metrics_exporter_prometheus::PrometheusHandle;
use poem::{
    EndpointExt, Route, Server, get, handler, http::StatusCode, listener::TcpListener, web::Data,
};
use prepq_schema::DbPool;
use redis::aio::ConnectionManager;

#[derive(Clone)]
struct Probes {
    db: DbPool,
    redis: ConnectionManager,
    metrics: PrometheusHandle,
}

pub async fn serve(
    addr: SocketAddr,
    db: DbPool,
    redis: ConnectionManager,
    metrics: PrometheusHandle,
) -> std::io::Result<()> {
    let app = Route::new()
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
        .at("/metrics", get(render_metrics))
        .data(Probes { db, redis, metrics });
    Server::new(TcpListener::bind(addr)).run(app).await
}

#[handler]
fn healthz() -> &'static str {
    "ok"
}

#[handler]
async fn readyz(probes: Data<&Probes>) -> (StatusCode, String) {
    let db = prepq_schema::ping(&probes.db)
        .await
        .map_err(|e| e.to_string());
    let mut redis = probes.redis.clone();
    let redis = redis::cmd("PING")
        .query_async::<String>(&mut redis)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string());
    match (db, redis) {
        (Ok(()), Ok(())) => (StatusCode::OK, "ready".into()),
        (db, redis) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("postgres: {:?}; redis: {:?}", db.err(), redis.err()),
        ),
    }
}

#[handler]
fn render_metrics(probes: Data<&Probes>) -> String {
    probes.metrics.render()
}
