//! PrepQ's executors: apalis workers per queue that claim, run and finish jobs recorded in
//! PostgreSQL; the dispatcher that keeps Redis' windows full; the scheduler; and the
//! engines that do the work (reading files, parsing, analyses, mail, the billing audit).

mod config;
mod context;
mod dispatcher;
pub mod engines;
mod error;
mod health;
mod housekeeping;
pub mod kinds;
mod notices;
mod poll;
mod process;
mod registry;
mod runner;
mod scheduler;
mod services;
mod store;

pub use config::WorkerConfig;
pub use process::run;
