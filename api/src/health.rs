//! `/healthz` (the process is up), `/readyz` (it can serve: PostgreSQL, Redis and the
//! event relay all answer) and `/metrics`.

use metrics_exporter_prometheus::PrometheusHandle;
use poem::{handler, http::StatusCode, web::Data};

use crate::{relay::RelayStatus, state::AppState};

#[handler]
pub fn healthz() -> &'static str {
    "ok"
}

#[handler]
pub async fn readyz(state: Data<&AppState>, relay: Data<&RelayStatus>) -> (StatusCode, String) {
    let db = prepq_schema::ping(&state.db)
        .await
        .err()
        .map(|e| e.to_string());
    let mut redis = state.redis.clone();
    let redis = redis::cmd("PING")
        .query_async::<String>(&mut redis)
        .await
        .err()
        .map(|e| e.to_string());
    let relay = (!relay.is_subscribed()).then(|| "not subscribed".to_owned());
    match (db, redis, relay) {
        (None, None, None) => (StatusCode::OK, "ready".into()),
        (db, redis, relay) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("postgres: {db:?}; redis: {redis:?}; events: {relay:?}"),
        ),
    }
}

#[handler]
pub fn metrics(handle: Data<&PrometheusHandle>) -> String {
    handle.render()
}
