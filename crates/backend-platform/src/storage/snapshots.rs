//! What nodes keep a snapshot of, as the storage hands it over: the terminals and the
//! published CRL set, each with the generation number bumped in the transaction of every
//! change (moved out of `storage/mod.rs`, which re-exports them).

use std::fmt;

use madoguchi_time::UnixTime;

use crate::core::terminals::TerminalRecord;

#[cfg(doc)]
use super::Storage;
use super::StorageError;

/// One generation as a node compares it: the number, and the random stamp written with
/// every bump (`shared_generations.stamp`). A database restored to an earlier generation
/// and changed again up to the number a node holds brings the number back, and may bring
/// back the time of the change too (a clock's second, two changes within one); it does not
/// bring back the stamp, which is drawn anew at each change. 0: never changed (or changed
/// before the stamp was written, platform migration 9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Version {
    /// The generation number: grows by one with every change.
    pub generation: u64,
    /// Drawn at random by the storage with each change.
    pub stamp: i64,
}

/// The generations of what every node keeps a snapshot of: each number grows by one with
/// every change, in the change's transaction, and starts at 0 (nothing written yet). A node
/// compares each with the [`Version`] of its snapshot, number and stamp, so that a database
/// restored to an earlier generation and changed again up to the number a node holds,
/// between two of its polls, is still a change for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Generations {
    /// Of the terminals.
    pub terminals: Version,
    /// Of the CRL set.
    pub crls: Version,
    /// When the CRL set's generation was last bumped (`shared_generations.changed_at`):
    /// told in the node's status, not compared.
    pub crls_changed_at: UnixTime,
}

/// Every terminal, as of one generation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredTerminals {
    /// The terminals' generation.
    pub generation: u64,
    /// Its stamp ([`Version::stamp`]).
    pub stamp: i64,
    /// Every row, enabled or not, by id.
    pub terminals: Vec<TerminalRecord>,
}

/// What [`Storage::update_terminals`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TerminalsUpdated {
    /// The terminals' generation now.
    pub generation: u64,
    /// Rows written (0: nothing changed, the generation stayed).
    pub written: usize,
}

/// One CRL of the shared set: its file name in the folder it was published from, its
/// SHA-256 and its DER.
///
/// Size: a CRL is stored in one row and read whole into memory by every node at every
/// change of the set (no streaming or chunking). The storages take up to 1 GB per value
/// (PostgreSQL's `bytea`) or 1,000,000,000 bytes (SQLite's default `SQLITE_MAX_LENGTH`);
/// the platform refuses a set larger than
/// [`MAX_CRL_SET_BYTES`](crate::crl_source::MAX_CRL_SET_BYTES) in all before it reaches
/// either.
#[derive(Clone, PartialEq, Eq)]
pub struct CrlFile {
    /// The file name (no folder), unique in the set.
    pub name: String,
    /// SHA-256 of [`Self::der`].
    pub sha256: [u8; 32],
    /// The CRL, DER.
    pub der: Vec<u8>,
}

impl CrlFile {
    /// Its name and SHA-256, as sets are compared.
    pub fn name_and_digest(&self) -> (&str, &[u8]) {
        (self.name.as_str(), self.sha256.as_slice())
    }
}

impl fmt::Debug for CrlFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CrlFile")
            .field("name", &self.name)
            .field("sha256", &hex::encode(self.sha256))
            .field("bytes", &self.der.len())
            .finish()
    }
}

/// The published CRL set, as of one generation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCrlSet {
    /// The CRLs' generation (0: nothing published yet).
    pub generation: u64,
    /// Its stamp ([`Version::stamp`]).
    pub stamp: i64,
    /// When that generation was written ([`Generations::crls_changed_at`]).
    pub changed_at: UnixTime,
    /// The CRLs, by name.
    pub files: Vec<CrlFile>,
}

impl StoredTerminals {
    /// Its generation and stamp.
    pub fn version(&self) -> Version {
        Version {
            generation: self.generation,
            stamp: self.stamp,
        }
    }
}

impl StoredCrlSet {
    /// Its generation and stamp: what [`Storage::publish_crl_set`] is to be made over.
    pub fn version(&self) -> Version {
        Version {
            generation: self.generation,
            stamp: self.stamp,
        }
    }
}

/// Whether [`Storage::publish_crl_set`] writes a set the storage already holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Republish {
    /// Only a set whose names or digests differ from the stored ones.
    IfChanged,
    /// Always, with a new generation: every node reads and verifies it again (to mend a set
    /// a node refused, changed in the database behind its digests).
    Always,
}

/// What [`Storage::publish_crl_set`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrlWrite {
    /// The stored generation was the one the caller read: the set is published (or was
    /// already, with [`Republish::IfChanged`]).
    Done(CrlPublication),
    /// The stored generation is no longer the one the caller read, number and stamp
    /// (another publication, or a restore, came between): nothing was written.
    Moved {
        /// The stored generation.
        generation: u64,
    },
}

/// A publication done by [`Storage::publish_crl_set`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrlPublication {
    /// The CRLs' generation now.
    pub generation: u64,
    /// Its stamp ([`Version::stamp`]).
    pub stamp: i64,
    /// When it was written ([`Generations::crls_changed_at`]).
    pub changed_at: UnixTime,
    /// Whether the set was replaced (false: the same set was published already).
    pub changed: bool,
}

/// The names of the generation numbers' rows (`shared_generations.name`).
pub(crate) const TERMINALS_GENERATION: &str = "terminals";
/// See [`TERMINALS_GENERATION`].
pub(crate) const CRLS_GENERATION: &str = "crls";

/// A stored generation number (a non-negative `BIGINT`/`INTEGER`).
pub(crate) fn generation_of(name: &str, value: i64) -> Result<u64, StorageError> {
    u64::try_from(value).map_err(|_| StorageError::Corrupt {
        what: "generation number",
        detail: format!("{name} is {value}"),
    })
}

/// A generation and its stamp as stored.
pub(crate) fn version_of(name: &str, value: i64, stamp: i64) -> Result<Version, StorageError> {
    Ok(Version {
        generation: generation_of(name, value)?,
        stamp,
    })
}

/// A new random stamp for a generation's bump: 64 bits drawn here and written as a
/// parameter, the same on both storages and on every PostgreSQL version the schema
/// supports (no database function needed).
pub(crate) fn new_stamp() -> Result<i64, StorageError> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| StorageError::Random {
        what: "generation's stamp",
        detail: e.to_string(),
    })?;
    Ok(i64::from_le_bytes(b))
}

/// [`Generations`] from the `(name, generation, stamp, changed_at)` rows of
/// `shared_generations`: the terminals' and the CRLs' read alike.
pub(crate) fn generations_of(
    rows: impl IntoIterator<Item = (String, i64, i64, i64)>,
) -> Result<Generations, StorageError> {
    let mut g = Generations::default();
    for (name, value, stamp, changed_at) in rows {
        match name.as_str() {
            TERMINALS_GENERATION => g.terminals = version_of(&name, value, stamp)?,
            CRLS_GENERATION => {
                g.crls = version_of(&name, value, stamp)?;
                g.crls_changed_at = UnixTime::from_secs(changed_at);
            }
            _ => {}
        }
    }
    Ok(g)
}
