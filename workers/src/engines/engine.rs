//! Which engine writes the analyses and the interview feedback: the offline, deterministic
//! `builtin`, or an OpenAI-compatible model (`llm`). Both give the same types; each room
//! (`analysis`, `interview`) says what it asks of either.

use std::{sync::Arc, time::Instant};

use prepq_jobs::kinds::EngineRun;

use super::llm::Llm;

#[derive(Clone)]
pub enum Engine {
    Builtin,
    Llm(Arc<Llm>),
}

/// Runs a builtin engine's work and notes its engine and time on it.
pub(crate) fn builtin<T>(work: impl FnOnce() -> T, note: impl FnOnce(&mut T, EngineRun)) -> T {
    let started = Instant::now();
    let mut result = work();
    let run = EngineRun {
        engine: "builtin".into(),
        latency_ms: started.elapsed().as_secs_f64() * 1e3,
        ..Default::default()
    };
    note(&mut result, run);
    result
}
