//! `announcement.deliver`: the announcement into every inbox of its audience, a batch of
//! users per transaction (set-based: one insert a batch), each new message published for
//! its owner's open streams.

use prepq_jobs::kinds::{AnnouncementDeliver, AnnouncementDelivered};
use prepq_schema::{DbPool, announcements};
use redis::aio::ConnectionManager;

use super::{Outcome, Run};
use crate::{config::NotifyConfig, context::JobContext, error::JobError, notices::publish};

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
            publish(&redis, &batch.written).await;
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
