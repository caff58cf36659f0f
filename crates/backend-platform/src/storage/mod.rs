//! Where the platform keeps what every node of it must share: the challenges, the `jti`s
//! of peer assertions already exchanged, the linkage registry and the audit trail. One
//! interface, [`Storage`], two implementations: [`sqlite`] (the embedded default: the demo,
//! the tests, a single clinic, or several nodes on one machine sharing the file) and
//! [`postgres`] (several machines behind a load balancer).
//!
//! The rules stay in [`crate::core`]: a storage reads what it holds, asks the rules, and
//! carries out their decision in the same transaction. What is shared is never cached in a
//! node's memory, so that any node answers any step of any flow.
//!
//! Calling contract: the methods block (they run on the blocking pool, like the RSA
//! verifications around them); never call them on an async worker thread. Each method is
//! one transaction; an error means nothing was changed.

use std::fmt;
use std::sync::Arc;

use backend_kit::sqlite::DbError;
use counter_api::assertion::ReplayGuard;
use counter_api::platform::{
    ChallengeBinding, ChallengeContext, ChallengePurpose, ChallengeRequest, NONCE_LEN, ServiceLink,
};
use counter_api::{Problem, ProblemCode};
use jpki_cert::LinkageKey;
use madoguchi_time::UnixTime;

use crate::audit::AuditEvent;
use crate::config::Database;
use crate::core::challenges::{ChallengeError, ChallengeRules};
use crate::registry::{EnrollError, Enrolled, FederatedEnrollment, NewEnrollment, Stored};

pub mod postgres;
mod postgres_registry;
pub mod postgres_schema;
pub mod sqlite;

/// Why the storage could not answer. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The SQLite file.
    #[error(transparent)]
    Sqlite(#[from] DbError),
    /// PostgreSQL, or the pool of connections to it.
    #[error("PostgreSQL ({what}): {detail}")]
    Postgres {
        /// What the platform was doing.
        what: &'static str,
        /// What the driver said.
        detail: String,
    },
    /// A row the platform wrote reads back wrongly (edited by hand?).
    #[error("a stored {what} is unreadable: {detail}")]
    Corrupt {
        /// Which row.
        what: &'static str,
        /// What is wrong with it.
        detail: String,
    },
}

impl StorageError {
    /// The answer to the terminal: `503 unavailable`, retryable; nothing was accepted.
    pub fn problem(&self) -> Problem {
        Problem::new(
            ProblemCode::Unavailable,
            format!(
                "the platform's database did not answer ({self}); nothing was accepted: try again in a moment"
            ),
        )
    }
}

/// A challenge step that did not go through: refused by the rules, or the storage failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChallengeFailure {
    /// The rules refused it.
    #[error(transparent)]
    Refused(#[from] ChallengeError),
    /// The storage could not answer.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl ChallengeFailure {
    /// The answer to the terminal.
    pub fn problem(&self) -> Problem {
        match self {
            ChallengeFailure::Refused(e) => crate::core::refusal::challenge_problem(e),
            ChallengeFailure::Storage(e) => e.problem(),
        }
    }
}

/// The platform's shared state. See the module doc for the calling contract.
pub trait Storage: Send + Sync + fmt::Debug {
    /// Issues a challenge under `rules` (which count the terminal's live challenges) and
    /// stores it; forgets challenges and `jti`s that are no longer live now and then.
    fn issue_challenge(
        &self,
        rules: &ChallengeRules,
        terminal_id: &str,
        req: &ChallengeRequest,
        now: UnixTime,
        id: String,
        nonce: [u8; NONCE_LEN],
    ) -> Result<ChallengeBinding, ChallengeFailure>;

    /// Takes challenge `id` under `rules`: of two answers at once, on any nodes, exactly one
    /// is given the binding; the other is refused as replayed.
    fn take_challenge(
        &self,
        rules: &ChallengeRules,
        id: &str,
        terminal_id: &str,
        purposes: &[ChallengePurpose],
        now: UnixTime,
    ) -> Result<ChallengeBinding, ChallengeFailure>;

    /// Records `(issuer, jti)` valid until `exp`: false when it was recorded before and is
    /// still live (the federation replay guard, shared by every node).
    fn first_use(
        &self,
        issuer: &str,
        jti: &str,
        exp: UnixTime,
        now: UnixTime,
    ) -> Result<bool, StorageError>;

    /// Appends audit rows in one transaction.
    fn append_audit(&self, rows: &[AuditEvent]) -> Result<(), StorageError>;

    /// The enrolled card with this authentication certificate, if any.
    fn lookup(&self, auth: &LinkageKey) -> Result<Option<Enrolled>, StorageError>;

    /// The holder a peer platform knows as `peer_subject`, with their links, if they
    /// enrolled here through that peer.
    fn lookup_federated(
        &self,
        peer: &str,
        peer_subject: &str,
    ) -> Result<Option<Enrolled>, StorageError>;

    /// The holder a peer platform knows as `peer_subject`, if already linked here.
    fn federated_subject(
        &self,
        peer: &str,
        peer_subject: &str,
    ) -> Result<Option<String>, StorageError>;

