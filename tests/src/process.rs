use std::{
    fs::File,
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    time::Duration,
};

use crate::wait_until;

/// One of our binaries, running. Killed on drop; its output goes to a log file whose
/// path is printed when a test fails.
pub struct Process {
    child: Child,
    pub name: String,
    pub log: PathBuf,
}

/// Where `cargo build --bins` put the binaries: next to this test's `deps` directory.
pub fn bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("PREPQ_BIN_DIR") {
        return dir.into();
    }
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().expect("deps dir");
    if dir.ends_with("deps") {
        dir.parent().expect("target dir").to_path_buf()
    } else {
        dir.to_path_buf()
    }
}

impl Process {
    pub fn spawn(binary: &str, name: &str, env: &[(String, String)], log_dir: &Path) -> Self {
        let path = bin_dir().join(binary);
        assert!(
            path.exists(),
            "{} is missing: build the binaries first (`cargo build --bins`, as scripts/test does)",
            path.display()
        );
        std::fs::create_dir_all(log_dir).expect("log dir");
        let log = log_dir.join(format!("{name}.log"));
        let out = File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let child = Command::new(&path)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "RUST_LOG",
                "info,apalis=warn,apalis_core=warn,apalis_redis=warn,poem::middleware::tracing_mw=warn",
            )
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", path.display()));
        Self {
            child,
            name: name.to_owned(),
            log,
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// `kill -9`: no chance to clean up.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn terminate(&self) {
        self.signal(libc::SIGTERM);
    }

    /// SIGSTOP: the process stops where it is, holding everything it holds.
    pub fn pause(&self) {
        self.signal(libc::SIGSTOP);
    }

    /// SIGCONT after `pause`.
    pub fn resume(&self) {
        self.signal(libc::SIGCONT);
    }

    fn signal(&self, signal: libc::c_int) {
        // SAFETY: sending a signal to our own child.
        unsafe { libc::kill(self.pid(), signal) };
    }

    /// What the process has logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub async fn wait_exit(&mut self, deadline: Duration) -> ExitStatus {
        let child = &mut self.child;
        let name = self.name.clone();
        wait_until(&format!("{name} to exit"), deadline, || {
            let status = child.try_wait().ok().flatten();
            async move { status }
        })
        .await
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("{} log: {}", self.name, self.log.display());
        }
    }
}

/// Resident memory of a process now and at its peak, in KiB, from `/proc`.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    pub rss_kib: u64,
    pub peak_kib: u64,
}

impl Process {
    /// How many of this process's own children run a command whose first argument is one
    /// of `subcommands` (as `workers extract`), from one scan of `/proc`.
    pub fn children_running(&self, subcommands: &[&str]) -> usize {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return 0;
        };
        let parent = self.pid().to_string();
        entries
            .filter_map(Result::ok)
            .filter(|entry| {
                let dir = entry.path();
                // `pid (name) state ppid ...`: the name may hold spaces, so split after it.
                let stat = std::fs::read_to_string(dir.join("stat")).unwrap_or_default();
                let ppid = stat
                    .rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1));
                let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
                let first_arg = cmdline.split(|b| *b == 0).nth(1).unwrap_or_default();
                ppid == Some(parent.as_str())
                    && subcommands.iter().any(|s| first_arg == s.as_bytes())
            })
            .count()
    }

    pub fn memory(&self) -> Option<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        };
        Some(Memory {
            rss_kib: field("VmRSS:")?,
            peak_kib: field("VmHWM:")?,
        })
    }
}
