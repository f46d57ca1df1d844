//! The wording of every mail, in each language: text files under `workers/templates/email`,
//! `Subject:` on the first line, compiled in. Placeholders are `{name}`.

use prepq_jobs::kinds::{Email, Language};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

pub fn render(language: Language, email: &Email) -> Rendered {
    let zh = language == Language::ZhCn;
    let (template, values): (&str, Vec<(&str, String)>) = match email {
        Email::Verification { link, valid_hours } => (
            pick(
                zh,
                include_str!("../../../templates/email/verification.zh-CN.txt"),
                include_str!("../../../templates/email/verification.en.txt"),
            ),
            vec![
                ("link", link.clone()),
                ("valid_hours", valid_hours.to_string()),
            ],
        ),
        Email::PasswordReset {
            link,
            valid_minutes,
        } => (
            pick(
                zh,
                include_str!("../../../templates/email/password_reset.zh-CN.txt"),
                include_str!("../../../templates/email/password_reset.en.txt"),
            ),
            vec![
                ("link", link.clone()),
                ("valid_minutes", valid_minutes.to_string()),
            ],
        ),
        Email::JobFinished {
            job_id,
            kind,
            status,
            link,
        } => (
            pick(
                zh,
                include_str!("../../../templates/email/job_finished.zh-CN.txt"),
                include_str!("../../../templates/email/job_finished.en.txt"),
            ),
            vec![
                ("job_id", job_id.to_string()),
                ("kind", kind.clone()),
                ("status", status_words(zh, status).to_owned()),
                ("link", link.clone()),
            ],
        ),
        Email::OrderPaid {
            order_id,
            product,
            amount_fen,
            points,
            link,
        } => (
            pick(
                zh,
                include_str!("../../../templates/email/order_paid.zh-CN.txt"),
                include_str!("../../../templates/email/order_paid.en.txt"),
            ),
            vec![
                ("order_id", order_id.to_string()),
                ("product", product.clone()),
                ("amount", yuan(*amount_fen)),
                ("points", points.to_string()),
                ("link", link.clone()),
            ],
        ),
        Email::MembershipChanged { level, link } => (
            pick(
                zh,
                include_str!("../../../templates/email/membership_changed.zh-CN.txt"),
                include_str!("../../../templates/email/membership_changed.en.txt"),
            ),
            vec![
                ("level", level_words(zh, level).to_owned()),
                ("link", link.clone()),
            ],
        ),
        Email::WebhookDisabled { url, reason, link } => (
            pick(
                zh,
                include_str!("../../../templates/email/webhook_disabled.zh-CN.txt"),
                include_str!("../../../templates/email/webhook_disabled.en.txt"),
            ),
            vec![
                ("url", url.clone()),
                ("reason", reason.clone()),
                ("link", link.clone()),
            ],
        ),
        Email::Announcement { title, body } => (
            pick(
                zh,
                include_str!("../../../templates/email/announcement.zh-CN.txt"),
                include_str!("../../../templates/email/announcement.en.txt"),
            ),
            vec![("title", title.clone()), ("body", body.clone())],
        ),
        Email::TicketReply {
            subject,
            reply,
            link,
        } => (
            pick(
                zh,
                include_str!("../../../templates/email/ticket_reply.zh-CN.txt"),
                include_str!("../../../templates/email/ticket_reply.en.txt"),
            ),
            vec![
                ("subject", subject.clone()),
                ("reply", reply.clone()),
                ("link", link.clone()),
            ],
        ),
        Email::AdminAlert { subject, body } => (
            pick(
                zh,
                include_str!("../../../templates/email/admin_alert.zh-CN.txt"),
                include_str!("../../../templates/email/admin_alert.en.txt"),
            ),
            vec![("subject", subject.clone()), ("body", body.clone())],
        ),
    };
    let (first, body) = template.split_once('\n').unwrap_or((template, ""));
    let subject = first.strip_prefix("Subject: ").unwrap_or(first);
    Rendered {
        subject: fill(subject, &values),
        body: fill(body.trim_start_matches('\n'), &values),
    }
}

