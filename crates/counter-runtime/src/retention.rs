//! The retention purge, the I/O (the rules: `counter_core::eligibility::RetentionPolicy` and
//! `counter_core::folders::retention`): once a day's data are older than `[retention] days`,
//! the personal details of checks and finished re-checks leave the database, the folder's
//! answers, card results and archived requests and the terminal's exports leave the disk,
//! the folder ledger forgets the requests answered then, and booked patients go once their
//! day has passed.
//!
//! The desktop app and `madoguchi-counter folders` run it at start and then every
//! [`PURGE_EVERY`]; `madoguchi-counter purge` runs it once (for a site's own schedule).

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use counter_core::UnixTime;
use counter_core::eligibility::RetentionPolicy;
use counter_core::folders::retention::{Place, expired};
use counter_store::Store;
use serde::Serialize;

use crate::clock::Clock;
use crate::config::Config;
use crate::error::RuntimeError;

/// How often the purge runs (the cutoff moves once a day, at 00:00 JST; hourly keeps a
/// terminal that sleeps or starts late within an hour of it).
pub const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// What one purge removed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Purged {
    /// Checks and re-checks whose personal details went.
    pub details: usize,
    /// Folder requests the ledger forgot.
    pub requests_forgotten: usize,
    /// Appointments of past days deleted.
    pub appointments: usize,
    /// Files removed (answers, card results, archived requests, exports).
    pub files: usize,
    /// Files that could not be removed or read; their folders are in `folders_failed`.
    /// Tried again next time.
    pub files_failed: usize,
    /// Folders that could not be listed (a share that is down, a folder root that is
    /// missing, as when its share is not mounted, a folder the terminal may not read) or
    /// whose expired files could not all be removed or read: their files are tried again
    /// next time, and the database is purged all the same. Empty when every folder was
    /// purged.
    pub folders_failed: Vec<UnlistedFolder>,
    /// What the store said when it refused the database's part (the ledger, the booked
    /// patients, the personal details): those stay past their period until a purge
    /// succeeds. `None` when the database was purged.
    pub database_failed: Option<String>,
}

/// A folder the purge could not list, or not purge in full.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnlistedFolder {
    /// The folder, as the configuration names it.
    pub folder: PathBuf,
    /// What the system said, and what to do.
    pub error: String,
}

impl Purged {
    /// The folders that could not be listed or purged in full, as staff read them.
    pub fn unlisted(&self) -> Vec<String> {
        self.folders_failed
            .iter()
            .map(|f| f.folder.display().to_string())
            .collect()
    }

    /// Whether the purge did all it had to (every folder, and the database).
    pub fn is_complete(&self) -> bool {
        self.folders_failed.is_empty() && self.database_failed.is_none()
    }

    /// Logs what the purge removed and, in the same line, what it could not do: every
    /// count, whatever failed (what was deleted from the folders is told even when the
    /// database was not purged), then the folders not purged and the store's refusal.
    /// The fields are listed once; only the level and the message differ.
    fn log(&self) {
        let unlisted = self.unlisted_lines();
        macro_rules! line {
            ($level:ident, $message:expr) => {
                tracing::$level!(
                    details = self.details,
                    files = self.files,
                    files_failed = self.files_failed,
                    requests_forgotten = self.requests_forgotten,
                    appointments = self.appointments,
                    unlisted = ?unlisted,
                    database_error = self.database_failed.as_deref(),
                    "{}",
                    $message
                )
            };
        }
        match self.trouble() {
            None => line!(info, "retention purge"),
            Some(trouble) => line!(error, trouble),
        }
    }

    /// What the log line says went wrong, and what to do (`None`: the purge did all it
    /// had to).
    fn trouble(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.database_failed.is_some() {
            parts.push(
                "the database could not be purged, so personal details are kept past their \
                 period: free disk space or repair the database (see database_error)",
            );
        }
        if !self.folders_failed.is_empty() {
            parts.push(
                "these folders (unlisted) could not be listed or purged, so their expired \
                 files stay: mount the share or let the terminal read the folder and delete \
                 its files",
            );
        }
        (!parts.is_empty()).then(|| {
            format!(
                "retention purge: {}; the purge runs again within the hour",
                parts.join("; ")
            )
        })
    }

