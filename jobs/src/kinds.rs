//! Every job kind, and the one list of them.

mod analysis;
mod billing_reconcile;
mod echo;
mod email_send;
mod interview;
mod postings_crawl;
mod resume_extract;
mod resume_ocr;

pub use analysis::{
    DimensionScores, EngineRun, Keywords, Question, QuestionSet, QuestionsPredict,
    RequirementCheck, ResumeDiagnose, ResumeDiagnosis, Suggestion, Target,
};
pub use billing_reconcile::{BillingReconcile, MismatchKind, ReconcileSummary};
pub use echo::{Echo, EchoOutput};
pub use email_send::{Email, EmailSend, EmailSent, Language};
pub use interview::{
    AnswerFeedback, AnswerScores, CategoryScore, InterviewAssessment, InterviewFeedback,
    InterviewPlan, InterviewReport,
};
pub use postings_crawl::{CrawlCounts, PostingsCrawl};
pub use resume_extract::{
    Contact, Education, Experience, ResumeExtract, ResumeParse, ResumeText, Section, SkillMention,
};
pub use resume_ocr::ResumeOcr;

use crate::Job;

/// What stands in a view where a secret of the payload was.
pub const REDACTED: &str = "[redacted]";

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
    InterviewPlan::KIND,
    InterviewFeedback::KIND,
    InterviewReport::KIND,
];

/// Each kind's secret payload fields, beside `KINDS` so that a new kind decides (a unit
/// test holds the two lists to each other).
const SECRETS: &[(&str, &[&str])] = &[
    (Echo::KIND, Echo::SECRETS),
    (ResumeExtract::KIND, ResumeExtract::SECRETS),
    (ResumeOcr::KIND, ResumeOcr::SECRETS),
    (ResumeDiagnose::KIND, ResumeDiagnose::SECRETS),
    (QuestionsPredict::KIND, QuestionsPredict::SECRETS),
    (PostingsCrawl::KIND, PostingsCrawl::SECRETS),
    (BillingReconcile::KIND, BillingReconcile::SECRETS),
    (EmailSend::KIND, EmailSend::SECRETS),
    (InterviewPlan::KIND, InterviewPlan::SECRETS),
    (InterviewFeedback::KIND, InterviewFeedback::SECRETS),
    (InterviewReport::KIND, InterviewReport::SECRETS),
];

/// Whether each kind's finished rows are kept for good (see `Job::KEPT`), beside `KINDS`.
const KEPT: &[(&str, bool)] = &[
    (Echo::KIND, Echo::KEPT),
    (ResumeExtract::KIND, ResumeExtract::KEPT),
    (ResumeOcr::KIND, ResumeOcr::KEPT),
    (ResumeDiagnose::KIND, ResumeDiagnose::KEPT),
    (QuestionsPredict::KIND, QuestionsPredict::KEPT),
    (PostingsCrawl::KIND, PostingsCrawl::KEPT),
    (BillingReconcile::KIND, BillingReconcile::KEPT),
    (EmailSend::KIND, EmailSend::KEPT),
    (InterviewPlan::KIND, InterviewPlan::KEPT),
    (InterviewFeedback::KIND, InterviewFeedback::KEPT),
    (InterviewReport::KIND, InterviewReport::KEPT),
];

/// The kinds whose finished rows are pruned after the retention window.
pub fn pruned_kinds() -> Vec<&'static str> {
    KEPT.iter()
        .filter(|(_, kept)| !kept)
        .map(|(kind, _)| *kind)
        .collect()
}

/// The payload as anyone may see it: every secret field of its kind replaced.
pub fn redacted(kind: &str, mut payload: serde_json::Value) -> serde_json::Value {
    let fields = SECRETS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(&[][..], |(_, fields)| *fields);
    for field in fields {
        if let Some(value) = payload.pointer_mut(field) {
            *value = serde_json::Value::from(REDACTED);
        }
    }
    payload
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NewJob;

    #[test]
    fn every_kind_says_which_of_its_fields_are_secret() {
        let listed: Vec<&str> = SECRETS.iter().map(|(kind, _)| *kind).collect();
        assert_eq!(listed, KINDS);
    }

    #[test]
    fn every_kind_says_whether_its_rows_are_kept_and_analyses_and_readings_are() {
        let listed: Vec<&str> = KEPT.iter().map(|(kind, _)| *kind).collect();
        assert_eq!(listed, KINDS);
        assert_eq!(
            pruned_kinds(),
            [
                Echo::KIND,
                PostingsCrawl::KIND,
                BillingReconcile::KIND,
                EmailSend::KIND,
                InterviewPlan::KIND,
                InterviewFeedback::KIND,
                InterviewReport::KIND,
            ]
        );
    }

    #[test]
    fn a_reset_link_is_never_shown_and_the_rest_of_the_mail_is() {
        let mail = NewJob::of(&EmailSend {
            to: "ada@example.com".into(),
            language: Language::En,
            message: Email::PasswordReset {
                link: "https://app.example/reset-password?token=live".into(),
                valid_minutes: 30,
            },
        });
        let shown = redacted(mail.kind, mail.payload);
        assert_eq!(shown["message"]["link"], REDACTED);
        assert_eq!(shown["message"]["valid_minutes"], 30);
        assert_eq!(shown["to"], "ada@example.com");
        let echo = serde_json::json!({ "message": "hi" });
        assert_eq!(redacted(Echo::KIND, echo.clone()), echo);
    }
}
