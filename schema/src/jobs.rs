//! The job table: the record of every job's life. Every statement that moves a job is here,
//! guarded so that a stale worker, a duplicate delivery or a race can never move it twice.

use chrono::{DateTime, Utc};
use diesel::{
    dsl::now,
    pg::data_types::PgInterval,
    prelude::*,
    sql_types::{Array, BigInt, Double, Int4, Jsonb, Text, Timestamptz, Uuid as SqlUuid},
};
use diesel_async::{AsyncConnection, RunQueryDsl};
use prepq_jobs::{JobEvent, JobStatus, NewJob, Priority, Steps};
use uuid::Uuid;

use crate::{
    PooledConn, StoreError,
    points::{self, Unaffordable},
    schema::jobs,
};

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = jobs, check_for_backend(diesel::pg::Pg))]
pub struct JobRow {
    pub id: Uuid,
    /// `None` for system jobs (mail, crawls, audits), which no user sees.
    pub owner_id: Option<Uuid>,
    pub kind: String,
    pub status: JobStatus,
    pub attempt: i32,
    pub max_attempts: i32,
    pub progress: i16,
    pub payload: serde_json::Value,
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    pub idempotency_key: Option<String>,
    pub run_after: DateTime<Utc>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub dispatch_id: Option<String>,
    pub worker: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub steps_done: Option<i32>,
    pub steps_total: Option<i32>,
    /// `prepq_jobs::Priority`'s value: where the job stands in its queue's backlog.
    pub priority: i16,
    /// The W3C traceparent its attempts continue (`prepq_telemetry`).
    pub trace_parent: Option<String>,
}

impl JobRow {
    /// Steps done and to do, where the kind counts them.
    pub fn steps(&self) -> Option<Steps> {
        Some(Steps {
            done: self.steps_done?,
            total: self.steps_total?,
        })
    }

    /// The state change this row represents, for the event stream.
    pub fn event(&self) -> JobEvent {
        JobEvent {
            job_id: self.id,
            owner_id: self.owner_id,
            kind: self.kind.clone(),
            status: self.status,
            attempt: self.attempt,
            progress: self.progress,
            steps: self.steps(),
            error: self.error.clone(),
            at: self.updated_at,
        }
    }
}

/// A job as the API accepts it.
#[derive(Debug, Clone)]
pub struct Submission<'a> {
    pub id: Uuid,
    pub owner_id: Option<Uuid>,
    pub job: &'a NewJob,
    pub idempotency_key: Option<&'a str>,
    /// Set when the API already holds a window slot and will push the job itself.
    pub dispatch_id: Option<&'a str>,
    /// Points the owner pays, reserved with the insert.
    pub price: Option<i32>,
}

/// What a submission did.
#[derive(Debug)]
pub enum Submitted {
    Created(JobRow),
    /// An earlier submission under the same idempotency key.
    Existing(JobRow),
    /// Nothing: the owner's balance does not cover the price.
    Unaffordable(Unaffordable),
}

/// Inserts the job and reserves its price in one transaction, or finds the one already
/// submitted under the same idempotency key.
pub async fn submit(conn: &mut PooledConn, sub: Submission<'_>) -> Result<Submitted, StoreError> {
    let (Some(price), Some(owner)) = (sub.price, sub.owner_id) else {
        return insert(conn, &sub).await;
    };
    conn.transaction(async |conn| {
        let submitted = insert(conn, &sub).await?;
        if let Submitted::Created(row) = &submitted
            && let Err(unaffordable) =
                points::reserve(conn, owner, row.id, price, &row.kind).await?
        {
            // Never accepted: the row goes within the transaction that made it.
            diesel::delete(jobs::table.find(row.id))
                .execute(conn)
                .await?;
            return Ok(Submitted::Unaffordable(unaffordable));
        }
        Ok(submitted)
    })
    .await
}

