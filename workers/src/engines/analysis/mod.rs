//! Resume diagnosis and question prediction, by either engine (see `Engine`).

mod checks;
mod degree;
mod diagnose;
mod evidence;
mod llm;
mod questions;
mod requirements;

use prepq_jobs::kinds::{Language, QuestionSet, ResumeDiagnosis, ResumeParse, Target};
use prepq_schema::resume_parses::Readings;
use uuid::Uuid;

use super::engine::{Engine, builtin};
use crate::error::JobError;

/// What an analysis reads: the resume's stored reading, the target job, and the language
/// to answer in.
#[derive(Debug, Clone)]
pub struct Input {
    pub resume_text: String,
    pub parse: ResumeParse,
    pub target: Target,
    pub language: Language,
}

impl Input {
    /// The resume's stored reading and the target; the language asked for, else the
    /// resume's.
    pub async fn load(
        readings: &Readings,
        resume_id: Uuid,
        target: Target,
        language: Option<Language>,
    ) -> Result<Self, JobError> {
        let read = readings.ask(resume_id).await?.ok_or_else(|| {
            JobError::permanent("the resume was deleted, or has not been read successfully")
        })?;
        let language = language.unwrap_or_else(|| Language::from_tag(&read.parse.language));
        Ok(Self {
            resume_text: read.text,
            parse: read.parse,
            target,
            language,
        })
    }
}

impl Engine {
    pub async fn diagnose(&self, input: &Input) -> Result<ResumeDiagnosis, JobError> {
        match self {
            Self::Builtin => Ok(builtin(
                || diagnose::diagnose(input),
                |d, run| d.engine = run,
            )),
            Self::Llm(llm) => llm.diagnose(input).await,
        }
    }

    pub async fn predict(&self, input: &Input, count: usize) -> Result<QuestionSet, JobError> {
        match self {
            Self::Builtin => Ok(builtin(
                || questions::predict(input, count),
                |set, run| set.engine = run,
            )),
            Self::Llm(llm) => llm.predict(input, count).await,
        }
    }
}

/// The text in the answer's language.
fn say(language: Language, en: String, zh: String) -> String {
    match language {
        Language::En => en,
        Language::ZhCn => zh,
    }
}
