//! The linkage registry: which authentication certificate belongs to which
//! enrolled holder, which services the holder linked, and the signature certificate used
//! at enrollment (to flag its later revocation).
//!
//! Only the platform keeps certificate serial numbers: it is the authorised verifier
//! (docs/domain/eligibility.md §3.3). Services receive pairwise pseudonyms derived from `subject_id`,
//! a random id that is not derived from any serial.
//!
//! The types here are the storage interface's ([`crate::storage::Storage`]); [`Registry`]
//! is the SQLite storage's part that keeps them.

use std::path::Path;
use std::sync::Mutex;

use backend_kit::sqlite::{DbError, open};
use counter_api::platform::{Application, ServiceLink};
use jpki_cert::LinkageKey;
use madoguchi_time::UnixTime;
use rusqlite::{Connection, OptionalExtension, params};

use crate::audit::AuditEvent;
use crate::core::holder::{
    AttachRefusal, AttachState, AuthHolder, CardHolders, HolderConflict, LastingFacts,
};
use crate::storage::sqlite::insert_audit;
use crate::storage::{AuthAttachment, StorageError, json_text, signature_linked_elsewhere};

pub use crate::schema::MIGRATIONS;

/// What the registry knows of an enrolled card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrolled {
    /// The holder's registry id.
    pub subject_id: String,
    /// Linked services (as enrolled).
    pub links: Vec<ServiceLink>,
    /// The latest signature certificate linked.
    pub sign: Option<SignRecord>,
}

/// The signature certificate linked at enrollment, as needed to tell whether it has been
/// revoked since (the holder moved or was renamed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignRecord {
    /// SHA-256 of its root's SPKI, hex (the CRL index key).
    pub root_key: String,
    /// Its serial, hex.
    pub serial: String,
    /// Its CRL scope.
    pub scope: SignScope,
}

/// Which CRL covers a linked signature certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignScope {
    /// Its distribution points (DirName DERs); empty: the root's full CRL.
    Known(Vec<Vec<u8>>),
    /// Not recorded (enrolled before the scope was kept): the certificate, DER, to read
    /// them from.
    Certificate(Vec<u8>),
}

/// A verified enrollment to store.
#[derive(Debug)]
pub struct NewEnrollment<'a> {
    /// Fresh random id.
    pub enrollment_id: &'a str,
    /// The terminal.
    pub terminal_id: &'a str,
    /// The authentication certificate's (issuer, serial).
    pub auth: &'a LinkageKey,
    /// The signature certificate's (issuer, serial).
    pub sign: &'a LinkageKey,
    /// SHA-256 of the sign root's SPKI, hex (the CRL index key).
    pub sign_root_key: &'a str,
    /// The signature certificate's first CRL distribution point (DirName DER), if any.
    pub sign_crl_scope: Option<&'a [u8]>,
    /// The signature certificate, DER.
    pub sign_der: &'a [u8],
    /// Its birth date and sex, which the rule compares with the holder's latest signature
    /// certificate when this one is new ([`crate::core::holder`]).
    pub sign_facts: &'a LastingFacts,
    /// The holder the operator accepted this signature certificate for, its birth date or
    /// sex having been legally changed ([`crate::storage::Storage::corrected_holder`], read
    /// before: an acceptance is never withdrawn).
    pub corrected_for: Option<&'a str>,
    /// The application as signed.
    pub application: &'a Application,
    /// The links to store: those their service confirmed (and peer platforms).
    pub links: &'a [ServiceLink],
    /// The holder the links were confirmed for: its registry id, and whether it is new.
    /// The enrollment fails with [`EnrollError::Raced`] when the registry says otherwise.
    pub subject: (&'a str, bool),
    /// Its signature.
    pub application_signature: &'a [u8],
    /// Now.
    pub now: UnixTime,
}

/// A federated enrollment to store (see [`Registry::enroll_federated`]).
#[derive(Debug)]
pub struct FederatedEnrollment<'a> {
    /// Fresh random id.
    pub enrollment_id: &'a str,
    /// The holder the links were confirmed for: its registry id, and whether it is new.
    pub subject: (&'a str, bool),
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
    /// The signature certificate of the signed application, when one came (it was verified
    /// here): kept as the holder's latest, for identification's notices.
    pub sign: Option<FederatedSign<'a>>,
    /// Now.
    pub now: UnixTime,
}