    /// Each folder not purged, with what the system said.
    fn unlisted_lines(&self) -> Vec<String> {
        self.folders_failed
            .iter()
            .map(|f| format!("{}: {}", f.folder.display(), f.error))
            .collect()
    }
}

/// The purge of one terminal: its store, its folders and its policy.
#[derive(Clone, Debug)]
pub struct Retention {
    store: Arc<Mutex<Store>>,
    places: Vec<(Place, PathBuf)>,
    /// The configured folder roots: one that is missing (its share not mounted) is a
    /// folder not listed, not a folder with nothing to purge.
    roots: Vec<PathBuf>,
    policy: RetentionPolicy,
}

impl Retention {
    /// The purge `config` describes, over `store` (the one the counter or worker uses).
    pub fn of(config: &Config, store: Arc<Mutex<Store>>) -> Self {
        let mut places = Vec::new();
        let mut roots = Vec::new();
        if let Some(f) = &config.file.folders {
            roots.push(f.root.clone());
            let l = crate::folders::Layout::under(&f.root);
            for dir in [l.res, l.done, l.rejected] {
                places.push((Place::Answered, dir));
            }
            places.push((Place::Faces, l.face));
        }
        if let Some(c) = &config.file.counter {
            places.push((Place::Exports, c.export_dir.clone()));
        }
        Self {
            store,
            places,
            roots,
            policy: config.file.retention.policy(),
        }
    }

    /// Purges what is older than the cutoff at `now`: files first, then the ledger, then
    /// the details (whose write-ahead log is then truncated, so no old page keeps them).
    /// Returns what went and what could not; it logs nothing, so that its caller reports
    /// the outcome once ([`Retention::run`] logs it).
    ///
    /// A folder that cannot be listed or purged in full stops neither the other folders
    /// nor the database's purge: the database holds most of the personal data, and a share
    /// that is down must not keep them past their period. It is named in
    /// [`Purged::folders_failed`] with its error, beside what the purge did. A folder root
    /// that is missing (its share not mounted) is named so, once for its folders; a folder
    /// missing under a root that is there has nothing to purge. Each of the database's
    /// steps is tried even when one before it failed; the store's first refusal is in
    /// [`Purged::database_failed`].
    pub fn purge(&self, now: UnixTime) -> Purged {
        let mut purged = Purged::default();
        let missing_roots: Vec<&PathBuf> = self
            .roots
            .iter()
            .filter(|root| match std::fs::metadata(root) {
                Ok(_) => false,
                Err(e) => {
                    purged.folders_failed.push(UnlistedFolder {
                        folder: (*root).clone(),
                        error: RuntimeError::files("cannot list", root, &e).to_string(),
                    });
                    true
                }
            })
            .collect();
        for (place, dir) in &self.places {
            if missing_roots.iter().any(|root| dir.starts_with(root)) {
                continue;
            }
            if let Err(error) = self.purge_files(*place, dir, now, &mut purged) {
                purged.folders_failed.push(UnlistedFolder {
                    folder: dir.clone(),
                    error,
                });
            }
        }
        let cutoff = self.policy.cutoff(now);
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let mut failed = None;
        let mut count = |r: Result<usize, counter_store::StoreError>| {
            r.unwrap_or_else(|e| {
                failed.get_or_insert_with(|| e.to_string());
                0
            })
        };
        purged.requests_forgotten = count(store.forget_folder_requests_before(cutoff));
        purged.appointments =
            count(store.purge_appointments_before(&counter_core::appointments::keep_from(now)));
        purged.details = count(store.purge_details_before(cutoff));
        purged.database_failed = failed;
        purged
    }

