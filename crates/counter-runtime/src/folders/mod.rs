//! The eligibility PC's folder interface, the I/O: the receipt system (レセコン) writes
//! requests into `req/`, the terminal answers them in `res/` (docs/domain/eligibility.md
//! §1.1, §2.6); the rules are `counter_core::folders`'.
//!
//! | piece | module |
//! |---|---|
//! | the `[folders]` section and the folders beneath the root | here |
//! | one request file, from `req/` to its answer and `done/` or `rejected/` | [`worker`] |
//! | the watcher (`notify`, or polling for network shares) and the loop | [`watch`] |
//!
//! The folders are created when missing, readable and writable by the terminal's user
//! only (`0700`); a share that lets the receipt system in is configured on the share.

use std::path::{Path, PathBuf};
use std::time::Duration;

use counter_core::folders::CharacterCode;
use serde::Deserialize;

use crate::config::err;
use crate::error::RuntimeError;

pub mod watch;
pub mod worker;

pub use watch::run;
pub use worker::{FolderWorker, Processed};

/// How the folder is watched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WatcherMode {
    /// File-system events (inotify on Linux, ReadDirectoryChangesW on Windows), with a
    /// rescan every `poll_interval_ms` as a safety net.
    #[default]
    Notify,
    /// A scan every `poll_interval_ms`: for network shares, where events from other
    /// machines do not arrive.
    Poll,
}

/// `face_character_code`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaceCode {
    /// UTF-8 (`CharacterCodeIdentifier` 0).
    #[default]
    #[serde(rename = "utf-8")]
    Utf8,
    /// Shift_JIS (`CharacterCodeIdentifier` 1).
    ShiftJis,
}

impl FaceCode {
    /// As the core's code.
    pub fn code(self) -> CharacterCode {
        match self {
            Self::Utf8 => CharacterCode::Utf8,
            Self::ShiftJis => CharacterCode::ShiftJis,
        }
    }
}

/// `[folders]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FoldersFile {
    /// The folder holding `req/`, `res/`, `face/`, `done/` and `rejected/`.
    pub root: PathBuf,
    /// `notify` (default) or `poll`.
    #[serde(default)]
    pub watcher: WatcherMode,
    /// The poll period, and the rescan period under `notify` (default 1,000 ms).
    #[serde(default)]
    pub poll_interval_ms: Option<u64>,
    /// How long a request must stay unchanged before it is read (default 300 ms): a receipt
    /// system that writes in place is not read half-written.
    #[serde(default)]
    pub settle_ms: Option<u64>,
    /// The code of the `face/` files (default UTF-8).
    #[serde(default)]
    pub face_character_code: FaceCode,
    /// 医療機関コード the requests must carry; default `[counter]`'s.
    #[serde(default)]
    pub medical_institution_code: Option<String>,
}

/// Shortest poll period: one scan of `req/` per 50 ms is already more than a receipt
/// system needs.
const MIN_POLL_MS: u64 = 50;
/// Longest poll period: a minute, beyond which a patient at the desk would wait.
const MAX_POLL_MS: u64 = 60_000;

impl FoldersFile {
    /// Resolves the root against `base` and checks every key; `counter_code` is
    /// `[counter].medical_institution_code`.
    pub(crate) fn check(
        &mut self,
        base: &Path,
        counter_code: Option<String>,
    ) -> Result<(), RuntimeError> {
        if self.root.as_os_str().is_empty() {
            return Err(err(
                "folders.root",
                "write the folder that holds req/ and res/",
            ));
        }
        if !self.root.is_absolute() {
            self.root = base.join(&self.root);
        }
        if let Some(ms) = self.poll_interval_ms
            && !(MIN_POLL_MS..=MAX_POLL_MS).contains(&ms)
        {
            return Err(err(
                "folders.poll_interval_ms",
                format!("{ms} is outside {MIN_POLL_MS}..={MAX_POLL_MS} milliseconds"),
            ));
        }
        if let Some(ms) = self.settle_ms
            && ms > MAX_POLL_MS
        {
            return Err(err(
                "folders.settle_ms",
                format!("{ms} is more than {MAX_POLL_MS} milliseconds"),
            ));
        }
        if self.medical_institution_code.is_none() {
            self.medical_institution_code = counter_code;
        }
        match &self.medical_institution_code {
            None => Err(err(
                "folders.medical_institution_code",
                "write the 10-digit 医療機関コード the receipt system's requests carry \
                 (or set counter.medical_institution_code)",
            )),
            Some(code) if !(code.len() == 10 && code.bytes().all(|b| b.is_ascii_digit())) => {
                Err(err(
                    "folders.medical_institution_code",
                    format!("{code:?} is not the 10-digit 医療機関コード"),
                ))
            }
            Some(_) => Ok(()),
        }
    }