/// The verified signature certificate of a federated enrollment.
#[derive(Debug)]
pub struct FederatedSign<'a> {
    /// Its (issuer, serial).
    pub sign: &'a LinkageKey,
    /// SHA-256 of its root's SPKI, hex (the CRL index key).
    pub root_key: &'a str,
    /// Its first CRL distribution point (DirName DER), if any.
    pub crl_scope: Option<&'a [u8]>,
}

/// WAL pages past which a commit of the registry's connection checkpoints (see
/// [`Registry::open`]).
const WAL_CHECKPOINT_PAGES: i64 = 10_000;

/// The registry in SQLite.
#[derive(Debug)]
pub struct Registry {
    conn: Mutex<Connection>,
}

/// Why an enrollment was not stored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnrollError {
    /// The storage.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Another enrollment of the same card changed its holder while the services confirmed
    /// the links (for another `sub`): nothing was stored; enrol again.
    #[error("another enrollment of this card was stored meanwhile")]
    Raced,
    /// The card's two certificates do not fit one holder ([`crate::core::holder`]), as the
    /// store's transaction found them: nothing was stored.
    #[error("{conflict}")]
    Conflict {
        /// The conflict.
        conflict: HolderConflict,
        /// The holder the refusal's audit row names ([`CardHolders::named_by`]), as the
        /// transaction read it: the enrollment's own holder, decided before, may be
        /// another or none.
        named: Option<String>,
    },
}

impl EnrollError {
    /// The refusal of `conflict` between the card's certificates `holders`.
    pub fn conflict(holders: &CardHolders, conflict: HolderConflict) -> Self {
        EnrollError::Conflict {
            named: holders.named_by(&conflict).map(str::to_owned),
            conflict,
        }
    }
}

impl From<DbError> for EnrollError {
    fn from(e: DbError) -> Self {
        EnrollError::Storage(StorageError::Sqlite(e))
    }
}

