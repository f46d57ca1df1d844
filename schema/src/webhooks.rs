//! Webhook endpoints, the deliveries made to them and the log of every request sent.

use chrono::{DateTime, Utc};
use diesel::{
    prelude::*,
    sql_types::{Array, Jsonb, Text, Uuid as SqlUuid},
};
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

use crate::{
    PooledConn, StoreError,
    schema::{webhook_attempts, webhook_deliveries, webhook_endpoints},
};

/// The event types an endpoint may ask for.
pub const EVENT_TYPES: [&str; 3] = ["job.succeeded", "job.failed", "order.paid"];

/// The body of every webhook request, in the shape Standard Webhooks recommends.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct WebhookEvent {
    /// `job.succeeded`, `job.failed` or `order.paid`.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", oai(rename = "type"))]
    pub event_type: String,
    pub timestamp: DateTime<Utc>,
    pub data: WebhookEventData,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Union))]
#[serde(untagged)]
pub enum WebhookEventData {
    Job(JobEventData),
    Order(OrderEventData),
}

/// A job of yours that finished: its result is at `GET /api/v1/jobs/{job_id}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct JobEventData {
    pub job_id: Uuid,
    pub kind: String,
    /// `succeeded` or `failed`.
    pub status: String,
    pub attempts: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// An order of yours that was paid.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct OrderEventData {
    pub order_id: Uuid,
    pub product: String,
    pub amount_fen: i64,
    pub points: i32,
}

