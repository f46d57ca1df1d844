//! Starts timed work: crawls on their sources' cron schedules, and the billing audit on
//! its own. Any number of processes may run it: a tick is a unique run row (per source for
//! crawls), so however many schedulers see it, one insert wins and only that one enqueues.
//! Each pass looks back over ticks it has not tried yet (a minute at most), so a late pass
//! still starts a tick it was late for.

use std::{collections::HashMap, str::FromStr, time::Duration};

use chrono::{DateTime, Days, Utc};
use prepq_billing::provider::china_time;
use prepq_schema::{DbPool, crawls, reconciliations};
use tokio::sync::watch;
use uuid::Uuid;

/// How far back a pass looks for ticks no pass has taken.
const LOOKBACK: chrono::Duration = chrono::Duration::seconds(60);

pub struct Scheduler {
    pub db: DbPool,
    pub interval: Duration,
    /// When to audit the previous day's payments (China time); `None`: never on its own.
    pub reconcile: Option<cron::Schedule>,
}

/// What this process has tried: the last tick per crawl source, and of the audit.
#[derive(Default)]
struct Tried {
    sources: HashMap<Uuid, DateTime<Utc>>,
    reconcile: Option<DateTime<Utc>>,
}

impl Scheduler {
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut tried = Tried::default();
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

    async fn pass(&self, tried: &mut Tried) -> Result<(), prepq_schema::StoreError> {
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
            let last = tried.sources.get(&source.id).copied();
            for tick in due(&schedule, last, source.created_at, now) {
                if let Some(run) = crawls::start_run(&mut conn, source.id, Some(tick)).await? {
                    tracing::info!(source = %source.id, %tick, %run, "crawl scheduled");
                    metrics::counter!("prepq_crawls_scheduled_total").increment(1);
                }
                tried.sources.insert(source.id, tick);
            }
        }
        if let Some(schedule) = &self.reconcile {
            for tick in due(schedule, tried.reconcile, DateTime::<Utc>::MIN_UTC, now) {
                // The day that ended before the tick, in the provider's time.
                let day = tick.with_timezone(&china_time()).date_naive() - Days::new(1);
                if let Some(run) =
                    reconciliations::start_run(&mut conn, Some(tick), day, day, None).await?
                {
                    tracing::info!(%tick, %day, run = %run.id, "billing audit scheduled");
                }
                tried.reconcile = Some(tick);
            }
        }
        Ok(())
    }
}

/// The ticks of `schedule` in `(last tried, now]`, looking back no further than the
/// lookback nor to before `floor`.
fn due(
    schedule: &cron::Schedule,
    last: Option<DateTime<Utc>>,
    floor: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let from = last
        .unwrap_or(now - LOOKBACK)
        .max(now - LOOKBACK)
        .max(floor);
    schedule.after(&from).take_while(|t| *t <= now).collect()
}
