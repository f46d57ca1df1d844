//! Each attempt of a job as the `jobs_record_attempt` trigger writes it: which worker ran
//! it, when, and how it ended.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::{PooledConn, StoreError, schema::job_attempts};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = job_attempts, check_for_backend(diesel::pg::Pg))]
pub struct JobAttempt {
    pub job_id: Uuid,
    pub attempt: i32,
    pub kind: String,
    pub worker: Option<String>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub error: Option<String>,
}

/// The attempts of one job, first first.
pub async fn of_job(conn: &mut PooledConn, job: Uuid) -> Result<Vec<JobAttempt>, StoreError> {
    Ok(job_attempts::table
        .filter(job_attempts::job_id.eq(job))
        .order(job_attempts::attempt)
        .select(JobAttempt::as_select())
        .load(conn)
        .await?)
}
