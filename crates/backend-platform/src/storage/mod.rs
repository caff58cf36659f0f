//! Where the platform keeps what every node of it must share: the challenges, the `jti`s
//! of peer assertions already exchanged, the linkage registry, the audit trail, the
//! terminals allowed to call and the published CRL set. One
//! interface, [`Storage`], two implementations: [`sqlite`] (the embedded default: the demo,
//! the tests, a single clinic, or several nodes on one machine sharing the file) and
//! [`postgres`] (several machines behind a load balancer).
//!
//! The rules stay in [`crate::core`]: a storage reads what it holds, asks the rules, and
//! carries out their decision in the same transaction. What is shared is never cached in a
//! node's memory, so that any node answers any step of any flow, with two exceptions read
//! on every request and changed rarely: the terminals and the CRL set. Nodes keep a
//! snapshot of those and reload it when its **generation number** ([`Generations`]),
//! bumped in the transaction of every change, is not the one they hold
//! ([`crate::generations`]).
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
use crate::core::challenges::{ChallengeError, ChallengeRules, Stored};
use crate::core::correction::CorrectionRefusal;
use crate::core::holder::{AttachRefusal, AttachState, CardHolders};
use crate::core::terminals::TerminalRecord;
use crate::registry::{EnrollError, Enrolled, FederatedEnrollment, NewEnrollment};

pub(crate) use corrections::signature_of_another_person;
pub use corrections::{CorrectionAcceptance, CorrectionRule};
pub(crate) use snapshots::{
    CRLS_GENERATION, TERMINALS_GENERATION, generation_of, generations_of, new_stamp, version_of,
};
pub use snapshots::{
    CrlFile, CrlPublication, CrlWrite, Generations, Republish, StoredCrlSet, StoredTerminals,
    TerminalsUpdated, Version,
};

