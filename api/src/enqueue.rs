//! Accepting a job. PostgreSQL first: once the row is committed the job can't be lost.
//! Then, if the queue's window has room, the API pushes it to Redis itself (lowest
//! latency); if not, or if Redis fails, the dispatcher in the workers pushes it later.

use prepq_billing::Level;
use prepq_jobs::{NewJob, Priority, queue};
use prepq_schema::{
    jobs::{self, JobRow, Submitted},
    submissions::ClientSubmission,
};
use uuid::Uuid;

use crate::{
    auth::Caller,
    error::{ApiError, ErrorBody},
    rate_limit,
    state::AppState,
};

/// Longest accepted `Idempotency-Key`.
pub const MAX_IDEMPOTENCY_KEY: usize = 200;

pub async fn enqueue(
    state: &AppState,
    owner_id: Uuid,
    job: &NewJob,
    idempotency_key: Option<&str>,
) -> Result<JobRow, ApiError> {
    accept(state, owner_id, job, idempotency_key, None).await
}

/// Accepts a job that costs `price` points: only from a verified address, and only if the
/// balance covers it; the price is reserved with the job's row. A paying member's job goes
/// ahead of other users' in its queue's backlog.
pub async fn enqueue_paid(
    state: &AppState,
    caller: &Caller,
    job: &NewJob,
    idempotency_key: Option<&str>,
    price: i32,
) -> Result<JobRow, ApiError> {
    let level = verified_spender(caller)?;
    let priority = if level > Level::Normal {
        Priority::MEMBER
    } else {
        Priority::NORMAL
    };
    let job = job.clone().at(priority);
    accept(state, caller.user_id, &job, idempotency_key, Some(price)).await
}

/// Points are spent only from a verified address; answers the spender's membership level
/// (both read with the caller's session).
pub fn verified_spender(caller: &Caller) -> Result<Level, ApiError> {
    if !caller.verified {
        return Err(ApiError::Forbidden(ErrorBody::new(
            "email_not_verified",
            "verify your email address before spending points",
        )));
    }
    Ok(caller.level)
}

async fn accept(
    state: &AppState,
    owner_id: Uuid,
    job: &NewJob,
    idempotency_key: Option<&str>,
    price: Option<i32>,
) -> Result<JobRow, ApiError> {
    if let Some(key) = idempotency_key {
        validate_idempotency_key(key)?;
    }
    let quota = state.config.limits.enqueue_user;
    rate_limit::hit(&state.redis, "enqueue-user", &owner_id.to_string(), quota).await?;
    let id = Uuid::now_v7();
    let mut redis = state.redis.clone();
    let admitted = match queue::admit(&mut redis, job.kind, state.config.queue_window, &[id]).await
    {
        Ok(admitted) => !admitted.is_empty(),
        Err(e) => {
            tracing::warn!(error = %e, "Redis unavailable at enqueue; the dispatcher will push the job");
            false
        }
    };
    let dispatch_id = admitted.then(queue::new_dispatch_id);
    let submission = ClientSubmission {
        id,
        owner_id,
        // Taken here, in the request's span: the batch is inserted elsewhere.
        job: NewJob {
            trace_parent: prepq_telemetry::trace_parent(),
            ..job.clone()
        },
        idempotency_key: idempotency_key.map(str::to_owned),
        dispatch_id: dispatch_id.clone(),
        price,
    };
    let submitted = state.submissions.ask(submission).await;
    let row = match submitted {
        Ok(Submitted::Created(row)) => row,
        Ok(Submitted::Unaffordable(unaffordable)) => {
            give_back_slot(&mut redis, job.kind, id, admitted).await;
            return Err(unaffordable.into());
        }
        Ok(Submitted::Existing(row)) => {
            give_back_slot(&mut redis, job.kind, id, admitted).await;
            if row.kind != job.kind || row.payload != job.payload {
                return Err(key_reused());
            }
            return Ok(row);
        }
        Err(e) => {
            give_back_slot(&mut redis, job.kind, id, admitted).await;
            return Err(e.into());
        }
    };
    metrics::counter!("prepq_jobs_accepted_total", "kind" => job.kind).increment(1);
    // Published before the push, so no worker's `running` can overtake it.
    if let Err(e) = queue::publish(&mut redis, &row.event()).await {
        tracing::warn!(job_id = %id, error = %e, "publishing the queued event failed");
    }
    if let Some(dispatch_id) = dispatch_id
        && let Err(e) = queue::push(&mut redis, job.kind, &[(id, dispatch_id.clone())]).await
    {
        tracing::warn!(job_id = %id, error = %e, "push failed; leaving the job to the dispatcher");
        if let Ok(mut conn) = state.db.get().await {
            // If this fails too, the dispatcher finds the push missing from Redis.
            let _ = jobs::undispatch(&mut conn, id, &dispatch_id).await;
        }
        give_back_slot(&mut redis, job.kind, id, true).await;
    }
    Ok(row)
}

async fn give_back_slot(
    redis: &mut redis::aio::ConnectionManager,
    kind: &str,
    id: Uuid,
    admitted: bool,
) {
    if admitted && let Err(e) = queue::release(redis, kind, id).await {
        tracing::warn!(job_id = %id, error = %e, "releasing a window slot failed; the dispatcher will repair it");
    }
}

/// The answer to a key that named another request.
pub fn key_reused() -> ApiError {
    ApiError::Conflict(ErrorBody::new(
        "idempotency_key_reused",
        "this Idempotency-Key was already used for a different request",
    ))
}

fn validate_idempotency_key(key: &str) -> Result<(), ApiError> {
    let printable = key.chars().all(|c| c.is_ascii_graphic());
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY || !printable {
        return Err(ApiError::BadRequest(ErrorBody::new(
            "invalid_idempotency_key",
            format!(
                "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII characters"
            ),
        )));
    }
    Ok(())
}
