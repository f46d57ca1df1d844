//! The job contract shared by the API and the workers: every job kind's payload and
//! result, its queue, the status model, and how a job travels over Redis.

pub mod billing;
mod event;
mod job;
pub mod kinds;
pub mod postings;
pub mod skills;
mod status;
pub mod text;

#[cfg(feature = "payments")]
pub mod payments;
#[cfg(feature = "queue")]
pub mod queue;

pub use event::{JobEvent, Steps};
pub use job::{Dispatch, Job, NewJob};
pub use kinds::KINDS;
pub use status::{JobStatus, UnknownStatus};
