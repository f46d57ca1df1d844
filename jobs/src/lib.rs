//! The job contract shared by the API and the workers: every job kind's payload and
//! result, its queue, the status model, and how a job travels over Redis.

mod event;
mod job;
pub mod kinds;
mod priority;
mod status;

#[cfg(feature = "queue")]
pub mod queue;

pub use event::{JobEvent, Steps};
pub use job::{Dispatch, Job, NewJob};
pub use kinds::KINDS;
pub use priority::Priority;
pub use status::{JobStatus, UnknownStatus};
