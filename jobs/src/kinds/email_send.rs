use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Job;

/// Send one mail. The message is typed; the workers render it from the templates of its
/// language, so the wording lives in one place and the payload stays small.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailSend {
    pub to: String,
    pub language: Language,
    pub message: Email,
}

/// The language of mail and of generated interview material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "openapi", oai(rename = "InterviewLanguage"))]
pub enum Language {
    #[serde(rename = "zh-CN")]
    #[cfg_attr(feature = "openapi", oai(rename = "zh-CN"))]
    ZhCn,
    #[serde(rename = "en")]
    #[cfg_attr(feature = "openapi", oai(rename = "en"))]
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ZhCn => "zh-CN",
            Self::En => "en",
        }
    }

    /// Unknown tags fall back to Chinese, the language of most of our users.
    pub fn from_tag(tag: &str) -> Self {
        if tag.eq_ignore_ascii_case("en") || tag.to_ascii_lowercase().starts_with("en-") {
            Self::En
        } else {
            Self::ZhCn
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "template", rename_all = "snake_case")]
pub enum Email {
    /// Confirm the address of a new account.
    Verification { link: String, valid_hours: u32 },
    /// A link to choose a new password.
    PasswordReset { link: String, valid_minutes: u32 },
    /// One of the user's jobs has ended.
    JobFinished {
        job_id: Uuid,
        kind: String,
        status: String,
        link: String,
    },
    /// An order was paid and its points credited.
    OrderPaid {
        order_id: Uuid,
        product: String,
        amount_fen: i64,
        points: i32,
        link: String,
    },
    /// A payment moved the membership to another level.
    MembershipChanged { level: String, link: String },
    /// A webhook endpoint was turned off after its answers.
    WebhookDisabled {
        url: String,
        reason: String,
        link: String,
    },
    /// An announcement from the operators, to those who take them by mail.
    Announcement { title: String, body: String },
    /// The operators replied to a ticket.
    TicketReply {
        subject: String,
        reply: String,
        link: String,
    },
    /// Something an operator must look at.
    AdminAlert { subject: String, body: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailSent {
    /// `smtp` or `outbox`.
    pub via: String,
    /// The server's answer, or the outbox file written.
    pub receipt: String,
}

impl Job for EmailSend {
    const KIND: &'static str = "email.send";
    const KEPT: bool = false;
    /// With the default backoff (2 s doubling, capped at 5 min), about half an hour of
    /// trying through an SMTP outage.
    const MAX_ATTEMPTS: i32 = 12;
    type Output = EmailSent;
    /// Verification and reset links carry a live token.
    const SECRETS: &'static [&'static str] = &["/message/link"];
}
