//! `questions.predict`: the interview questions this resume will likely meet for the target
//! job; the set is kept in its table with the job's success.

use prepq_jobs::kinds::{QuestionSet, QuestionsPredict};
use std::sync::Arc;

use prepq_schema::{analyses, resume_parses::Readings};

use super::{Outcome, Run, record};
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
        let set = engine
            .predict(&input, usize::try_from(self.count).unwrap_or(10))
            .await?;
        let resume_id = self.resume_id;
        Ok(Outcome::done_keeping(
            set.clone(),
            record(set, move |conn, job_id, set| {
                Box::pin(analyses::record_question_set(conn, job_id, resume_id, set))
            }),
        ))
    }
}
