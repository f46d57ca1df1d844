//! Every job kind, and the one list of them.

mod analysis;
mod billing_reconcile;
mod echo;
mod email_send;
mod postings_crawl;
mod resume_extract;
mod resume_ocr;

pub use analysis::{
    DimensionScores, EngineRun, Keywords, Question, QuestionSet, QuestionsPredict, ResumeDiagnose,
    ResumeDiagnosis, Suggestion, Target,
};
pub use billing_reconcile::{BillingReconcile, MismatchKind, ReconcileSummary};
pub use echo::{Echo, EchoOutput};
pub use email_send::{Email, EmailSend, EmailSent, Language};
pub use postings_crawl::{CrawlCounts, PostingsCrawl};
pub use resume_extract::{
    Contact, Education, Experience, ResumeExtract, ResumeParse, ResumeText, Section, SkillMention,
};
pub use resume_ocr::ResumeOcr;

use crate::Job;

/// Every kind the platform runs; each is also a queue.
pub const KINDS: &[&str] = &[
    Echo::KIND,
    ResumeExtract::KIND,
    ResumeOcr::KIND,
    ResumeDiagnose::KIND,
    QuestionsPredict::KIND,
    PostingsCrawl::KIND,
    BillingReconcile::KIND,
    EmailSend::KIND,
];
