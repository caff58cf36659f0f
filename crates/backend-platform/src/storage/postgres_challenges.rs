//! The challenges in PostgreSQL, in as few round trips as the rules allow: an issue is one
//! pipelined round trip (its transaction's statements sent together), an answer one
//! statement (consume the challenge if it is pending, read the registry, write the audit
//! row). The rules stay in [`crate::core::challenges`]: the statements take their
//! parameters (the quota) and carry out what they decided (consume, forget, keep).

use counter_api::platform::{ChallengeBinding, ChallengePurpose};
use deadpool_postgres::GenericClient;
use jpki_cert::LinkageKey;
use madoguchi_time::UnixTime;
use tokio_postgres::types::ToSql;

use super::postgres::{PostgresStorage, pg};
use super::postgres_registry::enrolled_of;
use super::{ChallengeFailure, ChallengeRow, ChallengeToIssue, SettledEnrolled, StorageError};
use crate::audit::AuditEvent;
use crate::core::challenges::{ChallengeRules, Stored, TakeDecision};

/// The first key of the advisory locks on a terminal's challenges (the second is the
/// terminal id's hash): any fixed number apart from
/// [`MIGRATION_LOCK`](super::postgres_schema::MIGRATION_LOCK).
const TERMINAL_LOCK: i32 = 0x6368_6c00;

/// Counts the terminal's live challenges (at most the quota: beyond it issues are refused),
/// inserts the new one only while fewer than the quota ($9) are held, with its audit row,
/// and returns the count and whether it inserted. The count is its own statement's: it runs
/// after the advisory lock's statement (see [`issue`]), so it sees every challenge the
/// lock's previous holder committed.
const ISSUE: &str = "WITH held AS (
        SELECT count(*) AS n FROM challenges
        WHERE terminal_id = $2::text AND NOT used AND expires_at >= $8::bigint
    ), issued AS (
        INSERT INTO challenges (challenge_id, terminal_id, purpose, merchant_id, amount_jpy, nonce, expires_at)
        SELECT $1::text, $2::text, $3::text, $4::text, $5::bigint, $6::bytea, $7::bigint
        FROM held WHERE held.n < $9::bigint
        RETURNING challenge_id
    ), audited AS (
        INSERT INTO audit (at, terminal_id, action, outcome, reason, challenge_id, subject_id, cert_issuer, cert_serial)
        SELECT $10::bigint, $11::text, $12::text, $13::text, $14::text, $15::text, $16::text, $17::text, $18::text
        FROM issued
    )
    SELECT held.n, EXISTS (SELECT 1 FROM issued) FROM held";

/// Consumes challenge $1 of terminal $2 if it is pending, and writes the audit row in the
/// same statement; the row count says whether it did.
const SETTLE: &str = "WITH taken AS (
        UPDATE challenges SET used = TRUE
        WHERE challenge_id = $1 AND terminal_id = $2 AND NOT used
        RETURNING challenge_id
    )
    INSERT INTO audit (at, terminal_id, action, outcome, reason, challenge_id, subject_id, cert_issuer, cert_serial)
    SELECT $3::bigint, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text, $11::text
    FROM taken";

/// [`SETTLE`] only when the card ($12, $13) is enrolled, the holder as the row's subject
/// (never null: $9 is only there to keep the parameters of [`SETTLE`]), returning the holder, whether the challenge was taken, their links and latest signature
/// certificate; no row: the card is not enrolled.
const SETTLE_ENROLLED: &str = "WITH holder AS (
        SELECT subject_id FROM auth_certificates WHERE issuer = $12 AND serial = $13
    ), taken AS (
        UPDATE challenges SET used = TRUE
        WHERE challenge_id = $1 AND terminal_id = $2 AND NOT used AND EXISTS (SELECT 1 FROM holder)
        RETURNING challenge_id
    ), audited AS (
        INSERT INTO audit (at, terminal_id, action, outcome, reason, challenge_id, subject_id, cert_issuer, cert_serial)
        SELECT $3::bigint, $4::text, $5::text, $6::text, $7::text, $8::text,
            coalesce(holder.subject_id, $9::text), $10::text, $11::text
        FROM taken, holder
    )
    SELECT holder.subject_id, EXISTS (SELECT 1 FROM taken) AS taken,
        ARRAY(SELECT link FROM service_links l WHERE l.subject_id = holder.subject_id
              ORDER BY linked_at, seq) AS links,
        s.root_key, s.serial, s.crl_scope, s.certificate
    FROM holder LEFT JOIN LATERAL (
        SELECT root_key, serial, crl_scope, CASE WHEN crl_scope IS NULL THEN certificate END AS certificate
        FROM sign_certificates WHERE subject_id = holder.subject_id
        ORDER BY linked_at DESC, seq DESC LIMIT 1
    ) s ON TRUE";

