//! The one place that maps a job kind to the code that runs it.

use std::future::Future;

use prepq_jobs::{
    Job,
    kinds::{
        BillingReconcile, Echo, EmailSend, PostingsCrawl, QuestionSet, QuestionsPredict,
        ResumeDiagnose, ResumeDiagnosis, ResumeExtract, ResumeOcr, ResumeText,
    },
};
use prepq_schema::{PooledConn, StoreError, analyses, resume_parses};
use uuid::Uuid;

use crate::context::{JobContext, JobError};

/// A job kind the workers know how to run.
pub trait Run: Job + Clone {
    fn run(self, ctx: &JobContext) -> impl Future<Output = Result<Self::Output, JobError>> + Send;

    /// What of the output is kept beyond the job's own result, in tables of its own.
    fn record(_output: &Self::Output, _payload: &Self) -> Option<Record> {
        None
    }
}

/// What a successful attempt leaves behind.
pub struct Success {
    pub result: serde_json::Value,
    /// Written in the transaction that marks the job succeeded, so that a job is never
    /// `succeeded` without them, nor they kept for an attempt that lost its job.
    pub record: Option<Record>,
}

/// Rows of record a job's success writes.
pub enum Record {
    ResumeRead(ResumeText),
    /// For this resume.
    Diagnosis(Uuid, ResumeDiagnosis),
    QuestionSet(Uuid, QuestionSet),
}

impl Record {
    pub async fn write(&self, conn: &mut PooledConn, job_id: Uuid) -> Result<(), StoreError> {
        match self {
            Self::ResumeRead(read) => resume_parses::record(conn, job_id, read).await.map(drop),
            Self::Diagnosis(resume_id, diagnosis) => {
                analyses::record_diagnosis(conn, job_id, *resume_id, diagnosis).await
            }
            Self::QuestionSet(resume_id, set) => {
                analyses::record_question_set(conn, job_id, *resume_id, set).await
            }
        }
    }
}

/// Runs a stored job: decodes its payload into the kind's type and encodes the result.
pub async fn execute(
    kind: &str,
    payload: serde_json::Value,
    ctx: &JobContext,
) -> Result<Success, JobError> {
    match kind {
        Echo::KIND => run::<Echo>(payload, ctx).await,
        ResumeExtract::KIND => run::<ResumeExtract>(payload, ctx).await,
        ResumeOcr::KIND => run::<ResumeOcr>(payload, ctx).await,
        ResumeDiagnose::KIND => run::<ResumeDiagnose>(payload, ctx).await,
        QuestionsPredict::KIND => run::<QuestionsPredict>(payload, ctx).await,
        PostingsCrawl::KIND => run::<PostingsCrawl>(payload, ctx).await,
        BillingReconcile::KIND => run::<BillingReconcile>(payload, ctx).await,
        EmailSend::KIND => run::<EmailSend>(payload, ctx).await,
        other => Err(JobError::Permanent(format!(
            "no worker knows the job kind `{other}`"
        ))),
    }
}

async fn run<J: Run>(payload: serde_json::Value, ctx: &JobContext) -> Result<Success, JobError> {
    let job: J = serde_json::from_value(payload)
        .map_err(|e| JobError::Permanent(format!("invalid {} payload: {e}", J::KIND)))?;
    let output = job.clone().run(ctx).await?;
    let record = J::record(&output, &job);
    let result = serde_json::to_value(output)
        .map_err(|e| JobError::Permanent(format!("encoding the {} result: {e}", J::KIND)))?;
    Ok(Success { result, record })
}
