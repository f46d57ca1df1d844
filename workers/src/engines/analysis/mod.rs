//! Resume diagnosis and question prediction behind one seam: the offline, deterministic
//! `builtin` engine, or an OpenAI-compatible model (`llm`). Both give the same types.

mod checks;
mod degree;
mod diagnose;
mod evidence;
mod llm;
mod questions;
mod requirements;

use std::{sync::Arc, time::Instant};

use prepq_jobs::kinds::{EngineRun, Language, QuestionSet, ResumeDiagnosis, ResumeParse, Target};
use prepq_schema::{DbPool, resume_parses};
use uuid::Uuid;

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
        db: &DbPool,
        resume_id: Uuid,
        target: Target,
        language: Option<Language>,
    ) -> Result<Self, JobError> {
        let mut conn = db.get().await?;
        let read = resume_parses::find_many(&mut conn, &[resume_id])
            .await?
            .pop()
            .ok_or_else(|| {
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

#[derive(Clone)]
pub enum Engine {
    Builtin,
    Llm(Arc<super::llm::Llm>),
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

/// Runs a builtin analysis and notes its engine and time on it.
fn builtin<T>(analyse: impl FnOnce() -> T, note: impl FnOnce(&mut T, EngineRun)) -> T {
    let started = Instant::now();
    let mut result = analyse();
    let run = EngineRun {
        engine: "builtin".into(),
        latency_ms: started.elapsed().as_secs_f64() * 1e3,
        ..Default::default()
    };
    note(&mut result, run);
    result
}

/// The text in the answer's language.
fn say(language: Language, en: String, zh: String) -> String {
    match language {
        Language::En => en,
        Language::ZhCn => zh,
    }
}
