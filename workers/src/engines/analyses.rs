//! The `resume.diagnose` and `questions.predict` jobs: read the resume's stored parse, run
//! the configured engine, and keep the result in its table with the job's success.

use prepq_jobs::kinds::{
    Language, QuestionSet, QuestionsPredict, ResumeDiagnose, ResumeDiagnosis, Target,
};
use prepq_schema::resume_parses;
use uuid::Uuid;

use super::analysis::Input;
use crate::{
    context::{JobContext, JobError},
    kinds::{Record, Run},
};

impl Run for ResumeDiagnose {
    async fn run(self, ctx: &JobContext) -> Result<ResumeDiagnosis, JobError> {
        let input = input(ctx, self.resume_id, self.target, self.language.as_deref()).await?;
        ctx.progress(20);
        ctx.analysis.diagnose(&input).await
    }

    fn record(diagnosis: &ResumeDiagnosis, payload: &Self) -> Option<Record> {
        Some(Record::Diagnosis(payload.resume_id, diagnosis.clone()))
    }
}

impl Run for QuestionsPredict {
    async fn run(self, ctx: &JobContext) -> Result<QuestionSet, JobError> {
        let input = input(ctx, self.resume_id, self.target, self.language.as_deref()).await?;
        ctx.progress(20);
        ctx.analysis
            .predict(&input, usize::try_from(self.count).unwrap_or(10))
            .await
    }

    fn record(set: &QuestionSet, payload: &Self) -> Option<Record> {
        Some(Record::QuestionSet(payload.resume_id, set.clone()))
    }
}

/// The resume's stored reading and the target; the language asked for, else the resume's.
async fn input(
    ctx: &JobContext,
    resume_id: Uuid,
    target: Target,
    language: Option<&str>,
) -> Result<Input, JobError> {
    let mut conn = ctx
        .db
        .get()
        .await
        .map_err(|e| JobError::Transient(format!("database unavailable: {e}")))?;
    let read = resume_parses::find_many(&mut conn, &[resume_id])
        .await
        .map_err(|e| JobError::Transient(e.to_string()))?
        .pop()
        .ok_or_else(|| {
            JobError::Permanent("the resume was deleted, or has not been read successfully".into())
        })?;
    let language = Language::from_tag(language.unwrap_or(&read.parse.language));
    Ok(Input {
        resume_text: read.text,
        parse: read.parse,
        target,
        language,
    })
}
