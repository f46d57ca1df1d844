//! `webhook.deliver`: send one stored delivery to its endpoint, signed with the secrets
//! valid now, log the answer, and judge it as Standard Webhooks does: 2xx delivered, 410
//! turns the endpoint off, 429, 5xx and no answer are tried again on the specification's
//! schedule, anything else fails.

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use prepq_jobs::kinds::{WebhookDeliver, WebhookDelivered};
use prepq_schema::{
    DbPool,
    webhooks::{self, DisableRule, EndpointState, NewAttempt},
};

use super::{Outcome, Run};
use crate::{
    config::WebhookConfig,
    context::JobContext,
    engines::webhook::{Verdict, WebhookSender, sign},
    error::JobError,
};

impl Run for WebhookDeliver {
    type Needs = (DbPool, Arc<WebhookSender>, WebhookConfig);

    async fn run(
        self,
        ctx: &JobContext,
        (db, sender, config): (DbPool, Arc<WebhookSender>, WebhookConfig),
    ) -> Result<Outcome<WebhookDelivered>, JobError> {
        let mut conn = db.get().await?;
        let (delivery, endpoint) = webhooks::delivery_with_endpoint(&mut conn, self.delivery_id)
            .await?
            .ok_or_else(|| JobError::permanent("the endpoint was deleted"))?;
        drop(conn);
        if !endpoint.enabled {
            let why = endpoint
                .disabled_reason
                .as_deref()
                .unwrap_or("by its owner");
            return Err(JobError::permanent(format!(
                "the endpoint is turned off ({why})"
            )));
        }
        let body = serde_json::to_vec(&delivery.body)
            .map_err(|e| JobError::permanent(format!("the stored body is not JSON: {e}")))?;
        let id = format!("msg_{}", delivery.id.simple());
        let timestamp = Utc::now().timestamp();
        let signature = sign(&endpoint.signing_secrets(Utc::now()), &id, timestamp, &body)
            .map_err(|e| JobError::permanent(e.to_string()))?;
        ctx.still_holds_lease()?;
        let sent = sender
            .send(&endpoint.url, &id, timestamp, &signature, body)
            .await;
        let latency_ms = u32::try_from(sent.latency.as_millis()).unwrap_or(u32::MAX);
        let attempt = NewAttempt {
            delivery_id: delivery.id,
            job_id: ctx.job_id,
            attempt: ctx.attempt,
            status_code: sent.status.map(|s| i32::from(s.as_u16())),
            latency_ms: i32::try_from(latency_ms).unwrap_or(i32::MAX),
            response: sent.response.clone(),
            succeeded: sent.verdict == Verdict::Delivered,
        };
        let rule = DisableRule {
            gone: (sent.verdict == Verdict::Gone)
                .then(|| "the endpoint answered 410 Gone".to_owned()),
            after_failures: config.webhook_disable_after.max(1),
        };
        let mut conn = db.get().await?;
        let state = webhooks::record_attempt(&mut conn, endpoint.id, &attempt, &rule).await?;
        if let EndpointState::JustDisabled(reason) = &state {
            tracing::warn!(endpoint = %endpoint.id, %reason, "webhook endpoint turned off");
        }
        match sent.verdict {
            Verdict::Delivered => Ok(Outcome::done(WebhookDelivered {
                status: sent.status.map_or(0, |s| s.as_u16()),
                latency_ms,
            })),
            Verdict::Gone => Err(JobError::permanent(
                "the endpoint answered 410 Gone: it is turned off",
            )),
            Verdict::Refused(why) => Err(JobError::permanent(why)),
            Verdict::TryLater(why) if matches!(state, EndpointState::JustDisabled(_)) => Err(
                JobError::permanent(format!("{why}; the endpoint is turned off")),
            ),
            Verdict::TryLater(why) => {
                let wait = WebhookDeliver::SCHEDULE_SECS
                    .get(usize::try_from(ctx.attempt - 1).unwrap_or(0))
                    .copied()
                    .unwrap_or(0);
                let after =
                    Duration::from_secs_f64(wait as f64 * config.webhook_schedule_scale.max(0.0));
                Err(JobError::transient_after(why, after))
            }
        }
    }
}
