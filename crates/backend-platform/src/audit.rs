//! The audit log: every decision (challenge issued, identification, enrollment, exchange,
//! refusal) as one row: who (terminal), when, what (action), the verdict (`ok` or the
//! problem code) and the finer reason. Never a PIN, a signature or a certificate; serials
//! only here and in the registry, both the platform's own.
//!
//! Rows go through a channel to one writer thread that commits them in batches, so an
//! identification never waits for a disk write of the audit.

use std::path::Path;
use std::sync::mpsc;

use backend_kit::sqlite::DbError;
use madoguchi_time::UnixTime;
use rusqlite::params;

/// Rows committed per transaction at most.
const BATCH: usize = 1000;

/// One audit row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditEvent {
    /// When.
    pub at: UnixTime,
    /// The terminal (absent: unauthenticated caller).
    pub terminal_id: Option<String>,
    /// `challenge`, `identify`, `enroll`, `federation_exchange`, `crl_reload`, `terminal`.
    pub action: &'static str,
    /// `ok` or the problem code.
    pub outcome: String,
    /// A finer reason (jpki-cert refusal code, mismatching field).
    pub reason: Option<String>,
    /// The challenge concerned.
    pub challenge_id: Option<String>,
    /// The holder's registry id.
    pub subject_id: Option<String>,
    /// The certificate's (issuer, serial) concerned.
    pub certificate: Option<(String, String)>,
}

enum Msg {
    Event(Box<AuditEvent>),
    Flush(mpsc::Sender<()>),
}

/// The sending side; cheap to clone.
#[derive(Clone, Debug)]
pub struct AuditSink {
    tx: mpsc::Sender<Msg>,
}

impl AuditSink {
    /// Starts the writer thread on the database at `path` (already migrated).
    pub fn start(path: &Path) -> Result<Self, DbError> {
        let conn = backend_kit::sqlite::open(path, crate::registry::MIGRATIONS)?;
        let (tx, rx) = mpsc::channel::<Msg>();
        std::thread::Builder::new()
            .name("platform-audit".into())
            .spawn(move || writer(conn, rx))
            .map_err(|e| DbError::Sqlite {
                path: path.display().to_string(),
                source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
            })?;
        Ok(Self { tx })
    }

    /// Records `e` (asynchronously).
    pub fn record(&self, e: AuditEvent) {
        if self.tx.send(Msg::Event(Box::new(e))).is_err() {
            tracing::error!("audit writer stopped; an audit row was lost");
        }
    }

    /// Waits until every row recorded so far is committed.
    pub fn flush(&self) {
        let (tx, rx) = mpsc::channel();
        if self.tx.send(Msg::Flush(tx)).is_ok() {
            let _ = rx.recv();
        }
    }
}

fn writer(mut conn: rusqlite::Connection, rx: mpsc::Receiver<Msg>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let mut acks = Vec::new();
        let result = (|| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO audit (at, terminal_id, action, outcome, reason, challenge_id, subject_id, cert_issuer, cert_serial)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?;
                for m in batch {
                    match m {
                        Msg::Event(e) => {
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
                        Msg::Flush(ack) => acks.push(ack),
                    }
                }
            }
            tx.commit()
        })();
        if let Err(e) = result {
            tracing::error!("audit batch not written: {e}");
        }
        for a in acks {
            let _ = a.send(());
        }
    }
}
