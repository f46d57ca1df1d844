//! Starts crawls on their sources' cron schedules. Any number of processes may run it: a
//! tick is a unique (source, tick) run row, so however many schedulers see it, one insert
//! wins and only that one enqueues the crawl. Each pass looks back over ticks it has not
//! tried yet (a minute at most), so a late pass still starts a tick it was late for.

use std::{collections::HashMap, str::FromStr, time::Duration};

use chrono::{DateTime, Utc};
use prepq_schema::{DbPool, crawls};
use tokio::sync::watch;
use uuid::Uuid;

/// How far back a pass looks for ticks no pass has taken.
const LOOKBACK: chrono::Duration = chrono::Duration::seconds(60);

pub struct Scheduler {
    pub db: DbPool,
    pub interval: Duration,
}

impl Scheduler {
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        // Per source: the last tick this process has tried.
        let mut tried: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
        loop {
            if let Err(e) = self.pass(&mut tried).await {
                tracing::warn!(error = %e, "scheduler pass failed; trying again");
            }
            tokio::select! {
                () = tokio::time::sleep(self.interval) => {}
                _ = stop.changed() => return,
            }
        }
    }

    async fn pass(
        &self,
        tried: &mut HashMap<Uuid, DateTime<Utc>>,
    ) -> Result<(), prepq_schema::StoreError> {
        let mut conn = self.db.get().await?;
        let now = Utc::now();
        for source in crawls::list_sources(&mut conn).await? {
            if !source.enabled {
                continue;
            }
            let schedule = match cron::Schedule::from_str(&source.schedule) {
                Ok(schedule) => schedule,
                Err(e) => {
                    tracing::warn!(source = %source.id, error = %e, "the source's schedule is not valid");
                    continue;
                }
            };
            let from = tried
                .get(&source.id)
                .copied()
                .unwrap_or(now - LOOKBACK)
                .max(now - LOOKBACK)
                .max(source.created_at);
            for tick in schedule.after(&from).take_while(|t| *t <= now) {
                if let Some(run) = crawls::start_run(&mut conn, source.id, Some(tick)).await? {
                    tracing::info!(source = %source.id, %tick, %run, "crawl scheduled");
                    metrics::counter!("prepq_crawls_scheduled_total").increment(1);
                }
                tried.insert(source.id, tick);
            }
        }
        Ok(())
    }
}
