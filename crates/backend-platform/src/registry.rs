//! The linkage registry (SQLite): which authentication certificate belongs to which
//! enrolled holder, which services the holder linked, and the signature certificate used
//! at enrollment (to flag its later revocation).
//!
//! Only the platform keeps certificate serial numbers: it is the authorised verifier
//! (eligibility.md §3.3). Services receive pairwise pseudonyms derived from `subject_id`,
//! a random id that is not derived from any serial.

use std::path::Path;
use std::sync::Mutex;

use backend_kit::sqlite::{DbError, open};
use counter_api::platform::{Application, ServiceLink};
use jpki_cert::LinkageKey;
use rusqlite::{Connection, OptionalExtension, params};

pub use crate::schema::MIGRATIONS;

/// What the registry knows of an enrolled card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrolled {
    /// The holder's registry id.
    pub subject_id: String,
    /// Linked services (as enrolled).
    pub links: Vec<ServiceLink>,
    /// The latest signature certificate: (root key hash hex, serial hex).
    pub sign: Option<(String, String)>,
}

/// A verified enrollment to store.
#[derive(Debug)]
pub struct NewEnrollment<'a> {
    /// Fresh random id.
    pub enrollment_id: &'a str,
    /// Fresh random id, used when neither certificate is known yet.
    pub new_subject_id: &'a str,
    /// The terminal.
    pub terminal_id: &'a str,
    /// The authentication certificate's (issuer, serial).
    pub auth: &'a LinkageKey,
    /// The signature certificate's (issuer, serial).
    pub sign: &'a LinkageKey,
    /// SHA-256 of the sign root's SPKI, hex (the CRL index key).
    pub sign_root_key: &'a str,
    /// The signature certificate, DER.
    pub sign_der: &'a [u8],
    /// The application as signed.
    pub application: &'a Application,
    /// Its signature.
    pub application_signature: &'a [u8],
    /// Now.
    pub now: i64,
}

/// A federated enrollment to store (see [`Registry::enroll_federated`]).
#[derive(Debug)]
pub struct FederatedEnrollment<'a> {
    /// Fresh random id.
    pub enrollment_id: &'a str,
    /// Fresh random id, used when the peer's subject is not linked yet.
    pub new_subject_id: &'a str,
    /// The terminal.
    pub terminal_id: &'a str,
    /// The peer platform (`iss`).
    pub peer: &'a str,
    /// The peer's pairwise subject for this platform (`sub`).
    pub peer_subject: &'a str,
    /// The peer assertion's `jti` (evidence of which identification it rests on).
    pub jti: &'a str,
    /// The links.
    pub services: &'a [ServiceLink],
    /// Now.
    pub now: i64,
}

/// The registry.
#[derive(Debug)]
pub struct Registry {
    conn: Mutex<Connection>,
}

fn db(e: rusqlite::Error) -> DbError {
    DbError::Sqlite {
        path: "registry".into(),
        source: e,
    }
}