/// What a stored enrollment changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    /// Every link of the holder now.
    pub links: Vec<ServiceLink>,
    /// Links of the same services that were replaced by other data (the services should
    /// release them).
    pub replaced: Vec<ServiceLink>,
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
        let conn = open(path, MIGRATIONS)?;
        // This connection writes every challenge and audit row. A commit that brings the WAL
        // past this many pages checkpoints it (copies its pages into the database file and
        // `fsync`s both) on the committing thread: SQLite's default of 1,000 pages (4 MB)
        // meant one checkpoint every hundred or so identifications, a tenth of the storage's
        // CPU in the load bench. At 10,000 pages (40 MB of WAL) a checkpoint comes ten times
        // less often and copies each page once however often it changed in between.
        // Durability is unchanged: a commit is in the WAL either way (`synchronous = NORMAL`).
        conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)
            .map_err(db)?;
        Ok(Self {
            conn: Mutex::new(conn),
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

    /// The connection (the SQLite storage's challenges and audit rows share it, so that one
    /// connection's page cache serves the whole identification: SQLite drops a connection's
    /// cache whenever another connection has committed since its last transaction).
    pub(crate) fn connection(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.lock()
    }

    /// The connection's lock itself (the SQLite storage's group commit takes it).
    pub(crate) fn connection_lock(&self) -> &Mutex<Connection> {
        &self.conn
    }

    /// The enrolled card with this authentication certificate, if any (one read
    /// transaction).
    pub fn lookup(&self, auth: &LinkageKey) -> Result<Option<Enrolled>, DbError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(db)?;
        let found = match subject_of(&tx, auth)? {
            Some(subject_id) => Some(enrolled(&tx, subject_id)?),
            None => None,
        };
        tx.commit().map_err(db)?;
        Ok(found)
    }

    /// The holder a peer platform knows as `peer_subject` (its pairwise subject for this
    /// platform), if they enrolled here through that peer, with the signature certificate
    /// of their latest signed application (one read transaction).
    pub fn lookup_federated(
        &self,
        peer: &str,
        peer_subject: &str,
    ) -> Result<Option<Enrolled>, DbError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(db)?;
        let found = tx
            .prepare_cached(
                "SELECT subject_id, sign_root_key, sign_serial, sign_crl_scope
                 FROM federated_subjects WHERE peer = ?1 AND peer_subject = ?2",
            )
            .and_then(|mut s| {
                s.query_row(params![peer, peer_subject], |r| {
                    let subject_id: String = r.get(0)?;
                    let sign = federated_sign(r.get(1)?, r.get(2)?, r.get(3)?);
                    Ok((subject_id, sign))
                })
                .optional()
            })
            .map_err(db)?;
        let Some((subject_id, sign)) = found else {
            return Ok(None);
        };
        let links = links_of(&tx, &subject_id)?;
        tx.commit().map_err(db)?;
        Ok(Some(Enrolled {
            links,
            subject_id,
            sign,
        }))
    }

    /// The holder a peer platform knows as `peer_subject`, if already linked here.
    pub fn federated_subject(
        &self,
        peer: &str,
        peer_subject: &str,
    ) -> Result<Option<String>, DbError> {
        federated_subject(&self.lock(), peer, peer_subject)
    }

    /// Links services for the holder a peer platform identified as `peer_subject` (the one
    /// the links were confirmed for: `e.subject`); the links given replace earlier links to
    /// the same services, as in [`Registry::enroll`].
    pub fn enroll_federated(
        &self,
        e: &FederatedEnrollment<'_>,
        audit: &[AuditEvent],
    ) -> Result<Stored, EnrollError> {
        let mut conn = self.lock();
        // IMMEDIATE: the transaction reads, then writes; a deferred one could not upgrade
        // to a writer once the audit thread has written meanwhile (WAL: SQLITE_BUSY at once).
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(db)?;
        let (subject_id, new) = e.subject;
        match (federated_subject(&tx, e.peer, e.peer_subject)?, new) {
            (Some(known), false) if known == subject_id => {}
            (None, true) => {
                tx.execute(
                    "INSERT INTO subjects (subject_id, created_at) VALUES (?1, ?2)",
                    params![subject_id, e.now],
                )
                .map_err(db)?;
                tx.execute(
                    "INSERT INTO federated_subjects (peer, peer_subject, subject_id, linked_at) VALUES (?1, ?2, ?3, ?4)",
                    params![e.peer, e.peer_subject, subject_id, e.now],
                )
                .map_err(db)?;
            }
            _ => return Err(EnrollError::Raced),
        }
        if let Some(s) = &e.sign {
            tx.execute(
                "UPDATE federated_subjects SET sign_root_key = ?3, sign_serial = ?4, sign_crl_scope = ?5
                 WHERE peer = ?1 AND peer_subject = ?2",
                params![
                    e.peer,
                    e.peer_subject,
                    s.root_key,
                    s.sign.serial,
                    s.crl_scope.unwrap_or_default()
                ],
            )
            .map_err(db)?;
        }
        let record =
            serde_json::json!({ "federated_from": e.peer, "jti": e.jti, "services": e.services });
        tx.execute(
            "INSERT INTO enrollments (enrollment_id, subject_id, terminal_id, at, application, application_signature)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![e.enrollment_id, subject_id, e.terminal_id, e.now, record.to_string(), Vec::<u8>::new()],
        )
        .map_err(db)?;
        let before = links_of(&tx, subject_id)?;
        for link in e.services {
            upsert_link(&tx, subject_id, link, e.enrollment_id, e.now)?;
        }
        insert_audit(&tx, audit).map_err(db)?;
        // Read before the commit, as in `enroll`.
        let links = links_of(&tx, subject_id)?;
        tx.commit().map_err(db)?;
        Ok(Stored {
            links,
            replaced: replaced(before, e.services),
        })
    }

    /// The holders already linked to this authentication and this signature certificate
    /// (one read).
    pub fn card_holders(
        &self,
        auth: &LinkageKey,
        sign: &LinkageKey,
    ) -> Result<CardHolders, StorageError> {
        card_holders(&self.lock(), auth, sign)
    }

    /// The holders the refused enrollments of `auth` name (see
    /// [`crate::storage::Storage::refused_holders`]): one read, outside any write
    /// transaction.
    pub fn refused_holders(&self, auth: &LinkageKey) -> Result<Vec<String>, StorageError> {
        let (action, outcome, reason) = signature_linked_elsewhere();
        self.lock()
            .prepare(crate::storage::audit_scans::REFUSED_HOLDERS)
            .and_then(|mut st| {
                st.query_map(
                    params![action, outcome, reason, auth.issuer, auth.serial],
                    |r| r.get::<_, String>(0),
                )?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| db(e).into())
    }

    /// Attaches an authentication certificate to the holder `decide` names (see
    /// [`crate::storage::Storage::attach_auth`]), in one IMMEDIATE transaction.
    pub fn attach_auth(
        &self,
        a: &AuthAttachment<'_>,
        decide: &mut dyn FnMut(&AttachState) -> Result<String, AttachRefusal>,
    ) -> Result<Result<String, AttachRefusal>, StorageError> {
        let mut conn = self.lock();
        // IMMEDIATE: read, then written, serialised with the enrollments (see `enroll`).
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(db)?;
        let holder_birth_date = match a.refused_for {
            [holder] => latest_sign_der(&tx, holder)?
                .map(|der| stored_identity(&der))
                .transpose()?
                .map(|identity| identity.birth_date),
            _ => None,
        };
        let state = AttachState {
            auth: subject_of(&tx, a.auth)?,
            refused_for: a.refused_for.to_vec(),
            holder_birth_date,
        };
        let holder = match decide(&state) {
            Ok(h) => h,
            Err(refused) => return Ok(Err(refused)),
        };
        tx.execute(
            "INSERT INTO auth_certificates (issuer, serial, subject_id, enrollment_id, linked_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![a.auth.issuer, a.auth.serial, holder, a.attachment_id, a.now],
        )
        .map_err(db)?;
        let row = AuditEvent {
            subject_id: Some(holder.clone()),
            ..a.audit.clone()
        };
        insert_audit(&tx, std::slice::from_ref(&row)).map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(Ok(holder))
    }

    /// Every link of holder `subject_id`.
    pub fn links_of(&self, subject_id: &str) -> Result<Vec<ServiceLink>, DbError> {
        links_of(&self.lock(), subject_id)
    }

    /// Stores a verified enrollment and its `audit` rows in one transaction: the holder must be the one the
    /// links were confirmed for (`e.subject`: the one [`crate::core::holder`] names for the
    /// two certificates, or new); the links given replace earlier links to the same
    /// services.
    pub fn enroll(
        &self,
        e: &NewEnrollment<'_>,
        audit: &[AuditEvent],
    ) -> Result<Stored, EnrollError> {
        let mut conn = self.lock();
        // IMMEDIATE: the transaction reads, then writes; a deferred one could not upgrade
        // to a writer once the audit thread has written meanwhile (WAL: SQLITE_BUSY at once).
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(db)?;
        let (subject_id, new) = e.subject;
        let holders = card_holders(&tx, e.auth, e.sign)?;
        let decided = holders
            .holder(e.sign_facts, e.corrected_for)
            .map_err(|c| EnrollError::conflict(&holders, c))?;
        match (decided, new) {
            (Some(known), false) if known == subject_id => {}
            (None, true) => {
                tx.execute(
                    "INSERT INTO subjects (subject_id, created_at) VALUES (?1, ?2)",
                    params![subject_id, e.now],
                )
                .map_err(db)?;
            }
            _ => return Err(EnrollError::Raced),
        }
        let app_json = json_text("application", e.application)?;
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
            "INSERT INTO sign_certificates (issuer, serial, root_key, subject_id, enrollment_id, certificate, linked_at, crl_scope)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (issuer, serial) DO UPDATE SET enrollment_id = excluded.enrollment_id,
                 linked_at = excluded.linked_at, crl_scope = excluded.crl_scope",
            params![
                e.sign.issuer,
                e.sign.serial,
                e.sign_root_key,
                subject_id,
                e.enrollment_id,
                e.sign_der,
                e.now,
                e.sign_crl_scope.unwrap_or_default()
            ],
        )
        .map_err(db)?;
        let before = links_of(&tx, subject_id)?;
        for link in e.links {
            upsert_link(&tx, subject_id, link, e.enrollment_id, e.now)?;
        }
        insert_audit(&tx, audit).map_err(db)?;
        // Read before the commit: once committed, the enrollment must not be reported failed
        // (its links would be released at their services while the registry names them).
        let links = links_of(&tx, subject_id)?;
        tx.commit().map_err(db)?;
        Ok(Stored {
            links,
            replaced: replaced(before, e.links),
        })
    }
}

