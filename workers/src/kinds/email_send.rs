//! `email.send`: render the typed message in the recipient's language and deliver it.

use std::sync::Arc;

use prepq_jobs::kinds::{EmailSend, EmailSent};

use super::{Outcome, Run};
use crate::{
    context::JobContext,
    engines::email::{Mailer, render},
    error::JobError,
};

impl Run for EmailSend {
    type Needs = Arc<Mailer>;

    async fn run(
        self,
        ctx: &JobContext,
        mailer: Arc<Mailer>,
    ) -> Result<Outcome<EmailSent>, JobError> {
        let mail = render(self.language, &self.message);
        ctx.still_holds_lease()?;
        let sent = mailer.send(ctx.job_id, &self.to, mail).await;
        sent.map(Outcome::done)
    }
}