    /// The holder already linked to this authentication or signature certificate, if any.
    fn subject_for(
        &self,
        auth: &LinkageKey,
        sign: &LinkageKey,
    ) -> Result<Option<String>, StorageError>;

    /// Stores a verified enrollment and its `audit` rows in one transaction (see
    /// [`crate::registry`] for the rules on the holder and the links).
    fn enroll(&self, e: &NewEnrollment<'_>, audit: &[AuditEvent]) -> Result<Stored, EnrollError>;

    /// Stores a federated enrollment and its `audit` rows in one transaction; returns every
    /// link of the holder.
    fn enroll_federated(
        &self,
        e: &FederatedEnrollment<'_>,
        audit: &[AuditEvent],
    ) -> Result<Vec<ServiceLink>, EnrollError>;
}

/// Opens (and migrates) the storage `db` names.
pub fn open(db: &Database) -> Result<Arc<dyn Storage>, StorageError> {
    Ok(match db {
        Database::Sqlite(path) => Arc::new(sqlite::SqliteStorage::open(path)?),
        Database::Postgres(pg) => Arc::new(postgres::PostgresStorage::open(pg)?),
    })
}

/// The federation replay guard over a [`Storage`]. A storage failure refuses the assertion
/// (fail closed) and is kept in [`Self::failed`], so that the caller answers `unavailable`
/// rather than `replayed`.
#[derive(Debug)]
pub struct StoredReplayGuard<'a> {
    store: &'a dyn Storage,
    /// The storage failure, if any.
    pub failed: Option<StorageError>,
}

impl<'a> StoredReplayGuard<'a> {
    /// A guard over `store`.
    pub fn new(store: &'a dyn Storage) -> Self {
        Self {
            store,
            failed: None,
        }
    }
}

impl ReplayGuard for StoredReplayGuard<'_> {
    fn first_use(&mut self, issuer: &str, jti: &str, exp: UnixTime, now: UnixTime) -> bool {
        match self.store.first_use(issuer, jti, exp, now) {
            Ok(first) => first,
            Err(e) => {
                self.failed = Some(e);
                false
            }
        }
    }
}

/// A challenge as both storages keep it: the binding's columns but the platform id (every
/// node of a platform has the same).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChallengeRow {
    pub terminal_id: String,
    pub purpose: String,
    pub merchant_id: Option<String>,
    pub amount_jpy: Option<i64>,
    pub nonce: Vec<u8>,
    pub expires_at: UnixTime,
    pub used: bool,
}

impl ChallengeRow {
    /// The row of a fresh binding.
    pub fn of(b: &ChallengeBinding) -> Self {
        Self {
            terminal_id: b.terminal_id.clone(),
            purpose: b.purpose.as_str().to_owned(),
            merchant_id: b.context.as_ref().map(|c| c.merchant_id.clone()),
            // Amounts are at most 99,999,999 yen (counter_api::platform::MAX_AMOUNT_JPY).
            amount_jpy: b
                .context
                .as_ref()
                .map(|c| i64::try_from(c.amount_jpy).unwrap_or(i64::MAX)),
            nonce: b.nonce.to_vec(),
            expires_at: b.expires_at,
            used: false,
        }
    }

    /// What the rules see: used, or the binding of platform `platform_id`.
    pub fn stored(
        self,
        platform_id: &str,
        id: &str,
    ) -> Result<crate::core::challenges::Stored, StorageError> {
        use crate::core::challenges::Stored;
        if self.used {
            return Ok(Stored::Used);
        }
        let corrupt = |detail: &str| StorageError::Corrupt {
            what: "challenge",
            detail: format!("{id}: {detail}"),
        };
        let purpose = purpose_of(&self.purpose).ok_or_else(|| corrupt("unknown purpose"))?;
        let nonce =
            <[u8; NONCE_LEN]>::try_from(self.nonce.as_slice()).map_err(|_| corrupt("nonce"))?;
        let context = match (self.merchant_id, self.amount_jpy) {
            (Some(merchant_id), Some(a)) => Some(ChallengeContext {
                merchant_id,
                amount_jpy: u64::try_from(a).map_err(|_| corrupt("amount"))?,
            }),
            (None, None) => None,
            _ => return Err(corrupt("half a payment context")),
        };
        Ok(Stored::Pending(ChallengeBinding {
            platform_id: platform_id.to_owned(),
            challenge_id: id.to_owned(),
            nonce,
            terminal_id: self.terminal_id,
            purpose,
            context,
            expires_at: self.expires_at,
        }))
    }
}

/// Seconds between two sweeps of expired challenges and `jti`s by one node.
pub(crate) const PRUNE_EVERY_SECS: i64 = 1;

const PURPOSES: [ChallengePurpose; 3] = [
    ChallengePurpose::Identify,
    ChallengePurpose::Enroll,
    ChallengePurpose::Payment,
];

fn purpose_of(name: &str) -> Option<ChallengePurpose> {
    PURPOSES.into_iter().find(|p| p.as_str() == name)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn purposes_are_stored_by_their_wire_names() {
        for p in PURPOSES {
            let wire = serde_json::to_value(p).unwrap();
            assert_eq!(wire.as_str(), Some(p.as_str()));
            assert_eq!(purpose_of(p.as_str()), Some(p));
        }
    }
}
