//! Child processes that are stopped politely: SIGTERM, then a bounded wait, then SIGKILL
//! ([`stop`], which the harness's own children and the install test's servers share).

use std::{
    env,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

/// How long the harness's own children (Xvfb, tauri-driver) get to exit after SIGTERM
/// before they are killed.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// How often a stopping process is checked (there is no wait-with-timeout in std).
const STOP_POLL: Duration = Duration::from_millis(20);

/// A running child that is stopped ([`stop`]) when dropped.
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

    /// Stops the child ([`stop`], with [`STOP_GRACE`]).
    fn stop(&mut self) {
        stop(self.name, &mut self.child, STOP_GRACE);
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Stops `child` (called `name` in the log lines): SIGTERM, then up to `grace` for it to
/// exit; if it still runs then, SIGKILL to it and to every process under it, logged.
///
/// SIGTERM goes first and gets its time because tauri-driver stops its WebKitWebDriver on
/// SIGTERM (and a server, as under systemd, finishes its requests). A child still running
/// after `grace` will not stop by itself: leaving it would keep its port, its reader and
/// the test's pipes taken. Its descendants (read from `/proc` before the kill, since they
/// are re-parented after) are killed with it, so that a killed tauri-driver leaves no
/// WebKitWebDriver behind. A child already gone is only reaped.
pub fn stop(name: &str, child: &mut Child, grace: Duration) {
    if child.try_wait().is_ok_and(|status| status.is_some()) {
        return;
    }
    let pid = child.id();
    if !signal("-TERM", pid) {
        eprintln!("e2e: could not send SIGTERM to {name} ({pid})");
    }
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if child.try_wait().is_ok_and(|status| status.is_some()) {
            return;
        }
        thread::sleep(STOP_POLL);
    }
    let under = descendants(pid);
    eprintln!(
        "e2e: {name} ({pid}) still runs {grace:?} after SIGTERM; SIGKILL to it and the {} \
         process(es) under it",
        under.len()
    );
    if let Err(error) = child.kill() {
        eprintln!("e2e: could not kill {name} ({pid}): {error}");
    }
    for (pid, process) in under {
        if running(pid) && !signal("-KILL", pid) {
            eprintln!("e2e: could not kill {process} ({pid}) under {name}");
        }
    }
    if let Err(error) = child.wait() {
        eprintln!("e2e: could not reap {name} ({pid}): {error}");
    }
}

/// Sends `signal` (`-TERM`, `-KILL`) to `pid` through kill(1) (this workspace has no
/// unsafe code, so no libc::kill); whether kill(1) said it did.
fn signal(signal: &str, pid: u32) -> bool {
    Command::new("kill")
        .args([signal, &pid.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
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

/// Sends SIGTERM to `pid` (through kill(1), as [`stop`] does).
pub(crate) fn terminate(pid: u32) {
    let _ = signal("-TERM", pid);
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;

    use super::*;

    /// `sh -c script` with its standard output piped.
    fn shell(script: &str) -> Child {
        Command::new("sh")
            .args(["-c", script])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    }

    #[test]
    fn a_child_that_stops_on_sigterm_is_not_killed() {
        let mut child = shell("exec sleep 30");
        stop("sleep", &mut child, Duration::from_secs(5));
        let status = child.try_wait().unwrap().expect("stop waited for it");
        assert_eq!(status.signal(), Some(15), "{status}");
    }

    #[test]
    fn a_child_that_ignores_sigterm_is_killed_with_what_runs_under_it() {
        // The shell ignores SIGTERM, and so does its sleep (an ignored signal stays
        // ignored across exec); the sleep's pid is the first line.
        let mut child = shell("trap '' TERM; sleep 30 & echo $!; wait");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let under: u32 = line.trim().parse().unwrap();
        assert!(running(under), "the sleep under the shell runs");
        let started = Instant::now();
        stop("stubborn", &mut child, Duration::from_millis(300));
        let status = child.try_wait().unwrap().expect("stop waited for it");
        assert_eq!(status.signal(), Some(9), "{status}");
        assert!(started.elapsed() < Duration::from_secs(5));
        // Killed too; once its new parent reaps it, gone (a zombie counts as gone).
        let deadline = Instant::now() + Duration::from_secs(5);
        while running(under) && Instant::now() < deadline {
            thread::sleep(STOP_POLL);
        }
        assert!(!running(under), "the sleep under the shell was killed");
    }
}