/// The links of `before` that `new` replaces: the same service, other data (the services
/// should release them).
pub(crate) fn replaced(before: Vec<ServiceLink>, new: &[ServiceLink]) -> Vec<ServiceLink> {
    before
        .into_iter()
        .filter(|old| {
            new.iter()
                .any(|l| l.service_id() == old.service_id() && l.data() != old.data())
        })
        .collect()
}

/// The holder of the enrolled authentication certificate `auth`, if any.
pub(crate) fn subject_of(c: &Connection, auth: &LinkageKey) -> Result<Option<String>, DbError> {
    c.prepare_cached("SELECT subject_id FROM auth_certificates WHERE issuer = ?1 AND serial = ?2")
        .and_then(|mut s| {
            s.query_row(params![auth.issuer, auth.serial], |r| r.get(0))
                .optional()
        })
        .map_err(db)
}

/// What the registry holds of holder `subject_id`: their links and latest signature
/// certificate.
pub(crate) fn enrolled(c: &Connection, subject_id: String) -> Result<Enrolled, DbError> {
    let links = links_of(c, &subject_id)?;
    let sign = c
        .prepare_cached(
            "SELECT root_key, serial, crl_scope, CASE WHEN crl_scope IS NULL THEN certificate END
             FROM sign_certificates WHERE subject_id = ?1 ORDER BY linked_at DESC, rowid DESC LIMIT 1",
        )
        .and_then(|mut s| {
            s.query_row(params![subject_id], |r| {
                let scope: Option<Vec<u8>> = r.get(2)?;
                let der: Option<Vec<u8>> = r.get(3)?;
                Ok(SignRecord {
                    root_key: r.get(0)?,
                    serial: r.get(1)?,
                    scope: sign_scope(scope, der),
                })
            })
            .optional()
        })
        .map_err(db)?;
    Ok(Enrolled {
        subject_id,
        links,
        sign,
    })
}

