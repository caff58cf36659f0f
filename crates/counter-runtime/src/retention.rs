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
            for dir in [l.res, l.face, l.done, l.rejected] {
                places.push((Place::Answered, dir));
            }
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

    /// Purges what is older than the cutoff at `now`. Files first, then the ledger, then the
    /// details (whose write-ahead log is then truncated, so no old page keeps them).
    ///
    /// # Errors
    ///
    /// When a folder cannot be listed or the store refuses; files that cannot be removed
    /// are counted in [`Purged::files_failed`] instead.
    pub fn purge(&self, now: UnixTime) -> Result<Purged, RuntimeError> {
        let mut purged = Purged::default();
        for (place, dir) in &self.places {
            self.purge_files(*place, dir, now, &mut purged)?;
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
    /// logged (counts only).
    pub async fn run(self, clock: Arc<dyn Clock>, stop: impl Future<Output = ()>) {
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
                Ok(Ok(p)) => tracing::info!(
                    details = p.details,
                    files = p.files,
                    files_failed = p.files_failed,
                    requests_forgotten = p.requests_forgotten,
                    appointments = p.appointments,
                    "retention purge"
                ),
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "the retention purge failed; it runs again within the hour")
                }
                Err(e) => tracing::error!(error = %e, "the retention purge stopped"),
            }
        }
    }
}
