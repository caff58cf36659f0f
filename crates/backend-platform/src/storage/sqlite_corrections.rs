//! The SQLite storage's part of the operator's acceptance of a legally changed birth date
//! or sex ([`crate::core::correction`]): the refusals and acceptances read from the audit
//! trail, and the acceptance's transaction.

use jpki_cert::LinkageKey;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{CorrectionAcceptance, CorrectionRule, signature_of_another_person};
use crate::audit::AuditEvent;
use crate::core::correction::{CorrectionRefusal, CorrectionState};
use crate::storage::sqlite::insert_audit;

/// See [`super::Storage::refused_corrections`].
pub(crate) fn refused_corrections(
    c: &Connection,
    holder: &str,
) -> rusqlite::Result<Vec<LinkageKey>> {
    // The outcome is the literal of the statement (see super::audit_scans).
    let (action, _, reason) = signature_of_another_person();
    c.prepare(super::audit_scans::REFUSED_CORRECTIONS)?
        .query_map(params![action, reason, holder], |r| {
            Ok(LinkageKey {
                issuer: r.get(0)?,
                serial: r.get(1)?,
            })
        })?
        .collect()
}

/// The stored holders the signature certificate `sign` was accepted for (at most two).
fn accepted_for(c: &Connection, sign: &LinkageKey) -> rusqlite::Result<Vec<String>> {
    c.prepare_cached(
        "SELECT DISTINCT subject_id FROM audit
         WHERE action = ?1 AND outcome = 'ok' AND cert_issuer = ?2 AND cert_serial = ?3
           AND subject_id IN (SELECT subject_id FROM subjects)
         ORDER BY subject_id LIMIT 2",
    )?
    .query_map(
        params![crate::correction::AUDIT_ACTION, sign.issuer, sign.serial],
        |r| r.get(0),
    )?
    .collect()
}

/// See [`super::Storage::corrected_holder`].
pub(crate) fn corrected_holder(
    c: &Connection,
    sign: &LinkageKey,
) -> rusqlite::Result<Option<String>> {
    let mut holders = accepted_for(c, sign)?;
    Ok(match holders.len() {
        1 => holders.pop(),
        // None, or two (which the acceptance's transaction prevents): no holder.
        _ => None,
    })
}

/// See [`super::Storage::accept_correction`]: one IMMEDIATE transaction, serialised with the
/// enrollments (see [`crate::registry::Registry::enroll`]).
pub(crate) fn accept_correction(
    conn: &mut Connection,
    a: &CorrectionAcceptance<'_>,
    decide: &mut CorrectionRule<'_>,
) -> rusqlite::Result<Result<(String, LinkageKey), CorrectionRefusal>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (sign_holder, accepted): (Option<String>, Option<String>) = match a.refused {
        [sign] => (
            tx.query_row(
                "SELECT subject_id FROM sign_certificates WHERE issuer = ?1 AND serial = ?2",
                params![sign.issuer, sign.serial],
                |r| r.get(0),
            )
            .optional()?,
            accepted_for(&tx, sign)?.into_iter().next(),
        ),
        _ => (None, None),
    };
    let state = CorrectionState {
        auth: tx
            .query_row(
                "SELECT subject_id FROM auth_certificates WHERE issuer = ?1 AND serial = ?2",
                params![a.auth.issuer, a.auth.serial],
                |r| r.get(0),
            )
            .optional()?,
        refused_for: a.refused_for.to_owned(),
        refused: a.refused.to_vec(),
        sign_holder,
        accepted_for: accepted,
    };
    let (holder, sign) = match decide(&state) {
        Ok(d) => d,
        Err(refused) => return Ok(Err(refused)),
    };
    let row = AuditEvent {
        subject_id: Some(holder.clone()),
        certificate: Some((sign.issuer.clone(), sign.serial.clone())),
        ..a.audit.clone()
    };
    insert_audit(&tx, std::slice::from_ref(&row))?;
    tx.commit()?;
    Ok(Ok((holder, sign)))
}
