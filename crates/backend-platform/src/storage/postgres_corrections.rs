//! The PostgreSQL storage's part of the operator's acceptance of a legally changed birth
//! date or sex: the same statements as the SQLite storage's
//! ([`super::sqlite_corrections`]), with `$n` parameters.

use deadpool_postgres::GenericClient;
use jpki_cert::LinkageKey;

use super::postgres::pg;
use super::postgres_registry::{ENROLL_LOCK, insert_audit};
use super::{CorrectionAcceptance, CorrectionRule, StorageError, signature_of_another_person};
use crate::audit::AuditEvent;
use crate::core::correction::{CorrectionRefusal, CorrectionState};

/// See [`super::Storage::refused_corrections`]: one read, outside any transaction.
pub(crate) async fn refused_corrections(
    c: &impl GenericClient,
    holder: &str,
) -> Result<Vec<LinkageKey>, StorageError> {
    // The outcome is the literal of the statement (see super::audit_scans).
    let (action, _, reason) = signature_of_another_person();
    Ok(c.query(
        super::audit_scans::REFUSED_CORRECTIONS,
        &[&action, &reason, &holder],
    )
    .await
    .map_err(pg("correction evidence"))?
    .iter()
    .map(|r| LinkageKey {
        issuer: r.get(0),
        serial: r.get(1),
    })
    .collect())
}

/// The stored holders the signature certificate `sign` was accepted for (at most two).
async fn accepted_for(
    c: &impl GenericClient,
    sign: &LinkageKey,
) -> Result<Vec<String>, StorageError> {
    Ok(c.query(
        "SELECT DISTINCT subject_id FROM audit
             WHERE action = $1 AND outcome = 'ok' AND cert_issuer = $2 AND cert_serial = $3
               AND subject_id IN (SELECT subject_id FROM subjects)
             ORDER BY subject_id LIMIT 2",
        &[&crate::correction::AUDIT_ACTION, &sign.issuer, &sign.serial],
    )
    .await
    .map_err(pg("accepted corrections"))?
    .iter()
    .map(|r| r.get(0))
    .collect())
}

/// See [`super::Storage::corrected_holder`].
pub(crate) async fn corrected_holder(
    c: &impl GenericClient,
    sign: &LinkageKey,
) -> Result<Option<String>, StorageError> {
    let mut holders = accepted_for(c, sign).await?;
    Ok(match holders.len() {
        1 => holders.pop(),
        // None, or two (which the acceptance's transaction prevents): no holder.
        _ => None,
    })
}

/// See [`super::Storage::accept_correction`]: one transaction, serialised with the
/// enrollments by their advisory lock.
pub(crate) async fn accept_correction(
    c: &mut deadpool_postgres::Client,
    a: &CorrectionAcceptance<'_>,
    decide: &mut CorrectionRule<'_>,
) -> Result<Result<(String, LinkageKey), CorrectionRefusal>, StorageError> {
    let e = pg("correction");
    let tx = c.transaction().await.map_err(&e)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ENROLL_LOCK])
        .await
        .map_err(&e)?;
    let (sign_holder, accepted): (Option<String>, Option<String>) = match a.refused {
        [sign] => (
            tx.query_opt(
                "SELECT subject_id FROM sign_certificates WHERE issuer = $1 AND serial = $2",
                &[&sign.issuer, &sign.serial],
            )
            .await
            .map_err(&e)?
            .map(|r| r.get(0)),
            accepted_for(&tx, sign).await?.into_iter().next(),
        ),
        _ => (None, None),
    };
    let auth: Option<String> = tx
        .query_opt(
            "SELECT subject_id FROM auth_certificates WHERE issuer = $1 AND serial = $2",
            &[&a.auth.issuer, &a.auth.serial],
        )
        .await
        .map_err(&e)?
        .map(|r| r.get(0));
    let state = CorrectionState {
        auth,
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
    insert_audit(&tx, std::slice::from_ref(&row)).await?;
    tx.commit().await.map_err(&e)?;
    Ok(Ok((holder, sign)))
}
