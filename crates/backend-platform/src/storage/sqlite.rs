//! The SQLite storage: one file (WAL), two connections: the registry's, which also holds
//! the challenges, the `jti`s and the audit trail (one connection for everything an
//! identification touches, so that its page cache stays warm: SQLite drops a connection's
//! cache whenever another connection has committed since), and the one of what nodes keep a
//! snapshot of (generations, terminals, CRLs: `sqlite_shared`), which the poll reads
//! every few seconds. Every step that reads then writes runs in an IMMEDIATE transaction,
//! which SQLite serialises across connections and processes: several nodes on one machine
//! may share the file. Issues and answers asked for at the same time share one such
//! transaction (`sqlite_batch`, group commit).

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard};

use backend_kit::sqlite::{DbError, open};
use counter_api::platform::{ChallengeBinding, ChallengePurpose, ServiceLink};
use jpki_cert::LinkageKey;
use madoguchi_time::UnixTime;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::sqlite_batch::Batches;
use super::sqlite_corrections as corrections;
use super::sqlite_shared as shared;
use super::{
    AuthAttachment, ChallengeFailure, ChallengeRow, ChallengeToIssue, CorrectionAcceptance,
    CorrectionRule, CrlFile, CrlWrite, Generations, PRUNE_EVERY_SECS, Republish, SettledEnrolled,
    Storage, StorageError, StoredCrlSet, StoredTerminals, TerminalsUpdated, Version,
};
use crate::audit::AuditEvent;
use crate::core::challenges::{ChallengeError, ChallengeRules, Stored, TakeDecision};
use crate::core::correction::CorrectionRefusal;
use crate::core::holder::{AttachRefusal, AttachState, CardHolders};
use crate::core::terminals::TerminalRecord;
use crate::registry::{
    self, EnrollError, Enrolled, FederatedEnrollment, MIGRATIONS, NewEnrollment, Registry,
};

/// The SQLite storage.
#[derive(Debug)]
pub struct SqliteStorage {
    path: String,
    registry: Registry,
    shared: Mutex<Connection>,
    /// Issues and answers waiting for a transaction (`sqlite_batch`).
    batches: Batches,
    /// When this node sweeps expired challenges and `jti`s next (seconds).
    next_prune: AtomicI64,
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    match m.lock() {
        Ok(g) => g,
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions
        // roll back on drop), so the connection stays usable.
        Err(p) => p.into_inner(),
    }
}

impl SqliteStorage {
    /// Opens (creating and migrating) the file at `path`.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        Ok(Self {
            path: path.display().to_string(),
            registry: Registry::open(path)?,
            shared: Mutex::new(open(path, MIGRATIONS)?),
            batches: Batches::default(),
            next_prune: AtomicI64::new(0),
        })
    }

    fn err(&self, source: rusqlite::Error) -> StorageError {
        StorageError::Sqlite(DbError::Sqlite {
            path: self.path.clone(),
            source,
        })
    }

    /// [`Self::err`] as a closure that owns what it needs (for a batched step).
    fn err_owned(&self) -> impl Fn(rusqlite::Error) -> StorageError + Clone + Send + 'static {
        let path = self.path.clone();
        move |source| {
            StorageError::Sqlite(DbError::Sqlite {
                path: path.clone(),
                source,
            })
        }
    }

    /// Whether this call should sweep (at most once per [`PRUNE_EVERY_SECS`] per node).
    fn prune_due(&self, now: UnixTime) -> bool {
        let next = self.next_prune.load(Ordering::Relaxed);
        now.as_secs() >= next
            && self
                .next_prune
                .compare_exchange(
                    next,
                    now.as_secs() + PRUNE_EVERY_SECS,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
    }
}

/// Forgets challenges and `jti`s that are no longer live at `now`.
fn prune(c: &Connection, now: UnixTime) -> rusqlite::Result<()> {
    c.prepare_cached("DELETE FROM challenges WHERE expires_at < ?1")?
        .execute(params![now])?;
    c.prepare_cached("DELETE FROM federation_jtis WHERE expires_at < ?1")?
        .execute(params![now])?;
    Ok(())
}

