//! Relays job events from Redis pub/sub to this instance's event streams, so a client
//! connected to any API instance hears about jobs finished anywhere.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use futures::StreamExt;
use prepq_jobs::{JobEvent, queue::EVENTS_CHANNEL};
use tokio::sync::broadcast;

/// Whether the relay is subscribed right now (part of `/readyz`).
#[derive(Clone, Default)]
pub struct RelayStatus(Arc<AtomicBool>);

impl RelayStatus {
    pub fn is_subscribed(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Runs forever, resubscribing after any Redis failure.
pub async fn run(client: redis::Client, events: broadcast::Sender<JobEvent>, status: RelayStatus) {
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
    events: &broadcast::Sender<JobEvent>,
    status: &RelayStatus,
) -> redis::RedisResult<()> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(EVENTS_CHANNEL).await?;
    status.0.store(true, Ordering::Relaxed);
    let mut messages = pubsub.on_message();
    while let Some(message) = messages.next().await {
        let payload: String = message.get_payload()?;
        match serde_json::from_str::<JobEvent>(&payload) {
            // No receivers is fine: nobody is listening on this instance.
            Ok(event) => drop(events.send(event)),
            Err(e) => tracing::warn!(error = %e, "ignoring a malformed job event"),
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
