//! Turns notices (a user's job finished, an order paid, an endpoint turned off) into what
//! their owners hear: an inbox message and a mail as each prefers, and a webhook delivery
//! to each enabled endpoint that asked for the event. One transaction a batch, so a notice
//! is told completely or not at all, and only once.

use std::collections::HashSet;

use chrono::Utc;
use diesel_async::AsyncConnection;
use prepq_jobs::{
    Job, NewJob,
    kinds::{Email, EmailSend, InterviewReport, Language, WebhookDeliver},
    queue,
};
use prepq_schema::{
    PooledConn, StoreError, jobs,
    messages::{self, Message, NewMessage, Preferences, Topic},
    notices::{self, PendingNotice},
    webhooks::{self, Delivery, JobEventData, OrderEventData, WebhookEvent, WebhookEventData},
};
use redis::aio::ConnectionManager;
use uuid::Uuid;

use crate::{config::NotifyConfig, engines::email::render};

/// Notices taken in one transaction.
const BATCH: i64 = 500;
/// Characters of a ticket reply quoted in its message; the thread has it all.
const REPLY_SHOWN: usize = 1_000;

/// Fans out pending notices until none are left or a batch is short; returns how many.
pub async fn fan_out(
    conn: &mut PooledConn,
    redis: &ConnectionManager,
    config: &NotifyConfig,
) -> Result<usize, StoreError> {
    let mut told = 0;
    loop {
        let (count, messages) = conn
            .transaction(async |conn| fan_out_batch(conn, config).await)
            .await?;
        told += count;
        publish(redis, &messages).await;
        if count < BATCH as usize {
            return Ok(told);
        }
    }
}

