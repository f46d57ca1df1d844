use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object, OpenApi, param::Path, payload::Json};
use prepq_schema::worker_processes::{self, WorkerProcess};

use super::ApiTags;
use crate::{
    auth::Signed,
    error::{AdminChangeError, AdminReadError, ErrorBody},
};

/// The worker processes, for administrators.
#[derive(Default)]
pub struct WorkersApi;

/// Most processes listed: the most recently renewed.
const LISTED: i64 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum WorkerState {
    /// Renewing its registration and taking jobs.
    Alive,
    /// Asked to stop taking jobs: draining.
    Quiet,
    /// Drained and ended.
    Stopped,
    /// No renewal for `PREPQ_WORKER_GONE_SECS`: killed or cut off.
    Gone,
}

/// One worker process, as it records itself.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WorkerView {
    /// `host-pid-suffix`, as its jobs name it.
    pub id: String,
    pub state: WorkerState,
    pub host: String,
    pub pid: i32,
    pub version: String,
    pub queues: Vec<String>,
    pub concurrency: i32,
    /// Jobs at work in it at its last renewal.
    pub running: i32,
    pub started_at: DateTime<Utc>,
    pub heartbeat_at: DateTime<Utc>,
    pub quiet_requested_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl WorkersApi {
    /// The worker processes, the most recently renewed first.
    #[oai(path = "/workers", method = "get")]
    async fn workers(&self, me: Signed<'_>) -> Result<Json<Vec<WorkerView>>, AdminReadError> {
        me.caller.require_admin()?;
        let mut conn = me.state.conn().await?;
        let rows = worker_processes::recent(&mut conn, LISTED).await?;
        let gone = me.state.config.worker_gone_secs;
        Ok(Json(rows.into_iter().map(|row| view(row, gone)).collect()))
    }

    /// Ask a worker process to stop taking jobs: it finishes what it runs and ends, as on
    /// SIGTERM.
    #[oai(path = "/workers/:id/quiet", method = "post")]
    async fn quiet(
        &self,
        me: Signed<'_>,
        id: Path<String>,
    ) -> Result<Json<WorkerView>, AdminChangeError> {
        me.caller.require_admin()?;
        let mut conn = me.state.conn().await?;
        let gone = me.state.config.worker_gone_secs;
        match worker_processes::request_quiet(&mut conn, &id.0).await? {
            Some(row) => Ok(Json(view(row, gone))),
            None => match worker_processes::find(&mut conn, &id.0).await? {
                Some(_) => Err(AdminChangeError::Conflict(ErrorBody::new(
                    "worker_stopped",
                    "the process has already stopped",
                ))),
                None => Err(AdminChangeError::not_found("worker")),
            },
        }
    }
}

fn view(row: WorkerProcess, gone_secs: i64) -> WorkerView {
    let silent = Utc::now() - row.heartbeat_at > chrono::Duration::seconds(gone_secs);
    let state = match (row.stopped_at, row.quiet_requested_at) {
        (Some(_), _) => WorkerState::Stopped,
        _ if silent => WorkerState::Gone,
        (None, Some(_)) => WorkerState::Quiet,
        (None, None) => WorkerState::Alive,
    };
    WorkerView {
        state,
        queues: serde_json::from_value(row.queues).unwrap_or_default(),
        id: row.id,
        host: row.host,
        pid: row.pid,
        version: row.version,
        concurrency: row.concurrency,
        running: row.running,
        started_at: row.started_at,
        heartbeat_at: row.heartbeat_at,
        quiet_requested_at: row.quiet_requested_at,
        stopped_at: row.stopped_at,
    }
}
