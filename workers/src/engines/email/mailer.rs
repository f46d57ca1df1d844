//! Delivery: SMTP through lettre, or the file outbox when no SMTP host is configured.

use std::{path::PathBuf, time::Duration};

use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
    transport::smtp::authentication::Credentials,
};
use prepq_jobs::kinds::EmailSent;
use uuid::Uuid;

use super::templates::Rendered;
use crate::{
    config::{MailConfig, SmtpTls},
    error::JobError,
};

pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox {
        files: AsyncFileTransport<Tokio1Executor>,
        dir: PathBuf,
    },
}

impl Mailer {
    pub async fn from_config(config: &MailConfig) -> anyhow::Result<Self> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("PREPQ_MAIL_FROM `{}`: {e}", config.mail_from))?;
        let transport = match &config.smtp_host {
            Some(host) => {
                let mut builder = match config.smtp_tls {
                    SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
                    SmtpTls::Starttls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?
                    }
                    SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
                }
                .port(config.smtp_port)
                .timeout(Some(Duration::from_secs(config.smtp_timeout_secs)));
                if let (Some(user), Some(password)) = (&config.smtp_username, &config.smtp_password)
                {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                tracing::info!(host, port = config.smtp_port, tls = ?config.smtp_tls, "mail goes out over SMTP");
                Transport::Smtp(builder.build())
            }
            None => {
                let dir = config.mail_outbox.clone();
                tokio::fs::create_dir_all(&dir).await.map_err(|e| {
                    anyhow::anyhow!("creating the mail outbox {}: {e}", dir.display())
                })?;
                tracing::warn!(
                    outbox = %dir.display(),
                    "PREPQ_SMTP_HOST is not set: mail is written to the outbox directory, not sent"
                );
                Transport::Outbox {
                    files: AsyncFileTransport::new(&dir),
                    dir,
                }
            }
        };
        Ok(Self { from, transport })
    }

    /// Sends `mail` as the message `id`: every attempt of one job sends the same
    /// Message-ID, so a repeat after a send whose outcome was lost is one message twice,
    /// which mail clients and our logs can tell, not two messages.
    pub async fn send(&self, id: Uuid, to: &str, mail: Rendered) -> Result<EmailSent, JobError> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| JobError::permanent(format!("the recipient `{to}` is not valid: {e}")))?;
        let message = Message::builder()
            .message_id(Some(format!("<{id}@{}>", self.from.email.domain())))
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body)
            .map_err(|e| JobError::permanent(format!("building the message: {e}")))?;
        match &self.transport {
            Transport::Smtp(smtp) => match smtp.send(message).await {
                Ok(response) => Ok(EmailSent {
                    via: "smtp".into(),
                    receipt: response.message().collect::<Vec<_>>().join(" "),
                }),
                // A 5xx answer: the server will say the same next time.
                Err(e) if e.is_permanent() => Err(JobError::permanent(format!(
                    "the mail server refused the message: {e}"
                ))),
                Err(e) => Err(JobError::transient(format!(
                    "the mail server could not take the message: {e}"
                ))),
            },
            Transport::Outbox { files, dir } => {
                let id = files.send(message).await.map_err(|e| {
                    JobError::transient(format!("writing to the outbox {}: {e}", dir.display()))
                })?;
                Ok(EmailSent {
                    via: "outbox".into(),
                    receipt: dir.join(format!("{id}.eml")).display().to_string(),
                })
            }
        }
    }
}
