use poem_openapi::{Object, OpenApi, param::Path, payload::Json};
use prepq_jobs::{KINDS, queue};
use prepq_schema::{StoreError, queue_controls};

use super::ApiTags;
use crate::{
    auth::Signed,
    error::{AdminFindError, AdminReadError},
    state::AppState,
};

/// The window of the finished counts.
const LAST_HOUR_SECS: f64 = 3600.0;

/// The queues, for administrators: what each holds, and pausing one.
#[derive(Default)]
pub struct QueuesApi;

/// One job kind's queue.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct QueueView {
    pub kind: String,
    /// Nothing of a paused queue is handed to workers; its jobs wait, and what was
    /// already handed over (at most its window) still runs.
    pub paused: bool,
    /// Queued and due now.
    pub due: i64,
    /// Queued for later: a retry's backoff, or a report waiting for its session's end.
    pub scheduled: i64,
    pub running: i64,
    pub succeeded_last_hour: i64,
    pub failed_last_hour: i64,
    /// How long the oldest due job has waited, in seconds.
    pub oldest_due_secs: Option<f64>,
    /// Jobs handed to Redis and not yet taken by a worker.
    pub window: i64,
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl QueuesApi {
    /// Every queue: its jobs by state, the oldest due job's wait, its window, paused or not.
    #[oai(path = "/queues", method = "get")]
    async fn queues(&self, me: Signed<'_>) -> Result<Json<Vec<QueueView>>, AdminReadError> {
        me.caller.require_admin()?;
        Ok(Json(views(me.state, KINDS).await?))
    }

    /// Pause a queue: nothing more of it is dispatched, across restarts, until resumed.
    #[oai(path = "/queues/:kind/pause", method = "post")]
    async fn pause(
        &self,
        me: Signed<'_>,
        kind: Path<String>,
    ) -> Result<Json<QueueView>, AdminFindError> {
        set_paused(&me, &kind.0, true).await
    }

    /// Resume a paused queue: its waiting jobs are dispatched again.
    #[oai(path = "/queues/:kind/resume", method = "post")]
    async fn resume(
        &self,
        me: Signed<'_>,
        kind: Path<String>,
    ) -> Result<Json<QueueView>, AdminFindError> {
        set_paused(&me, &kind.0, false).await
    }
}

async fn set_paused(
    me: &Signed<'_>,
    kind: &str,
    paused: bool,
) -> Result<Json<QueueView>, AdminFindError> {
    me.caller.require_admin()?;
    let Some(kind) = KINDS.iter().copied().find(|k| *k == kind) else {
        return Err(AdminFindError::not_found("queue"));
    };
    let mut conn = me.state.conn().await?;
    queue_controls::set_paused(&mut conn, kind, paused, me.caller.user_id).await?;
    let now_paused = queue_controls::paused(&mut conn).await?;
    drop(conn);
    // At once, not at the dispatcher's next repair pass: the API admits at enqueue too.
    let mut redis = me.state.redis.clone();
    queue::mirror_paused(&mut redis, &now_paused)
        .await
        .map_err(|e| StoreError::Unreachable(format!("Redis: {e}")))?;
    let mut view = views(me.state, &[kind]).await?;
    Ok(Json(view.remove(0)))
}

/// The views of `kinds`, in their order.
async fn views(state: &AppState, kinds: &[&str]) -> Result<Vec<QueueView>, StoreError> {
    let mut conn = state.conn().await?;
    let tallies = queue_controls::tallies(&mut conn, kinds, LAST_HOUR_SECS).await?;
    let paused = queue_controls::paused(&mut conn).await?;
    drop(conn);
    let mut redis = state.redis.clone();
    let mut views = Vec::with_capacity(kinds.len());
    for kind in kinds {
        let tally = tallies
            .iter()
            .find(|t| t.kind == *kind)
            .cloned()
            .unwrap_or_default();
        let window = queue::window_len(&mut redis, kind)
            .await
            .map_err(|e| StoreError::Unreachable(format!("Redis: {e}")))?;
        views.push(QueueView {
            kind: (*kind).to_owned(),
            paused: paused.iter().any(|p| p == kind),
            due: tally.due,
            scheduled: tally.scheduled,
            running: tally.running,
            succeeded_last_hour: tally.succeeded_last_hour,
            failed_last_hour: tally.failed_last_hour,
            oldest_due_secs: tally.oldest_due_secs,
            window: window as i64,
        });
    }
    Ok(views)
}
