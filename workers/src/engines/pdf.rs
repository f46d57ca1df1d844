//! Text from PDFs with a text layer. pdf-extract panics on malformed fonts, can overflow its
//! stack and run without bound on hostile files, and returns empty text for encrypted ones.
//! So each file is parsed by a child process (`workers extract-pdf`) under memory, CPU and
//! wall-clock limits: a bad file costs one job, never the worker.

use std::{
    path::Path,
    process::{ExitCode, Stdio},
    time::Duration,
};

use serde::{Deserialize, Serialize};

use crate::{config::ExtractLimits, context::JobError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PdfText {
    pub text: String,
    pub pages: u32,
}

/// The child's one line of output.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
enum ChildReport {
    Extracted(PdfText),
    Rejected { reason: String },
}

/// Parent side: runs the extraction of `path` in a limited child process.
pub async fn extract_isolated(path: &Path, limits: &ExtractLimits) -> Result<PdfText, JobError> {
    let exe = std::env::current_exe()
        .map_err(|e| JobError::Transient(format!("locating the extractor: {e}")))?;
    let mut command = tokio::process::Command::new(exe);
    command
        .arg("extract-pdf")
        .arg("--max-pages")
        .arg(limits.pdf_max_pages.to_string())
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
                "reading the PDF took longer than the {} s limit",
                limits.extract_timeout_secs
            )));
        }
    };
    if output.status.success() {
        return match serde_json::from_slice::<ChildReport>(&output.stdout) {
            Ok(ChildReport::Extracted(text)) => Ok(text),
            Ok(ChildReport::Rejected { reason }) => Err(JobError::Permanent(reason)),
            Err(e) => Err(JobError::Permanent(format!(
                "the extractor's report was unreadable: {e}"
            ))),
        };
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let reason = if stderr.contains("memory allocation") {
        format!(
            "reading the PDF needed more than the {} MB memory limit",
            limits.extract_memory_mb
        )
    } else if signal_of(&output.status) == Some(libc::SIGXCPU) {
        format!(
            "reading the PDF used more than the {} s CPU limit",
            limits.extract_timeout_secs
        )
    } else {
        "the PDF is malformed: the parser failed on its contents".to_owned()
    };
    tracing::warn!(status = %output.status, stderr = %stderr.chars().take(500).collect::<String>(), "pdf extractor failed");
    Err(JobError::Permanent(reason))
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

/// Child side: the `extract-pdf` subcommand. Prints one report; a crash is the parent's to read.
pub fn extract_command(path: &Path, max_pages: u32) -> ExitCode {
    let report = match std::fs::read(path) {
        Ok(bytes) => match extract(&bytes, max_pages) {
            Ok(text) => ChildReport::Extracted(text),
            Err(reason) => ChildReport::Rejected { reason },
        },
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

/// Extracts the text, or says in words a user understands why it can't.
pub fn extract(bytes: &[u8], max_pages: u32) -> Result<PdfText, String> {
    if bytes.is_empty() {
        return Err("the file is empty".into());
    }
    if !is_pdf(bytes) {
        return Err("the file is not a PDF".into());
    }
    let doc = lopdf::Document::load_mem(bytes).map_err(|e| {
        let message = e.to_string();
        if message.to_lowercase().contains("decrypt") || message.to_lowercase().contains("password")
        {
            ENCRYPTED.to_owned()
        } else {
            format!("the PDF is damaged and cannot be read ({message})")
        }
    })?;
    if doc.is_encrypted() || doc.trailer.get(b"Encrypt").is_ok() {
        return Err(ENCRYPTED.into());
    }
    let pages = doc.get_pages().len() as u32;
    if pages == 0 {
        return Err("the PDF has no pages".into());
    }
    if pages > max_pages {
        return Err(format!(
            "the PDF has {pages} pages; the limit is {max_pages}"
        ));
    }
    let text = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes))
        .map_err(|_| {
            "the PDF's text could not be decoded: the parser failed on its fonts".to_owned()
        })?
        .map_err(|e| format!("the PDF's text could not be extracted: {e}"))?;
    let text = tidy(&text);
    if text.is_empty() {
        return Err("the PDF has no text layer (a scanned document?); \
                    text extraction from scans is not supported yet"
            .into());
    }
    Ok(PdfText { text, pages })
}

const ENCRYPTED: &str = "the PDF is password-protected; upload a copy without a password";

/// PDF readers accept the header anywhere in the first 1024 bytes.
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(1024)]
        .windows(5)
        .any(|w| w == b"%PDF-")
}

/// Trims each line and collapses runs of blank lines, as pdf-extract pads generously.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_a_readable_pdf() {
        assert_eq!(extract(b"", 10).unwrap_err(), "the file is empty");
        assert_eq!(
            extract(b"hello world", 10).unwrap_err(),
            "the file is not a PDF"
        );
        assert!(
            extract(b"%PDF-1.4 garbage", 10)
                .unwrap_err()
                .contains("damaged")
        );
    }

    #[test]
    fn tidy_collapses_blank_runs() {
        assert_eq!(tidy("  a  \n\n\n\nb\n\n"), "a\n\nb");
    }
}
