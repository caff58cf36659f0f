//! The registry and the audit trail in PostgreSQL: the same statements as the SQLite
//! registry ([`crate::registry`]), with `$n` parameters and `seq` for SQLite's `rowid`.

use counter_api::platform::ServiceLink;
use deadpool_postgres::GenericClient;
use jpki_cert::LinkageKey;
use madoguchi_time::UnixTime;

use super::postgres::pg;
use super::{StorageError, json_text};
use crate::audit::AuditEvent;
use crate::core::holder::{AttachRefusal, AttachState, CardHolders};
use crate::registry::{
    EnrollError, Enrolled, FederatedEnrollment, NewEnrollment, SignRecord, Stored, card_holders_of,
    replaced, stored_identity,
};
use crate::storage::{AuthAttachment, signature_linked_elsewhere};

/// The advisory lock every enrollment takes, as SQLite's IMMEDIATE transactions serialise
/// them: the holder is read, then written (any fixed number apart from the others).
pub(crate) const ENROLL_LOCK: i64 = 0x656e_726f_6c6c;

async fn one_string(
    c: &impl GenericClient,
    what: &'static str,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Option<String>, StorageError> {
    let e = pg(what);
    let st = c.prepare_cached(sql).await.map_err(&e)?;
    Ok(c.query_opt(&st, params)
        .await
        .map_err(&e)?
        .map(|r| r.get(0)))
}

/// The enrolled card with this authentication certificate, if any: one statement, in the
/// shape [`enrolled_of`] reads (the answer's statement,
/// [`super::postgres_challenges`], returns the same columns).
pub(crate) async fn lookup(
    c: &impl GenericClient,
    auth: &LinkageKey,
) -> Result<Option<Enrolled>, StorageError> {
    let e = pg("registry lookup");
    let st = c
        .prepare_cached(
            "SELECT a.subject_id, TRUE,
                ARRAY(SELECT link FROM service_links l WHERE l.subject_id = a.subject_id
                      ORDER BY linked_at, seq),
                s.root_key, s.serial, s.crl_scope, s.certificate
             FROM auth_certificates a LEFT JOIN LATERAL (
                SELECT root_key, serial, crl_scope, CASE WHEN crl_scope IS NULL THEN certificate END AS certificate
                FROM sign_certificates WHERE subject_id = a.subject_id
                ORDER BY linked_at DESC, seq DESC LIMIT 1
             ) s ON TRUE
             WHERE a.issuer = $1 AND a.serial = $2",
        )
        .await
        .map_err(&e)?;
    Ok(c.query_opt(&st, &[&auth.issuer, &auth.serial])
        .await
        .map_err(&e)?
        .map(|r| enrolled_of(&r)))
}

/// A card's record from a row of (holder, _, links, sign root key, sign serial, CRL scope,
/// certificate when the scope is not recorded).
pub(crate) fn enrolled_of(r: &tokio_postgres::Row) -> Enrolled {
    let links: Vec<String> = r.get(2);
    let root_key: Option<String> = r.get(3);
    let serial: Option<String> = r.get(4);
    let sign = root_key.zip(serial).map(|(root_key, serial)| SignRecord {
        root_key,
        serial,
        scope: crate::registry::sign_scope(r.get(5), r.get(6)),
    });
    Enrolled {
        subject_id: r.get(0),
        links: parse_links(&links),
        sign,
    }
}

/// A holder's links as stored: written by `enroll` from a validated ServiceLink; a row
/// that does not parse is skipped rather than failing every identification of the holder.
fn parse_links(links: &[String]) -> Vec<ServiceLink> {
    links
        .iter()
        .filter_map(|l| serde_json::from_str::<ServiceLink>(l).ok())
        .collect()
}

/// The holder a peer knows as `peer_subject`, with their links and the signature
/// certificate of their latest signed application: one statement.
pub(crate) async fn lookup_federated(
    c: &impl GenericClient,
    peer: &str,
    peer_subject: &str,
) -> Result<Option<Enrolled>, StorageError> {
    let e = pg("registry lookup");
    let st = c
        .prepare_cached(
            "SELECT f.subject_id, f.sign_root_key, f.sign_serial, f.sign_crl_scope,
                ARRAY(SELECT link FROM service_links l WHERE l.subject_id = f.subject_id
                      ORDER BY linked_at, seq)
             FROM federated_subjects f WHERE f.peer = $1 AND f.peer_subject = $2",
        )
        .await
        .map_err(&e)?;
    Ok(c.query_opt(&st, &[&peer, &peer_subject])
        .await
        .map_err(&e)?
        .map(|r| {
            let links: Vec<String> = r.get(4);
            Enrolled {
                subject_id: r.get(0),
                links: parse_links(&links),
                sign: crate::registry::federated_sign(r.get(1), r.get(2), r.get(3)),
            }
        }))
}

