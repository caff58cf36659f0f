//! The audit log: every decision (challenge issued, identification, enrollment, exchange,
//! refusal) as one row: who (terminal), when, what (action), the verdict (`ok` or the
//! problem code) and the finer reason. Never a PIN, a signature or a certificate; serials
//! only here and in the registry, both the platform's own.
//!
//! Rows go through a channel to one writer thread that commits them in batches (group
//! commit: under load one transaction carries many rows). A flow waits for its row's commit
//! before it answers ([`AuditReceipt`]) and answers `503 unavailable` when the row could not
//! be written: nothing is accepted without its audit row, and a failed batch is never only
//! logged. An enrollment's rows go in the enrollment's own transaction instead
//! ([`crate::storage::Storage::enroll`]).

use std::sync::{Arc, mpsc};

use madoguchi_time::UnixTime;
use tokio::sync::oneshot;

use crate::storage::{Storage, StorageError};

/// Rows committed per transaction at most.
const BATCH: usize = 1000;

/// One audit row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditEvent {
    /// When.
    pub at: UnixTime,
    /// The terminal (absent: unauthenticated caller).
    pub terminal_id: Option<String>,
    /// `challenge`, `identify`, `enroll`, `federation_exchange`, `crl_reload`, `terminal`,
    /// `crl_refresh` (a node taking, or refusing, a published CRL set), `attach_auth` (the
    /// operator attached a re-issued authentication certificate to its holder),
    /// `accept_correction` (the operator accepted a signature certificate naming a legally
    /// changed birth date or sex for its holder: the row is the acceptance).
    pub action: &'static str,
    /// `ok` or the problem code.
    pub outcome: String,
    /// A finer reason (jpki-cert refusal code, mismatching field).
    pub reason: Option<String>,
    /// The challenge concerned.
    pub challenge_id: Option<String>,
    /// The holder's registry id.
    pub subject_id: Option<String>,
    /// The certificate's (issuer, serial) concerned: the authentication certificate's,
    /// but the signature certificate's in an enrollment refused `signature_of_another_person`
    /// and in an `accept_correction` row (the one the operator may accept, and accepted).
    pub certificate: Option<(String, String)>,
}

/// Why an audit row was not written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The storage refused the batch.
    #[error("audit not written: {0}")]
    Storage(String),
    /// The writer thread is gone.
    #[error("audit not written: the audit writer stopped")]
    Stopped,
}

impl AuditError {
    /// The answer to the terminal: `503 unavailable`; nothing was accepted.
    pub fn problem(&self) -> counter_api::Problem {
        counter_api::Problem::new(
            counter_api::ProblemCode::Unavailable,
            format!("{self}; nothing was accepted: try again in a moment"),
        )
    }
}

type Ack = oneshot::Sender<Result<(), String>>;

enum Msg {
    Event(Box<AuditEvent>, Ack),
    Flush(mpsc::Sender<()>),
}

/// The promise of one row's commit.
#[derive(Debug)]
pub struct AuditReceipt(Result<oneshot::Receiver<Result<(), String>>, AuditError>);

impl AuditReceipt {
    /// Waits for the commit, blocking the thread (the blocking pool's, never an async
    /// worker's).
    pub fn wait(self) -> Result<(), AuditError> {
        match self.0?.blocking_recv() {
            Ok(r) => r.map_err(AuditError::Storage),
            Err(_) => Err(AuditError::Stopped),
        }
    }

    /// Waits for the commit.
    pub async fn committed(self) -> Result<(), AuditError> {
        match self.0?.await {
            Ok(r) => r.map_err(AuditError::Storage),
            Err(_) => Err(AuditError::Stopped),
        }
    }
}

/// The sending side; cheap to clone.
#[derive(Clone, Debug)]
pub struct AuditSink {
    tx: mpsc::Sender<Msg>,
}

impl AuditSink {
    /// Starts the writer thread on `store`.
    pub fn start(store: Arc<dyn Storage>) -> Result<Self, std::io::Error> {
        let (tx, rx) = mpsc::channel::<Msg>();
        std::thread::Builder::new()
            .name("platform-audit".into())
            .spawn(move || writer(store.as_ref(), rx))?;
        Ok(Self { tx })
    }

    /// Records `e`; the receipt tells when it is committed.
    pub fn record(&self, e: AuditEvent) -> AuditReceipt {
        let (ack, rx) = oneshot::channel();
        match self.tx.send(Msg::Event(Box::new(e), ack)) {
            Ok(()) => AuditReceipt(Ok(rx)),
            Err(_) => AuditReceipt(Err(AuditError::Stopped)),
        }
    }

    /// Waits until every row recorded so far is written (or failed).
    pub fn flush(&self) {
        let (tx, rx) = mpsc::channel();
        if self.tx.send(Msg::Flush(tx)).is_ok() {
            let _ = rx.recv();
        }
    }
}

fn writer(store: &dyn Storage, rx: mpsc::Receiver<Msg>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let mut rows = Vec::with_capacity(batch.len());
        let mut acks = Vec::with_capacity(batch.len());
        let mut flushes = Vec::new();
        for m in batch {
            match m {
                Msg::Event(e, ack) => {
                    rows.push(*e);
                    acks.push(ack);
                }
                Msg::Flush(f) => flushes.push(f),
            }
        }
        let result = if rows.is_empty() {
            Ok(())
        } else {
            store.append_audit(&rows).map_err(|e: StorageError| {
                tracing::error!(rows = rows.len(), "audit batch not written: {e}");
                e.to_string()
            })
        };
        // A receiver gone is a flow that stopped waiting (its task was cancelled): its
        // answer was not sent either.
        for a in acks {
            let _ = a.send(result.clone());
        }
        for f in flushes {
            let _ = f.send(());
        }
    }
}