/// An endpoint of yours that events are sent to. Its secret is shown once, when it is
/// made or rotated.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints, check_for_backend(diesel::pg::Pg))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(
    feature = "openapi",
    oai(rename = "WebhookEndpoint", skip_serializing_if_is_none)
)]
pub struct Endpoint {
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub owner_id: Uuid,
    pub url: String,
    pub description: String,
    /// The event types sent: `job.succeeded`, `job.failed`, `order.paid`.
    pub event_types: Vec<String>,
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub secret: String,
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub previous_secret: Option<String>,
    /// Until when deliveries are signed with the secret before the last rotation too.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub enabled: bool,
    /// Why it was turned off: by you, by a 410 answer, or after failing too often.
    pub disabled_reason: Option<String>,
    /// Requests failed in a row since the last success.
    pub failures: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Endpoint {
    /// The secrets that sign a delivery now: the current one, and the previous one while
    /// its day of grace lasts.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_secret_until)
            && until > now
        {
            secrets.push(previous);
        }
        secrets
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub struct NewEndpoint {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub secret: String,
}

/// What an owner may change of an endpoint; `None` keeps the field.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = webhook_endpoints)]
pub struct EndpointChange {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub enabled: Option<bool>,
    pub disabled_reason: Option<Option<String>>,
    pub failures: Option<i32>,
}

pub async fn create(conn: &mut PooledConn, new: &NewEndpoint) -> Result<Endpoint, StoreError> {
    Ok(diesel::insert_into(webhook_endpoints::table)
        .values(new)
        .returning(Endpoint::as_returning())
        .get_result(conn)
        .await?)
}

/// How many endpoints the owner has.
pub async fn count_owned(conn: &mut PooledConn, owner_id: Uuid) -> Result<i64, StoreError> {
    Ok(webhook_endpoints::table
        .filter(webhook_endpoints::owner_id.eq(owner_id))
        .count()
        .get_result(conn)
        .await?)
}

owned_rows!(webhook_endpoints, Endpoint);

pub async fn update_owned(
    conn: &mut PooledConn,
    owner_id: Uuid,
    id: Uuid,
    change: &EndpointChange,
) -> Result<Option<Endpoint>, StoreError> {
    Ok(diesel::update(
        webhook_endpoints::table
            .find(id)
            .filter(webhook_endpoints::owner_id.eq(owner_id)),
    )
    .set((change, webhook_endpoints::updated_at.eq(diesel::dsl::now)))
    .returning(Endpoint::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}

/// Makes `secret` the endpoint's, keeping the one it replaces valid until `keep_until`.
pub async fn rotate_secret(
    conn: &mut PooledConn,
    owner_id: Uuid,
    id: Uuid,
    secret: &str,
    keep_until: DateTime<Utc>,
) -> Result<Option<Endpoint>, StoreError> {
    Ok(diesel::update(
        webhook_endpoints::table
            .find(id)
            .filter(webhook_endpoints::owner_id.eq(owner_id)),
    )
    .set((
        webhook_endpoints::previous_secret.eq(webhook_endpoints::secret.nullable()),
        webhook_endpoints::previous_secret_until.eq(keep_until),
        webhook_endpoints::secret.eq(secret),
        webhook_endpoints::updated_at.eq(diesel::dsl::now),
    ))
    .returning(Endpoint::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}

owned_delete!(webhook_endpoints);

/// The owners' enabled endpoints, for a fan-out.
pub async fn enabled_of(
    conn: &mut PooledConn,
    owners: &[Uuid],
) -> Result<Vec<Endpoint>, StoreError> {
    Ok(webhook_endpoints::table
        .filter(webhook_endpoints::owner_id.eq_any(owners))
        .filter(webhook_endpoints::enabled.eq(true))
        .select(Endpoint::as_select())
        .load(conn)
        .await?)
}

/// One event for one endpoint: the body every attempt sends.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries, check_for_backend(diesel::pg::Pg))]
pub struct Delivery {
    /// Also the `webhook-id` header: `msg_` and this id's simple form.
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub event_type: String,
    pub body: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// Writes `deliveries` in one statement.
pub async fn insert_deliveries(
    conn: &mut PooledConn,
    deliveries: &[Delivery],
) -> Result<(), StoreError> {
    if deliveries.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "INSERT INTO webhook_deliveries (id, endpoint_id, event_type, body, created_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[], $5::timestamptz[])",
    )
    .bind::<Array<SqlUuid>, _>(deliveries.iter().map(|d| d.id).collect::<Vec<_>>())
    .bind::<Array<SqlUuid>, _>(deliveries.iter().map(|d| d.endpoint_id).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(
        deliveries
            .iter()
            .map(|d| d.event_type.clone())
            .collect::<Vec<_>>(),
    )
    .bind::<Array<Jsonb>, _>(
        deliveries
            .iter()
            .map(|d| d.body.clone())
            .collect::<Vec<_>>(),
    )
    .bind::<Array<diesel::sql_types::Timestamptz>, _>(
        deliveries.iter().map(|d| d.created_at).collect::<Vec<_>>(),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A delivery and its endpoint, as an attempt reads them when it starts.
pub async fn delivery_with_endpoint(
    conn: &mut PooledConn,
    delivery_id: Uuid,
) -> Result<Option<(Delivery, Endpoint)>, StoreError> {
    Ok(webhook_deliveries::table
        .inner_join(webhook_endpoints::table)
        .filter(webhook_deliveries::id.eq(delivery_id))
        .select((Delivery::as_select(), Endpoint::as_select()))
        .first(conn)
        .await
        .optional()?)
}

/// The owner's delivery `id` to endpoint `endpoint_id`, if both are theirs.
pub async fn find_delivery_owned(
    conn: &mut PooledConn,
    owner_id: Uuid,
    endpoint_id: Uuid,
    id: Uuid,
) -> Result<Option<Delivery>, StoreError> {
    Ok(webhook_deliveries::table
        .inner_join(webhook_endpoints::table)
        .filter(webhook_deliveries::id.eq(id))
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .filter(webhook_endpoints::owner_id.eq(owner_id))
        .select(Delivery::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// One request sent, as the delivery log shows it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts, check_for_backend(diesel::pg::Pg))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(
    feature = "openapi",
    oai(rename = "WebhookAttempt", skip_serializing_if_is_none)
)]
pub struct Attempt {
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub id: i64,
    pub delivery_id: Uuid,
    /// The `webhook.deliver` job that sent it: a redelivery is another job.
    pub job_id: Uuid,
    pub attempt: i32,
    /// The endpoint's answer; none when there was none (a timeout, a refused address).
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    /// The first bytes of the answer, or why there was none.
    pub response: String,
    pub succeeded: bool,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_attempts)]
pub struct NewAttempt {
    pub delivery_id: Uuid,
    pub job_id: Uuid,
    pub attempt: i32,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub response: String,
    pub succeeded: bool,
}

/// What a recorded attempt did to its endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointState {
    Enabled,
    /// This attempt turned it off (it was on before), for this reason.
    JustDisabled(String),
    /// It was off already, or is gone.
    Disabled,
}

/// When an attempt turns its endpoint off.
#[derive(Debug, Clone)]
pub struct DisableRule {
    /// The endpoint said it is gone for good (410): turned off with this reason.
    pub gone: Option<String>,
    /// Requests failed in a row that turn it off.
    pub after_failures: i32,
}

/// Logs `attempt` (once per job attempt) and moves the endpoint's run of failures: reset by
/// a success, else one more; turns the endpoint off as `rule` says.
pub async fn record_attempt(
    conn: &mut PooledConn,
    endpoint_id: Uuid,
    attempt: &NewAttempt,
    rule: &DisableRule,
) -> Result<EndpointState, StoreError> {
    use webhook_endpoints::{enabled, failures};
    conn.transaction(async |conn| {
        let logged = diesel::insert_into(webhook_attempts::table)
            .values(attempt)
            .on_conflict((webhook_attempts::job_id, webhook_attempts::attempt))
            .do_nothing()
            .execute(conn)
            .await?;
        let endpoint = webhook_endpoints::table.find(endpoint_id);
        let was: Option<(bool, i32, Uuid, String)> = endpoint
            .select((
                enabled,
                failures,
                webhook_endpoints::owner_id,
                webhook_endpoints::url,
            ))
            .for_update()
            .first(conn)
            .await
            .optional()?;
        let Some((true, before, owner_id, url)) = was else {
            return Ok(EndpointState::Disabled);
        };
        // A repeat of an attempt already logged changes nothing more.
        let now_failing = match (logged, attempt.succeeded) {
            (0, _) => before,
            (_, true) => 0,
            (_, false) => before + 1,
        };
        let reason = rule.gone.clone().or_else(|| {
            (now_failing >= rule.after_failures)
                .then(|| format!("turned off after {now_failing} failed requests in a row"))
        });
        diesel::update(endpoint)
            .set((
                failures.eq(now_failing),
                enabled.eq(reason.is_none()),
                webhook_endpoints::disabled_reason.eq(&reason),
            ))
            .execute(conn)
            .await?;
        let Some(reason) = reason else {
            return Ok(EndpointState::Enabled);
        };
        // Its owner is told as of everything else: through a notice, in this transaction.
        diesel::sql_query(
            "INSERT INTO notices (owner_id, event, subject_id, detail)
             VALUES ($1, 'webhook.disabled', $2, $3) ON CONFLICT (event, subject_id) DO NOTHING",
        )
        .bind::<SqlUuid, _>(owner_id)
        .bind::<SqlUuid, _>(attempt.job_id)
        .bind::<Jsonb, _>(serde_json::json!({
            "endpoint_id": endpoint_id, "url": url, "reason": reason,
        }))
        .execute(conn)
        .await?;
        Ok(EndpointState::JustDisabled(reason))
    })
    .await
}

/// The endpoint's deliveries, newest first, with their attempts.
pub async fn deliveries_of(
    conn: &mut PooledConn,
    endpoint_id: Uuid,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<(Delivery, Vec<Attempt>)>, StoreError> {
    let deliveries: Vec<Delivery> = newest_first!(
        webhook_deliveries::table
            .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
            .select(Delivery::as_select()),
        webhook_deliveries::id,
        before,
        limit
    )
    .load(conn)
    .await?;
    let ids: Vec<Uuid> = deliveries.iter().map(|d| d.id).collect();
    let attempts: Vec<Attempt> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(&ids))
        .order(webhook_attempts::id)
        .select(Attempt::as_select())
        .load(conn)
        .await?;
    Ok(deliveries
        .into_iter()
        .map(|d| {
            let mine = attempts
                .iter()
                .filter(|a| a.delivery_id == d.id)
                .cloned()
                .collect();
            (d, mine)
        })
        .collect())
}
