//! Untrusted files are parsed by a child process (`workers extract`) under an address-space
//! limit, a CPU limit and a wall-clock timeout: a parser panic, a stack overflow, a
//! decompression bomb or a runaway loop costs one job, never the worker.

use std::{
    path::Path,
    process::{ExitCode, Stdio},
    time::Duration,
};

use chrono::Datelike;
use prepq_jobs::kinds::ResumeText;
use serde::{Deserialize, Serialize};

use super::{dates::Point, docx, ocr, pdf, plain_text, poppler, resume_parse};
use crate::{config::ExtractLimits, context::JobError};

/// What a format's reader gives back, before the parse.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractedText {
    pub text: String,
    pub pages: u32,
}

/// The child's one line of output.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
enum ChildReport {
    Extracted(Box<ResumeText>),
    Rejected { reason: String },
}

/// Parent side: reads and parses the file at `path` in a limited child process. The parse
/// runs there too: its patterns meet untrusted text.
pub async fn extract_isolated(
    path: &Path,
    media_type: &str,
    limits: &ExtractLimits,
) -> Result<ResumeText, JobError> {
    let exe = std::env::current_exe()
        .map_err(|e| JobError::Transient(format!("locating the extractor: {e}")))?;
    let mut command = tokio::process::Command::new(exe);
    command
        .arg("extract")
        .arg("--media-type")
        .arg(media_type)
        .arg("--max-pages")
        .arg(limits.pdf_max_pages.to_string())
        .arg("--max-pixels")
        .arg(limits.image_max_pixels.to_string())
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let memory = limits.extract_memory_mb.saturating_mul(1024 * 1024);
    let cpu_secs = limits.extract_timeout_secs;
    // SAFETY: only async-signal-safe calls (setrlimit) between fork and exec.
    unsafe {
        command.pre_exec(move || {
            set_limit(libc::RLIMIT_AS, memory)?;
            set_limit(libc::RLIMIT_CPU, cpu_secs)?;
            set_limit(libc::RLIMIT_CORE, 0)
        });
    }
    let child = command
        .spawn()
        .map_err(|e| JobError::Transient(format!("starting the extractor: {e}")))?;
    let deadline = Duration::from_secs(limits.extract_timeout_secs);
    let output = match tokio::time::timeout(deadline, child.wait_with_output()).await {
        Ok(output) => {
            output.map_err(|e| JobError::Transient(format!("running the extractor: {e}")))?
        }
        Err(_) => {
            return Err(JobError::Permanent(format!(
                "reading the file took longer than the {} s limit",
                limits.extract_timeout_secs
            )));
        }
    };
    if output.status.success() {
        return match serde_json::from_slice::<ChildReport>(&output.stdout) {
            Ok(ChildReport::Extracted(read)) => Ok(*read),
            Ok(ChildReport::Rejected { reason }) => Err(JobError::Permanent(reason)),
            Err(e) => Err(JobError::Permanent(format!(
                "the extractor's report was unreadable: {e}"
            ))),
        };
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let reason = if stderr.contains("memory allocation") {
        format!(
            "reading the file needed more than the {} MB memory limit",
            limits.extract_memory_mb
        )
    } else if signal_of(&output.status) == Some(libc::SIGXCPU) {
        format!(
            "reading the file used more than the {} s CPU limit",
            limits.extract_timeout_secs
        )
    } else {
        "the file is malformed: the parser failed on its contents".to_owned()
    };
    tracing::warn!(status = %output.status, stderr = %stderr.chars().take(500).collect::<String>(), "extractor failed");
    Err(JobError::Permanent(reason))
}

fn read(extracted: ExtractedText) -> ResumeText {
    let today = chrono::Utc::now().date_naive();
    let now = Point {
        year: u16::try_from(today.year()).unwrap_or(u16::MAX),
        month: u8::try_from(today.month()).ok(),
    };
    ResumeText {
        chars: extracted.text.chars().count() as u64,
        pages: extracted.pages,
        parse: Some(resume_parse::parse(&extracted.text, now)),
        text: extracted.text,
    }
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

/// Child side: the `extract` subcommand. Prints one report; a crash is the parent's to read.
pub fn extract_command(path: &Path, media_type: &str, max_pages: u32, max_pixels: u64) -> ExitCode {
    let report = match std::fs::read(path) {
        Ok(bytes) => {
            let extracted = match media_type {
                "application/pdf" => match pdf::extract(&bytes, max_pages) {
                    Err(pdf::Unreadable::NoTextLayer { pages }) => ocr::pdf_text(path, pages),
                    Err(pdf::Unreadable::PoorTextLayer { pages, glyphs }) => {
                        poppler::pdf_text(path, pages, glyphs)
                            .map_or_else(|| ocr::pdf_text(path, pages), Ok)
                    }
                    other => other.map_err(|e| e.to_string()),
                },
                docx::MEDIA_TYPE => docx::extract(&bytes),
                "image/png" | "image/jpeg" => ocr::image_text(path, max_pixels),
                "text/plain" => plain_text::extract(&bytes),
                other => Err(format!("text extraction from {other} is not supported")),
            };
            match extracted {
                Ok(extracted) => ChildReport::Extracted(Box::new(read(extracted))),
                Err(reason) => ChildReport::Rejected { reason },
            }
        }
        Err(e) => ChildReport::Rejected {
            reason: format!("the file could not be read: {e}"),
        },
    };
    match serde_json::to_string(&report) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(_) => ExitCode::FAILURE,
    }
}
