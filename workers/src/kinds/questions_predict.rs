//! `questions.predict`: the interview questions this resume will likely meet for the target
//! job; the statement that marks the job succeeded keeps the set in its table (migration
//! 000023's trigger).

use std::sync::Arc;

use prepq_jobs::kinds::{QuestionSet, QuestionsPredict};
use prepq_schema::resume_parses::Readings;

use super::{Outcome, Run};
use crate::{
    context::JobContext,
    engines::{Engine, analysis::Input},
    error::JobError,
};

impl Run for QuestionsPredict {
    type Needs = (Arc<Readings>, Engine);

    async fn run(
        self,
        ctx: &JobContext,
        (readings, engine): (Arc<Readings>, Engine),
    ) -> Result<Outcome<QuestionSet>, JobError> {
        let input = Input::load(&readings, self.resume_id, self.target, self.language).await?;
        ctx.progress(20);
        let count = usize::try_from(self.count).unwrap_or(10);
        Ok(Outcome::done(engine.predict(&input, count).await?))
    }
}
