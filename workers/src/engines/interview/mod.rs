//! Mock interviews, by either engine (see `Engine`). The builtin is deterministic, offline
//! and in both languages: an answer is scored by how many of its question's key points it
//! covers (phrases and vocabulary skills), its specifics, its length and filler, and for
//! behavioural questions its STAR structure; a session's report is the mean of its
//! questions and their trend. A model writes the feedback instead, and the report's words;
//! the report's scores are always computed.

mod feedback;
mod llm;
mod report;

use prepq_jobs::kinds::{AnswerFeedback, InterviewAssessment, Language};

pub use feedback::Asked;
pub use report::Scored;

use super::engine::{Engine, builtin};
use crate::error::JobError;

impl Engine {
    /// One answer's feedback. An answer with nothing in it is judged without a model:
    /// there is nothing for one to read, and no reason to pay for the call.
    pub async fn feedback(
        &self,
        asked: &Asked<'_>,
        answer: &str,
    ) -> Result<AnswerFeedback, JobError> {
        match self {
            Self::Llm(llm) if !feedback::says_nothing(answer) => llm.feedback(asked, answer).await,
            _ => Ok(builtin(
                || feedback::feedback(asked, answer),
                |f, run| f.engine = run,
            )),
        }
    }

    /// A finished session's assessment, with the trend against `earlier` scores. A session
    /// with no answer has nothing for a model to read.
    pub async fn assess(
        &self,
        turns: &[Scored<'_>],
        earlier: &[u32],
        language: Language,
    ) -> Result<InterviewAssessment, JobError> {
        let computed = builtin(
            || report::assess(turns, earlier, language),
            |a, run| a.engine = run,
        );
        match self {
            Self::Llm(llm) if turns.iter().any(|t| t.feedback.is_some()) => {
                llm.report(turns, computed, language).await
            }
            _ => Ok(computed),
        }
    }
}