fn read_challenge(c: &Connection, id: &str) -> rusqlite::Result<Option<ChallengeRow>> {
    c.prepare_cached(
        "SELECT terminal_id, purpose, merchant_id, amount_jpy, nonce, expires_at, used
         FROM challenges WHERE challenge_id = ?1",
    )?
    .query_row(params![id], |r| {
        Ok(ChallengeRow {
            terminal_id: r.get(0)?,
            purpose: r.get(1)?,
            merchant_id: r.get(2)?,
            amount_jpy: r.get(3)?,
            nonce: r.get(4)?,
            expires_at: r.get(5)?,
            used: r.get::<_, i64>(6)? != 0,
        })
    })
    .optional()
}

/// Marks challenge `id` of `terminal_id` used if it is pending; whether it was.
fn consume(c: &Connection, id: &str, terminal_id: &str) -> rusqlite::Result<bool> {
    let n = c
        .prepare_cached(
            "UPDATE challenges SET used = 1 WHERE challenge_id = ?1 AND terminal_id = ?2 AND used = 0",
        )?
        .execute(params![id, terminal_id])?;
    Ok(n == 1)
}

/// Counts the terminal's live challenges, asks the rules, and stores the challenge with its
/// audit row (in the caller's transaction); sweeps what is no longer live when `sweep`. The
/// rules' refusal is an answer (`Ok(Err)`), not a failure: nothing was written for it.
fn issue(
    c: &Connection,
    rules: &ChallengeRules,
    binding: &ChallengeBinding,
    audit: &AuditEvent,
    now: UnixTime,
    sweep: bool,
) -> rusqlite::Result<Result<ChallengeBinding, ChallengeError>> {
    if sweep {
        prune(c, now)?;
    }
    // At most the quota (beyond it issues are refused), so the count is bounded. No
    // `LIMIT ?` to bound it further: SQLite re-prepares a statement whenever a parameter its
    // plan read (a LIMIT's) is bound again, which is at every call.
    let held: i64 = c
        .prepare_cached(
            "SELECT count(*) FROM challenges WHERE terminal_id = ?1 AND used = 0 AND expires_at >= ?2",
        )?
        .query_row(params![binding.terminal_id, now], |r| r.get(0))?;
    if let Err(refused) = rules.admits(usize::try_from(held).unwrap_or(usize::MAX)) {
        return Ok(Err(refused));
    }
    let row = ChallengeRow::of(binding);
    c.prepare_cached(
        "INSERT INTO challenges (challenge_id, terminal_id, purpose, merchant_id, amount_jpy, nonce, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        binding.challenge_id,
        row.terminal_id,
        row.purpose,
        row.merchant_id,
        row.amount_jpy,
        row.nonce,
        row.expires_at
    ])?;
    insert_audit(c, std::slice::from_ref(audit))?;
    Ok(Ok(binding.clone()))
}

/// Inserts audit rows in the transaction (or connection) `c`.
pub(crate) fn insert_audit(c: &Connection, rows: &[AuditEvent]) -> rusqlite::Result<()> {
    let mut stmt = c.prepare_cached(
        "INSERT INTO audit (at, terminal_id, action, outcome, reason, challenge_id, subject_id, cert_issuer, cert_serial)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for e in rows {
        let (ci, cs) = e.certificate.clone().unzip();
        stmt.execute(params![
            e.at,
            e.terminal_id,
            e.action,
            e.outcome,
            e.reason,
            e.challenge_id,
            e.subject_id,
            ci,
            cs
        ])?;
    }
    Ok(())
}

impl Storage for SqliteStorage {
    fn issue_challenge(
        &self,
        rules: &ChallengeRules,
        new: &ChallengeToIssue<'_>,
    ) -> Result<ChallengeBinding, ChallengeFailure> {
        let (now, sweep) = (new.now, self.prune_due(new.now));
        let e = self.err_owned();
        let (rules, binding, audit) = (rules.clone(), new.binding(rules), new.audit.clone());
        let decided = self.batches.run(
            self.registry.connection_lock(),
            move |c| issue(c, &rules, &binding, &audit, now, sweep).map_err(&e),
            self.err_owned(),
        )?;
        Ok(decided?)
    }

