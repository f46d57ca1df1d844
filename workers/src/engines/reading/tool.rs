//! External programs (poppler, tesseract) run with a time limit of their own, so that one
//! page that never finishes fails with its own reason rather than the whole file's timeout.

use std::{
    io::Read,
    process::{Command, Output, Stdio},
    thread,
    time::{Duration, Instant},
};

/// How often a running tool is checked on: small next to a tool's run, large next to a
/// `try_wait`.
const POLL: Duration = Duration::from_millis(10);

/// The tool's output, or `Ok(None)` when it ran past `limit` and was killed.
pub fn output_within(command: &mut Command, limit: Duration) -> std::io::Result<Option<Output>> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Drained while it runs: a tool blocked on a full pipe would never finish.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        thread::sleep(POLL);
    };
    Ok(Some(Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }))
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_that_finishes_gives_its_output_and_one_that_does_not_is_killed() {
        let done = output_within(Command::new("echo").arg("read"), Duration::from_secs(10))
            .unwrap()
            .unwrap();
        assert_eq!(done.stdout, b"read\n");
        let started = Instant::now();
        let stuck = output_within(Command::new("sleep").arg("30"), Duration::from_millis(100));
        assert!(stuck.unwrap().is_none());
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "killed, not waited for"
        );
    }
}
