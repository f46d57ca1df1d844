use base64::{Engine as _, engine::general_purpose::STANDARD};
use chrono::{DateTime, Duration, Utc};
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use prepq_jobs::{NewJob, kinds::WebhookDeliver};
use prepq_schema::{
    jobs,
    webhooks::{self, Attempt, Endpoint, EndpointChange, NewEndpoint, WebhookEvent},
};
use uuid::Uuid;

use super::{
    ApiTags,
    jobs::Deleted,
    paging::{Page, PageLimit, parse_cursor},
};
use crate::{
    auth::Signed,
    error::{CreateError, ErrorBody, FindError, ListError, UpdateError},
};

/// Endpoints one user may hold.
const MAX_ENDPOINTS: i64 = 10;
/// How long the secret a rotation replaces still signs deliveries.
const ROTATION_GRACE: Duration = Duration::hours(24);

#[derive(Default)]
pub struct WebhooksApi;

/// An endpoint to send events to.
#[derive(Debug, Object)]
pub struct EndpointRequest {
    /// `https://…` (or `http://…`): where events are posted.
    #[oai(validator(max_length = 2000))]
    pub url: String,
    /// Of `job.succeeded`, `job.failed`, `order.paid`.
    #[oai(validator(min_items = 1, max_items = 3))]
    pub event_types: Vec<String>,
    #[oai(default, validator(max_length = 200))]
    pub description: String,
}

/// A change of an endpoint; absent fields stay as they are. Turning it on again clears
/// its run of failures.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EndpointUpdate {
    #[oai(validator(max_length = 2000))]
    pub url: Option<String>,
    #[oai(validator(min_items = 1, max_items = 3))]
    pub event_types: Option<Vec<String>>,
    #[oai(validator(max_length = 200))]
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

/// An endpoint with its signing secret: shown here, once.
#[derive(Debug, Object)]
pub struct EndpointWithSecret {
    #[oai(flatten)]
    pub endpoint: Endpoint,
    /// `whsec_…`: verify each delivery's `webhook-signature` with it, as the Standard
    /// Webhooks libraries do.
    pub secret: String,
}

#[derive(Debug, Object)]
pub struct EndpointList {
    pub items: Vec<Endpoint>,
}

/// One event sent to an endpoint, and every request that carried it.
#[derive(Debug, Object)]
pub struct WebhookDeliveryView {
    pub id: Uuid,
    /// The `webhook-id` header of its requests.
    pub webhook_id: String,
    pub event_type: String,
    pub body: WebhookEvent,
    pub created_at: DateTime<Utc>,
    pub attempts: Vec<Attempt>,
}

pub type WebhookDeliveryPage = Page<WebhookDeliveryView>;

#[derive(Debug, Object)]
pub struct Redelivery {
    /// The `webhook.deliver` job sending it again.
    pub job_id: Uuid,
}

#[derive(ApiResponse)]
pub enum EndpointCreated {
    #[oai(status = 201)]
    Created(Json<EndpointWithSecret>),
}

#[derive(ApiResponse)]
pub enum RedeliveryAccepted {
    /// Queued; its attempts appear in the delivery's log.
    #[oai(status = 202)]
    Accepted(Json<Redelivery>),
}

#[OpenApi(tag = "ApiTags::Webhooks")]
impl WebhooksApi {
    /// Add an endpoint. Events are posted to it signed as Standard Webhooks specifies
    /// (`webhook-id`, `webhook-timestamp`, `webhook-signature`); a 2xx answer is success,
    /// 410 turns the endpoint off, 429, 5xx and time-outs are tried again after 5 s, 5 min,
    /// 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h; redirects are not followed.
    #[oai(path = "/webhooks", method = "post")]
    async fn create(
        &self,
        me: Signed<'_>,
        request: Json<EndpointRequest>,
    ) -> Result<EndpointCreated, CreateError> {
        let request = request.0;
        check_url(&request.url).map_err(CreateError::invalid)?;
        check_event_types(&request.event_types).map_err(CreateError::invalid)?;
        let mut conn = me.state.conn().await?;
        if webhooks::count_owned(&mut conn, me.caller.user_id).await? >= MAX_ENDPOINTS {
            return Err(CreateError::Conflict(ErrorBody::new(
                "too_many_endpoints",
                format!(
                    "you have {MAX_ENDPOINTS} endpoints, the most one may hold: delete one first"
                ),
            )));
        }
        let secret = new_secret();
        let new = NewEndpoint {
            id: Uuid::now_v7(),
            owner_id: me.caller.user_id,
            url: request.url,
            description: request.description,
            event_types: request.event_types,
            secret: secret.clone(),
        };
        let endpoint = webhooks::create(&mut conn, &new).await?;
        Ok(EndpointCreated::Created(Json(EndpointWithSecret {
            endpoint,
            secret,
        })))
    }

    /// Your endpoints.
    #[oai(path = "/webhooks", method = "get")]
    async fn list(&self, me: Signed<'_>) -> Result<Json<EndpointList>, ListError> {
        let mut conn = me.state.conn().await?;
        let items = webhooks::list_owned(&mut conn, me.caller.user_id, None, MAX_ENDPOINTS).await?;
        Ok(Json(EndpointList { items }))
    }

