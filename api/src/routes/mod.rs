//! The HTTP operations, grouped by resource. Handlers parse, authorise, call one function
//! and map its result.

mod accounts;
mod admin;
mod analyses;
mod announcements;
mod dashboard;
mod dead_letters;
mod events;
mod feedback;
mod files;
mod interviews;
mod invitations;
mod jobs;
mod messages;
mod orders;
mod paging;
pub mod payment_notify;
mod points;
mod postings;
mod profile;
mod queues;
mod reconciliations;
mod resumes;
mod schedules;
mod sources;
mod stats;
mod tickets;
mod webhooks;
mod workers;

pub use accounts::AccountsApi;
pub use admin::AdminApi;
pub use analyses::AnalysesApi;
pub use announcements::AnnouncementsApi;
pub use dashboard::DashboardApi;
pub use dead_letters::DeadLettersApi;
pub use events::EventsApi;
pub use feedback::FeedbackApi;
pub use files::FilesApi;
pub use interviews::InterviewsApi;
pub use invitations::InvitationsApi;
pub use jobs::JobsApi;
pub use messages::MessagesApi;
pub use orders::OrdersApi;
pub use points::PointsApi;
pub use postings::PostingsApi;
pub use profile::ProfileApi;
pub use queues::QueuesApi;
pub use reconciliations::ReconciliationsApi;
pub use resumes::ResumesApi;
pub use schedules::SchedulesApi;
pub use sources::SourcesApi;
pub use stats::StatsApi;
pub use tickets::TicketsApi;
pub use webhooks::WebhooksApi;
pub use workers::WorkersApi;

#[derive(poem_openapi::Tags)]
pub enum ApiTags {
    /// Registration, sign-in, sessions, your profile and your account.
    Accounts,
    /// Submitting jobs and following them.
    Jobs,
    /// Your resumes: upload, read, delete.
    Resumes,
    /// Resume diagnoses and interview-question predictions against a target job.
    Analyses,
    /// Mock interviews: answer the questions, get feedback on each answer and a report.
    Interviews,
    /// Your points: balance and history.
    Points,
    /// Top-ups, packages and membership: orders paid by WeChat Pay QR code.
    Billing,
    /// Job postings crawled from real sources: search them, practise against them.
    Postings,
    /// Files you uploaded.
    Files,
    /// Server-sent events of job state changes and new messages.
    Events,
    /// Your inbox, where you hear of what happens, your feedback and your tickets.
    Messages,
    /// Endpoints of yours that events are posted to, signed; their delivery logs.
    Webhooks,
    /// For administrators only.
    Admin,
}