/// A federated holder's signature certificate from its stored columns (`None` until one was
/// verified).
pub(crate) fn federated_sign(
    root_key: Option<String>,
    serial: Option<String>,
    scope: Option<Vec<u8>>,
) -> Option<SignRecord> {
    Some(SignRecord {
        root_key: root_key?,
        serial: serial?,
        // Written with the scope (empty: none) whenever the serial is.
        scope: sign_scope(Some(scope.unwrap_or_default()), None),
    })
}

/// The CRL scope of a linked signature certificate from its stored columns.
pub(crate) fn sign_scope(scope: Option<Vec<u8>>, der: Option<Vec<u8>>) -> SignScope {
    match (scope, der) {
        (Some(s), _) if s.is_empty() => SignScope::Known(vec![]),
        (Some(s), _) => SignScope::Known(vec![s]),
        (None, d) => SignScope::Certificate(d.unwrap_or_default()),
    }
}

fn federated_subject(
    c: &Connection,
    peer: &str,
    peer_subject: &str,
) -> Result<Option<String>, DbError> {
    c.query_row(
        "SELECT subject_id FROM federated_subjects WHERE peer = ?1 AND peer_subject = ?2",
        params![peer, peer_subject],
        |r| r.get(0),
    )
    .optional()
    .map_err(db)
}