async fn fan_out_batch(
    conn: &mut PooledConn,
    config: &NotifyConfig,
) -> Result<(usize, Vec<Message>), StoreError> {
    let pending = notices::pending(conn, BATCH).await?;
    if pending.is_empty() {
        return Ok((0, Vec::new()));
    }
    let owners: Vec<Uuid> = pending
        .iter()
        .map(|n| n.owner_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let preferences = Preferences::of(conn, &owners).await?;
    let endpoints = webhooks::enabled_of(conn, &owners).await?;
    let mut inbox = Vec::new();
    let mut jobs_to_run: Vec<(Uuid, NewJob)> = Vec::new();
    let mut deliveries = Vec::new();
    let mut mailed = Vec::new();
    for notice in &pending {
        if let Some(news) = News::of(notice, config) {
            let channel = preferences.channel(notice.owner_id, news.topic);
            let language = Language::from_tag(&notice.language);
            if channel.inbox() {
                let shown = render(language, &news.email);
                inbox.push(NewMessage {
                    owner_id: notice.owner_id,
                    topic: news.topic,
                    title: shown.subject,
                    body: shown.body,
                    link: Some(news.link.clone()),
                    dedupe_key: format!("{}:{}", notice.event, notice.subject_id),
                });
            }
            // A job is mailed about once, whatever its outcomes; only verified addresses.
            if channel.mail() && notice.email_verified && !notice.mailed_before {
                let mail = EmailSend {
                    to: notice.email.clone(),
                    language,
                    message: news.email,
                };
                jobs_to_run.push((Uuid::now_v7(), NewJob::of(&mail)));
                mailed.push(notice.id);
            }
        }
        let Some(data) = webhook_data(notice) else {
            continue;
        };
        let event = WebhookEvent {
            event_type: notice.event.clone(),
            timestamp: notice.created_at,
            data,
        };
        let body = serde_json::to_value(&event)
            .map_err(|e| StoreError::Corrupt(format!("a webhook event: {e}")))?;
        for endpoint in endpoints
            .iter()
            .filter(|e| e.owner_id == notice.owner_id && e.event_types.contains(&notice.event))
        {
            let delivery = Delivery {
                id: Uuid::now_v7(),
                endpoint_id: endpoint.id,
                event_type: notice.event.clone(),
                body: body.clone(),
                created_at: Utc::now(),
            };
            let send = WebhookDeliver {
                delivery_id: delivery.id,
            };
            jobs_to_run.push((Uuid::now_v7(), NewJob::of(&send)));
            deliveries.push(delivery);
        }
    }
    let written = messages::insert_many(conn, &inbox).await?;
    webhooks::insert_deliveries(conn, &deliveries).await?;
    let new: Vec<(Uuid, &NewJob)> = jobs_to_run.iter().map(|(id, job)| (*id, job)).collect();
    jobs::insert_system_many(conn, &new).await?;
    let ids: Vec<i64> = pending.iter().map(|n| n.id).collect();
    notices::mark_fanned(conn, &ids, &mailed).await?;
    metrics::counter!("prepq_notices_fanned_out_total").increment(ids.len() as u64);
    Ok((ids.len(), written))
}

/// What a notice tells its owner in words, if it is news to them: a job that ended
/// while they were watching it is not.
struct News {
    topic: Topic,
    email: Email,
    link: String,
}

impl News {
    fn of(notice: &PendingNotice, config: &NotifyConfig) -> Option<Self> {
        let app = config.app_url.trim_end_matches('/');
        match notice.event.as_str() {
            "job.succeeded" | "job.failed" => {
                let kind = notice.job_kind.clone()?;
                if notice.job_waited_secs? < config.notify_after_secs {
                    return None;
                }
                let status = notice.event.trim_start_matches("job.").to_owned();
                let topic = if kind == InterviewReport::KIND && status == "succeeded" {
                    Topic::ReportReady
                } else {
                    Topic::JobFinished
                };
                let link = format!("{app}/jobs/{}", notice.subject_id);
                Some(Self {
                    topic,
                    email: Email::JobFinished {
                        job_id: notice.subject_id,
                        kind,
                        status,
                        link: link.clone(),
                    },
                    link,
                })
            }
            "order.paid" => {
                let link = format!("{app}/orders/{}", notice.subject_id);
                Some(Self {
                    topic: Topic::OrderPaid,
                    email: Email::OrderPaid {
                        order_id: notice.subject_id,
                        product: notice.order_product.clone()?,
                        amount_fen: notice.order_amount_fen?,
                        points: notice.order_points?,
                        link: link.clone(),
                    },
                    link,
                })
            }
            "webhook.disabled" => {
                let detail = notice.detail.as_ref()?;
                let link = format!("{app}/webhooks/{}", detail["endpoint_id"].as_str()?);
                Some(Self {
                    topic: Topic::WebhookDisabled,
                    email: Email::WebhookDisabled {
                        url: detail["url"].as_str()?.to_owned(),
                        reason: detail["reason"].as_str()?.to_owned(),
                        link: link.clone(),
                    },
                    link,
                })
            }
            "membership.changed" => {
                let link = format!("{app}/membership");
                Some(Self {
                    topic: Topic::MembershipChanged,
                    email: Email::MembershipChanged {
                        level: notice.detail.as_ref()?["to"].as_str()?.to_owned(),
                        link: link.clone(),
                    },
                    link,
                })
            }
            "ticket.replied" => {
                let detail = notice.detail.as_ref()?;
                let link = format!("{app}/tickets/{}", detail["ticket_id"].as_str()?);
                let reply: String = detail["reply"]
                    .as_str()?
                    .chars()
                    .take(REPLY_SHOWN)
                    .collect();
                Some(Self {
                    topic: Topic::TicketReply,
                    email: Email::TicketReply {
                        subject: detail["subject"].as_str()?.to_owned(),
                        reply,
                        link: link.clone(),
                    },
                    link,
                })
            }
            _ => None,
        }
    }
}

/// The event's data for webhooks; `None` for what no endpoint can ask for.
fn webhook_data(notice: &PendingNotice) -> Option<WebhookEventData> {
    match notice.event.as_str() {
        "job.succeeded" | "job.failed" => Some(WebhookEventData::Job(JobEventData {
            job_id: notice.subject_id,
            kind: notice.job_kind.clone()?,
            status: notice.event.trim_start_matches("job.").to_owned(),
            attempts: notice.job_attempts?,
            error: notice.job_error.clone(),
        })),
        "order.paid" => Some(WebhookEventData::Order(OrderEventData {
            order_id: notice.subject_id,
            product: notice.order_product.clone()?,
            amount_fen: notice.order_amount_fen?,
            points: notice.order_points?,
        })),
        _ => None,
    }
}

/// Publishes new messages for their owners' open streams, in one round trip. Best effort:
/// the inbox has them.
async fn publish(redis: &ConnectionManager, messages: &[Message]) {
    if messages.is_empty() {
        return;
    }
    let mut pipe = redis::pipe();
    for message in messages {
        if let Ok(json) = serde_json::to_string(message) {
            pipe.publish(queue::MESSAGES_CHANNEL, json).ignore();
        }
    }
    let published: redis::RedisResult<()> = pipe.query_async(&mut redis.clone()).await;
    if let Err(e) = published {
        tracing::warn!(messages = messages.len(), error = %e, "publishing messages failed");
    }
}