/// The holder a peer knows as `peer_subject`.
pub(crate) async fn federated_subject(
    c: &impl GenericClient,
    peer: &str,
    peer_subject: &str,
) -> Result<Option<String>, StorageError> {
    one_string(
        c,
        "registry lookup",
        "SELECT subject_id FROM federated_subjects WHERE peer = $1 AND peer_subject = $2",
        &[&peer, &peer_subject],
    )
    .await
}

/// The holders of the authentication certificate `auth` (with its holder's latest signature
/// certificate) and of the signature certificate `sign`, each looked up on its own (see
/// [`crate::registry::Registry::card_holders`]).
pub(crate) async fn card_holders(
    c: &impl GenericClient,
    auth: &LinkageKey,
    sign: &LinkageKey,
) -> Result<CardHolders, StorageError> {
    let e = pg("registry lookup");
    let st = c
        .prepare_cached(
            "SELECT a.subject_id,
                    (SELECT certificate FROM sign_certificates s WHERE s.subject_id = a.subject_id
                     ORDER BY s.linked_at DESC, s.seq DESC LIMIT 1),
                    (SELECT subject_id FROM sign_certificates WHERE issuer = $3 AND serial = $4)
             FROM (SELECT (SELECT subject_id FROM auth_certificates
                           WHERE issuer = $1 AND serial = $2) AS subject_id) a",
        )
        .await
        .map_err(&e)?;
    let r = c
        .query_one(
            &st,
            &[&auth.issuer, &auth.serial, &sign.issuer, &sign.serial],
        )
        .await
        .map_err(&e)?;
    card_holders_of(r.get(0), r.get(1), r.get(2))
}

/// The holders the refused enrollments of `auth` name (see
/// [`crate::storage::Storage::refused_holders`]): one read, outside any transaction.
pub(crate) async fn refused_holders(
    c: &impl GenericClient,
    auth: &LinkageKey,
) -> Result<Vec<String>, StorageError> {
    let (action, outcome, reason) = signature_linked_elsewhere();
    Ok(c.query(
        super::audit_scans::REFUSED_HOLDERS,
        &[&action, &outcome, &reason, &auth.issuer, &auth.serial],
    )
    .await
    .map_err(pg("attachment evidence"))?
    .iter()
    .map(|r| r.get(0))
    .collect())
}

/// Attaches an authentication certificate to the holder `decide` names, in one transaction
/// serialised with the enrollments (see [`crate::storage::Storage::attach_auth`]).
pub(crate) async fn attach_auth(
    c: &mut deadpool_postgres::Client,
    a: &AuthAttachment<'_>,
    decide: &mut dyn FnMut(&AttachState) -> Result<String, AttachRefusal>,
) -> Result<Result<String, AttachRefusal>, StorageError> {
    let e = pg("attachment");
    let tx = c.transaction().await.map_err(&e)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ENROLL_LOCK])
        .await
        .map_err(&e)?;
    let holder_birth_date = match a.refused_for {
        [holder] => tx
            .query_opt(
                "SELECT certificate FROM sign_certificates WHERE subject_id = $1
                 ORDER BY linked_at DESC, seq DESC LIMIT 1",
                &[holder],
            )
            .await
            .map_err(&e)?
            .map(|r| stored_identity(r.get(0)))
            .transpose()?
            .map(|identity| identity.birth_date),
        _ => None,
    };
    let auth = one_string(
        &tx,
        "attachment",
        "SELECT subject_id FROM auth_certificates WHERE issuer = $1 AND serial = $2",
        &[&a.auth.issuer, &a.auth.serial],
    )
    .await?;
    let state = AttachState {
        refused_for: a.refused_for.to_vec(),
        auth,
        holder_birth_date,
    };
    let holder = match decide(&state) {
        Ok(h) => h,
        Err(refused) => return Ok(Err(refused)),
    };
    tx.execute(
        "INSERT INTO auth_certificates (issuer, serial, subject_id, enrollment_id, linked_at)
         VALUES ($1, $2, $3, $4, $5)",
        &[
            &a.auth.issuer,
            &a.auth.serial,
            &holder,
            &a.attachment_id,
            &a.now.as_secs(),
        ],
    )
    .await
    .map_err(&e)?;
    let row = AuditEvent {
        subject_id: Some(holder.clone()),
        ..a.audit.clone()
    };
    insert_audit(&tx, std::slice::from_ref(&row)).await?;
    tx.commit().await.map_err(&e)?;
    Ok(Ok(holder))
}