impl Registry {
    /// Opens (and migrates) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        Ok(Self {
            conn: Mutex::new(open(path, MIGRATIONS)?),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        match self.conn.lock() {
            Ok(g) => g,
            // A panic while holding the lock cannot leave SQLite inconsistent (transactions
            // roll back on drop), so the connection stays usable.
            Err(p) => p.into_inner(),
        }
    }

    /// The enrolled card with this authentication certificate, if any.
    pub fn lookup(&self, auth: &LinkageKey) -> Result<Option<Enrolled>, DbError> {
        let conn = self.lock();
        let subject: Option<String> = conn
            .prepare_cached(
                "SELECT subject_id FROM auth_certificates WHERE issuer = ?1 AND serial = ?2",
            )
            .and_then(|mut s| {
                s.query_row(params![auth.issuer, auth.serial], |r| r.get(0))
                    .optional()
            })
            .map_err(db)?;
        let Some(subject_id) = subject else {
            return Ok(None);
        };
        let links = links_of(&conn, &subject_id)?;
        let sign = conn
            .prepare_cached(
                "SELECT root_key, serial FROM sign_certificates WHERE subject_id = ?1 ORDER BY linked_at DESC LIMIT 1",
            )
            .and_then(|mut s| s.query_row(params![subject_id], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(db)?;
        Ok(Some(Enrolled {
            subject_id,
            links,
            sign,
        }))
    }

    /// The holder a peer platform knows as `peer_subject` (its pairwise subject for this
    /// platform), if they enrolled here through that peer.
    pub fn lookup_federated(
        &self,
        peer: &str,
        peer_subject: &str,
    ) -> Result<Option<Enrolled>, DbError> {
        let conn = self.lock();
        let subject: Option<String> = conn
            .prepare_cached(
                "SELECT subject_id FROM federated_subjects WHERE peer = ?1 AND peer_subject = ?2",
            )
            .and_then(|mut s| {
                s.query_row(params![peer, peer_subject], |r| r.get(0))
                    .optional()
            })
            .map_err(db)?;
        let Some(subject_id) = subject else {
            return Ok(None);
        };
        Ok(Some(Enrolled {
            links: links_of(&conn, &subject_id)?,
            subject_id,
            sign: None,
        }))
    }

    /// Links services for the holder a peer platform identified as `peer_subject` (a new
    /// holder here unless already linked); returns the holder's id and all their links.
    pub fn enroll_federated(
        &self,
        e: &FederatedEnrollment<'_>,
    ) -> Result<(String, Vec<ServiceLink>), DbError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(db)?;
        let known: Option<String> = tx
            .query_row(
                "SELECT subject_id FROM federated_subjects WHERE peer = ?1 AND peer_subject = ?2",
                params![e.peer, e.peer_subject],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        let subject_id = match known {
            Some(s) => s,
            None => {
                tx.execute(
                    "INSERT INTO subjects (subject_id, created_at) VALUES (?1, ?2)",
                    params![e.new_subject_id, e.now],
                )
                .map_err(db)?;
                tx.execute(
                    "INSERT INTO federated_subjects (peer, peer_subject, subject_id, linked_at) VALUES (?1, ?2, ?3, ?4)",
                    params![e.peer, e.peer_subject, e.new_subject_id, e.now],
                )
                .map_err(db)?;
                e.new_subject_id.to_owned()
            }
        };
        let record =
            serde_json::json!({ "federated_from": e.peer, "jti": e.jti, "services": e.services });
        tx.execute(
            "INSERT INTO enrollments (enrollment_id, subject_id, terminal_id, at, application, application_signature)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![e.enrollment_id, subject_id, e.terminal_id, e.now, record.to_string(), Vec::<u8>::new()],
        )
        .map_err(db)?;
        for link in e.services {
            upsert_link(&tx, &subject_id, link, e.enrollment_id, e.now)?;
        }
        tx.commit().map_err(db)?;
        let links = links_of(&conn, &subject_id)?;
        Ok((subject_id, links))
    }

    /// Stores a verified enrollment in one transaction: the holder is the one already
    /// linked to this authentication or signature certificate, else a new one; the links
    /// named replace earlier links to the same services. Returns the holder's id and all
    /// their links.
    pub fn enroll(&self, e: &NewEnrollment<'_>) -> Result<(String, Vec<ServiceLink>), DbError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(db)?;
        let known: Option<String> = tx
            .query_row(
                "SELECT subject_id FROM auth_certificates WHERE issuer = ?1 AND serial = ?2
                 UNION ALL
                 SELECT subject_id FROM sign_certificates WHERE issuer = ?3 AND serial = ?4
                 LIMIT 1",
                params![e.auth.issuer, e.auth.serial, e.sign.issuer, e.sign.serial],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        let subject_id = match known {
            Some(s) => s,
            None => {
                tx.execute(
                    "INSERT INTO subjects (subject_id, created_at) VALUES (?1, ?2)",
                    params![e.new_subject_id, e.now],
                )
                .map_err(db)?;
                e.new_subject_id.to_owned()
            }
        };
        let app_json = serde_json::to_string(e.application).unwrap_or_default();
        tx.execute(
            "INSERT INTO enrollments (enrollment_id, subject_id, terminal_id, at, application, application_signature)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![e.enrollment_id, subject_id, e.terminal_id, e.now, app_json, e.application_signature],
        )
        .map_err(db)?;
        tx.execute(
            "INSERT INTO auth_certificates (issuer, serial, subject_id, enrollment_id, linked_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (issuer, serial) DO UPDATE SET enrollment_id = excluded.enrollment_id, linked_at = excluded.linked_at",
            params![e.auth.issuer, e.auth.serial, subject_id, e.enrollment_id, e.now],
        )
        .map_err(db)?;
        tx.execute(
            "INSERT INTO sign_certificates (issuer, serial, root_key, subject_id, enrollment_id, certificate, linked_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (issuer, serial) DO UPDATE SET enrollment_id = excluded.enrollment_id, linked_at = excluded.linked_at",
            params![e.sign.issuer, e.sign.serial, e.sign_root_key, subject_id, e.enrollment_id, e.sign_der, e.now],
        )
        .map_err(db)?;
        for link in &e.application.services {
            tx.execute(
                "INSERT INTO service_links (subject_id, service_id, link, enrollment_id, linked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (subject_id, service_id) DO UPDATE SET link = excluded.link,
                     enrollment_id = excluded.enrollment_id, linked_at = excluded.linked_at",
                params![
                    subject_id,
                    link.service_id(),
                    serde_json::to_string(link).unwrap_or_default(),
                    e.enrollment_id,
                    e.now
                ],
            )
            .map_err(db)?;
        }
        tx.commit().map_err(db)?;
        drop(conn);
        let links = self.lookup(e.auth)?.map(|en| en.links).unwrap_or_default();
        Ok((subject_id, links))
    }
}

fn links_of(conn: &Connection, subject_id: &str) -> Result<Vec<ServiceLink>, DbError> {
    let mut links = Vec::new();
    let mut stmt = conn
        .prepare_cached(
            "SELECT link FROM service_links WHERE subject_id = ?1 ORDER BY linked_at, rowid",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map(params![subject_id], |r| r.get::<_, String>(0))
        .map_err(db)?;
    for row in rows {
        let json = row.map_err(db)?;
        // Written by `enroll` from a validated ServiceLink; a row that does not parse is
        // skipped rather than failing every identification of the holder.
        if let Ok(link) = serde_json::from_str::<ServiceLink>(&json) {
            links.push(link);
        }
    }
    Ok(links)
}

fn upsert_link(
    tx: &Connection,
    subject_id: &str,
    link: &ServiceLink,
    enrollment_id: &str,
    now: i64,
) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO service_links (subject_id, service_id, link, enrollment_id, linked_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (subject_id, service_id) DO UPDATE SET link = excluded.link,
             enrollment_id = excluded.enrollment_id, linked_at = excluded.linked_at",
        params![
            subject_id,
            link.service_id(),
            serde_json::to_string(link).unwrap_or_default(),
            enrollment_id,
            now
        ],
    )
    .map_err(db)?;
    Ok(())
}