const READ: &str = "SELECT terminal_id, purpose, merchant_id, amount_jpy, nonce, expires_at, used
    FROM challenges WHERE challenge_id = $1";

/// An audit row as statement parameters (`at` .. `cert_serial`, the table's order).
struct AuditParams<'a> {
    at: i64,
    terminal_id: Option<&'a str>,
    action: &'a str,
    outcome: &'a str,
    reason: Option<&'a str>,
    challenge_id: Option<&'a str>,
    subject_id: Option<&'a str>,
    cert_issuer: Option<&'a str>,
    cert_serial: Option<&'a str>,
}

impl<'a> AuditParams<'a> {
    fn of(e: &'a AuditEvent) -> Self {
        Self {
            at: e.at.as_secs(),
            terminal_id: e.terminal_id.as_deref(),
            action: e.action,
            outcome: &e.outcome,
            reason: e.reason.as_deref(),
            challenge_id: e.challenge_id.as_deref(),
            subject_id: e.subject_id.as_deref(),
            cert_issuer: e.certificate.as_ref().map(|c| c.0.as_str()),
            cert_serial: e.certificate.as_ref().map(|c| c.1.as_str()),
        }
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 9] {
        [
            &self.at,
            &self.terminal_id,
            &self.action,
            &self.outcome,
            &self.reason,
            &self.challenge_id,
            &self.subject_id,
            &self.cert_issuer,
            &self.cert_serial,
        ]
    }
}

