//! `interview.plan`: a session's questions — those of the question set it was started
//! from, else predicted for its resume and target by the configured engine.

use std::sync::Arc;

use prepq_jobs::kinds::{InterviewPlan, Language, Question, QuestionSet, Target};
use prepq_schema::{
    DbPool,
    analyses::{self, Analysis},
    interviews,
    resume_parses::Readings,
};

use super::{Outcome, Run, record};
use crate::{
    context::JobContext,
    engines::{Engine, analysis::Input},
    error::JobError,
};

impl Run for InterviewPlan {
    type Needs = (DbPool, Arc<Readings>, Engine);

    async fn run(
        self,
        ctx: &JobContext,
        (db, readings, engine): (DbPool, Arc<Readings>, Engine),
    ) -> Result<Outcome<u32>, JobError> {
        let mut conn = db.get().await?;
        let Some(session) = interviews::find(&mut conn, self.interview_id).await? else {
            return Ok(Outcome::done(0));
        };
        let count = usize::try_from(session.question_count).unwrap_or(1);
        let mut questions: Vec<Question> = match session.question_set_id {
            Some(set_id) => {
                let row = analyses::find_owned(
                    &mut conn,
                    Analysis::QuestionSet,
                    session.owner_id,
                    set_id,
                )
                .await?
                .and_then(|row| row.analysis)
                .ok_or_else(|| {
                    JobError::permanent("the question set was deleted or has not finished")
                })?;
                let set: QuestionSet = serde_json::from_value(row).map_err(|e| {
                    JobError::permanent(format!("the stored question set is unreadable: {e}"))
                })?;
                set.questions
            }
            None => {
                drop(conn);
                let target: Target =
                    serde_json::from_value(session.target.clone()).map_err(|e| {
                        JobError::permanent(format!("the session's target is unreadable: {e}"))
                    })?;
                let language = Language::from_tag(&session.language);
                let input =
                    Input::load(&readings, session.resume_id, target, Some(language)).await?;
                ctx.progress(30);
                engine.predict(&input, count).await?.questions
            }
        };
        questions.truncate(count);
        if questions.is_empty() {
            return Err(JobError::permanent(
                "no questions could be made for this resume and job",
            ));
        }
        let planned = questions.len() as u32;
        Ok(Outcome::done_keeping(
            planned,
            record(questions, |conn, job_id, questions| {
                Box::pin(interviews::record_plan(conn, job_id, questions))
            }),
        ))
    }
}