pub mod audit_scans;
mod corrections;
pub mod postgres;
mod postgres_challenges;
mod postgres_corrections;
mod postgres_registry;
pub mod postgres_schema;
mod postgres_shared;
mod snapshots;
pub mod sqlite;
mod sqlite_batch;
mod sqlite_corrections;
mod sqlite_shared;

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
    /// A value could not be encoded for its column (nothing was written).
    #[error("a {what} could not be encoded for the storage: {detail}")]
    Encode {
        /// Which value.
        what: &'static str,
        /// What the encoder said.
        detail: String,
    },
    /// The operating system gave no random bytes (for a generation's stamp); nothing was
    /// written.
    #[error("the operating system gave no random bytes for the {what}: {detail}")]
    Random {
        /// What they were for.
        what: &'static str,
        /// What the operating system said.
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
    /// The answer to the terminal: `503 unavailable`, retryable; nothing was accepted (a
    /// value that cannot be encoded: `500 internal`, which a retry does not mend).
    pub fn problem(&self) -> Problem {
        if let StorageError::Encode { .. } = self {
            return Problem::new(
                ProblemCode::Internal,
                format!("{self}; nothing was accepted"),
            );
        }
        if let StorageError::Random { .. } = self {
            return Problem::new(
                ProblemCode::Unavailable,
                format!("{self}; nothing was accepted: try again in a moment"),
            );
        }
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
    /// stores it with its audit row, in one transaction; forgets challenges and `jti`s that
    /// are no longer live now and then. A refused challenge writes nothing (the caller
    /// audits the refusal).
    fn issue_challenge(
        &self,
        rules: &ChallengeRules,
        new: &ChallengeToIssue<'_>,
    ) -> Result<ChallengeBinding, ChallengeFailure>;

    /// Takes challenge `id` under `rules`: of two answers at once, on any nodes, exactly one
    /// is given the binding; the other is refused as replayed. (The enrollment's step,
    /// which takes the challenge before it checks anything; an identification asks the
    /// rules itself and then [`Self::settle_answer`]s.)
    fn take_challenge(
        &self,
        rules: &ChallengeRules,
        id: &str,
        terminal_id: &str,
        purposes: &[ChallengePurpose],
        now: UnixTime,
    ) -> Result<ChallengeBinding, ChallengeFailure>;

    /// Challenge `id` as stored, for the rules to judge an answer (`None`: never issued, or
    /// forgotten): a read, nothing changes.
    fn challenge(&self, platform_id: &str, id: &str) -> Result<Option<Stored>, StorageError>;

    /// Consumes challenge `id`, issued to `terminal_id`, if it is still pending, and writes
    /// `audit` in the same transaction; `false`, and nothing changed, when it is not
    /// pending any more (another answer took it, or it was forgotten). The caller has asked
    /// the rules ([`ChallengeRules::take`]) with the challenge's binding: this is where
    /// "exactly once" is enforced, on any number of nodes.
    fn settle_answer(
        &self,
        id: &str,
        terminal_id: &str,
        audit: &AuditEvent,
    ) -> Result<bool, StorageError>;

    /// [`Self::settle_answer`] for a verified card whose identification succeeds if it is
    /// enrolled: consumes the challenge only if the card with `auth` is enrolled, writes
    /// `audit` with the holder as its subject, and returns the registry's record of the
    /// card, all in one transaction (on PostgreSQL one statement).
    fn settle_enrolled(
        &self,
        id: &str,
        terminal_id: &str,
        auth: &LinkageKey,
        audit: &AuditEvent,
    ) -> Result<SettledEnrolled, StorageError>;

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

    /// The holder a peer platform knows as `peer_subject`, with their links and the
    /// signature certificate of their latest signed application, if they enrolled here
    /// through that peer.
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

    /// The holders already linked to this authentication and this signature certificate
    /// (the rule on the pair is [`crate::core::holder`]).
    fn card_holders(
        &self,
        auth: &LinkageKey,
        sign: &LinkageKey,
    ) -> Result<CardHolders, StorageError>;

    /// Every link of holder `subject_id` (none for a holder not stored).
    fn links_of(&self, subject_id: &str) -> Result<Vec<ServiceLink>, StorageError>;

    /// Stores a verified enrollment and its `audit` rows in one transaction (see
    /// [`crate::registry`] for the rules on the holder and the links).
    fn enroll(
        &self,
        e: &NewEnrollment<'_>,
        audit: &[AuditEvent],
    ) -> Result<crate::registry::Stored, EnrollError>;

    /// The holders named by the audit rows of the enrollments of the authentication
    /// certificate `auth` refused because their signature certificate was linked to a
    /// holder (`holder_conflict`, [`crate::core::refusal::SIGNATURE_LINKED_ELSEWHERE`];
    /// holders still stored, at most two, in id order): the evidence
    /// [`Storage::attach_auth`] is given.
    ///
    /// A search of the audit trail through the index of its rows by certificate
    /// ([`audit_scans`] says which statement and index), read before and outside
    /// the attachment's transaction so that it holds no enrollment back (nor, on SQLite,
    /// whose write lock that transaction holds, any write: every audit row waits for it).
    /// What it finds stays
    /// true (audit rows are only appended, holders never deleted); and a refusal's row is
    /// written by the audit writer in a transaction of its own, not serialised with the
    /// enrollments either, so that a refusal written after the scan is no different from
    /// one written after the attachment.
    fn refused_holders(&self, auth: &LinkageKey) -> Result<Vec<String>, StorageError>;

    /// Attaches an authentication certificate to a holder (the operator's
    /// `holders attach-auth`), in one transaction serialised with the enrollments: reads
    /// what the rule needs and enrollments change ([`AttachState`]: with the holders
    /// `a.refused_for` names, the holder the certificate is linked to and the birth date on
    /// the named holder's latest signature certificate), asks `decide`
    /// ([`crate::core::holder::attach_auth`]) and, when it names a holder, links the
    /// certificate to that holder and writes `a.audit` with the holder as its subject.
    /// Returns the holder, or the rule's refusal (`Ok(Err)`: nothing was written).
    fn attach_auth(
        &self,
        a: &AuthAttachment<'_>,
        decide: &mut dyn FnMut(&AttachState) -> Result<String, AttachRefusal>,
    ) -> Result<Result<String, AttachRefusal>, StorageError>;

    /// The signature certificates of the enrollments refused because they named another
    /// birth date or sex than holder `holder`'s latest signature certificate
    /// (`holder_conflict`, [`crate::core::refusal::SIGNATURE_OF_ANOTHER_PERSON`]: the
    /// refusal's row names the holder of the card's authentication certificate and the new
    /// signature certificate; a row naming a certificate the registry holds as an
    /// authentication certificate is not one of these) and linked to no holder since, at
    /// most two, in order: the
    /// evidence [`Storage::accept_correction`] is given. A search of the audit trail
    /// through the partial index of the `holder_conflict` rows by holder ([`audit_scans`]),
    /// read before and outside the acceptance's transaction for the reasons
    /// [`Storage::refused_holders`] gives.
    fn refused_corrections(&self, holder: &str) -> Result<Vec<LinkageKey>, StorageError>;

    /// The holder the operator accepted the signature certificate `sign` for, its birth date
    /// or sex having been legally changed (`holders accept-correction`), when exactly one
    /// stored holder was: a scan of the audit trail, which an enrollment makes only when the
    /// certificate names another birth date or sex than its holder's, outside its
    /// transaction (an acceptance row, once written, stays: audit rows are only appended).
    fn corrected_holder(&self, sign: &LinkageKey) -> Result<Option<String>, StorageError>;

    /// Accepts a signature certificate naming a legally changed birth date or sex for its
    /// holder (the operator's `holders accept-correction`), in one transaction serialised
    /// with the enrollments: reads what the rule needs and enrollments change
    /// ([`crate::core::correction::CorrectionState`]), asks `decide`
    /// ([`crate::core::correction::accept_correction`]) and, when it names a holder and a certificate, writes `a.audit` with them: that row is
    /// the acceptance ([`Storage::corrected_holder`]). Returns them, or the rule's refusal
    /// (`Ok(Err)`: nothing was written).
    fn accept_correction(
        &self,
        a: &CorrectionAcceptance<'_>,
        decide: &mut CorrectionRule<'_>,
    ) -> Result<Result<(String, LinkageKey), CorrectionRefusal>, StorageError>;

    /// Stores a federated enrollment and its `audit` rows in one transaction (see
    /// [`crate::registry`] for the rules on the holder and the links).
    fn enroll_federated(
        &self,
        e: &FederatedEnrollment<'_>,
        audit: &[AuditEvent],
    ) -> Result<crate::registry::Stored, EnrollError>;

    /// The generation numbers (one read: what every node polls).
    fn generations(&self) -> Result<Generations, StorageError>;

    /// Every terminal and the terminals' generation they are of (one consistent read).
    fn terminals(&self) -> Result<StoredTerminals, StorageError>;

    /// Reads every terminal, asks `decide` which rows to write (the rules of
    /// [`crate::core::terminals`]) and writes them with a new terminals' generation, in one
    /// transaction serialised with every other change of the terminals. When `decide`
    /// returns no row nothing is written and the generation stays.
    fn update_terminals(
        &self,
        decide: &mut dyn FnMut(&[TerminalRecord]) -> Vec<TerminalRecord>,
        now: UnixTime,
    ) -> Result<TerminalsUpdated, StorageError>;

    /// The published CRL set and its generation (one consistent read; generation 0 and no
    /// CRL: nothing was published yet). Every CRL is read whole into memory: see
    /// [`CrlFile`] for the size this allows.
    fn crl_set(&self) -> Result<StoredCrlSet, StorageError>;

    /// Replaces the CRL set by `files` (verified by the caller, and checked against the
    /// published set of version `over`, the one it read: [`StoredCrlSet::version`]) with a
    /// new generation, in one transaction serialised with every other publication, and only
    /// while the stored generation is still `over`, number and stamp: when another
    /// publication came between the caller's read and this transaction, or a restore and
    /// another publication that brought the number back, nothing is written and
    /// [`CrlWrite::Moved`] says so (the caller reads the set again and checks again,
    /// [`crate::crl_set`]), so a set checked against an older one never replaces a newer
    /// one. With [`Republish::IfChanged`], when the
    /// stored set has the same names and digests nothing is written and the generation
    /// stays (the stored DER is not read back: a set changed in the database behind its
    /// digests needs [`Republish::Always`]).
    fn publish_crl_set(
        &self,
        files: &[CrlFile],
        when: Republish,
        over: Version,
        now: UnixTime,
    ) -> Result<CrlWrite, StorageError>;
}

/// A challenge to issue: the request, fresh random values, and the audit row that records
/// it (outcome `ok`), written in the issue's transaction.
#[derive(Debug)]
pub struct ChallengeToIssue<'a> {
    /// The terminal asking.
    pub terminal_id: &'a str,
    /// Its validated request.
    pub request: &'a ChallengeRequest,
    /// Now.
    pub now: UnixTime,
    /// A fresh random id.
    pub id: String,
    /// A fresh random nonce.
    pub nonce: [u8; NONCE_LEN],
    /// The row recording the issue.
    pub audit: &'a AuditEvent,
}