    /// The poll (and rescan) period.
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms.unwrap_or(1_000))
    }

    /// How long a request must be unchanged before it is read.
    pub fn settle(&self) -> Duration {
        Duration::from_millis(self.settle_ms.unwrap_or(300))
    }

    /// The 医療機関コード (checked present when the configuration is read:
    /// [`Config::parse`](crate::config::Config::parse)).
    pub fn institution(&self) -> &str {
        self.medical_institution_code.as_deref().unwrap_or_default()
    }
}

/// The folders beneath the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Requests from the receipt system.
    pub req: PathBuf,
    /// Answers to it.
    pub res: PathBuf,
    /// Card checks at the reader.
    pub face: PathBuf,
    /// Requests answered with a result.
    pub done: PathBuf,
    /// Requests answered with an error.
    pub rejected: PathBuf,
    /// The file whose lock says a worker answers this root ([`Layout::lock`]).
    pub lock: PathBuf,
}

/// Held while a worker answers a root: a second worker on the same root (the desktop app
/// and the `folders` service both configured, or two terminals sharing it) would answer
/// requests twice. Dropped, the lock goes (the OS also drops it when the process dies).
#[derive(Debug)]
pub struct FolderLock {
    _file: std::fs::File,
}

impl Layout {
    /// The folders under `root`.
    pub fn under(root: &Path) -> Self {
        Self {
            req: root.join("req"),
            res: root.join("res"),
            face: root.join("face"),
            done: root.join("done"),
            rejected: root.join("rejected"),
            lock: root.join("madoguchi.lock"),
        }
    }