    #[oai(path = "/webhooks/:id", method = "get")]
    async fn get(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Json<Endpoint>, FindError> {
        let mut conn = me.state.conn().await?;
        let endpoint = webhooks::find_owned(&mut conn, me.caller.user_id, id.0)
            .await?
            .ok_or_else(|| FindError::not_found("webhook endpoint"))?;
        Ok(Json(endpoint))
    }

    /// Change an endpoint, or turn it off and on.
    #[oai(path = "/webhooks/:id", method = "put")]
    async fn update(
        &self,
        me: Signed<'_>,
        id: Path<Uuid>,
        request: Json<EndpointUpdate>,
    ) -> Result<Json<Endpoint>, UpdateError> {
        let request = request.0;
        if let Some(url) = &request.url {
            check_url(url).map_err(UpdateError::invalid)?;
        }
        if let Some(types) = &request.event_types {
            check_event_types(types).map_err(UpdateError::invalid)?;
        }
        let change = EndpointChange {
            url: request.url,
            description: request.description,
            event_types: request.event_types,
            enabled: request.enabled,
            disabled_reason: request
                .enabled
                .map(|on| (!on).then(|| "turned off by its owner".to_owned())),
            failures: request.enabled.filter(|on| *on).map(|_| 0),
        };
        let mut conn = me.state.conn().await?;
        let endpoint = webhooks::update_owned(&mut conn, me.caller.user_id, id.0, &change)
            .await?
            .ok_or_else(|| UpdateError::not_found("webhook endpoint"))?;
        Ok(Json(endpoint))
    }

    /// Delete an endpoint with its deliveries.
    #[oai(path = "/webhooks/:id", method = "delete")]
    async fn delete(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Deleted, FindError> {
        let mut conn = me.state.conn().await?;
        if webhooks::delete_owned(&mut conn, me.caller.user_id, id.0).await? {
            Ok(Deleted::NoContent)
        } else {
            Err(FindError::not_found("webhook endpoint"))
        }
    }

    /// A new signing secret, shown once. For a day the old one signs every delivery too
    /// (a second `v1,` signature), so receivers can switch without missing one.
    #[oai(path = "/webhooks/:id/rotate-secret", method = "post")]
    async fn rotate(
        &self,
        me: Signed<'_>,
        id: Path<Uuid>,
    ) -> Result<Json<EndpointWithSecret>, FindError> {
        let secret = new_secret();
        let keep_until = Utc::now() + ROTATION_GRACE;
        let mut conn = me.state.conn().await?;
        let endpoint =
            webhooks::rotate_secret(&mut conn, me.caller.user_id, id.0, &secret, keep_until)
                .await?
                .ok_or_else(|| FindError::not_found("webhook endpoint"))?;
        Ok(Json(EndpointWithSecret { endpoint, secret }))
    }

    /// The endpoint's deliveries, newest first, each with its requests and answers.
    #[oai(path = "/webhooks/:id/deliveries", method = "get")]
    async fn deliveries(
        &self,
        me: Signed<'_>,
        id: Path<Uuid>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<WebhookDeliveryPage>, FindError> {
        let before = parse_cursor(cursor.0)?;
        let mut conn = me.state.conn().await?;
        webhooks::find_owned(&mut conn, me.caller.user_id, id.0)
            .await?
            .ok_or_else(|| FindError::not_found("webhook endpoint"))?;
        let rows = webhooks::deliveries_of(&mut conn, id.0, before, limit.0.fetch()).await?;
        let page = Page::try_of(
            rows,
            limit.0,
            |(d, _)| d.id,
            |(delivery, attempts)| {
                let body = serde_json::from_value(delivery.body).map_err(|e| {
                    prepq_schema::StoreError::Corrupt(format!("a delivery's body: {e}"))
                })?;
                Ok::<_, prepq_schema::StoreError>(WebhookDeliveryView {
                    id: delivery.id,
                    webhook_id: format!("msg_{}", delivery.id.simple()),
                    event_type: delivery.event_type,
                    body,
                    created_at: delivery.created_at,
                    attempts,
                })
            },
        )?;
        Ok(Json(page))
    }

    /// Send a delivery again, under the same `webhook-id` and body.
    #[oai(
        path = "/webhooks/:id/deliveries/:delivery_id/redeliver",
        method = "post"
    )]
    async fn redeliver(
        &self,
        me: Signed<'_>,
        id: Path<Uuid>,
        delivery_id: Path<Uuid>,
    ) -> Result<RedeliveryAccepted, FindError> {
        let mut conn = me.state.conn().await?;
        webhooks::find_delivery_owned(&mut conn, me.caller.user_id, id.0, delivery_id.0)
            .await?
            .ok_or_else(|| FindError::not_found("webhook delivery"))?;
        let job = NewJob::of(&WebhookDeliver {
            delivery_id: delivery_id.0,
        });
        let job_id = jobs::insert_system(&mut conn, &job).await?;
        Ok(RedeliveryAccepted::Accepted(Json(Redelivery { job_id })))
    }
}

/// A URL a delivery can be posted to: parsed, http or https, naming a host. Where it
/// resolves is judged at each delivery, by the outbound guard.
fn check_url(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("the URL is not valid: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "the URL must be http or https, not {}",
            parsed.scheme()
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("the URL names no host".into());
    }
    Ok(())
}

fn check_event_types(types: &[String]) -> Result<(), String> {
    match types
        .iter()
        .find(|t| !webhooks::EVENT_TYPES.contains(&t.as_str()))
    {
        Some(unknown) => Err(format!(
            "unknown event type {unknown:?}: use {}",
            webhooks::EVENT_TYPES.join(", ")
        )),
        None => Ok(()),
    }
}

/// `whsec_` and 32 random bytes in base64, as Standard Webhooks secrets are written.
fn new_secret() -> String {
    format!("whsec_{}", STANDARD.encode(rand::random::<[u8; 32]>()))
}
