//! Every job kind, and the one list of them.

mod analysis;
mod announcement_deliver;
mod billing_reconcile;
mod echo;
mod email_send;
mod interview;
mod postings_crawl;
mod resume_extract;
mod resume_ocr;
mod webhook_deliver;

pub use analysis::{
    DimensionScores, EngineRun, Keywords, Question, QuestionSet, QuestionsPredict,
    RequirementCheck, ResumeDiagnose, ResumeDiagnosis, Suggestion, Target,
};
pub use announcement_deliver::{AnnouncementDeliver, AnnouncementDelivered};
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
pub use webhook_deliver::{WebhookDeliver, WebhookDelivered};

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
    WebhookDeliver::KIND,
    AnnouncementDeliver::KIND,
];

/// What each kind says of itself beyond its name: its secret payload fields (see
/// `Job::SECRETS`) and whether its finished rows are kept (`Job::KEPT`). Beside `KINDS`,
/// so that a new kind decides; a unit test holds the two lists to each other.
struct Facts {
    kind: &'static str,
    secrets: &'static [&'static str],
    kept: bool,
}

const fn facts<J: Job>() -> Facts {
    Facts {
        kind: J::KIND,
        secrets: J::SECRETS,
        kept: J::KEPT,
    }
}

const FACTS: &[Facts] = &[
    facts::<Echo>(),
    facts::<ResumeExtract>(),
    facts::<ResumeOcr>(),
    facts::<ResumeDiagnose>(),
    facts::<QuestionsPredict>(),
    facts::<PostingsCrawl>(),
    facts::<BillingReconcile>(),
    facts::<EmailSend>(),
    facts::<InterviewPlan>(),
    facts::<InterviewFeedback>(),
    facts::<InterviewReport>(),
    facts::<WebhookDeliver>(),
    facts::<AnnouncementDeliver>(),
];

/// The kinds whose finished rows are pruned after the retention window.
pub fn pruned_kinds() -> Vec<&'static str> {
    FACTS.iter().filter(|f| !f.kept).map(|f| f.kind).collect()
}

/// The payload as anyone may see it: every secret field of its kind replaced.
pub fn redacted(kind: &str, mut payload: serde_json::Value) -> serde_json::Value {
    let fields = FACTS
        .iter()
        .find(|f| f.kind == kind)
        .map_or(&[][..], |f| f.secrets);
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
        let listed: Vec<&str> = FACTS.iter().map(|f| f.kind).collect();
        assert_eq!(listed, KINDS);
    }

    #[test]
    fn every_kind_says_whether_its_rows_are_kept_and_analyses_and_readings_are() {
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
                WebhookDeliver::KIND,
                AnnouncementDeliver::KIND,
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
