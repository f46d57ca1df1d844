//! The HTTP edge of PrepQ: accounts, job submission and status, event streams, health.

mod auth;
pub mod config;
mod enqueue;
mod error;
mod health;
mod media;
mod relay;
mod routes;
mod server;
mod state;
mod views;

pub use server::{openapi_json, serve};