/// The holders of the authentication certificate `auth` (with its holder's latest signature
/// certificate) and of the signature certificate `sign`, each looked up on its own (the
/// rule on the pair is [`CardHolders::holder`]).
fn card_holders(
    c: &Connection,
    auth: &LinkageKey,
    sign: &LinkageKey,
) -> Result<CardHolders, StorageError> {
    let (auth_holder, latest, sign_holder) = c
        .prepare_cached(
            "SELECT a.subject_id,
                    (SELECT certificate FROM sign_certificates s WHERE s.subject_id = a.subject_id
                     ORDER BY s.linked_at DESC, s.rowid DESC LIMIT 1),
                    (SELECT subject_id FROM sign_certificates WHERE issuer = ?3 AND serial = ?4)
             FROM (SELECT (SELECT subject_id FROM auth_certificates
                           WHERE issuer = ?1 AND serial = ?2) AS subject_id) a",
        )
        .and_then(|mut s| {
            s.query_row(
                params![auth.issuer, auth.serial, sign.issuer, sign.serial],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
        .map_err(db)?;
    card_holders_of(auth_holder, latest, sign_holder)
}

/// [`CardHolders`] from what the storage read: the holder of the authentication
/// certificate, that holder's latest signature certificate (DER; read only when the
/// signature certificate is new), the holder of the signature certificate.
pub(crate) fn card_holders_of(
    auth: Option<String>,
    latest_sign: Option<Vec<u8>>,
    sign: Option<String>,
) -> Result<CardHolders, StorageError> {
    if let Some(sign) = sign {
        // The rule compares the latest signature certificate only with a new one.
        return Ok(CardHolders::SignLinked { auth, sign });
    }
    let Some(subject) = auth else {
        return Ok(CardHolders::SignNew { auth: None });
    };
    // Every enrollment stores both certificates, and an attachment needs a holder with a
    // signature certificate: a holder without one was edited by hand, and is refused
    // (fail closed) rather than joined by any signature certificate.
    let der = latest_sign.ok_or_else(|| StorageError::Corrupt {
        what: "holder",
        detail: format!("{subject} has an authentication certificate and no signature certificate"),
    })?;
    Ok(CardHolders::SignNew {
        auth: Some(AuthHolder {
            subject,
            latest_sign: LastingFacts::of(&stored_identity(&der)?),
        }),
    })
}

/// The attributes of a signature certificate the registry holds (verified when it was
/// enrolled).
pub(crate) fn stored_identity(der: &[u8]) -> Result<jpki_cert::SignIdentity, StorageError> {
    let corrupt = |r: jpki_cert::Refusal| StorageError::Corrupt {
        what: "signature certificate",
        detail: r.to_string(),
    };
    let cert = jpki_cert::JpkiCertificate::from_der(der).map_err(corrupt)?;
    jpki_cert::SignIdentity::from_certificate(&cert).map_err(corrupt)
}

/// The latest signature certificate (DER) of holder `subject_id`, if any.
fn latest_sign_der(c: &Connection, subject_id: &str) -> Result<Option<Vec<u8>>, DbError> {
    c.query_row(
        "SELECT certificate FROM sign_certificates WHERE subject_id = ?1
         ORDER BY linked_at DESC, rowid DESC LIMIT 1",
        params![subject_id],
        |r| r.get(0),
    )
    .optional()
    .map_err(db)
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
    now: UnixTime,
) -> Result<(), EnrollError> {
    let json = json_text("service link", link)?;
    tx.execute(
        "INSERT INTO service_links (subject_id, service_id, link, enrollment_id, linked_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (subject_id, service_id) DO UPDATE SET link = excluded.link,
             enrollment_id = excluded.enrollment_id, linked_at = excluded.linked_at",
        params![subject_id, link.service_id(), json, enrollment_id, now],
    )
    .map_err(db)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holder_without_a_signature_certificate_is_corrupt_when_a_new_one_must_be_compared() {
        let read = card_holders_of(Some("sub_h".into()), None, None);
        assert!(
            matches!(&read, Err(StorageError::Corrupt { what: "holder", detail })
                if detail.contains("sub_h has an authentication certificate and no signature certificate")),
            "{read:?}"
        );
    }

    #[test]
    fn the_latest_signature_certificate_is_not_needed_when_the_enrollments_is_linked() {
        assert_eq!(
            card_holders_of(Some("sub_h".into()), None, Some("sub_g".into())).ok(),
            Some(CardHolders::SignLinked {
                auth: Some("sub_h".into()),
                sign: "sub_g".into()
            })
        );
        assert_eq!(
            card_holders_of(None, None, None).ok(),
            Some(CardHolders::SignNew { auth: None })
        );
    }
}
