//! Relays job events and new inbox messages from Redis pub/sub to this instance's event
//! streams, so a client connected to any API instance hears about jobs finished anywhere.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use futures::StreamExt;
use prepq_jobs::{
    JobEvent,
    queue::{ANNOUNCEMENTS_CHANNEL, AnnouncementBatch, EVENTS_CHANNEL, MESSAGES_CHANNEL},
};
use prepq_schema::messages::Message;
use tokio::sync::broadcast;

/// Whether the relay is subscribed right now (part of `/readyz`).
#[derive(Clone, Default)]
pub struct RelayStatus(Arc<AtomicBool>);

impl RelayStatus {
    pub fn is_subscribed(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// What the relay hears, for its owner's streams.
#[derive(Debug, Clone)]
pub enum Published {
    Job(JobEvent),
    Message(Box<Message>),
    /// An announcement reached a range of users: each stream of theirs reads its message.
    Announcement(AnnouncementBatch),
}

impl Published {
    /// Whether `user`'s streams carry it.
    pub fn concerns(&self, user: uuid::Uuid) -> bool {
        match self {
            Self::Job(event) => event.owner_id == Some(user),
            Self::Message(message) => message.owner_id == user,
            Self::Announcement(batch) => batch.reached(user),
        }
    }
}

/// Runs forever, resubscribing after any Redis failure.
pub async fn run(client: redis::Client, events: broadcast::Sender<Published>, status: RelayStatus) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match relay(&client, &events, &status).await {
            Ok(()) => tracing::warn!("event subscription ended; resubscribing"),
            Err(e) => tracing::warn!(error = %e, "event subscription failed; resubscribing"),
        }
        status.0.store(false, Ordering::Relaxed);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

async fn relay(
    client: &redis::Client,
    events: &broadcast::Sender<Published>,
    status: &RelayStatus,
) -> redis::RedisResult<()> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub
        .subscribe(&[EVENTS_CHANNEL, MESSAGES_CHANNEL, ANNOUNCEMENTS_CHANNEL])
        .await?;
    status.0.store(true, Ordering::Relaxed);
    let mut messages = pubsub.on_message();
    while let Some(message) = messages.next().await {
        let payload: String = message.get_payload()?;
        let published = match message.get_channel_name() {
            MESSAGES_CHANNEL => {
                serde_json::from_str(&payload).map(|m| Published::Message(Box::new(m)))
            }
            ANNOUNCEMENTS_CHANNEL => serde_json::from_str(&payload).map(Published::Announcement),
            _ => serde_json::from_str(&payload).map(Published::Job),
        };
        match published {
            // No receivers is fine: nobody is listening on this instance.
            Ok(published) => drop(events.send(published)),
            Err(e) => tracing::warn!(error = %e, "ignoring a malformed event"),
        }
    }
    Ok(())
}

/// Publishes the state change of rows just committed, for every instance's streams. Best
/// effort: a client that misses it still reads the job's state with a GET.
pub async fn announce(redis: &redis::aio::ConnectionManager, rows: &[prepq_schema::jobs::JobRow]) {
    let mut redis = redis.clone();
    for row in rows {
        if let Err(e) = prepq_jobs::queue::publish(&mut redis, &row.event()).await {
            tracing::warn!(job_id = %row.id, error = %e, "publishing a job event failed");
        }
    }
}
