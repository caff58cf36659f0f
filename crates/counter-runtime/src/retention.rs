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
    /// Files that could not be removed (each logged with its path); tried again next time.
    pub files_failed: usize,
    /// Folders that could not be listed (a share that is down, a folder the terminal may
    /// not read): their files are tried again next time, and the database is purged all
    /// the same. Empty when every folder was listed.
    pub folders_failed: Vec<UnlistedFolder>,
}

/// A folder the purge could not list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnlistedFolder {
    /// The folder, as the configuration names it.
    pub folder: PathBuf,
    /// What the system said, and what to do.
    pub error: String,
}

impl Purged {
    /// The folders that could not be listed, as staff read them.
    pub fn unlisted(&self) -> Vec<String> {
        self.folders_failed
            .iter()
            .map(|f| f.folder.display().to_string())
            .collect()
    }

    /// Logs what the purge removed and, in the same line, what it could not do.
    fn log(&self) {
        if self.folders_failed.is_empty() {
            tracing::info!(
                details = self.details,
                files = self.files,
                files_failed = self.files_failed,
                requests_forgotten = self.requests_forgotten,
                appointments = self.appointments,
                "retention purge"
            );
        } else {
            let unlisted: Vec<String> = self
                .folders_failed
                .iter()
                .map(|f| format!("{}: {}", f.folder.display(), f.error))
                .collect();
            tracing::error!(
                details = self.details,
                files = self.files,
                files_failed = self.files_failed,
                requests_forgotten = self.requests_forgotten,
                appointments = self.appointments,
                unlisted = ?unlisted,
                "retention purge: the database was purged, but these folders could not be \
                 listed, so their expired files stay: mount the share or let the terminal \
                 read the folder; they are tried again within the hour"
            );
        }
    }
}

/// The purge of one terminal: its store, its folders and its policy.
#[derive(Clone, Debug)]
pub struct Retention {
    store: Arc<Mutex<Store>>,
    places: Vec<(Place, PathBuf)>,
    policy: RetentionPolicy,
}

impl Retention {
    /// The purge `config` describes, over `store` (the one the counter or worker uses).
    pub fn of(config: &Config, store: Arc<Mutex<Store>>) -> Self {
        let mut places = Vec::new();
        if let Some(f) = &config.file.folders {
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
            policy: config.file.retention.policy(),
        }
    }

    /// Purges what is older than the cutoff at `now`: files first, then the ledger, then
    /// the details (whose write-ahead log is then truncated, so no old page keeps them).
    /// Returns what went and what could not; it logs nothing, so that its caller reports
    /// the outcome once ([`Retention::run`] logs it).
    ///
    /// A folder that cannot be listed stops neither the other folders nor the database's
    /// purge: the database holds most of the personal data, and a share that is down must
    /// not keep them past their period. It is named in [`Purged::folders_failed`] with its
    /// error, beside what the purge did.
    ///
    /// # Errors
    ///
    /// When the store refuses (the folders may have been purged); a folder that cannot be
    /// listed and a file that cannot be removed are in the [`Purged`] returned instead.
    pub fn purge(&self, now: UnixTime) -> Result<Purged, RuntimeError> {
        let mut purged = Purged::default();
        for (place, dir) in &self.places {
            if let Err(e) = self.purge_files(*place, dir, now, &mut purged) {
                purged.folders_failed.push(UnlistedFolder {
                    folder: dir.clone(),
                    error: e.to_string(),
                });
            }
        }
        let cutoff = self.policy.cutoff(now);
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        purged.requests_forgotten = store.forget_folder_requests_before(cutoff)?;
        purged.appointments =
            store.purge_appointments_before(&counter_core::appointments::keep_from(now))?;
        purged.details = store.purge_details_before(cutoff)?;
        Ok(purged)
    }

    fn purge_files(
        &self,
        place: Place,
        dir: &std::path::Path,
        now: UnixTime,
        purged: &mut Purged,
    ) -> Result<(), RuntimeError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => {
                return Err(RuntimeError::files("cannot list", dir, &e));
            }
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            let Ok(modified) = meta.modified() else {
                continue;
            };
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !meta.is_file()
                || !expired(
                    place,
                    &name,
                    UnixTime::from_system_time(modified),
                    self.policy,
                    now,
                )
            {
                continue;
            }
            match std::fs::remove_file(entry.path()) {
                Ok(()) => purged.files += 1,
                Err(e) => {
                    purged.files_failed += 1;
                    tracing::warn!(path = %entry.path().display(), error = %e, "an expired file could not be removed");
                }
            }
        }
        Ok(())
    }

    /// Purges at once, then every [`PURGE_EVERY`], until `stop` completes; each outcome is
    /// logged once (counts only, the folders it could not list, or the error of a purge
    /// the store refused), and the folders it could not list are handed to `unlisted`
    /// (empty once every folder was listed again), for the staff's status bar.
    pub async fn run(
        self,
        clock: Arc<dyn Clock>,
        stop: impl Future<Output = ()>,
        mut unlisted: impl FnMut(Vec<String>) + Send,
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
            match tokio::task::spawn_blocking(move || this.purge(now)).await {
                Ok(Ok(purged)) => {
                    purged.log();
                    unlisted(purged.unlisted());
                }
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "the retention purge failed; it runs again within the hour")
                }
                Err(e) => tracing::error!(error = %e, "the retention purge stopped"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use counter_core::folders::ledger::Disposition;

    use super::*;

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
            policy: RetentionPolicy { days: 90 },
        };

        let purged = retention.purge(now).unwrap();
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