    /// Takes the root's lock without waiting.
    ///
    /// # Errors
    ///
    /// When another worker holds it (the error says so and what to do), or the lock file
    /// cannot be opened.
    pub fn lock(&self) -> Result<FolderLock, RuntimeError> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.lock)
            .map_err(|e| RuntimeError::files("cannot open", &self.lock, &e))?;
        match file.try_lock() {
            Ok(()) => Ok(FolderLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(err(
                "folders.root",
                format!(
                    "another Madoguchi already answers this folder ({} is locked): another \
                     terminal, or a second copy of the app, has the same [folders] root; close \
                     it, or give each terminal its own root",
                    self.lock.display()
                ),
            )),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(RuntimeError::files("cannot lock", &self.lock, &e))
            }
        }
    }

    /// Creates the folders that are missing (mode `0700` on Unix; existing folders keep
    /// theirs); an error names the folder.
    pub fn create(&self) -> Result<(), RuntimeError> {
        for dir in [&self.req, &self.res, &self.face, &self.done, &self.rejected] {
            // The private-file error names the folder and what to check, once.
            private_files::private_dir(dir)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::Config;

    #[test]
    fn one_worker_per_root() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::under(dir.path());
        layout.create().unwrap();
        let first = layout.lock().unwrap();
        let e = layout.lock().unwrap_err().to_string();
        assert!(
            e.contains("another Madoguchi already answers this folder"),
            "{e}"
        );
        assert!(e.contains("madoguchi.lock"), "{e}");
        // It names no program the packages do not install (madoguchi-counter is a
        // development tool, built with the virtual card).
        assert!(e.contains("give each terminal its own root"), "{e}");
        assert!(!e.contains("madoguchi-counter"), "{e}");
        drop(first);
        layout.lock().unwrap();
    }

    const BASE: &str = r#"
terminal_id = "till-1"
merchant_id = "shop-a"
database = "j.sqlite"
[backends]
platform = "https://localhost:1"
platform_id = "pf"
insurer = "https://localhost:2"
acquirer = "https://localhost:3"
[tls]
ca = "ca.pem"
certificate = "t.pem"
key = "k.pem"
"#;

    fn parse(folders: &str) -> Result<FoldersFile, String> {
        Config::parse(&format!("{BASE}[folders]\n{folders}"), Path::new("/cfg"))
            .map(|c| c.file.folders.unwrap())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_and_resolution() {
        let f = parse("root = \"oqs\"\nmedical_institution_code = \"1312345678\"\n").unwrap();
        assert_eq!(f.root, Path::new("/cfg/oqs"));
        assert_eq!(f.watcher, WatcherMode::Notify);
        assert_eq!(f.poll_interval(), Duration::from_secs(1));
        assert_eq!(f.settle(), Duration::from_millis(300));
        assert_eq!(f.face_character_code, FaceCode::Utf8);
        let f = parse(
            "root = \"/srv/oqs\"\nwatcher = \"poll\"\npoll_interval_ms = 200\n\
             face_character_code = \"shift_jis\"\nmedical_institution_code = \"1312345678\"\n",
        )
        .unwrap();
        assert_eq!(f.root, Path::new("/srv/oqs"));
        assert_eq!(f.watcher, WatcherMode::Poll);
        assert_eq!(f.face_character_code.code(), CharacterCode::ShiftJis);
        // The code of [counter] serves when [folders] has none.
        let c = Config::parse(
            &format!(
                "{BASE}[counter]\nmode = \"reception\"\nreader = \"R\"\nexport_dir = \"x\"\n\
                 medical_institution_code = \"1312345678\"\n[folders]\nroot = \"oqs\"\n"
            ),
            Path::new("/cfg"),
        )
        .unwrap();
        assert_eq!(c.file.folders.unwrap().institution(), "1312345678");
    }

    #[test]
    fn errors_name_the_key() {
        let code = "medical_institution_code = \"1312345678\"\n";
        for (text, key) in [
            (format!("root = \"\"\n{code}"), "folders.root"),
            (
                format!("root = \"x\"\npoll_interval_ms = 5\n{code}"),
                "folders.poll_interval_ms",
            ),
            (
                format!("root = \"x\"\nsettle_ms = 600001\n{code}"),
                "folders.settle_ms",
            ),
            ("root = \"x\"\n".into(), "folders.medical_institution_code"),
            (
                "root = \"x\"\nmedical_institution_code = \"12\"\n".into(),
                "folders.medical_institution_code",
            ),
        ] {
            let e = parse(&text).unwrap_err();
            assert!(e.contains(key), "{text}: {e}");
        }
        // A bad code of [counter] that [folders] borrows is named by [counter]'s key.
        let e = Config::parse(
            &format!(
                "{BASE}[counter]\nmode = \"reception\"\nreader = \"R\"\nexport_dir = \"x\"\n\
                 medical_institution_code = \"131234567\"\n[folders]\nroot = \"oqs\"\n"
            ),
            Path::new("/cfg"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("counter.medical_institution_code") && !e.contains("folders."),
            "{e}"
        );
        let e = parse(&format!("root = \"x\"\nwatcher = \"inotify\"\n{code}")).unwrap_err();
        assert!(e.contains("notify") && e.contains("poll"), "{e}");
        // Config::load adds the file.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("counter.toml");
        std::fs::write(&path, format!("{BASE}[folders]\nroot = \"x\"\n")).unwrap();
        let e = Config::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("folders.medical_institution_code") && e.contains("counter.toml"),
            "{e}"
        );
    }

    #[test]
    fn the_layout_is_created_private() {
        let dir = tempfile::tempdir().unwrap();
        let l = Layout::under(&dir.path().join("oqs"));
        l.create().unwrap();
        l.create().unwrap();
        for d in [&l.req, &l.res, &l.face, &l.done, &l.rejected] {
            assert!(d.is_dir(), "{}", d.display());
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(d).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o700, "{}", d.display());
            }
        }
    }
}
