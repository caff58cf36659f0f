//! Opening the database: pragmas, numbered migrations tracked in `PRAGMA user_version`, and
//! the paths of the files SQLite keeps beside it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::error::{StoreError, sql};

/// The migrations, in order: migration *n* (1-based) brings the schema from version *n − 1*
/// to *n*. Append only; never edit one that has shipped.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_recheck_requests.sql"),
    include_str!("../migrations/0003_row_versions.sql"),
    include_str!("../migrations/0004_folder_requests.sql"),
    include_str!("../migrations/0005_pos_orders.sql"),
    include_str!("../migrations/0006_visits.sql"),
    include_str!("../migrations/0007_appointments.sql"),
    include_str!("../migrations/0008_refund_attempts_not_sent.sql"),
    include_str!("../migrations/0009_payment_shown.sql"),
    include_str!("../migrations/0010_pos_order_register.sql"),
    include_str!("../migrations/0011_folder_reception.sql"),
    include_str!("../migrations/0012_folder_duplicate.sql"),
    include_str!("../migrations/0013_folder_digest_letters.sql"),
    include_str!("../migrations/0014_folder_reception_time.sql"),
    include_str!("../migrations/0015_recheck_confirmed.sql"),
    include_str!("../migrations/0016_pos_refund_keys_per_register.sql"),
    include_str!("../migrations/0017_typed_marks.sql"),
    include_str!("../migrations/0018_pos_sale_keys_per_register.sql"),
];

