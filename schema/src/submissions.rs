//! Clients' jobs accepted together: requests that arrive while a batch is written share one
//! multi-row insert, one grouped reservation per owner and one commit, and each still gets
//! its own answer — its job, the job an earlier request under its idempotency key made, or
//! the balance that did not cover its price. One owner's reservations took the balance
//! row's lock once per request; under load they queued on it (81 ms a statement at 32
//! clients).

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use prepq_jobs::NewJob;
use uuid::Uuid;

use crate::{
    DbPool, StoreError,
    jobs::{self, JobRow, Submission, Submitted},
    points::{self, Unaffordable},
    schema::jobs as jobs_table,
};

/// A client's job waiting to be inserted.
#[derive(Debug, Clone)]
pub struct ClientSubmission {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub job: NewJob,
    pub idempotency_key: Option<String>,
    /// Set when the API already holds a window slot and will push the job itself.
    pub dispatch_id: Option<String>,
    /// Points the owner pays, reserved with the insert.
    pub price: Option<i32>,
}

impl ClientSubmission {
    fn borrowed(&self) -> Submission<'_> {
        Submission {
            id: self.id,
            owner_id: Some(self.owner_id),
            job: &self.job,
            idempotency_key: self.idempotency_key.as_deref(),
            dispatch_id: self.dispatch_id.as_deref(),
            price: self.price,
        }
    }
}

/// Submits the batch in one transaction, answering each in order. If the transaction fails
/// (a row the store refuses, such as an owner deleted meanwhile), each is submitted on its
/// own, so one bad request fails alone.
pub async fn submit_together(
    db: &DbPool,
    batch: &[ClientSubmission],
) -> Vec<Result<Submitted, StoreError>> {
    let mut conn = match db.get().await {
        Ok(conn) => conn,
        Err(e) => {
            let e = StoreError::from(e);
            return batch.iter().map(|_| Err(e.for_each_asker())).collect();
        }
    };
    if batch.len() > 1 {
        let together = conn
            .transaction(async |conn| submit_all(conn, batch).await)
            .await;
        match together {
            Ok(answers) => return answers.into_iter().map(Ok).collect(),
            Err(e) => {
                tracing::debug!(error = %e, size = batch.len(), "batched submission failed; submitting one by one")
            }
        }
    }
    let mut answers = Vec::with_capacity(batch.len());
    for submission in batch {
        answers.push(jobs::submit(&mut conn, submission.borrowed()).await);
    }
    answers
}

async fn submit_all(
    conn: &mut diesel_async::AsyncPgConnection,
    batch: &[ClientSubmission],
) -> Result<Vec<Submitted>, StoreError> {
    let dispatched_at = chrono::Utc::now();
    let rows: Vec<_> = batch
        .iter()
        .map(|s| {
            (
                jobs_table::id.eq(s.id),
                jobs_table::owner_id.eq(Some(s.owner_id)),
                jobs_table::kind.eq(s.job.kind),
                jobs_table::max_attempts.eq(s.job.max_attempts),
                jobs_table::priority.eq(s.job.priority.value()),
                jobs_table::payload.eq(&s.job.payload),
                jobs_table::idempotency_key.eq(s.idempotency_key.as_deref()),
                jobs_table::dispatched_at.eq(s.dispatch_id.as_ref().map(|_| dispatched_at)),
                jobs_table::dispatch_id.eq(s.dispatch_id.as_deref()),
                jobs_table::trace_parent.eq(s.job.trace_parent.as_deref()),
            )
        })
        .collect();
    // A key used twice within the batch inserts once: the later row is skipped as a conflict.
    let inserted: Vec<JobRow> = diesel::insert_into(jobs_table::table)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(JobRow::as_returning())
        .get_results(conn)
        .await?;
    let mut created: HashMap<Uuid, JobRow> = inserted.into_iter().map(|r| (r.id, r)).collect();
    let paid: Vec<(Uuid, Uuid, i32, &str)> = batch
        .iter()
        .filter(|s| created.contains_key(&s.id))
        .filter_map(|s| Some((s.owner_id, s.id, s.price?, s.job.kind)))
        .collect();
    let refused = points::reserve_in_order(conn, &paid).await?;
    let refused_ids: Vec<Uuid> = refused.keys().copied().collect();
    if !refused_ids.is_empty() {
        // Never accepted: the rows go within the transaction that made them.
        diesel::delete(jobs_table::table.filter(jobs_table::id.eq_any(&refused_ids)))
            .execute(conn)
            .await?;
    }
    let mut answers = Vec::with_capacity(batch.len());
    for submission in batch {
        if let Some(unaffordable) = refused.get(&submission.id) {
            answers.push(Submitted::Unaffordable(*unaffordable));
        } else if let Some(row) = created.remove(&submission.id) {
            answers.push(Submitted::Created(row));
        } else {
            answers.push(earlier(conn, submission).await?);
        }
    }
    Ok(answers)
}

/// The answer to a submission whose row was not inserted: its key's earlier job, or, if
/// that job was refused in this very batch, the same refusal.
async fn earlier(
    conn: &mut diesel_async::AsyncPgConnection,
    submission: &ClientSubmission,
) -> Result<Submitted, StoreError> {
    let key = submission
        .idempotency_key
        .as_deref()
        .ok_or_else(|| StoreError::Corrupt(format!("job id {} already exists", submission.id)))?;
    if let Some(existing) = jobs::find_by_key(conn, submission.owner_id, key).await? {
        return Ok(Submitted::Existing(existing));
    }
    let balance = points::balance(conn, submission.owner_id).await?;
    Ok(Submitted::Unaffordable(Unaffordable {
        balance,
        price: submission.price.unwrap_or(0),
    }))
}
