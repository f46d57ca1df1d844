//! `announcement.deliver`: the announcement into every inbox of its audience, a batch of
//! users per transaction (set-based: one insert a batch), each batch published once for
//! the open streams of the users it reached.

use prepq_jobs::{
    kinds::{AnnouncementDeliver, AnnouncementDelivered},
    queue::{self, AnnouncementBatch},
};
use prepq_schema::{DbPool, announcements};
use redis::{AsyncCommands, aio::ConnectionManager};

use super::{Outcome, Run};
use crate::{config::NotifyConfig, context::JobContext, error::JobError};

/// Tells the API instances a batch is in its users' inboxes. Best effort: the inbox has it.
async fn announce(redis: &ConnectionManager, batch: &AnnouncementBatch) {
    let Ok(json) = serde_json::to_string(batch) else {
        return;
    };
    let published: redis::RedisResult<i64> = redis
        .clone()
        .publish(queue::ANNOUNCEMENTS_CHANNEL, json)
        .await;
    if let Err(e) = published {
        tracing::warn!(error = %e, "publishing an announcement batch failed");
    }
}

impl Run for AnnouncementDeliver {
    type Needs = (DbPool, ConnectionManager, NotifyConfig);

    async fn run(
        self,
        ctx: &JobContext,
        (db, redis, config): (DbPool, ConnectionManager, NotifyConfig),
    ) -> Result<Outcome<AnnouncementDelivered>, JobError> {
        // Large enough that 100,000 users take a few dozen statements, small enough that a
        // batch commits well within a lease.
        let size = config.announcement_batch.max(1);
        let mut conn = db.get().await?;
        loop {
            ctx.still_holds_lease()?;
            let batch = announcements::deliver_batch(&mut conn, self.announcement_id, size).await?;
            if let Some((after, through)) = batch.users {
                let reached = AnnouncementBatch {
                    announcement_id: self.announcement_id,
                    after,
                    through,
                };
                announce(&redis, &reached).await;
            }
            if (batch.reached as i64) < size {
                break;
            }
        }
        let announcement = announcements::find(&mut conn, self.announcement_id)
            .await?
            .ok_or_else(|| JobError::permanent("the announcement was deleted"))?;
        Ok(Outcome::done(AnnouncementDelivered {
            delivered: i64::from(announcement.delivered),
        }))
    }
}