/// The newest schema version this build knows (the number of migrations).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a statement waits for another connection's lock before failing. Five seconds:
/// longer than any write of ours takes, shorter than a cashier's patience.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The terminal's SQLite store: one database file (plus SQLite's `-wal` and `-shm`).
///
/// # Calling contract
///
/// - Open once at start with [`Store::open`]; it creates the file if needed and applies the
///   migrations it lacks. A file from a newer build is refused ([`StoreError::TooNew`]).
/// - Journal a payment transition with [`Store::insert_payment`] / [`Store::update_payment`]
///   **before** the request it describes is sent: when the call returns, the record and its
///   event are on disk (`synchronous=FULL`). Updates are compare-and-set on the record's
///   `version` (the one it was read with): [`StoreError::Conflict`] means another task wrote
///   the row since; re-read it, never write the stale record again.
/// - At start and before each new sale, resolve [`Store::unfinished_payments`] and
///   [`Store::refunds_in_doubt`].
/// - Carry out the eligibility machine's effects in order: `RecordCheck` with
///   [`Store::upsert_check`], `Audit` with [`Store::append_audit`] (through
///   [`crate::AuditEvent::from_eligibility`]), `EnqueueRecheck` with
///   [`Store::enqueue_recheck`], `CancelRecheck` with [`Store::cancel_recheck`]; once the
///   shell has written the export files, [`Store::set_check_exports`].
/// - The re-check worker takes [`Store::due_rechecks`], records each bulk submission with
///   [`Store::set_recheck_reception`] before it fetches, then each decision with
///   [`Store::record_recheck_decision`]. The status bar lists
///   [`Store::rechecks_to_confirm`] until staff confirm each ([`Store::confirm_recheck`]).
/// - The receipt system's folder worker moves each request file through
///   [`Store::receive_folder_request`], [`Store::submit_folder_request`] (a bulk
///   submission the insurer accepted), [`Store::prepare_folder_request`] and
///   [`Store::answer_folder_request`], reading [`Store::folder_requests`] to know which step
///   is left (`counter_core::folders::ledger`).
/// - Booked patients: [`Store::upsert_appointment`] (typed, or from a receipt system's
///   request), [`Store::set_appointment_precheck`] as the pre-check goes, read with
///   [`Store::appointments_on`], [`Store::appointment`], [`Store::appointments_waiting`];
///   [`Store::purge_appointments_before`] deletes those of past days.
/// - Run [`Store::purge_details_before`] on the retention schedule (e.g. daily).
///
/// Writes take `&mut self`; the shell keeps the store behind one lock (or on one thread).
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, sets the pragmas and applies the
    /// missing migrations, each in its own transaction.
    ///
    /// Pragmas: `journal_mode=WAL`, `synchronous=FULL` (every commit is on disk when it
    /// returns: this journal is money), `foreign_keys=ON`, `secure_delete=ON` (deleted or
    /// overwritten text is zeroed, not left in free pages) and a busy timeout.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let open_err = |reason: String| StoreError::Open {
            path: path.clone(),
            reason,
        };
        // Personal data: the file (and so its -wal and -shm) is 0600 before SQLite opens it.
        let restricted = private_files::prepare_private(&path)?;
        for file in restricted {
            tracing::warn!(file = %file.display(), "restricted a journal file that was open to others to mode 0600");
        }
        let conn = Connection::open(&path).map_err(|e| open_err(e.to_string()))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| open_err(e.to_string()))?;
        // The first read of the header: a file that is not SQLite fails here.
        let found: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| open_err(e.to_string()))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found < 0 {
            return Err(open_err(format!(
                "its schema version is {found}, which no Madoguchi writes"
            )));
        }
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(|e| open_err(e.to_string()))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(open_err(format!(
                "SQLite refused write-ahead logging (journal mode stays {mode:?}); the file \
                 system may not support it"
            )));
        }
        for (pragma, value) in [
            ("synchronous", "FULL"),
            ("foreign_keys", "ON"),
            ("secure_delete", "ON"),
        ] {
            conn.pragma_update(None, pragma, value)
                .map_err(|e| open_err(format!("PRAGMA {pragma}={value}: {e}")))?;
        }
        let mut store = Store { conn, path };
        store.migrate(found)?;
        Ok(store)
    }

    /// Applies the migrations after schema version `from`, each in a transaction that also
    /// sets `user_version`.
    fn migrate(&mut self, from: i64) -> Result<(), StoreError> {
        for (version, script) in (1..).zip(MIGRATIONS.iter()) {
            if version <= from {
                continue;
            }
            let tx = self.write()?;
            tx.execute_batch(script).map_err(sql("apply a migration"))?;
            tx.pragma_update(None, "user_version", version)
                .map_err(sql("record the schema version"))?;
            tx.commit().map_err(sql("commit a migration"))?;
        }
        Ok(())
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sql("read the schema version"))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The database file and SQLite's `-wal` and `-shm` files beside it (which may not
    /// exist at a given moment): everything [`crate::scan::scan_files`] must read.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files = vec![self.path.clone()];
        for suffix in ["-wal", "-shm"] {
            let mut name = self.path.clone().into_os_string();
            name.push(suffix);
            files.push(PathBuf::from(name));
        }
        files
    }

    /// Starts a write transaction, taking the write lock at once (so that two writers never
    /// deadlock upgrading a read lock).
    pub(crate) fn write(&mut self) -> Result<Transaction<'_>, StoreError> {
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql("begin a write"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_connection_is_durable_and_zeroes_what_it_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("t.sqlite")).unwrap();
        let get = |pragma: &str| -> i64 {
            store
                .conn
                .pragma_query_value(None, pragma, |r| r.get(0))
                .unwrap()
        };
        assert_eq!(get("synchronous"), 2, "FULL");
        assert_eq!(get("foreign_keys"), 1);
        assert_eq!(get("secure_delete"), 1);
        assert_eq!(get("busy_timeout"), 5_000);
        let files = store.files();
        assert_eq!(files.len(), 3);
        assert!(files[1].to_string_lossy().ends_with("t.sqlite-wal"));
        assert!(files[2].to_string_lossy().ends_with("t.sqlite-shm"));
    }

    #[cfg(unix)]
    #[test]
    fn the_database_and_its_wal_are_0600_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("counter.sqlite");
        let mut store = Store::open(&path).unwrap();
        store.set_setting("k", "v").unwrap();
        for f in store.files() {
            assert_eq!(mode(&f), 0o600, "{}", f.display());
        }
        drop(store);
        // A database an earlier version made with the umask's mode is restricted on open.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        drop(store);
    }
}