    /// Removes the expired files of `dir`. An error says why the folder could not be
    /// listed, or how many of its entries could not be read or removed (and the first
    /// error); the entries that could are removed all the same.
    fn purge_files(
        &self,
        place: Place,
        dir: &std::path::Path,
        now: UnixTime,
        purged: &mut Purged,
    ) -> Result<(), String> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(RuntimeError::files("cannot list", dir, &e).to_string()),
        };
        let mut failures = 0usize;
        let mut first: Option<String> = None;
        let mut fail = |what: RuntimeError| {
            failures += 1;
            first.get_or_insert_with(|| what.to_string());
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    fail(RuntimeError::files("cannot list", dir, &e));
                    continue;
                }
            };
            let path = entry.path();
            let meta = match entry.metadata() {
                Ok(meta) => meta,
                Err(e) => {
                    fail(RuntimeError::files("cannot read", &path, &e));
                    continue;
                }
            };
            if !meta.is_file() {
                continue;
            }
            let modified = match meta.modified() {
                Ok(m) => m,
                Err(e) => {
                    fail(RuntimeError::files("cannot read the time of", &path, &e));
                    continue;
                }
            };
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !expired(
                place,
                &name,
                UnixTime::from_system_time(modified),
                self.policy,
                now,
            ) {
                continue;
            }
            match std::fs::remove_file(&path) {
                Ok(()) => purged.files += 1,
                Err(e) => fail(RuntimeError::files("cannot remove", &path, &e)),
            }
        }
        purged.files_failed += failures;
        match first {
            None => Ok(()),
            Some(first) if failures == 1 => Err(first),
            Some(first) => Err(format!(
                "{failures} files could not be read or removed; the first: {first}"
            )),
        }
    }

    /// Purges at once, then every [`PURGE_EVERY`], until `stop` completes; each outcome is
    /// logged once (counts, the folders it could not list or purge, the store's refusal)
    /// and handed to `report`, for the staff's status bar (a purge that stopped is
    /// reported as one whose database part failed: nothing says the details went).
    pub async fn run(
        self,
        clock: Arc<dyn Clock>,
        stop: impl Future<Output = ()>,
        mut report: impl FnMut(&Purged) + Send,
    ) {
        tokio::pin!(stop);
        let mut every = tokio::time::interval(PURGE_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                () = &mut stop => return,
            }
            let this = self.clone();
            let now = clock.now();
            let purged = match tokio::task::spawn_blocking(move || this.purge(now)).await {
                Ok(purged) => purged,
                Err(e) => Purged {
                    database_failed: Some(format!("the retention purge stopped: {e}")),
                    ..Purged::default()
                },
            };
            purged.log();
            report(&purged);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::path::Path;

    use counter_core::folders::ledger::Disposition;

    use super::*;

    /// A file of ours in the export folder, 200 days old; the cutoff at `now` (90 days)
    /// has passed it.
    fn old_export(dir: &Path) -> (PathBuf, UnixTime) {
        let then = std::time::SystemTime::now() - Duration::from_secs(200 * 86_400);
        let old = dir.join("OQSsiquc01res_chk-1.xml");
        std::fs::write(&old, "old").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(then)
            .unwrap();
        (
            old,
            UnixTime::from_system_time(then).plus_secs(200 * 86_400),
        )
    }

    /// A purge over `places` and `roots`, with a store of its own in `dir`.
    fn retention(dir: &Path, places: Vec<(Place, PathBuf)>, roots: Vec<PathBuf>) -> Retention {
        let store = Store::open(dir.join("j.sqlite")).unwrap();
        Retention {
            store: Arc::new(Mutex::new(store)),
            places,
            roots,
            policy: RetentionPolicy { days: 90 },
        }
    }

    #[test]
    fn a_database_the_store_cannot_purge_is_reported_beside_the_folders() {
        let dir = tempfile::tempdir().unwrap();
        let down = dir.path().join("share");
        std::fs::write(&down, "").unwrap();
        let retention = retention(dir.path(), vec![(Place::Answered, down.clone())], vec![]);
        // The store refuses one step (its table gone under it): the purge says so, and
        // still names the folder it could not list and does the database's other steps.
        let c = rusqlite::Connection::open(dir.path().join("j.sqlite")).unwrap();
        c.execute_batch("DROP TABLE appointments").unwrap();
        let now = UnixTime::from_system_time(std::time::SystemTime::now());

        let purged = retention.purge(now);
        let failed = purged.database_failed.clone().unwrap_or_default();
        assert!(failed.contains("appointments"), "{purged:?}");
        assert_eq!(purged.unlisted(), [down.display().to_string()]);
        assert!(!purged.is_complete());
    }

    /// A writer for the log lines of one test.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What [`Purged::log`] writes for `purged`.
    fn logged(purged: &Purged) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || purged.log());
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn the_log_line_keeps_every_count_whatever_failed() {
        let folder = UnlistedFolder {
            folder: PathBuf::from("share/res"),
            error: "cannot list share/res: not found".into(),
        };
        let purged = Purged {
            details: 2,
            requests_forgotten: 3,
            appointments: 4,
            files: 5,
            files_failed: 6,
            folders_failed: Vec::new(),
            database_failed: None,
        };
        let db = Purged {
            database_failed: Some("database is locked".into()),
            ..purged.clone()
        };
        let folders = Purged {
            folders_failed: vec![folder.clone()],
            ..purged.clone()
        };
        let both = Purged {
            folders_failed: vec![folder],
            ..db.clone()
        };
        let counts = "details=2 files=5 files_failed=6 requests_forgotten=3 appointments=4";
        for (case, p, level) in [
            ("complete", &purged, "INFO"),
            ("database failed", &db, "ERROR"),
            ("folders failed", &folders, "ERROR"),
            ("both failed", &both, "ERROR"),
        ] {
            let line = logged(p);
            assert_eq!(line.lines().count(), 1, "{case}: {line}");
            assert!(line.contains(level), "{case}: {line}");
            // What was deleted from the folders is told even when the database failed.
            assert!(line.contains(counts), "{case}: {line}");
            for (field, told) in [
                ("database is locked", p.database_failed.is_some()),
                ("could not be purged", p.database_failed.is_some()),
                ("cannot list share/res", !p.folders_failed.is_empty()),
                (
                    "could not be listed or purged",
                    !p.folders_failed.is_empty(),
                ),
            ] {
                assert_eq!(line.contains(field), told, "{case}: {field}: {line}");
                assert!(
                    line.matches(field).count() <= 1,
                    "{case}: {field} twice: {line}"
                );
            }
        }
    }

    #[test]
    fn a_missing_folder_root_is_unlisted_and_a_missing_folder_under_it_is_not() {
        let dir = tempfile::tempdir().unwrap();
        // The share's mount point is there, not mounted: empty. res/ missing under it is
        // a folder not made yet, nothing to purge.
        let root = dir.path().join("oqs");
        std::fs::create_dir(&root).unwrap();
        let places = vec![
            (Place::Answered, root.join("res")),
            (Place::Faces, root.join("face")),
        ];
        let purged = retention(dir.path(), places.clone(), vec![root.clone()])
            .purge(UnixTime::from_system_time(std::time::SystemTime::now()));
        assert!(purged.is_complete(), "{purged:?}");

        // The root itself missing: named once (not once for each of its folders), with
        // what the system said.
        std::fs::remove_dir(&root).unwrap();
        let purged = retention(dir.path(), places, vec![root.clone()])
            .purge(UnixTime::from_system_time(std::time::SystemTime::now()));
        assert_eq!(purged.unlisted(), [root.display().to_string()]);
        assert!(
            purged.folders_failed[0].error.contains("cannot list"),
            "{purged:?}"
        );
        assert_eq!(purged.database_failed, None);
    }

    /// Where the root-run test passes its read-only folder to itself, run again inside a
    /// mount namespace where the folder is mounted read-only.
    const READ_ONLY_DIR: &str = "MADOGUCHI_TEST_READ_ONLY_EXPORTS";

    /// The purge over `exports`, a read-only folder holding [`old_export`]'s file: the
    /// folder is named with the system's refusal, the file counted and kept.
    fn purge_read_only(exports: &Path) {
        let store_dir = tempfile::tempdir().unwrap();
        let old = exports.join("OQSsiquc01res_chk-1.xml");
        let modified = std::fs::metadata(&old).unwrap().modified().unwrap();
        let now = UnixTime::from_system_time(modified).plus_secs(200 * 86_400);
        let places = vec![(Place::Exports, exports.to_owned())];
        let purged = retention(store_dir.path(), places, vec![]).purge(now);
        assert_eq!(purged.unlisted(), [exports.display().to_string()]);
        let error = &purged.folders_failed[0].error;
        assert!(
            error.contains("cannot remove") && error.contains("OQSsiquc01res_chk-1.xml"),
            "{purged:?}"
        );
        assert_eq!((purged.files, purged.files_failed), (0, 1), "{purged:?}");
        assert!(old.exists());
    }

    #[test]
    fn a_folder_whose_expired_files_cannot_be_removed_is_named_with_the_error() {
        if let Some(exports) = std::env::var_os(READ_ONLY_DIR) {
            return purge_read_only(Path::new(&exports));
        }
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let exports = dir.path().join("out");
        std::fs::create_dir(&exports).unwrap();
        old_export(&exports);
        let mode = |m| std::fs::Permissions::from_mode(m);
        std::fs::set_permissions(&exports, mode(0o500)).unwrap();
        let probe = exports.join(".probe");
        if std::fs::write(&probe, "").is_err() {
            // Not root: the read-only folder stops the removal.
            purge_read_only(&exports);
            std::fs::set_permissions(&exports, mode(0o700)).unwrap();
            return;
        }
        // Root (as the project's tests run), whom a folder's mode does not stop: this test
        // again, in a mount namespace where the folder is mounted read-only.
        std::fs::remove_file(&probe).unwrap();
        let mount = r#"mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@""#;
        let out = std::process::Command::new("unshare")
            .args(["--mount", "sh", "-c", mount])
            .arg(&exports)
            .arg(std::env::current_exe().unwrap())
            .args([
                "retention::tests::a_folder_whose_expired_files_cannot_be_removed_is_named_with_the_error",
                "--exact",
                "--nocapture",
            ])
            .env(READ_ONLY_DIR, &exports)
            .output();
        let out = out
            .map_err(|e| format!("this test needs util-linux's unshare: {e}"))
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "the read-only run failed (as root it needs unshare and mount): {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn a_folder_that_cannot_be_listed_stops_neither_the_other_folders_nor_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("j.sqlite")).unwrap();
        // Everything 200 days old, the period 90 days (files carry the system's time).
        let then = std::time::SystemTime::now() - Duration::from_secs(200 * 86_400);
        let answered = UnixTime::from_system_time(then);
        let now = answered.plus_secs(200 * 86_400);
        let (name, digest) = ("OQSsiquc01req_1.xml", &"d".repeat(64));
        store
            .receive_folder_request(name, digest, "single", false, answered)
            .unwrap();
        store
            .prepare_folder_request(name, digest, "OQSsiquc01res_1.xml", Disposition::Done)
            .unwrap();
        store.answer_folder_request(name, digest, answered).unwrap();
        // A share that is down: here a file where the folder should be (not a folder, so
        // it cannot be listed even by root), then a folder that can be.
        let down = dir.path().join("share");
        std::fs::write(&down, "").unwrap();
        let exports = dir.path().join("out");
        std::fs::create_dir(&exports).unwrap();
        let old = exports.join("OQSsiquc01res_chk-1.xml");
        std::fs::write(&old, "old").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(then)
            .unwrap();
        let retention = Retention {
            store: Arc::new(Mutex::new(store)),
            places: vec![(Place::Answered, down.clone()), (Place::Exports, exports)],
            roots: Vec::new(),
            policy: RetentionPolicy { days: 90 },
        };

        let purged = retention.purge(now);
        assert_eq!(purged.database_failed, None);
        // The folder is named once, with what the system said; the rest is reported done.
        assert_eq!(purged.unlisted(), [down.display().to_string()]);
        assert!(
            purged.folders_failed[0].error.contains("cannot list"),
            "{:?}",
            purged.folders_failed
        );
        assert_eq!((purged.files, purged.requests_forgotten), (1, 1));
        assert!(!old.exists(), "the next folder was purged");
        let store = retention.store.lock().unwrap();
        assert!(
            store.folder_requests(name).unwrap().is_empty(),
            "the ledger forgot the request answered 200 days ago"
        );
    }
}