impl ChallengeToIssue<'_> {
    /// The binding the challenge gets if the quota admits it.
    pub(crate) fn binding(&self, rules: &ChallengeRules) -> ChallengeBinding {
        rules.binding(
            self.terminal_id,
            self.request,
            self.now,
            self.id.clone(),
            self.nonce,
        )
    }
}

/// An authentication certificate to attach to a holder ([`Storage::attach_auth`]).
#[derive(Debug)]
pub struct AuthAttachment<'a> {
    /// The certificate's (issuer, serial).
    pub auth: &'a LinkageKey,
    /// The holders its refused enrollments name, as [`Storage::refused_holders`] read them.
    pub refused_for: &'a [String],
    /// A fresh id, kept as the enrollment the certificate's row names.
    pub attachment_id: &'a str,
    /// The row recording the attachment (its subject is set to the holder).
    pub audit: &'a AuditEvent,
    /// Now.
    pub now: UnixTime,
}

/// The audit rows [`Storage::attach_auth`] looks for: those of the enrollments refused
/// because their signature certificate was linked to a holder enrolled with another
/// authentication certificate, as `(action, outcome, reason)`.
pub(crate) fn signature_linked_elsewhere() -> (&'static str, &'static str, &'static str) {
    (
        crate::enrollment::AUDIT_ACTION,
        ProblemCode::HolderConflict.as_str(),
        crate::core::refusal::SIGNATURE_LINKED_ELSEWHERE,
    )
}

