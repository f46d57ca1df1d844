//! `interview.report`: the ended session's assessment, with the trend against the owner's
//! earlier sessions. Its success settles the session's price.

use prepq_jobs::kinds::{AnswerFeedback, InterviewAssessment, InterviewReport, Language};
use prepq_schema::{DbPool, interviews};

use super::{Outcome, Run, record};
use crate::{
    context::JobContext,
    engines::{Engine, interview::Scored},
    error::JobError,
};

impl Run for InterviewReport {
    type Needs = (DbPool, Engine);

    async fn run(
        self,
        _ctx: &JobContext,
        (db, engine): (DbPool, Engine),
    ) -> Result<Outcome<InterviewAssessment>, JobError> {
        let mut conn = db.get().await?;
        // A session deleted after it ended is still paid for: its feedback was given.
        let Some(session) = interviews::find(&mut conn, self.interview_id).await? else {
            return Ok(Outcome::done(InterviewAssessment::default()));
        };
        let turns = interviews::turns(&mut conn, session.id).await?;
        if turns.iter().any(interviews::Turn::is_pending) {
            return Err(JobError::transient(
                "an answer's feedback is still being written",
            ));
        }
        let scored: Vec<Scored<'_>> = turns
            .iter()
            .map(|t| Scored {
                question_index: t.question_index,
                question: &t.question,
                category: &t.category,
                answer: t.answer.as_deref(),
                skipped: t.skipped,
                feedback: t
                    .feedback
                    .clone()
                    .and_then(|f| serde_json::from_value::<AnswerFeedback>(f).ok()),
            })
            .collect();
        let earlier: Vec<u32> = interviews::earlier_scores(&mut conn, session.owner_id, session.id)
            .await?
            .into_iter()
            .map(|s| u32::try_from(s).unwrap_or(0))
            .collect();
        drop(conn);
        let assessment = engine
            .assess(&scored, &earlier, Language::from_tag(&session.language))
            .await?;
        Ok(Outcome::done_keeping(
            assessment.clone(),
            record(assessment, |conn, job_id, assessment| {
                Box::pin(interviews::record_report(conn, job_id, assessment))
            }),
        ))
    }
}
