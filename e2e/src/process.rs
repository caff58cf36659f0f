//! Child processes that are stopped politely: SIGTERM, then a bounded wait.

use std::{
    env,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

/// How long a process gets to exit after SIGTERM before we give up on it.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// How often a stopping process is checked (there is no wait-with-timeout in std).
const STOP_POLL: Duration = Duration::from_millis(20);

/// A running child that gets SIGTERM when dropped.
#[derive(Debug)]
pub(crate) struct Guarded {
    name: &'static str,
    child: Child,
}

impl Guarded {
    pub(crate) fn new(name: &'static str, child: Child) -> Guarded {
        Guarded { name, child }
    }

    /// The child's process id.
    pub(crate) fn id(&self) -> u32 {
        self.child.id()
    }

    /// Whether the child has exited already, and how.
    pub(crate) fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(error) => Some(error.to_string()),
        }
    }

    /// Sends SIGTERM (through kill(1): this workspace has no unsafe code, so no
    /// libc::kill) and waits up to [`STOP_GRACE`] for the child to exit. Never SIGKILL:
    /// tauri-driver stops its WebKitWebDriver on SIGTERM, but a killed one would leave
    /// it running.
    fn stop(&mut self) {
        if self.exited().is_some() {
            return;
        }
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !matches!(sent, Ok(status) if status.success()) {
            eprintln!(
                "e2e: could not send SIGTERM to {} ({})",
                self.name,
                self.child.id()
            );
            return;
        }
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            if self.exited().is_some() {
                return;
            }
            thread::sleep(STOP_POLL);
        }
        eprintln!(
            "e2e: {} ({}) still runs {STOP_GRACE:?} after SIGTERM; left running",
            self.name,
            self.child.id()
        );
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The first executable called `name` in `PATH`.
pub(crate) fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// Whether `path` is a file we may execute.
pub(crate) fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}
