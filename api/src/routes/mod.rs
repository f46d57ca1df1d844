//! The HTTP operations, grouped by resource. Handlers parse, authorise, call one function
//! and map its result.

mod accounts;
mod events;
mod jobs;

pub use accounts::AccountsApi;
pub use events::EventsApi;
pub use jobs::JobsApi;

#[derive(poem_openapi::Tags)]
pub enum ApiTags {
    /// Registration and sign-in.
    Accounts,
    /// Submitting jobs and following them.
    Jobs,
    /// Server-sent events of job state changes.
    Events,
}