fn level_words(zh: bool, level: &str) -> &str {
    match (zh, level) {
        (true, "normal") => "普通会员",
        (true, "bronze") => "青铜会员",
        (true, "silver") => "白银会员",
        (true, "gold") => "黄金会员",
        _ => level,
    }
}

/// An amount in fen as yuan, `¥12.50`.
fn yuan(fen: i64) -> String {
    format!("¥{}.{:02}", fen / 100, (fen % 100).abs())
}

fn pick(zh: bool, zh_template: &'static str, en_template: &'static str) -> &'static str {
    if zh { zh_template } else { en_template }
}

fn status_words(zh: bool, status: &str) -> &str {
    match (zh, status) {
        (false, "succeeded") => "finished",
        (false, "cancelled") => "been cancelled",
        (true, "succeeded") => "已完成",
        (true, "failed") => "未能完成",
        (true, "cancelled") => "已取消",
        _ => status,
    }
}

/// Replaces each `{name}` with its value in one pass, so a value that itself contains
/// braces (a user's display name, an alert's text) is never expanded again.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (value, close))
        });
        match value {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn every_email() -> Vec<Email> {
        vec![
            Email::Verification {
                link: "https://prepq.test/verify?token=abc".into(),
                valid_hours: 48,
            },
            Email::PasswordReset {
                link: "https://prepq.test/reset?token=def".into(),
                valid_minutes: 30,
            },
            Email::JobFinished {
                job_id: Uuid::nil(),
                kind: "resume.extract".into(),
                status: "succeeded".into(),
                link: "https://prepq.test/jobs/0".into(),
            },
            Email::AdminAlert {
                subject: "3 mismatches".into(),
                body: "order {x} was paid twice".into(),
            },
            Email::OrderPaid {
                order_id: Uuid::nil(),
                product: "points_100".into(),
                amount_fen: 1250,
                points: 100,
                link: "https://prepq.test/orders/0".into(),
            },
            Email::WebhookDisabled {
                url: "https://hooks.example/in".into(),
                reason: "the endpoint answered 410 Gone".into(),
                link: "https://prepq.test/webhooks/0".into(),
            },
            Email::Announcement {
                title: "Maintenance".into(),
                body: "Tonight, 23:00 to 23:30.".into(),
            },
            Email::MembershipChanged {
                level: "silver".into(),
                link: "https://prepq.test/membership".into(),
            },
            Email::TicketReply {
                subject: "refund".into(),
                reply: "done".into(),
                link: "https://prepq.test/tickets/0".into(),
            },
        ]
    }

    #[test]
    fn every_template_renders_fully_in_both_languages() {
        for email in every_email() {
            for language in [Language::ZhCn, Language::En] {
                let mail = render(language, &email);
                assert!(!mail.subject.is_empty() && !mail.subject.contains('\n'));
                for leftover in [
                    "{link}",
                    "{valid_",
                    "{status}",
                    "{kind}",
                    "{subject}",
                    "{body}",
                    "{amount}",
                    "{product}",
                    "{url}",
                    "{reason}",
                    "{reply}",
                    "{level}",
                    "{title}",
                ] {
                    assert!(!mail.body.contains(leftover), "{leftover} in {mail:?}");
                    assert!(!mail.subject.contains(leftover), "{leftover} in {mail:?}");
                }
                let has_chinese = mail.body.chars().any(prepq_text::is_han);
                assert_eq!(has_chinese, language == Language::ZhCn, "{mail:?}");
            }
        }
    }

    #[test]
    fn values_are_inserted_once_and_not_expanded_again() {
        let mail = render(Language::En, &every_email()[3]);
        assert_eq!(mail.subject, "[PrepQ alert] 3 mismatches");
        assert!(mail.body.starts_with("order {x} was paid twice"));
        let link = render(Language::ZhCn, &every_email()[0]);
        assert!(link.body.contains("https://prepq.test/verify?token=abc"));
        assert!(link.body.contains("48 小时"));
    }
}
