//! Mail: the typed messages rendered from `workers/templates/email` in the recipient's
//! language, and their delivery by SMTP or to the outbox.

mod mailer;
mod templates;

pub use mailer::Mailer;
pub use templates::render;