    fn take_challenge(
        &self,
        rules: &ChallengeRules,
        id: &str,
        terminal_id: &str,
        purposes: &[ChallengePurpose],
        now: UnixTime,
    ) -> Result<ChallengeBinding, ChallengeFailure> {
        let mut conn = self.registry.connection();
        let e = |x| ChallengeFailure::Storage(self.err(x));
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?;
        let stored = match read_challenge(&tx, id).map_err(e)? {
            Some(row) => Some(row.stored(rules.platform_id(), id)?),
            None => None,
        };
        let decision = rules.take(id, stored.as_ref(), terminal_id, purposes, now);
        match &decision {
            TakeDecision::Consume(_) => {
                tx.prepare_cached("UPDATE challenges SET used = 1 WHERE challenge_id = ?1")
                    .and_then(|mut s| s.execute(params![id]))
                    .map_err(e)?;
            }
            TakeDecision::Forget(_) => {
                tx.prepare_cached("DELETE FROM challenges WHERE challenge_id = ?1")
                    .and_then(|mut s| s.execute(params![id]))
                    .map_err(e)?;
            }
            TakeDecision::Keep(_) => {}
        }
        tx.commit().map_err(e)?;
        Ok(decision.into_result()?)
    }

    fn challenge(&self, platform_id: &str, id: &str) -> Result<Option<Stored>, StorageError> {
        let conn = self.registry.connection();
        match read_challenge(&conn, id).map_err(|x| self.err(x))? {
            Some(row) => Ok(Some(row.stored(platform_id, id)?)),
            None => Ok(None),
        }
    }

    fn settle_answer(
        &self,
        id: &str,
        terminal_id: &str,
        audit: &AuditEvent,
    ) -> Result<bool, StorageError> {
        let e = self.err_owned();
        let (id, terminal_id, audit) = (id.to_owned(), terminal_id.to_owned(), audit.clone());
        self.batches.run(
            self.registry.connection_lock(),
            move |c| {
                if !consume(c, &id, &terminal_id).map_err(&e)? {
                    return Ok(false);
                }
                insert_audit(c, std::slice::from_ref(&audit)).map_err(&e)?;
                Ok(true)
            },
            self.err_owned(),
        )
    }

    fn settle_enrolled(
        &self,
        id: &str,
        terminal_id: &str,
        auth: &LinkageKey,
        audit: &AuditEvent,
    ) -> Result<SettledEnrolled, StorageError> {
        let e = self.err_owned();
        let (id, terminal_id) = (id.to_owned(), terminal_id.to_owned());
        let (auth, audit) = (auth.clone(), audit.clone());
        self.batches.run(
            self.registry.connection_lock(),
            move |c| {
                let Some(subject_id) = registry::subject_of(c, &auth)? else {
                    return Ok(SettledEnrolled::NotEnrolled);
                };
                if !consume(c, &id, &terminal_id).map_err(&e)? {
                    return Ok(SettledEnrolled::NotPending);
                }
                let row = AuditEvent {
                    subject_id: Some(subject_id.clone()),
                    ..audit.clone()
                };
                insert_audit(c, std::slice::from_ref(&row)).map_err(&e)?;
                Ok(SettledEnrolled::Consumed(registry::enrolled(
                    c, subject_id,
                )?))
            },
            self.err_owned(),
        )
    }

    fn first_use(
        &self,
        issuer: &str,
        jti: &str,
        exp: UnixTime,
        now: UnixTime,
    ) -> Result<bool, StorageError> {
        let conn = self.registry.connection();
        // One statement: a new (issuer, jti), or one whose entry is no longer live, is
        // (re)written; a live one is left alone and nothing changes.
        let changed = conn
            .prepare_cached(
                "INSERT INTO federation_jtis (issuer, jti, expires_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (issuer, jti) DO UPDATE SET expires_at = excluded.expires_at
                 WHERE federation_jtis.expires_at < ?4",
            )
            .and_then(|mut s| s.execute(params![issuer, jti, exp, now]))
            .map_err(|x| self.err(x))?;
        Ok(changed == 1)
    }

