//! Every job kind the workers run, one module each, and the one registry of them. A kind's
//! module holds its `run`, names the services it needs, and says what its success writes
//! beside the result; `REGISTRY` is the only list, and a test holds it to the contract's.

mod announcement_deliver;
mod billing_reconcile;
mod echo;
mod email_send;
mod interview_feedback;
mod interview_plan;
mod interview_report;
mod postings_crawl;
mod questions_predict;
mod resume_diagnose;
mod resume_extract;
mod resume_ocr;
mod webhook_deliver;

use std::{future::Future, sync::Arc};

use futures::future::BoxFuture;
use prepq_jobs::{
    Job, NewJob,
    kinds::{
        AnnouncementDeliver, BillingReconcile, Echo, EmailSend, InterviewFeedback, InterviewPlan,
        InterviewReport, PostingsCrawl, QuestionsPredict, ResumeDiagnose, ResumeExtract, ResumeOcr,
        WebhookDeliver,
    },
};
use prepq_schema::{PooledConn, StoreError};
use uuid::Uuid;

use crate::{
    context::JobContext,
    error::JobError,
    services::{FromServices, Services},
};

/// Every kind this process can run. Adding a kind: its contract in `prepq_jobs::kinds`
/// (and `KINDS`), its module here, and one line below.
pub const REGISTRY: &[Registration] = &[
    register::<Echo>(),
    register::<ResumeExtract>(),
    register::<ResumeOcr>(),
    register::<ResumeDiagnose>(),
    register::<QuestionsPredict>(),
    register::<PostingsCrawl>(),
    register::<BillingReconcile>(),
    register::<EmailSend>(),
    register::<InterviewPlan>(),
    register::<InterviewFeedback>(),
    register::<InterviewReport>(),
    register::<WebhookDeliver>(),
    register::<AnnouncementDeliver>(),
];

/// A job kind the workers know how to run.
pub trait Run: Job + Clone {
    /// The services the kind uses, taken from the process's: `()`, `DbPool`, `(DbPool, Engine)`.
    type Needs: FromServices + Send;

    fn run(
        self,
        ctx: &JobContext,
        needs: Self::Needs,
    ) -> impl Future<Output = Result<Outcome<Self::Output>, JobError>> + Send;
}

/// Rows a success writes beside the job's result, in the transaction that marks the job
/// succeeded: a job is never `succeeded` without them, nor are they kept for an attempt
/// that lost its job. Called with the job's id; called again when the transaction met a
/// lost connection, so it keeps what it writes rather than giving it away.
pub type Record = Arc<
    dyn for<'c> Fn(&'c mut PooledConn, Uuid) -> BoxFuture<'c, Result<(), StoreError>> + Send + Sync,
>;

/// Makes a `Record` that writes `kept` with `write` (a function of the connection, the
/// job's id and the rows kept; the annotation closures need to be higher-ranked).
pub fn record<T, F>(kept: T, write: F) -> Record
where
    T: Send + Sync + 'static,
    F: for<'c> Fn(&'c mut PooledConn, Uuid, &'c T) -> BoxFuture<'c, Result<(), StoreError>>
        + Send
        + Sync
        + 'static,
{
    let kept = Arc::new((kept, write));
    Arc::new(move |conn, job_id| {
        let kept = Arc::clone(&kept);
        Box::pin(async move {
            let (rows, write) = &*kept;
            write(conn, job_id, rows).await
        })
    })
}

/// How an attempt that did not fail ended.
pub enum Outcome<T> {
    Done {
        output: T,
        record: Option<Record>,
    },
    /// The rest of the work is another kind's, on its own queue, under the same job id.
    Continue(NewJob),
}

impl<T> Outcome<T> {
    pub fn done(output: T) -> Self {
        Self::Done {
            output,
            record: None,
        }
    }

    pub fn done_keeping(output: T, record: Record) -> Self {
        Self::Done {
            output,
            record: Some(record),
        }
    }
}

/// A kind's entry in the registry: its name and how to run a stored payload of it.
pub struct Registration {
    pub kind: &'static str,
    execute: Execute,
}

/// Runs a stored payload of one kind, its output encoded.
type Execute = for<'a> fn(
    serde_json::Value,
    &'a JobContext,
    &'a Services,
) -> BoxFuture<'a, Result<Outcome<serde_json::Value>, JobError>>;

const fn register<J: Run>() -> Registration {
    Registration {
        kind: J::KIND,
        execute: execute_boxed::<J>,
    }
}

/// The registry's entry for `kind`.
pub fn find(kind: &str) -> Option<&'static Registration> {
    REGISTRY.iter().find(|r| r.kind == kind)
}

/// Runs a stored job: decodes its payload into the kind's type and encodes the output.
pub async fn execute(
    kind: &str,
    payload: serde_json::Value,
    ctx: &JobContext,
    services: &Services,
) -> Result<Outcome<serde_json::Value>, JobError> {
    match find(kind) {
        Some(registration) => (registration.execute)(payload, ctx, services).await,
        None => Err(JobError::permanent(format!(
            "no worker knows the job kind `{kind}`"
        ))),
    }
}

fn execute_boxed<'a, J: Run>(
    payload: serde_json::Value,
    ctx: &'a JobContext,
    services: &'a Services,
) -> BoxFuture<'a, Result<Outcome<serde_json::Value>, JobError>> {
    Box::pin(async move {
        let job: J = serde_json::from_value(payload)
            .map_err(|e| JobError::permanent(format!("invalid {} payload: {e}", J::KIND)))?;
        match job.run(ctx, J::Needs::from_services(services)).await? {
            Outcome::Done { output, record } => {
                let output = serde_json::to_value(output).map_err(|e| {
                    JobError::permanent(format!("encoding the {} result: {e}", J::KIND))
                })?;
                Ok(Outcome::Done { output, record })
            }
            Outcome::Continue(next) => Ok(Outcome::Continue(next)),
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_kind_of_the_contract_has_one_executor_and_every_executor_a_kind() {
        let contract: BTreeSet<&str> = prepq_jobs::KINDS.iter().copied().collect();
        let registered: BTreeSet<&str> = REGISTRY.iter().map(|r| r.kind).collect();
        assert_eq!(
            registered.len(),
            REGISTRY.len(),
            "a kind is registered twice"
        );
        let unrun: Vec<_> = contract.difference(&registered).collect();
        assert!(unrun.is_empty(), "kinds without an executor: {unrun:?}");
        let unlisted: Vec<_> = registered.difference(&contract).collect();
        assert!(
            unlisted.is_empty(),
            "executors of kinds not in prepq_jobs::KINDS: {unlisted:?}"
        );
    }
}