/// What [`Storage::settle_enrolled`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettledEnrolled {
    /// The challenge is consumed and the audit row written: the registry's record of the
    /// card.
    Consumed(Enrolled),
    /// The card is not enrolled: nothing changed.
    NotEnrolled,
    /// The challenge is not pending any more: nothing changed.
    NotPending,
}

/// `value` as the JSON text of a TEXT column (a link, an application): an encoding failure
/// is an error, never an empty string stored.
pub(crate) fn json_text(
    what: &'static str,
    value: &impl serde::Serialize,
) -> Result<String, StorageError> {
    serde_json::to_string(value).map_err(|e| StorageError::Encode {
        what,
        detail: e.to_string(),
    })
}

/// A stored terminal row.
pub(crate) fn terminal_of(
    id: String,
    admin: bool,
    enabled: bool,
    managed_by: &str,
    certificate_sha256: Option<&[u8]>,
    updated_at: UnixTime,
) -> Result<TerminalRecord, StorageError> {
    let managed_by = crate::core::terminals::ManagedBy::from_name(managed_by).ok_or_else(|| {
        StorageError::Corrupt {
            what: "terminal",
            detail: format!("{id}: managed_by {managed_by:?}"),
        }
    })?;
    let certificate_sha256 = certificate_sha256
        .map(|h| {
            <[u8; 32]>::try_from(h).map_err(|_| StorageError::Corrupt {
                what: "terminal",
                detail: format!("{id}: a certificate SHA-256 of {} bytes", h.len()),
            })
        })
        .transpose()?;
    Ok(TerminalRecord {
        id,
        admin,
        enabled,
        managed_by,
        certificate_sha256,
        updated_at,
    })
}