    fn append_audit(&self, rows: &[AuditEvent]) -> Result<(), StorageError> {
        let mut conn = self.registry.connection();
        let tx = conn.transaction().map_err(|x| self.err(x))?;
        insert_audit(&tx, rows).map_err(|x| self.err(x))?;
        tx.commit().map_err(|x| self.err(x))
    }

    fn lookup(&self, auth: &LinkageKey) -> Result<Option<Enrolled>, StorageError> {
        Ok(self.registry.lookup(auth)?)
    }

    fn lookup_federated(
        &self,
        peer: &str,
        peer_subject: &str,
    ) -> Result<Option<Enrolled>, StorageError> {
        Ok(self.registry.lookup_federated(peer, peer_subject)?)
    }

    fn federated_subject(
        &self,
        peer: &str,
        peer_subject: &str,
    ) -> Result<Option<String>, StorageError> {
        Ok(self.registry.federated_subject(peer, peer_subject)?)
    }

    fn card_holders(
        &self,
        auth: &LinkageKey,
        sign: &LinkageKey,
    ) -> Result<CardHolders, StorageError> {
        self.registry.card_holders(auth, sign)
    }

    fn links_of(&self, subject_id: &str) -> Result<Vec<ServiceLink>, StorageError> {
        Ok(self.registry.links_of(subject_id)?)
    }

    fn enroll(
        &self,
        e: &NewEnrollment<'_>,
        audit: &[AuditEvent],
    ) -> Result<registry::Stored, EnrollError> {
        self.registry.enroll(e, audit)
    }

    fn enroll_federated(
        &self,
        e: &FederatedEnrollment<'_>,
        audit: &[AuditEvent],
    ) -> Result<registry::Stored, EnrollError> {
        self.registry.enroll_federated(e, audit)
    }

    fn refused_holders(&self, auth: &LinkageKey) -> Result<Vec<String>, StorageError> {
        self.registry.refused_holders(auth)
    }

    fn attach_auth(
        &self,
        a: &AuthAttachment<'_>,
        decide: &mut dyn FnMut(&AttachState) -> Result<String, AttachRefusal>,
    ) -> Result<Result<String, AttachRefusal>, StorageError> {
        self.registry.attach_auth(a, decide)
    }

    fn refused_corrections(&self, holder: &str) -> Result<Vec<LinkageKey>, StorageError> {
        corrections::refused_corrections(&self.registry.connection(), holder)
            .map_err(|x| self.err(x))
    }

    fn corrected_holder(&self, sign: &LinkageKey) -> Result<Option<String>, StorageError> {
        corrections::corrected_holder(&self.registry.connection(), sign).map_err(|x| self.err(x))
    }

    fn accept_correction(
        &self,
        a: &CorrectionAcceptance<'_>,
        decide: &mut CorrectionRule<'_>,
    ) -> Result<Result<(String, LinkageKey), CorrectionRefusal>, StorageError> {
        corrections::accept_correction(&mut self.registry.connection(), a, decide)
            .map_err(|x| self.err(x))
    }

    fn generations(&self) -> Result<Generations, StorageError> {
        shared::generations(&lock(&self.shared), &|x| self.err(x))
    }

    fn terminals(&self) -> Result<StoredTerminals, StorageError> {
        shared::terminals(&lock(&self.shared), &|x| self.err(x))
    }

    fn update_terminals(
        &self,
        decide: &mut dyn FnMut(&[TerminalRecord]) -> Vec<TerminalRecord>,
        now: UnixTime,
    ) -> Result<TerminalsUpdated, StorageError> {
        shared::update_terminals(&mut lock(&self.shared), decide, now, &|x| self.err(x))
    }

    fn crl_set(&self) -> Result<StoredCrlSet, StorageError> {
        shared::crl_set(&mut lock(&self.shared), &|x| self.err(x))
    }

    fn publish_crl_set(
        &self,
        files: &[CrlFile],
        when: Republish,
        over: Version,
        now: UnixTime,
    ) -> Result<CrlWrite, StorageError> {
        shared::publish_crl_set(&mut lock(&self.shared), files, when, over, now, &|x| {
            self.err(x)
        })
    }
}
