//! What the running app holds in memory: the app's process and every process under it
//! (WebKit's web and network processes), read from `/proc`.

use crate::{AppSession, E2eError, process::descendants};

/// One process's memory, in KiB as `/proc` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessMemory {
    /// Its process id.
    pub pid: u32,
    /// Its name (`/proc/<pid>/stat`, at most 15 bytes).
    pub name: String,
    /// Resident set size (`VmRSS` of `/proc/<pid>/status`): every page it has in RAM,
    /// the shared libraries' included, so a sum over processes counts a shared page
    /// once per process.
    pub rss_kib: u64,
    /// Proportional set size (`Pss` of `/proc/<pid>/smaps_rollup`): each shared page
    /// split between the processes that map it, so sums add up; `None` when the
    /// kernel does not say.
    pub pss_kib: Option<u64>,
}

/// The app's process and the processes under it, at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footprint {
    /// The app's own process.
    pub app: ProcessMemory,
    /// Every process under it, children's children included.
    pub children: Vec<ProcessMemory>,
}

impl Footprint {
    /// The app's process and its children, in that order.
    pub fn processes(&self) -> impl Iterator<Item = &ProcessMemory> {
        std::iter::once(&self.app).chain(&self.children)
    }

    /// The sum of every process's RSS (shared pages counted once per process).
    pub fn rss_kib(&self) -> u64 {
        self.processes().map(|p| p.rss_kib).sum()
    }

    /// The sum of every process's PSS, when the kernel gave it for all of them.
    pub fn pss_kib(&self) -> Option<u64> {
        self.processes().map(|p| p.pss_kib).sum()
    }
}

impl AppSession {
    /// The memory of the app's process and of every process under it now.
    ///
    /// # Errors
    ///
    /// When the app no longer runs, or its `/proc` entry cannot be read.
    pub fn footprint(&self) -> Result<Footprint, E2eError> {
        let pid = self
            .app_pid()
            .ok_or_else(|| E2eError::Unexpected("the app does not run".into()))?;
        let app = memory(pid, self.app_name().to_owned()).ok_or_else(|| {
            E2eError::Unexpected(format!("cannot read /proc/{pid}/status of the app"))
        })?;
        // A child that exits between the listing and the reading is left out.
        let children = descendants(pid)
            .into_iter()
            .filter_map(|(pid, name)| memory(pid, name))
            .collect();
        Ok(Footprint { app, children })
    }
}

fn memory(pid: u32, name: String) -> Option<ProcessMemory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kib = kib_field(&status, "VmRSS:")?;
    let pss_kib = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|rollup| kib_field(&rollup, "Pss:"));
    Some(ProcessMemory {
        pid,
        name,
        rss_kib,
        pss_kib,
    })
}

/// The value of a `Name:   1234 kB` line.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_kib_lines() {
        let status = "Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n";
        assert_eq!(kib_field(status, "VmRSS:"), Some(1024));
        assert_eq!(kib_field(status, "Pss:"), None);
        let rollup =
            "55d0-7ffd ---p 00000000 00:00 0 [rollup]\nRss: 10 kB\nPss:  7 kB\nPss_Anon: 3 kB\n";
        assert_eq!(kib_field(rollup, "Pss:"), Some(7));
    }

    #[test]
    fn reads_this_process() {
        let me = memory(std::process::id(), "test".into()).unwrap();
        assert!(me.rss_kib > 0);
    }
}
