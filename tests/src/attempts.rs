//! What the workers' logs say of a job's bodies: each attempt logs when its body starts
//! and when it stops, however it stops, so a scenario can check they never overlap. The
//! lines are logged at debug level: start the workers with `ATTEMPT_LOGS`.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Process;

/// The workers' `RUST_LOG` that includes the lines of each attempt's body.
pub const ATTEMPT_LOGS: &str =
    "info,apalis=warn,apalis_core=warn,apalis_redis=warn,prepq::attempts=debug";

/// One attempt's body, as its worker logged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyRun {
    pub attempt: i32,
    /// The worker process's log it came from (its index in `TestApp::workers`).
    pub worker: usize,
    pub started: DateTime<Utc>,
    /// `None` while the body is still going (or its process died with it).
    pub stopped: Option<DateTime<Utc>>,
}

/// The bodies of `job` in these workers' logs, in order of start.
pub fn body_runs(workers: &[Process], job: Uuid) -> Vec<BodyRun> {
    let mut runs = Vec::new();
    for (worker, process) in workers.iter().enumerate() {
        let mut open: Vec<BodyRun> = Vec::new();
        for line in process.log_text().lines() {
            if !line.contains(&format!("job_id={job}")) {
                continue;
            }
            let Some((at, attempt)) = stamp_and_attempt(line) else {
                continue;
            };
            if line.contains("job body started") {
                open.push(BodyRun {
                    attempt,
                    worker,
                    started: at,
                    stopped: None,
                });
            } else if line.contains("job body stopped")
                && let Some(index) = open.iter().position(|r| r.attempt == attempt)
            {
                let mut run = open.remove(index);
                run.stopped = Some(at);
                runs.push(run);
            }
        }
        runs.extend(open);
    }
    runs.sort_by_key(|r| r.started);
    runs
}

/// A log line's leading RFC 3339 time and its `attempt=` field.
fn stamp_and_attempt(line: &str) -> Option<(DateTime<Utc>, i32)> {
    let at = line.split_whitespace().next()?.parse().ok()?;
    let attempt = line
        .split_whitespace()
        .find_map(|field| field.strip_prefix("attempt="))?
        .parse()
        .ok()?;
    Some((at, attempt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tracing_line_gives_its_time_and_attempt() {
        let line = "2026-12-01T17:30:00.123456Z DEBUG prepq::attempts: job body started \
                    job_id=0190 attempt=2";
        let (at, attempt) = stamp_and_attempt(line).unwrap();
        assert_eq!(attempt, 2);
        assert_eq!(at.to_rfc3339(), "2026-12-01T17:30:00.123456+00:00");
    }
}