pub(crate) async fn links_of(
    c: &impl GenericClient,
    subject_id: &str,
) -> Result<Vec<ServiceLink>, StorageError> {
    let e = pg("registry links");
    let st = c
        .prepare_cached(
            "SELECT link FROM service_links WHERE subject_id = $1 ORDER BY linked_at, seq",
        )
        .await
        .map_err(&e)?;
    let rows = c.query(&st, &[&subject_id]).await.map_err(&e)?;
    // Written by `enroll` from a validated ServiceLink; a row that does not parse is
    // skipped rather than failing every identification of the holder.
    Ok(rows
        .iter()
        .filter_map(|r| serde_json::from_str::<ServiceLink>(r.get(0)).ok())
        .collect())
}

async fn upsert_link(
    c: &impl GenericClient,
    subject_id: &str,
    link: &ServiceLink,
    enrollment_id: &str,
    now: UnixTime,
) -> Result<(), StorageError> {
    let e = pg("registry link");
    let json = json_text("service link", link)?;
    let st = c
        .prepare_cached(
            "INSERT INTO service_links (subject_id, service_id, link, enrollment_id, linked_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (subject_id, service_id) DO UPDATE SET link = excluded.link,
                 enrollment_id = excluded.enrollment_id, linked_at = excluded.linked_at",
        )
        .await
        .map_err(&e)?;
    c.execute(
        &st,
        &[
            &subject_id,
            &link.service_id(),
            &json,
            &enrollment_id,
            &now.as_secs(),
        ],
    )
    .await
    .map_err(&e)?;
    Ok(())
}

/// Appends audit rows in one statement (one round trip for a whole batch).
pub(crate) async fn insert_audit(
    c: &impl GenericClient,
    rows: &[AuditEvent],
) -> Result<(), StorageError> {
    if rows.is_empty() {
        return Ok(());
    }
    let e = pg("audit");
    let at: Vec<i64> = rows.iter().map(|r| r.at.as_secs()).collect();
    let terminal: Vec<Option<&str>> = rows.iter().map(|r| r.terminal_id.as_deref()).collect();
    let action: Vec<&str> = rows.iter().map(|r| r.action).collect();
    let outcome: Vec<&str> = rows.iter().map(|r| r.outcome.as_str()).collect();
    let reason: Vec<Option<&str>> = rows.iter().map(|r| r.reason.as_deref()).collect();
    let challenge: Vec<Option<&str>> = rows.iter().map(|r| r.challenge_id.as_deref()).collect();
    let subject: Vec<Option<&str>> = rows.iter().map(|r| r.subject_id.as_deref()).collect();
    let issuer: Vec<Option<&str>> = rows
        .iter()
        .map(|r| r.certificate.as_ref().map(|c| c.0.as_str()))
        .collect();
    let serial: Vec<Option<&str>> = rows
        .iter()
        .map(|r| r.certificate.as_ref().map(|c| c.1.as_str()))
        .collect();
    let st = c
        .prepare_cached(
            "INSERT INTO audit (at, terminal_id, action, outcome, reason, challenge_id, subject_id, cert_issuer, cert_serial)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                                  $6::text[], $7::text[], $8::text[], $9::text[])",
        )
        .await
        .map_err(&e)?;
    c.execute(
        &st,
        &[
            &at, &terminal, &action, &outcome, &reason, &challenge, &subject, &issuer, &serial,
        ],
    )
    .await
    .map_err(&e)?;
    Ok(())
}