pub(crate) async fn insert(
    conn: &mut diesel_async::AsyncPgConnection,
    sub: &Submission<'_>,
) -> Result<Submitted, StoreError> {
    let dispatched_at = sub.dispatch_id.map(|_| Utc::now());
    let inserted = diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(sub.id),
            jobs::owner_id.eq(sub.owner_id),
            jobs::kind.eq(sub.job.kind),
            jobs::max_attempts.eq(sub.job.max_attempts),
            jobs::priority.eq(sub.job.priority.value()),
            jobs::payload.eq(&sub.job.payload),
            jobs::idempotency_key.eq(sub.idempotency_key),
            jobs::dispatched_at.eq(dispatched_at),
            jobs::dispatch_id.eq(sub.dispatch_id),
            jobs::trace_parent.eq(trace_of(sub.job)),
        ))
        .on_conflict_do_nothing()
        .returning(JobRow::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    if let Some(row) = inserted {
        return Ok(Submitted::Created(row));
    }
    let key = sub
        .idempotency_key
        .ok_or_else(|| StoreError::Corrupt(format!("job id {} already exists", sub.id)))?;
    let owner = sub
        .owner_id
        .ok_or_else(|| StoreError::Corrupt("system jobs take no idempotency key".into()))?;
    let existing = find_by_key(conn, owner, key)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("no job holds the key {key}")))?;
    Ok(Submitted::Existing(existing))
}

