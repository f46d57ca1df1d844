//! `resume.diagnose`: the resume's stored parse against the target job, by the configured
//! engine; the statement that marks the job succeeded keeps the diagnosis in its table
//! (migration 000023's trigger).

use std::sync::Arc;

use prepq_jobs::kinds::{ResumeDiagnose, ResumeDiagnosis};
use prepq_schema::resume_parses::Readings;

use super::{Outcome, Run};
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
        Ok(Outcome::done(engine.diagnose(&input).await?))
    }
}
