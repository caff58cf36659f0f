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

/// The processes under `root` (children, their children, ...) as `(pid, name)`, read from
/// `/proc`: the ones tauri-driver started (WebKitWebDriver, the app, WebKit's helpers).
pub(crate) fn descendants(root: u32) -> Vec<(u32, String)> {
    let mut parents: Vec<(u32, u32, String)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
                continue;
            };
            if let Some((ppid, name)) = parent_of(pid) {
                parents.push((pid, ppid, name));
            }
        }
    }
    let mut found = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for (pid, ppid, name) in &parents {
            if *ppid == parent && !found.iter().any(|(p, _)| p == pid) {
                found.push((*pid, name.clone()));
                frontier.push(*pid);
            }
        }
    }
    found
}

/// Whether `pid` still runs (a zombie, dead but not yet reaped, does not).
pub(crate) fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !matches!(state_field(&stat), Some("Z" | "X")),
        Err(_) => false,
    }
}

/// Sends SIGTERM to `pid` (through kill(1), as [`Guarded`] does).
pub(crate) fn terminate(pid: u32) {
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// `(ppid, name)` of `pid` from `/proc/<pid>/stat`: "pid (name) state ppid ...", where
/// the name may itself hold spaces and parentheses, so it ends at the last ')'.
fn parent_of(pid: u32) -> Option<(u32, String)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?.to_owned();
    let ppid = stat
        .get(close + 1..)?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some((ppid, name))
}

fn state_field(stat: &str) -> Option<&str> {
    let close = stat.rfind(')')?;
    stat.get(close + 1..)?.split_whitespace().next()
}

/// The process ids of every running process called `name` (as `/proc/<pid>/stat` shows
/// it: the first 15 bytes, TASK_COMM_LEN), whoever started it: read only, to tell a test
/// that another app shares what it needs.
pub(crate) fn named(name: &str) -> Vec<u32> {
    let name = comm(name);
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| parent_of(*pid).is_some_and(|(_, c)| c == name) && running(*pid))
        .collect()
}

/// A program's name as `/proc/<pid>/stat` shows it: its first 15 bytes (TASK_COMM_LEN).
pub(crate) fn comm(name: &str) -> String {
    name.chars().take(15).collect()
}