/// The owner's job submitted under `key`, if any.
pub async fn find_by_key(
    conn: &mut diesel_async::AsyncPgConnection,
    owner: Uuid,
    key: &str,
) -> Result<Option<JobRow>, StoreError> {
    Ok(jobs::table
        .filter(jobs::owner_id.eq(owner))
        .filter(jobs::idempotency_key.eq(key))
        .select(JobRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The trace a new job continues: the one it was made in (the API sets it on a request's
/// job before the batch insert, away from the request), else the current span's.
pub(crate) fn trace_of(job: &NewJob) -> Option<String> {
    job.trace_parent
        .clone()
        .or_else(prepq_telemetry::trace_parent)
}

/// Inserts a system job (no owner) for the dispatcher to push; for use inside the
/// transaction of the change that calls for it, so the two commit together.
pub async fn insert_system(
    conn: &mut diesel_async::AsyncPgConnection,
    job: &NewJob,
) -> Result<Uuid, StoreError> {
    insert_system_as(conn, Uuid::now_v7(), job).await
}

/// `insert_system` under an id chosen beforehand (another row refers to it).
pub async fn insert_system_as(
    conn: &mut diesel_async::AsyncPgConnection,
    id: Uuid,
    job: &NewJob,
) -> Result<Uuid, StoreError> {
    insert_system_many(conn, &[(id, job)]).await?;
    Ok(id)
}

/// `insert_system_as`, due at `run_after` rather than now.
pub async fn insert_system_at(
    conn: &mut diesel_async::AsyncPgConnection,
    id: Uuid,
    job: &NewJob,
    run_after: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(id),
            jobs::kind.eq(job.kind),
            jobs::max_attempts.eq(job.max_attempts),
            jobs::priority.eq(job.priority.value()),
            jobs::payload.eq(&job.payload),
            jobs::run_after.eq(run_after),
            jobs::trace_parent.eq(trace_of(job)),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

/// System jobs under ids chosen beforehand, in one statement.
pub async fn insert_system_many(
    conn: &mut diesel_async::AsyncPgConnection,
    new: &[(Uuid, &NewJob)],
) -> Result<(), StoreError> {
    if new.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = new
        .iter()
        .map(|(id, job)| {
            (
                jobs::id.eq(*id),
                jobs::kind.eq(job.kind),
                jobs::max_attempts.eq(job.max_attempts),
                jobs::priority.eq(job.priority.value()),
                jobs::payload.eq(&job.payload),
                jobs::trace_parent.eq(trace_of(job)),
            )
        })
        .collect();
    diesel::insert_into(jobs::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find_owned(
    conn: &mut PooledConn,
    owner_id: Uuid,
    id: Uuid,
) -> Result<Option<JobRow>, StoreError> {
    let found = jobs::table
        .filter(jobs::id.eq(id).and(jobs::owner_id.eq(owner_id)))
        .select(JobRow::as_select())
        .first(conn)
        .await
        .optional()?;
    Ok(found)
}

#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub kind: Option<String>,
    pub status: Option<JobStatus>,
    /// Only jobs older than this one (ids are time-ordered v7 UUIDs).
    pub before: Option<Uuid>,
    /// Only jobs whose error says this, in any case.
    pub error: Option<String>,
    /// Only jobs finished at or after this.
    pub finished_after: Option<DateTime<Utc>>,
    /// Only jobs finished before this.
    pub finished_before: Option<DateTime<Utc>>,
}

/// Whose jobs a listing shows.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    Owner(Uuid),
    /// Every job, system jobs included: for admins.
    All,
}

/// One page of jobs, newest first.
pub async fn list(
    conn: &mut PooledConn,
    scope: Scope,
    filter: &JobFilter,
    limit: i64,
) -> Result<Vec<JobRow>, StoreError> {
    let mut query = newest_first!(
        jobs::table.select(JobRow::as_select()),
        jobs::id,
        filter.before,
        limit
    );
    if let Scope::Owner(owner_id) = scope {
        query = query.filter(jobs::owner_id.eq(owner_id));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(jobs::kind.eq(kind.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(jobs::status.eq(status.as_str()));
    }
    if let Some(error) = &filter.error {
        let literal = error
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        query = query.filter(jobs::error.ilike(format!("%{literal}%")));
    }
    if let Some(after) = filter.finished_after {
        query = query.filter(jobs::finished_at.ge(after));
    }
    if let Some(before) = filter.finished_before {
        query = query.filter(jobs::finished_at.lt(before));
    }
    Ok(query.load(conn).await?)
}

#[derive(Debug)]
pub enum CancelOutcome {
    Cancelled(JobRow),
    NotFound,
    /// Only a queued job can be cancelled; this one is past that.
    TooLate(JobRow),
}

pub async fn cancel_owned(
    conn: &mut PooledConn,
    owner_id: Uuid,
    id: Uuid,
) -> Result<CancelOutcome, StoreError> {
    let cancelled = diesel::update(jobs::table)
        .filter(jobs::id.eq(id))
        .filter(jobs::owner_id.eq(owner_id))
        .filter(jobs::status.eq(JobStatus::Queued.as_str()))
        .set((
            jobs::status.eq(JobStatus::Cancelled.as_str()),
            jobs::finished_at.eq(diesel::dsl::now),
            jobs::updated_at.eq(diesel::dsl::now),
        ))
        .returning(JobRow::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    Ok(match cancelled {
        Some(row) => CancelOutcome::Cancelled(row),
        None => match find_owned(conn, owner_id, id).await? {
            Some(row) => CancelOutcome::TooLate(row),
            None => CancelOutcome::NotFound,
        },
    })
}

/// Cancels every unfinished job of the owner, running ones too (their attempt loses its
/// fence and its result is dropped). Returns the cancelled rows.
pub async fn cancel_all_owned(
    conn: &mut PooledConn,
    owner_id: Uuid,
) -> Result<Vec<JobRow>, StoreError> {
    let rows = diesel::update(jobs::table)
        .filter(jobs::owner_id.eq(owner_id))
        .filter(jobs::status.eq_any([JobStatus::Queued.as_str(), JobStatus::Running.as_str()]))
        .set((
            jobs::status.eq(JobStatus::Cancelled.as_str()),
            jobs::lease_expires_at.eq(None::<DateTime<Utc>>),
            jobs::finished_at.eq(now),
            jobs::updated_at.eq(now),
        ))
        .returning(JobRow::as_returning())
        .get_results(conn)
        .await?;
    Ok(rows)
}

#[derive(Debug)]
pub enum DeleteOutcome {
    Deleted,
    NotFound,
    /// Still queued or running (the status): cancel it first.
    Unfinished(JobStatus),
    /// A resume's current reading: delete the resume instead.
    InUse,
}

/// Deletes one of the owner's finished jobs.
pub async fn delete_owned(
    conn: &mut PooledConn,
    owner_id: Uuid,
    id: Uuid,
) -> Result<DeleteOutcome, StoreError> {
    let finished = [
        JobStatus::Succeeded.as_str(),
        JobStatus::Failed.as_str(),
        JobStatus::Cancelled.as_str(),
    ];
    let deleted = diesel::delete(jobs::table)
        .filter(jobs::id.eq(id))
        .filter(jobs::owner_id.eq(owner_id))
        .filter(jobs::status.eq_any(finished))
        .filter(not_a_resume_reading())
        .execute(conn)
        .await?;
    if deleted == 1 {
        return Ok(DeleteOutcome::Deleted);
    }
    Ok(match find_owned(conn, owner_id, id).await? {
        Some(row) if row.status.is_final() => DeleteOutcome::InUse,
        Some(row) => DeleteOutcome::Unfinished(row.status),
        None => DeleteOutcome::NotFound,
    })
}

/// A resume's current reading goes with the resume, never on its own.
#[diesel::dsl::auto_type(no_type_alias)]
fn not_a_resume_reading() -> _ {
    let readings =
        crate::schema::resumes::table.filter(crate::schema::resumes::job_id.eq(jobs::id));
    diesel::dsl::not(diesel::dsl::exists(readings))
}

/// What an admin's retry of a failed job came to.
#[derive(Debug)]
pub enum Retry {
    Queued(Box<JobRow>),
    /// No failed job has that id.
    NotFailed,
    /// The job is priced and its owner cannot pay for another try.
    Unaffordable(Unaffordable),
}

/// An admin's second chance for a failed job: queued again now, with as many attempts
/// as it first had. Attempt numbers keep counting up, so no stale worker's fence matches.
/// A priced job's failure was refunded, so the retry reserves its price again (a new round
/// of its ledger lines, settled or refunded like the first) or is refused.
pub async fn retry_failed(conn: &mut PooledConn, id: Uuid) -> Result<Retry, StoreError> {
    conn.transaction(async |conn| {
        let failed = jobs::table
            .find(id)
            .filter(jobs::status.eq(JobStatus::Failed.as_str()))
            .select(jobs::id)
            .for_update()
            .first::<Uuid>(conn)
            .await
            .optional()?;
        if failed.is_none() {
            return Ok(Retry::NotFailed);
        }
        if let Err(short) = points::reserve_again(conn, id).await? {
            return Ok(Retry::Unaffordable(short));
        }
        let row = diesel::update(jobs::table.find(id))
            .set((
                jobs::status.eq(JobStatus::Queued.as_str()),
                jobs::max_attempts.eq(jobs::attempt + jobs::max_attempts),
                jobs::run_after.eq(now),
                jobs::finished_at.eq(None::<DateTime<Utc>>),
                jobs::dispatched_at.eq(None::<DateTime<Utc>>),
                jobs::dispatch_id.eq(None::<String>),
                jobs::updated_at.eq(now),
            ))
            .returning(JobRow::as_returning())
            .get_result(conn)
            .await?;
        Ok(Retry::Queued(Box::new(row)))
    })
    .await
}

/// An administrator's "run now" for a queued job: it goes ahead of its kind's backlog and
/// of its backoff. `None` when no queued job has that id.
pub async fn run_now(conn: &mut PooledConn, id: Uuid) -> Result<Option<JobRow>, StoreError> {
    let row = diesel::update(jobs::table.find(id))
        .filter(jobs::status.eq(JobStatus::Queued.as_str()))
        .set((
            jobs::priority.eq(Priority::RUN_NOW.value()),
            jobs::run_after.eq(now),
            jobs::updated_at.eq(now),
        ))
        .returning(JobRow::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    Ok(row)
}

/// Cancels the queued jobs among `ids`, whoever owns them; returns the cancelled rows.
pub async fn cancel_queued(conn: &mut PooledConn, ids: &[Uuid]) -> Result<Vec<JobRow>, StoreError> {
    let rows = diesel::update(jobs::table)
        .filter(jobs::id.eq_any(ids))
        .filter(jobs::status.eq(JobStatus::Queued.as_str()))
        .set((
            jobs::status.eq(JobStatus::Cancelled.as_str()),
            jobs::finished_at.eq(now),
            jobs::updated_at.eq(now),
        ))
        .returning(JobRow::as_returning())
        .get_results(conn)
        .await?;
    Ok(rows)
}

/// Deletes the failed jobs among `ids`, except a resume's current reading. A failed priced
/// job was refunded, so its ledger lines stay as they are. Returns how many went.
pub async fn delete_failed(conn: &mut PooledConn, ids: &[Uuid]) -> Result<usize, StoreError> {
    let deleted = diesel::delete(jobs::table)
        .filter(jobs::id.eq_any(ids))
        .filter(jobs::status.eq(JobStatus::Failed.as_str()))
        .filter(not_a_resume_reading())
        .execute(conn)
        .await?;
    Ok(deleted)
}

pub async fn find(conn: &mut PooledConn, id: Uuid) -> Result<Option<JobRow>, StoreError> {
    let found = jobs::table
        .find(id)
        .select(JobRow::as_select())
        .first(conn)
        .await
        .optional()?;
    Ok(found)
}

/// Gives a job back to the dispatcher after the API failed to push it.
pub async fn undispatch(
    conn: &mut PooledConn,
    id: Uuid,
    dispatch_id: &str,
) -> Result<(), StoreError> {
    diesel::update(jobs::table)
        .filter(jobs::id.eq(id))
        .filter(jobs::dispatch_id.eq(dispatch_id))
        .filter(jobs::status.eq(JobStatus::Queued.as_str()))
        .set(jobs::dispatched_at.eq(None::<DateTime<Utc>>))
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes due, queued jobs for one attempt each under a lease, in one statement. Returns
/// the rows taken; an id missing from the answer means another delivery already has that
/// job, it is finished or cancelled, or its retry is not due: skip it.
pub async fn claim_many(
    conn: &mut PooledConn,
    ids: &[Uuid],
    worker: &str,
    lease_secs: f64,
) -> Result<Vec<JobRow>, StoreError> {
    let rows = diesel::update(jobs::table)
        .filter(jobs::id.eq_any(ids))
        .filter(jobs::status.eq(JobStatus::Queued.as_str()))
        .filter(jobs::run_after.le(now))
        .set((
            jobs::status.eq(JobStatus::Running.as_str()),
            jobs::attempt.eq(jobs::attempt + 1),
            jobs::worker.eq(worker),
            jobs::lease_expires_at
                .eq((now.into_sql::<Timestamptz>() + interval(lease_secs)).nullable()),
            jobs::heartbeat_at.eq(now),
            jobs::started_at.eq(coalesce(jobs::started_at, now)),
            jobs::updated_at.eq(now),
        ))
        .returning(JobRow::as_returning())
        .get_results(conn)
        .await?;
    let rest: Vec<Uuid> = ids
        .iter()
        .filter(|id| !rows.iter().any(|r| r.id == **id))
        .copied()
        .collect();
    if rest.is_empty() {
        return Ok(rows);
    }
    // A claim whose answer was lost (the connection dropped after the commit) left its
    // job running under this worker; asked again, it gets it back instead of leaving it to
    // its lease. Only one delivery of a job runs in a worker at a time, so no other can be
    // the one that claimed it.
    let mine = jobs::table
        .filter(jobs::id.eq_any(&rest))
        .filter(jobs::status.eq(JobStatus::Running.as_str()))
        .filter(jobs::worker.eq(worker))
        .filter(jobs::lease_expires_at.gt(now))
        .select(JobRow::as_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().chain(mine).collect())
}

/// What a running attempt reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// 0–100.
    pub percent: i16,
    pub steps: Option<Steps>,
}

/// Renews the lease of attempt `attempt`, recording progress. Returns the row, or `None`
/// when the attempt has lost the job (its lease expired and it was handed to another worker,
/// or it was cancelled).
pub async fn heartbeat(
    conn: &mut PooledConn,
    id: Uuid,
    attempt: i32,
    lease_secs: f64,
    progress: Progress,
) -> Result<Option<JobRow>, StoreError> {
    let renewed = diesel::update(owned_attempt(id, attempt))
        .set((
            jobs::lease_expires_at
                .eq((now.into_sql::<Timestamptz>() + interval(lease_secs)).nullable()),
            jobs::heartbeat_at.eq(now),
            jobs::progress.eq(greatest(jobs::progress, progress.percent.clamp(0, 100))),
            jobs::steps_done.eq(progress.steps.map(|s| s.done)),
            jobs::steps_total.eq(progress.steps.map(|s| s.total)),
            jobs::updated_at.eq(now),
        ))
        .returning(JobRow::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    Ok(renewed)
}

/// How an attempt that did not succeed ended.
#[derive(Debug, Clone)]
pub enum Setback {
    /// Will not get better by trying again.
    Failed(String),
    /// May work later: retried after `backoff_secs` while attempts remain.
    Retry { reason: String, backoff_secs: f64 },
    /// The rest of the work is another kind's, on its own queue: the job becomes that kind,
    /// keeping its id, and gets that kind's attempts on top of those it used.
    HandOff(NewJob),
}

/// Records that attempt `attempt` did not succeed. Returns the new row, or `None` when that
/// attempt no longer owns the job, in which case nothing changes.
pub async fn finish(
    conn: &mut PooledConn,
    id: Uuid,
    attempt: i32,
    setback: &Setback,
) -> Result<Option<JobRow>, StoreError> {
    let row = match setback {
        Setback::Failed(reason) => {
            diesel::update(owned_attempt(id, attempt))
                .set((
                    jobs::status.eq(JobStatus::Failed.as_str()),
                    jobs::error.eq(reason),
                    jobs::lease_expires_at.eq(None::<DateTime<Utc>>),
                    jobs::finished_at.eq(now),
                    jobs::updated_at.eq(now),
                ))
                .returning(JobRow::as_returning())
                .get_result(conn)
                .await
        }
        // Rare, and needs the attempt count to choose: plain SQL.
        Setback::Retry {
            reason,
            backoff_secs,
        } => {
            diesel::sql_query(
                "UPDATE jobs SET
                    status = CASE WHEN attempt < max_attempts THEN 'queued' ELSE 'failed' END,
                    error = CASE WHEN attempt < max_attempts THEN $3
                        ELSE 'gave up after ' || attempt || ' attempts: ' || $3 END,
                    finished_at = CASE WHEN attempt < max_attempts THEN NULL ELSE now() END,
                    run_after = now() + make_interval(secs => $4),
                    dispatched_at = NULL, dispatch_id = NULL, lease_expires_at = NULL,
                    updated_at = now()
                 WHERE id = $1 AND attempt = $2 AND status = 'running' RETURNING *",
            )
            .bind::<SqlUuid, _>(id)
            .bind::<Int4, _>(attempt)
            .bind::<Text, _>(reason)
            .bind::<Double, _>(*backoff_secs)
            .get_result::<JobRow>(conn)
            .await
        }
        Setback::HandOff(next) => {
            diesel::update(owned_attempt(id, attempt))
                .set((
                    jobs::kind.eq(next.kind),
                    jobs::payload.eq(&next.payload),
                    jobs::max_attempts.eq(jobs::attempt + next.max_attempts),
                    jobs::status.eq(JobStatus::Queued.as_str()),
                    jobs::run_after.eq(now),
                    jobs::dispatched_at.eq(None::<DateTime<Utc>>),
                    jobs::dispatch_id.eq(None::<String>),
                    jobs::lease_expires_at.eq(None::<DateTime<Utc>>),
                    jobs::updated_at.eq(now),
                ))
                .returning(JobRow::as_returning())
                .get_result(conn)
                .await
        }
    };
    Ok(row.optional()?)
}

type OwnedAttempt = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Filter<jobs::table, diesel::dsl::Eq<jobs::id, Uuid>>,
        diesel::dsl::Eq<jobs::attempt, i32>,
    >,
    diesel::dsl::Eq<jobs::status, &'static str>,
>;

/// The job, if attempt `attempt` still holds it: the fence of every write an attempt makes.
/// Built from diesel's DSL, so each connection prepares these hot statements once.
fn owned_attempt(id: Uuid, attempt: i32) -> OwnedAttempt {
    jobs::table
        .filter(jobs::id.eq(id))
        .filter(jobs::attempt.eq(attempt))
        .filter(jobs::status.eq(JobStatus::Running.as_str()))
}

/// A lease's length. Added to PostgreSQL's `now`, so leases are judged by one clock.
fn interval(secs: f64) -> PgInterval {
    PgInterval::from_microseconds((secs * 1e6) as i64)
}

diesel::define_sql_function!(fn coalesce(x: diesel::sql_types::Nullable<Timestamptz>, y: Timestamptz) -> diesel::sql_types::Nullable<Timestamptz>);
diesel::define_sql_function!(fn greatest(x: diesel::sql_types::SmallInt, y: diesel::sql_types::SmallInt) -> diesel::sql_types::SmallInt);

/// Records successful attempts, in one statement: `(job, attempt, result)`. Returns the rows
/// changed; an attempt that no longer owns its job changes nothing and is not returned.
pub async fn succeed_many(
    conn: &mut PooledConn,
    done: &[(Uuid, i32, serde_json::Value)],
) -> Result<Vec<JobRow>, StoreError> {
    let ids: Vec<Uuid> = done.iter().map(|d| d.0).collect();
    let attempts: Vec<i32> = done.iter().map(|d| d.1).collect();
    let results: Vec<serde_json::Value> = done.iter().map(|d| d.2.clone()).collect();
    let rows = diesel::sql_query(
        "UPDATE jobs SET status = 'succeeded', result = done.result, error = NULL,
                progress = 100, lease_expires_at = NULL, finished_at = now(), updated_at = now()
         FROM unnest($1::uuid[], $2::int4[], $3::jsonb[]) AS done(id, attempt, result)
         WHERE jobs.id = done.id AND jobs.attempt = done.attempt AND jobs.status = 'running'
         RETURNING jobs.*",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<Int4>, _>(attempts)
    .bind::<Array<Jsonb>, _>(results)
    .get_results::<JobRow>(conn)
    .await?;
    Ok(rows)
}

/// Due, undispatched jobs of one kind: highest priority first, oldest first within one.
pub async fn undispatched(
    conn: &mut PooledConn,
    kind: &str,
    limit: i64,
) -> Result<Vec<Uuid>, StoreError> {
    let ids = jobs::table
        .filter(jobs::kind.eq(kind))
        .filter(jobs::status.eq(JobStatus::Queued.as_str()))
        .filter(jobs::dispatched_at.is_null())
        .filter(jobs::run_after.le(diesel::dsl::now))
        .order((jobs::priority.desc(), jobs::id))
        .limit(limit)
        .select(jobs::id)
        .load(conn)
        .await?;
    Ok(ids)
}

/// Records the pushes just made: job id and the id of its push.
pub async fn mark_dispatched(
    conn: &mut PooledConn,
    pushed: &[(Uuid, String)],
) -> Result<usize, StoreError> {
    let (ids, dispatch_ids): (Vec<Uuid>, Vec<String>) = pushed.iter().cloned().unzip();
    let marked = diesel::sql_query(
        "UPDATE jobs SET dispatched_at = now(), dispatch_id = pushed.dispatch_id
         FROM unnest($1::uuid[], $2::text[]) AS pushed(id, dispatch_id)
         WHERE jobs.id = pushed.id AND jobs.status = 'queued'",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<Text>, _>(dispatch_ids)
    .execute(conn)
    .await?;
    Ok(marked)
}

/// What one pruning statement deleted.
#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct Pruned {
    #[diesel(sql_type = BigInt)]
    pub count: i64,
    /// The latest `finished_at` among them: where the next statement may start.
    #[diesel(sql_type = diesel::sql_types::Nullable<Timestamptz>)]
    pub newest: Option<DateTime<Utc>>,
}

/// Deletes up to `batch` jobs of `kind` that finished in `[from, before)`, oldest first.
/// Small batches keep each delete's locks and WAL short beside live traffic. `from` spares
/// the scan the index entries of rows already deleted and not yet vacuumed, which sit
/// exactly where an unbounded scan starts, and made each pass slower than the last.
pub async fn prune_finished(
    conn: &mut PooledConn,
    kind: &str,
    from: Option<DateTime<Utc>>,
    before: DateTime<Utc>,
    batch: i64,
) -> Result<Pruned, StoreError> {
    Ok(diesel::sql_query(
        "WITH gone AS (
             DELETE FROM jobs WHERE id IN (
                 SELECT id FROM jobs
                 WHERE kind = $1 AND finished_at >= coalesce($2, '-infinity') AND finished_at < $3
                 ORDER BY finished_at LIMIT $4)
             RETURNING finished_at)
         SELECT count(*) AS count, max(finished_at) AS newest FROM gone",
    )
    .bind::<Text, _>(kind)
    .bind::<diesel::sql_types::Nullable<Timestamptz>, _>(from)
    .bind::<Timestamptz, _>(before)
    .bind::<BigInt, _>(batch)
    .get_result(conn)
    .await?)
}

/// Running jobs whose worker stopped renewing the lease: back to the queue while attempts
/// remain, else failed. Returns the changed rows.
pub async fn recover_expired_leases(conn: &mut PooledConn) -> Result<Vec<JobRow>, StoreError> {
    let rows = diesel::sql_query(
        "UPDATE jobs SET
                status = CASE WHEN attempt < max_attempts THEN 'queued' ELSE 'failed' END,
                error = 'worker ' || coalesce(worker, '?') || ' stopped responding during attempt '
                        || attempt || ' of ' || max_attempts,
                finished_at = CASE WHEN attempt < max_attempts THEN NULL ELSE now() END,
                dispatched_at = NULL, dispatch_id = NULL, lease_expires_at = NULL,
                updated_at = now()
         WHERE status = 'running' AND lease_expires_at < now()
         RETURNING *",
    )
    .get_results::<JobRow>(conn)
    .await?;
    Ok(rows)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct DispatchedJob {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub dispatch_id: String,
}

/// Queued jobs pushed longer ago than `older_than_secs`: possibly lost by Redis. Paged by
/// id, so a pass can walk all of them.
pub async fn long_dispatched(
    conn: &mut PooledConn,
    older_than_secs: f64,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<DispatchedJob>, StoreError> {
    let rows = diesel::sql_query(
        "SELECT id, kind, dispatch_id FROM jobs
         WHERE status = 'queued' AND dispatched_at < now() - make_interval(secs => $1)
           AND dispatch_id IS NOT NULL AND id > $2
         ORDER BY id LIMIT $3",
    )
    .bind::<Double, _>(older_than_secs)
    .bind::<SqlUuid, _>(after.unwrap_or(Uuid::nil()))
    .bind::<BigInt, _>(limit)
    .get_results(conn)
    .await?;
    Ok(rows)
}

/// Hands queued jobs back to the dispatcher: their push was lost or failed.
pub async fn reset_dispatch(conn: &mut PooledConn, ids: &[Uuid]) -> Result<usize, StoreError> {
    let changed = diesel::update(jobs::table)
        .filter(jobs::id.eq_any(ids))
        .filter(jobs::status.eq(JobStatus::Queued.as_str()))
        .filter(jobs::dispatched_at.is_not_null())
        .set((
            jobs::dispatched_at.eq(None::<DateTime<Utc>>),
            jobs::dispatch_id.eq(None::<String>),
        ))
        .execute(conn)
        .await?;
    Ok(changed)
}

/// Whether any job of `kind` was taken by a worker (or finished) in the last `secs`: a
/// queue that takes nothing while jobs wait in Redis is stalled, not busy.
pub async fn taken_recently(
    conn: &mut PooledConn,
    kind: &str,
    secs: f64,
) -> Result<bool, StoreError> {
    let taken = diesel::select(diesel::dsl::exists(
        jobs::table
            .filter(jobs::kind.eq(kind))
            .filter(jobs::status.ne(JobStatus::Queued.as_str()))
            .filter(jobs::updated_at.gt(now.into_sql::<Timestamptz>() - interval(secs))),
    ))
    .get_result(conn)
    .await?;
    Ok(taken)
}

/// Marks jobs found still waiting in Redis as freshly seen there.
pub async fn touch_dispatched(conn: &mut PooledConn, ids: &[Uuid]) -> Result<(), StoreError> {
    diesel::update(jobs::table)
        .filter(jobs::id.eq_any(ids))
        .filter(jobs::status.eq(JobStatus::Queued.as_str()))
        .set(jobs::dispatched_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Of these ids, the ones still queued.
pub async fn still_queued(conn: &mut PooledConn, ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
    let queued = jobs::table
        .filter(jobs::id.eq_any(ids))
        .filter(jobs::status.eq(JobStatus::Queued.as_str()))
        .select(jobs::id)
        .load(conn)
        .await?;
    Ok(queued)
}

/// Counts by status for one kind, for metrics and tests.
pub async fn count_by_status(
    conn: &mut PooledConn,
    kind: &str,
) -> Result<Vec<(String, i64)>, StoreError> {
    let counts = jobs::table
        .filter(jobs::kind.eq(kind))
        .group_by(jobs::status)
        .select((jobs::status, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    Ok(counts)
}