/// Issues a challenge: one round trip, its transaction's statements pipelined (sent
/// together, each run after the previous): `BEGIN`, the sweep of what is no longer live
/// (at most once a second per node), the terminal's advisory lock, [`ISSUE`], `COMMIT`. The
/// lock and the count are two statements because under READ COMMITTED a statement sees what
/// was committed when it started: a count in the statement that waited for the lock could
/// miss the challenge its holder just inserted. The count and the insert are one because
/// the quota ($9, [`ChallengeRules::quota`]) is compared in SQL; [`ChallengeRules::admits`]
/// then decides the answer from the count, and the two must agree.
pub(super) async fn issue(
    store: &PostgresStorage,
    rules: &ChallengeRules,
    new: &ChallengeToIssue<'_>,
    sweep: bool,
) -> Result<ChallengeBinding, ChallengeFailure> {
    let e = pg("issuing a challenge");
    let c = store.client().await?;
    let begin = c.prepare_cached("BEGIN").await.map_err(&e)?;
    let prune_challenges = c
        .prepare_cached("DELETE FROM challenges WHERE expires_at < $1")
        .await
        .map_err(&e)?;
    let prune_jtis = c
        .prepare_cached("DELETE FROM federation_jtis WHERE expires_at < $1")
        .await
        .map_err(&e)?;
    let lock = c
        .prepare_cached("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .await
        .map_err(&e)?;
    let insert = c.prepare_cached(ISSUE).await.map_err(&e)?;
    let commit = c.prepare_cached("COMMIT").await.map_err(&e)?;

    let binding = new.binding(rules);
    let r = ChallengeRow::of(&binding);
    let now = new.now.as_secs();
    let (expires_at, limit) = (r.expires_at.as_secs(), count_limit(rules));
    let a = AuditParams::of(new.audit);
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![
        &binding.challenge_id,
        &r.terminal_id,
        &r.purpose,
        &r.merchant_id,
        &r.amount_jpy,
        &r.nonce,
        &expires_at,
        &now,
        &limit,
    ];
    params.extend(a.params());
    let sweep_challenges = async {
        match sweep {
            true => c.execute(&prune_challenges, &[&now]).await.map(|_| ()),
            false => Ok(()),
        }
    };
    let sweep_jtis = async {
        match sweep {
            true => c.execute(&prune_jtis, &[&now]).await.map(|_| ()),
            false => Ok(()),
        }
    };
    let lock_params: [&(dyn ToSql + Sync); 2] = [&TERMINAL_LOCK, &new.terminal_id];
    // `biased`: polled in this order, so sent in this order before any answer is awaited.
    let (began, swept_c, swept_j, locked, counted, committed) = tokio::join!(
        biased;
        c.execute(&begin, &[]),
        sweep_challenges,
        sweep_jtis,
        c.execute(&lock, &lock_params),
        c.query_one(&insert, &params),
        c.execute(&commit, &[]),
    );
    // The first error is the one that aborted the transaction (then `COMMIT` rolled back).
    began.map_err(&e)?;
    swept_c.map_err(&e)?;
    swept_j.map_err(&e)?;
    locked.map_err(&e)?;
    let row = counted.map_err(&e)?;
    committed.map_err(&e)?;
    let (held, inserted): (i64, bool) = (row.get(0), row.get(1));
    let admitted = rules.admits(usize::try_from(held).unwrap_or(usize::MAX));
    if admitted.is_ok() != inserted {
        return Err(StorageError::Corrupt {
            what: "challenge quota",
            detail: format!(
                "{} of terminal {} holds {held}: the statement {} and the rules {}",
                binding.challenge_id,
                new.terminal_id,
                if inserted { "inserted" } else { "did not" },
                if admitted.is_ok() {
                    "admit it"
                } else {
                    "refuse it"
                }
            ),
        }
        .into());
    }
    admitted?;
    Ok(binding)
}

/// The rules' quota as a statement parameter.
fn count_limit(rules: &ChallengeRules) -> i64 {
    i64::try_from(rules.quota()).unwrap_or(i64::MAX)
}

/// Takes a challenge for an enrollment: read `FOR UPDATE` (of two nodes answering at once
/// the second waits for the first's commit and then reads it used), ask the rules, carry
/// out their decision.
pub(super) async fn take(
    store: &PostgresStorage,
    rules: &ChallengeRules,
    id: &str,
    terminal_id: &str,
    purposes: &[ChallengePurpose],
    now: UnixTime,
) -> Result<ChallengeBinding, ChallengeFailure> {
    let e = pg("taking a challenge");
    let mut c = store.client().await?;
    let tx = c.transaction().await.map_err(&e)?;
    let st = tx
        .prepare_cached(&format!("{READ} FOR UPDATE"))
        .await
        .map_err(&e)?;
    let stored = match tx.query_opt(&st, &[&id]).await.map_err(&e)? {
        Some(r) => Some(row_of(&r).stored(rules.platform_id(), id)?),
        None => None,
    };
    let decision = rules.take(id, stored.as_ref(), terminal_id, purposes, now);
    let change = match &decision {
        TakeDecision::Consume(_) => {
            Some("UPDATE challenges SET used = TRUE WHERE challenge_id = $1")
        }
        TakeDecision::Forget(_) => Some("DELETE FROM challenges WHERE challenge_id = $1"),
        TakeDecision::Keep(_) => None,
    };
    if let Some(sql) = change {
        let st = tx.prepare_cached(sql).await.map_err(&e)?;
        tx.execute(&st, &[&id]).await.map_err(&e)?;
        tx.commit().await.map_err(&e)?;
    } else {
        tx.rollback().await.map_err(&e)?;
    }
    Ok(decision.into_result()?)
}

fn row_of(r: &tokio_postgres::Row) -> ChallengeRow {
    ChallengeRow {
        terminal_id: r.get(0),
        purpose: r.get(1),
        merchant_id: r.get(2),
        amount_jpy: r.get(3),
        nonce: r.get(4),
        expires_at: UnixTime::from_secs(r.get(5)),
        used: r.get(6),
    }
}

/// Challenge `id` as stored.
pub(super) async fn read(
    c: &impl GenericClient,
    platform_id: &str,
    id: &str,
) -> Result<Option<Stored>, StorageError> {
    let e = pg("reading a challenge");
    let st = c.prepare_cached(READ).await.map_err(&e)?;
    match c.query_opt(&st, &[&id]).await.map_err(&e)? {
        Some(r) => Ok(Some(row_of(&r).stored(platform_id, id)?)),
        None => Ok(None),
    }
}

/// [`SETTLE`]: one statement.
pub(super) async fn settle(
    c: &impl GenericClient,
    id: &str,
    terminal_id: &str,
    audit: &AuditEvent,
) -> Result<bool, StorageError> {
    let e = pg("settling an answer");
    let st = c.prepare_cached(SETTLE).await.map_err(&e)?;
    let a = AuditParams::of(audit);
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&id, &terminal_id];
    params.extend(a.params());
    Ok(c.execute(&st, &params).await.map_err(&e)? == 1)
}

/// [`SETTLE_ENROLLED`]: one statement.
pub(super) async fn settle_enrolled(
    c: &impl GenericClient,
    id: &str,
    terminal_id: &str,
    auth: &LinkageKey,
    audit: &AuditEvent,
) -> Result<SettledEnrolled, StorageError> {
    let e = pg("settling an identification");
    let st = c.prepare_cached(SETTLE_ENROLLED).await.map_err(&e)?;
    let a = AuditParams::of(audit);
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&id, &terminal_id];
    params.extend(a.params());
    params.extend([
        &auth.issuer as &(dyn ToSql + Sync),
        &auth.serial as &(dyn ToSql + Sync),
    ]);
    let Some(row) = c.query_opt(&st, &params).await.map_err(&e)? else {
        return Ok(SettledEnrolled::NotEnrolled);
    };
    if !row.get::<_, bool>(1) {
        return Ok(SettledEnrolled::NotPending);
    }
    Ok(SettledEnrolled::Consumed(enrolled_of(&row)))
}
