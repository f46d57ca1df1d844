//! `interview.feedback`: one answered turn scored, and a follow-up asked when it missed a
//! key point (at most two a question, none once the session is ending).

use prepq_jobs::kinds::{AnswerFeedback, InterviewFeedback, Language};
use prepq_schema::{DbPool, interviews};

use super::{Outcome, Run, record};
use crate::{
    context::JobContext,
    engines::{Engine, interview::Asked},
    error::JobError,
};

impl Run for InterviewFeedback {
    type Needs = (DbPool, Engine);

    async fn run(
        self,
        _ctx: &JobContext,
        (db, engine): (DbPool, Engine),
    ) -> Result<Outcome<AnswerFeedback>, JobError> {
        let mut conn = db.get().await?;
        let session = interviews::find(&mut conn, self.interview_id)
            .await?
            .ok_or_else(|| JobError::permanent("the interview was deleted"))?;
        let key = (
            i32::try_from(self.question_index).unwrap_or(0),
            i32::try_from(self.follow_up).unwrap_or(0),
        );
        let turns = interviews::turns(&mut conn, self.interview_id).await?;
        let turn = turns
            .iter()
            .find(|t| (t.question_index, t.follow_up) == key)
            .ok_or_else(|| JobError::permanent("the answered question is not in the interview"))?;
        let key_points = turn.key_points();
        // The connection goes back while the engine works: a model takes seconds.
        drop(conn);
        let given = engine
            .feedback(
                &Asked {
                    question: &turn.question,
                    category: &turn.category,
                    key_points: &key_points,
                    language: Language::from_tag(&session.language),
                    may_follow_up: key.1 < 2 && session.status == interviews::IN_PROGRESS,
                },
                turn.answer.as_deref().unwrap_or_default(),
            )
            .await?;
        let interview_id = self.interview_id;
        Ok(Outcome::done_keeping(
            given.clone(),
            record(given, move |conn, _job_id, given| {
                Box::pin(interviews::record_feedback(conn, interview_id, key, given))
            }),
        ))
    }
}
