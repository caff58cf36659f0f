//! The one error type of the store: what went wrong, and what the operator does next.

use std::path::PathBuf;

/// Why a store operation failed.
///
/// "The file is not ours or not readable" ([`StoreError::Open`], [`StoreError::TooNew`],
/// and [`StoreError::Private`] for a file that cannot be made or made private) is
/// kept apart from "SQLite failed while working" ([`StoreError::Sqlite`]), from "the caller
/// asked for something that is not there or already is" ([`StoreError::NotFound`],
/// [`StoreError::AlreadyExists`]), from "the caller handed a value the store cannot take"
/// ([`StoreError::OutOfRange`], [`StoreError::Encode`], [`StoreError::Mismatch`]) and from
/// "a row cannot be read back" ([`StoreError::Corrupt`]), and "someone else wrote the row
/// since you read it" ([`StoreError::Conflict`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file could not be opened as the terminal's database.
    #[error(
        "cannot open the terminal's database {path}: {reason}; check that the path names the \
         Madoguchi database (not another file) and that the disk is mounted and writable"
    )]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite or the file system said.
        reason: String,
    },
    /// The database's file (or its `-wal`, `-shm`) could not be created or made private
    /// (`0600`) before SQLite opened it; the error names the file once.
    #[error(
        "cannot open the terminal's database: {0}; if its folder is missing, check that the disk is mounted"
    )]
    Private(#[from] private_files::PrivateFileError),
    /// The file was written by a newer schema than this build knows.
    #[error(
        "the database was written by a newer Madoguchi (schema {found}, this build knows \
         {supported}); update the terminal"
    )]
    TooNew {
        /// The schema version in the file (`PRAGMA user_version`).
        found: i64,
        /// The newest schema version this build knows.
        supported: i64,
    },
    /// SQLite failed during an operation.
    #[error(
        "the store could not {op}: {source}; if this repeats, check free disk space and \
         permissions, then call support"
    )]
    Sqlite {
        /// What the store was doing (e.g. `"insert payment"`).
        op: &'static str,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The record to update or refer to does not exist.
    #[error(
        "no {what} with id {id:?} in the store; it must be inserted before it is updated or referred to"
    )]
    NotFound {
        /// The kind of record (e.g. `"payment"`).
        what: &'static str,
        /// The id asked for.
        id: String,
    },
    /// A record with this id (or this idempotency key) is already stored.
    #[error(
        "a {what} with id {id:?} (or the same idempotency key) is already stored; update it \
         instead of inserting it again"
    )]
    AlreadyExists {
        /// The kind of record.
        what: &'static str,
        /// The id of the record being inserted.
        id: String,
    },
    /// A value does not fit SQLite's signed 64-bit integers.
    #[error(
        "{field} = {value} is too large to store (at most 9223372036854775807); the caller computed a wrong value"
    )]
    OutOfRange {
        /// The field (e.g. `"amount_jpy"`).
        field: &'static str,
        /// The value given.
        value: u64,
    },
    /// A stored row holds a value this build cannot read.
    #[error(
        "the store holds a {what} it cannot read ({detail}); the file may have been edited by \
         another program: keep a copy of the database files and call support"
    )]
    Corrupt {
        /// What was being read (e.g. `"payment state"`).
        what: &'static str,
        /// The offending value or the parse error.
        detail: String,
    },
    /// A value handed to the store could not be written as JSON.
    #[error(
        "the store could not write the {what} as JSON ({detail}); nothing was stored: this is \
         a bug, call support"
    )]
    Encode {
        /// What was being written (e.g. `"check summary"`).
        what: &'static str,
        /// The serializer's error.
        detail: String,
    },
    /// The caller handed two things that do not belong together (e.g. a re-check decision
    /// for another check than the queued item it is recorded against).
    #[error(
        "the {what} given is for {found:?}, not for {expected:?}; nothing was stored: this is \
         a bug in the caller, call support"
    )]
    Mismatch {
        /// What does not fit (e.g. `"re-check decision"`).
        what: &'static str,
        /// The id it had to be for.
        expected: String,
        /// The id it is for.
        found: String,
    },
    /// The row was written by someone else since the caller read it (compare-and-set on
    /// its version): nothing was written.
    #[error(
        "the {what} {id:?} was changed since it was read (read at version {expected}, the \
         journal now holds version {found}, state {state}); nothing was written: re-read it \
         and decide again from what it says"
    )]
    Conflict {
        /// The kind of record (`"payment"`, `"refund"`).
        what: &'static str,
        /// Its id.
        id: String,
        /// The version the caller read.
        expected: u64,
        /// The version the journal holds.
        found: u64,
        /// The state the journal holds.
        state: String,
    },
    /// Purged rows are committed, but their old bytes may still be in the `-wal` file.
    #[error(
        "personal details were purged, but another connection kept the write-ahead log busy \
         ({frames} frames not checkpointed), so purged text may remain in the -wal file; close \
         other programs reading the database and run the purge again"
    )]
    CheckpointIncomplete {
        /// WAL frames that could not be checkpointed.
        frames: i64,
    },
}

/// A closure mapping a rusqlite error to [`StoreError::Sqlite`] for `op`.
pub(crate) fn sql(op: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Sqlite { op, source }
}

/// Like [`sql`], but a primary-key or unique-constraint violation becomes
/// [`StoreError::AlreadyExists`].
pub(crate) fn insert_err(
    op: &'static str,
    what: &'static str,
    id: &str,
) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| {
        let duplicate = matches!(
            &source,
            rusqlite::Error::SqliteFailure(e, _)
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
        );
        if duplicate {
            StoreError::AlreadyExists {
                what,
                id: id.to_owned(),
            }
        } else {
            StoreError::Sqlite { op, source }
        }
    }
}

/// `value` as SQLite's signed integer.
pub(crate) fn to_i64(field: &'static str, value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::OutOfRange { field, value })
}

/// A stored integer as `u64`; negative means the row was not written by us.
pub(crate) fn to_u64(what: &'static str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt {
        what,
        detail: format!("negative value {value}"),
    })
}

/// A stored integer as `u32`.
pub(crate) fn to_u32(what: &'static str, value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt {
        what,
        detail: format!("value {value} is outside 0..=4294967295"),
    })
}