/// A stored CRL row.
pub(crate) fn crl_file_of(
    name: String,
    sha256: &[u8],
    der: Vec<u8>,
) -> Result<CrlFile, StorageError> {
    let sha256 = <[u8; 32]>::try_from(sha256).map_err(|_| StorageError::Corrupt {
        what: "CRL",
        detail: format!("{name}: a SHA-256 of {} bytes", sha256.len()),
    })?;
    Ok(CrlFile { name, sha256, der })
}

/// Whether the stored `(name, sha256)` pairs, by name, are those of `files`.
pub(crate) fn same_crl_set(stored: &[(String, Vec<u8>)], files: &[CrlFile]) -> bool {
    same_names_and_digests(
        stored.iter().map(|(n, d)| (n.as_str(), d.as_slice())),
        files.iter().map(CrlFile::name_and_digest),
    )
}

/// Whether two CRL sets, given as `(name, sha256)` pairs in any order, hold the same names
/// with the same digests: the one comparison of CRL sets (the storages' "same set
/// published already", and the publication's check against the published set).
pub(crate) fn same_names_and_digests<'a, 'b>(
    a: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    b: impl IntoIterator<Item = (&'b str, &'b [u8])>,
) -> bool {
    let mut a: Vec<(&str, &[u8])> = a.into_iter().collect();
    let mut b: Vec<(&str, &[u8])> = b.into_iter().collect();
    a.sort_unstable();
    b.sort_unstable();
    a == b
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
    pub fn stored(self, platform_id: &str, id: &str) -> Result<Stored, StorageError> {
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

    #[test]
    fn a_value_that_cannot_be_encoded_is_an_error_not_an_empty_string() {
        // JSON object keys must be strings: a map keyed by pairs does not encode.
        let map: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        let e = json_text("service link", &map).unwrap_err();
        assert!(
            matches!(
                e,
                StorageError::Encode {
                    what: "service link",
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(e.problem().code, ProblemCode::Internal);
        assert_eq!(json_text("n", &1u8).unwrap(), "1");
    }

    fn crl(name: &str, der: &[u8]) -> CrlFile {
        use sha2::Digest;
        CrlFile {
            name: name.into(),
            sha256: sha2::Sha256::digest(der).into(),
            der: der.to_vec(),
        }
    }

    #[test]
    fn crl_sets_are_the_same_when_names_and_digests_are_whatever_the_order() {
        let files = [crl("b.crl", b"2"), crl("a.crl", b"1")];
        let stored = |v: &[(&str, &[u8])]| -> Vec<(String, Vec<u8>)> {
            v.iter()
                .map(|(n, d)| (n.to_string(), crl(n, d).sha256.to_vec()))
                .collect()
        };
        assert!(same_crl_set(
            &stored(&[("a.crl", b"1"), ("b.crl", b"2")]),
            &files
        ));
        assert!(!same_crl_set(
            &stored(&[("a.crl", b"1"), ("b.crl", b"3")]),
            &files
        ));
        assert!(!same_crl_set(&stored(&[("a.crl", b"1")]), &files));
        assert!(!same_crl_set(
            &stored(&[("c.crl", b"1"), ("b.crl", b"2")]),
            &files
        ));
        assert!(same_crl_set(&[], &[]));
    }

    #[test]
    fn generation_numbers_read_back_and_a_negative_one_is_corrupt() {
        let g = generations_of([
            ("terminals".to_owned(), 3, -5, 10),
            ("crls".to_owned(), 7, 9, 20),
            ("later".to_owned(), 1, 1, 30),
        ])
        .unwrap();
        assert_eq!(
            g,
            Generations {
                terminals: Version {
                    generation: 3,
                    stamp: -5
                },
                crls: Version {
                    generation: 7,
                    stamp: 9
                },
                crls_changed_at: UnixTime::from_secs(20),
            }
        );
        assert!(matches!(
            generations_of([("crls".to_owned(), -1, 0, 0)]),
            Err(StorageError::Corrupt { .. })
        ));
    }
}
