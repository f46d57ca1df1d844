//! The HTTP edge of PrepQ: accounts, job submission and status, event streams, health,
//! and the administrators' console.

mod accounts;
pub mod admin;
mod auth;
mod billing;
pub mod config;
mod connections;
mod console;
mod enqueue;
mod error;
mod health;
mod live;
mod media;
mod qr;
mod rate_limit;
mod relay;
mod report;
mod request_guard;
mod request_trace;
mod routes;
mod security;
mod server;
mod spec;
mod state;
mod streams;
mod uploads;
mod views;

pub use server::{Services, app, openapi_json, serve};
