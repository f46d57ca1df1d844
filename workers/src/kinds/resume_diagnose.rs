//! `resume.diagnose`: the resume's stored parse against the target job, by the configured
//! engine; the diagnosis is kept in its table with the job's success.

use prepq_jobs::kinds::{ResumeDiagnose, ResumeDiagnosis};
use std::sync::Arc;

use prepq_schema::{analyses, resume_parses::Readings};

use super::{Outcome, Run, record};
use crate::{
    context::JobContext,
    engines::{Engine, analysis::Input},
    error::JobError,
};

impl Run for ResumeDiagnose {
    type Needs = (Arc<Readings>, Engine);

    async fn run(
        self,
        ctx: &JobContext,
        (readings, engine): (Arc<Readings>, Engine),
    ) -> Result<Outcome<ResumeDiagnosis>, JobError> {
        let input = Input::load(&readings, self.resume_id, self.target, self.language).await?;
        ctx.progress(20);
        let diagnosis = engine.diagnose(&input).await?;
        let resume_id = self.resume_id;
        Ok(Outcome::done_keeping(
            diagnosis.clone(),
            record(diagnosis, move |conn, job_id, diagnosis| {
                Box::pin(analyses::record_diagnosis(
                    conn, job_id, resume_id, diagnosis,
                ))
            }),
        ))
    }
}