/// Stores a verified enrollment and its audit rows in one transaction (see
/// [`crate::registry::Registry::enroll`] for the rules).
pub(crate) async fn enroll(
    c: &mut deadpool_postgres::Client,
    n: &NewEnrollment<'_>,
    audit: &[AuditEvent],
) -> Result<Stored, EnrollError> {
    let e = pg("enrollment");
    let tx = c.transaction().await.map_err(&e)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ENROLL_LOCK])
        .await
        .map_err(&e)?;
    let (subject_id, new) = n.subject;
    let holders = card_holders(&tx, n.auth, n.sign).await?;
    let decided = holders
        .holder(n.sign_facts, n.corrected_for)
        .map_err(|c| EnrollError::conflict(&holders, c))?;
    match (decided, new) {
        (Some(known), false) if known == subject_id => {}
        (None, true) => {
            tx.execute(
                "INSERT INTO subjects (subject_id, created_at) VALUES ($1, $2)",
                &[&subject_id, &n.now.as_secs()],
            )
            .await
            .map_err(&e)?;
        }
        _ => return Err(EnrollError::Raced),
    }
    let app_json = json_text("application", n.application)?;
    tx.execute(
        "INSERT INTO enrollments (enrollment_id, subject_id, terminal_id, at, application, application_signature)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[&n.enrollment_id, &subject_id, &n.terminal_id, &n.now.as_secs(), &app_json, &n.application_signature],
    )
    .await
    .map_err(&e)?;
    tx.execute(
        "INSERT INTO auth_certificates (issuer, serial, subject_id, enrollment_id, linked_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (issuer, serial) DO UPDATE SET enrollment_id = excluded.enrollment_id, linked_at = excluded.linked_at",
        &[&n.auth.issuer, &n.auth.serial, &subject_id, &n.enrollment_id, &n.now.as_secs()],
    )
    .await
    .map_err(&e)?;
    tx.execute(
        "INSERT INTO sign_certificates (issuer, serial, root_key, subject_id, enrollment_id, certificate, linked_at, crl_scope)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (issuer, serial) DO UPDATE SET enrollment_id = excluded.enrollment_id,
             linked_at = excluded.linked_at, crl_scope = excluded.crl_scope",
        &[
            &n.sign.issuer,
            &n.sign.serial,
            &n.sign_root_key,
            &subject_id,
            &n.enrollment_id,
            &n.sign_der,
            &n.now.as_secs(),
            &n.sign_crl_scope.unwrap_or_default(),
        ],
    )
    .await
    .map_err(&e)?;
    let before = links_of(&tx, subject_id).await?;
    for link in n.links {
        upsert_link(&tx, subject_id, link, n.enrollment_id, n.now).await?;
    }
    insert_audit(&tx, audit).await?;
    let links = links_of(&tx, subject_id).await?;
    tx.commit().await.map_err(&e)?;
    Ok(Stored {
        links,
        replaced: replaced(before, n.links),
    })
}

/// Stores a federated enrollment and its audit rows in one transaction (see
/// [`crate::registry::Registry::enroll_federated`] for the rules).
pub(crate) async fn enroll_federated(
    c: &mut deadpool_postgres::Client,
    f: &FederatedEnrollment<'_>,
    audit: &[AuditEvent],
) -> Result<Stored, EnrollError> {
    let e = pg("federated enrollment");
    let tx = c.transaction().await.map_err(&e)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ENROLL_LOCK])
        .await
        .map_err(&e)?;
    let (subject_id, new) = f.subject;
    match (federated_subject(&tx, f.peer, f.peer_subject).await?, new) {
        (Some(known), false) if known == subject_id => {}
        (None, true) => {
            tx.execute(
                "INSERT INTO subjects (subject_id, created_at) VALUES ($1, $2)",
                &[&subject_id, &f.now.as_secs()],
            )
            .await
            .map_err(&e)?;
            tx.execute(
                "INSERT INTO federated_subjects (peer, peer_subject, subject_id, linked_at) VALUES ($1, $2, $3, $4)",
                &[&f.peer, &f.peer_subject, &subject_id, &f.now.as_secs()],
            )
            .await
            .map_err(&e)?;
        }
        _ => return Err(EnrollError::Raced),
    }
    if let Some(sign) = &f.sign {
        tx.execute(
            "UPDATE federated_subjects SET sign_root_key = $3, sign_serial = $4, sign_crl_scope = $5
             WHERE peer = $1 AND peer_subject = $2",
            &[
                &f.peer,
                &f.peer_subject,
                &sign.root_key,
                &sign.sign.serial,
                &sign.crl_scope.unwrap_or_default(),
            ],
        )
        .await
        .map_err(&e)?;
    }
    let record =
        serde_json::json!({ "federated_from": f.peer, "jti": f.jti, "services": f.services });
    tx.execute(
        "INSERT INTO enrollments (enrollment_id, subject_id, terminal_id, at, application, application_signature)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[&f.enrollment_id, &subject_id, &f.terminal_id, &f.now.as_secs(), &record.to_string(), &Vec::<u8>::new()],
    )
    .await
    .map_err(&e)?;
    let before = links_of(&tx, subject_id).await?;
    for link in f.services {
        upsert_link(&tx, subject_id, link, f.enrollment_id, f.now).await?;
    }
    insert_audit(&tx, audit).await?;
    let links = links_of(&tx, subject_id).await?;
    tx.commit().await.map_err(&e)?;
    Ok(Stored {
        links,
        replaced: replaced(before, f.services),
    })
}
