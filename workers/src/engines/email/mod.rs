//! `email.send`: render the typed message in the recipient's language and deliver it.

mod mailer;
mod templates;

pub use mailer::Mailer;
use prepq_jobs::kinds::{EmailSend, EmailSent};

use crate::{
    context::{JobContext, JobError},
    kinds::Run,
};

impl Run for EmailSend {
    async fn run(self, ctx: &JobContext) -> Result<EmailSent, JobError> {
        let mail = templates::render(self.language, &self.message);
        ctx.mailer.send(&self.to, mail).await
    }
}
