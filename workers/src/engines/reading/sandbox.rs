//! Untrusted files are parsed by a child process (`workers extract` or `workers ocr`) under
//! an address-space limit, a CPU limit and a wall-clock timeout: a parser panic, a stack
//! overflow, a decompression bomb or a runaway loop costs one job, never the worker. The
//! child speaks JSON lines on stdout: progress as it goes, then one final report.

use std::{
    ffi::OsString,
    process::{ExitCode, Stdio},
    time::Duration,
};

use prepq_jobs::kinds::ResumeText;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::error::JobError;

/// One line of the child's output.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ChildReport {
    /// `done` of `total` pages read so far.
    Progress {
        done: u32,
        total: u32,
    },
    Extracted(Box<ResumeText>),
    /// The file has no text to take: its `pages` need OCR.
    NeedsOcr {
        pages: u32,
    },
    Rejected {
        reason: String,
    },
}

impl ChildReport {
    /// Child side: writes the report as one line.
    pub fn emit(&self) -> ExitCode {
        match serde_json::to_string(self) {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(_) => ExitCode::FAILURE,
        }
    }
}

/// What the child may use.
#[derive(Debug, Clone, Copy)]
pub struct ChildLimits {
    pub memory_mb: u64,
    /// Wall clock, and CPU seconds.
    pub time: Duration,
}

/// How a child's reading ended, when it did not fail.
pub enum ChildOutcome {
    Extracted(Box<ResumeText>),
    NeedsOcr { pages: u32 },
}

/// Parent side: runs `workers <args>` under `limits`, passing its progress to `progress`.
pub async fn run_child(
    args: Vec<OsString>,
    limits: ChildLimits,
    mut progress: impl FnMut(u32, u32),
) -> Result<ChildOutcome, JobError> {
    let exe = std::env::current_exe()
        .map_err(|e| JobError::transient(format!("locating the extractor: {e}")))?;
    let mut command = tokio::process::Command::new(exe);
    command
        .args(args)
        // libgomp reads this as it loads: one core per page, the workers' concurrency is the
        // parallelism.
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let memory = limits.memory_mb.saturating_mul(1024 * 1024);
    let cpu_secs = limits.time.as_secs().max(1);
    // SAFETY: only async-signal-safe calls (setrlimit) between fork and exec.
    unsafe {
        command.pre_exec(move || {
            set_limit(libc::RLIMIT_AS, memory)?;
            set_limit(libc::RLIMIT_CPU, cpu_secs)?;
            set_limit(libc::RLIMIT_CORE, 0)
        });
    }
    let mut child = command
        .spawn()
        .map_err(|e| JobError::transient(format!("starting the extractor: {e}")))?;
    let (Some(stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(JobError::transient("the extractor has no output"));
    };
    let run = async {
        let errors = async {
            let mut text = String::new();
            // Only for the log: a child that writes no valid UTF-8 still failed.
            let _ = stderr.read_to_string(&mut text).await;
            text
        };
        let reports = async {
            let mut lines = BufReader::new(stdout).lines();
            let mut last = None;
            while let Ok(Some(line)) = lines.next_line().await {
                match serde_json::from_str::<ChildReport>(&line) {
                    Ok(ChildReport::Progress { done, total }) => progress(done, total),
                    Ok(report) => last = Some(Ok(report)),
                    Err(e) => last = Some(Err(e)),
                }
            }
            last
        };
        let (stderr, last) = tokio::join!(errors, reports);
        (stderr, last, child.wait().await)
    };
    let Ok((stderr, last, status)) = tokio::time::timeout(limits.time, run).await else {
        return Err(JobError::permanent(format!(
            "reading the file took longer than the {} s limit",
            limits.time.as_secs()
        )));
    };
    let status = status.map_err(|e| JobError::transient(format!("running the extractor: {e}")))?;
    if status.success() {
        return match last {
            Some(Ok(ChildReport::Extracted(mut read))) => {
                read.parse = read
                    .parse
                    .take()
                    .map(|parse| crate::engines::parse::with_skills(parse, &read.text));
                Ok(ChildOutcome::Extracted(read))
            }
            Some(Ok(ChildReport::NeedsOcr { pages })) => Ok(ChildOutcome::NeedsOcr { pages }),
            Some(Ok(ChildReport::Rejected { reason })) => Err(JobError::permanent(reason)),
            Some(Ok(ChildReport::Progress { .. })) | None => {
                Err(JobError::permanent("the extractor ended without a report"))
            }
            Some(Err(e)) => Err(JobError::permanent(format!(
                "the extractor's report was unreadable: {e}"
            ))),
        };
    }
    let reason = if stderr.contains("memory allocation") {
        format!(
            "reading the file needed more than the {} MB memory limit",
            limits.memory_mb
        )
    } else if signal_of(&status) == Some(libc::SIGXCPU) {
        format!(
            "reading the file used more than the {} s CPU limit",
            limits.time.as_secs()
        )
    } else {
        "the file is malformed: the parser failed on its contents".to_owned()
    };
    tracing::warn!(%status, stderr = %stderr.chars().take(500).collect::<String>(), "extractor failed");
    Err(JobError::permanent(reason))
}

fn set_limit(resource: libc::__rlimit_resource_t, value: u64) -> std::io::Result<()> {
    let limit = libc::rlimit {
        rlim_cur: value,
        rlim_max: value,
    };
    // SAFETY: a plain syscall on a stack value.
    if unsafe { libc::setrlimit(resource, &limit) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn signal_of(status: &std::process::ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(status)
}
