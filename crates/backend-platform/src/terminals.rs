//! The terminals a node accepts, and the operator's calls that change them.
//!
//! [`TerminalDirectory`] is the node's snapshot of the storage's enabled terminals: every
//! request looks its terminal up there (no database round trip), and the snapshot is
//! reloaded when the terminals' generation in the storage differs from its own, lower
//! too after a restore of the database ([`crate::generations`] polls it; the node that
//! made a change reloads at once).
//!
//! [`register`], [`enroll`], [`disable`] and [`list`] are the operator's calls on a storage
//! (the `madoguchi-platform terminals` command; `terminals enroll` calls [`enroll`] with the
//! SHA-256 of the certificate it signed); [`apply_config`] applies the configuration's
//! `[[terminals]]` at start. The rules are [`crate::core::terminals`]'.
//!
//! A request is accepted when its certificate's CN is an enabled terminal and, when the row
//! names a certificate ([`TerminalRecord::certificate_sha256`]), the certificate is that
//! one ([`TerminalDirectory::check`]): a terminal enrolled again (a replacement PC) shuts
//! out its earlier certificates at every node within a poll.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use madoguchi_time::UnixTime;

use crate::config::TerminalConfig;
use crate::core::terminals::{self as rules, TerminalRecord, TerminalRuleError};
use crate::storage::{Storage, StorageError, StoredTerminals, TerminalsUpdated, Version};

/// Why a terminal was not registered or disabled. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TerminalError {
    /// The rules refused it (a bad id, an unknown terminal).
    #[error(transparent)]
    Refused(#[from] TerminalRuleError),
    /// The storage did not answer.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A terminal written, and the terminals' generation that carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TerminalWritten {
    /// The row as written.
    pub terminal: TerminalRecord,
    /// The terminals' generation now: every node accepts the change once it holds this
    /// generation (within its poll interval).
    pub generation: u64,
}

/// Registers terminal `id` (or re-enables it, with `admin`) in `store`, managed by the
/// operator from then on. A terminal enrolled before keeps accepting only the certificate
/// of its last enrollment; a new one accepts any certificate with the id as CN.
pub fn register(
    store: &dyn Storage,
    id: &str,
    admin: bool,
    now: UnixTime,
) -> Result<TerminalWritten, TerminalError> {
    write_one(store, now, &mut |stored| {
        rules::register(stored, id, admin, now)
    })
}

/// Enrolls terminal `id` (with `admin`) in `store`, managed by the operator from then on:
/// it is enabled and accepts only the certificate whose DER has SHA-256
/// `certificate_sha256`; every earlier certificate of the id is refused once a node holds
/// the returned generation.
pub fn enroll(
    store: &dyn Storage,
    id: &str,
    admin: bool,
    certificate_sha256: [u8; 32],
    now: UnixTime,
) -> Result<TerminalWritten, TerminalError> {
    write_one(store, now, &mut |_| {
        rules::enroll(id, admin, Some(certificate_sha256), now)
    })
}

/// Writes the row `decide` makes of the stored terminals (or nothing, when it refuses).
fn write_one(
    store: &dyn Storage,
    now: UnixTime,
    decide: &mut dyn FnMut(&[TerminalRecord]) -> Result<TerminalRecord, TerminalRuleError>,
) -> Result<TerminalWritten, TerminalError> {
    let mut outcome = None;
    let written = store.update_terminals(
        &mut |stored| {
            let r = decide(stored);
            let rows = r.iter().cloned().collect();
            outcome = Some(r);
            rows
        },
        now,
    )?;
    match outcome {
        Some(Ok(terminal)) => Ok(TerminalWritten {
            terminal,
            generation: written.generation,
        }),
        Some(Err(e)) => Err(e.into()),
        // The storage asks once per call; it did not (it failed first, and said so above).
        None => Err(StorageError::Corrupt {
            what: "terminal",
            detail: "the storage wrote the terminals without reading them".into(),
        }
        .into()),
    }
}

/// Disables terminal `id` in `store`: every node refuses it once it holds the returned
/// generation. The configuration does not enable it again.
pub fn disable(
    store: &dyn Storage,
    id: &str,
    now: UnixTime,
) -> Result<TerminalWritten, TerminalError> {
    write_one(store, now, &mut |stored| rules::disable(stored, id, now))
}

/// Every terminal of `store`, enabled or not, and their generation.
pub fn list(store: &dyn Storage) -> Result<StoredTerminals, StorageError> {
    store.terminals()
}

/// Applies the configuration's `config` to `store` (the rules of
/// [`crate::core::terminals::from_config`]); a file that changes nothing bumps no
/// generation.
pub fn apply_config(
    store: &dyn Storage,
    config: &[TerminalConfig],
    now: UnixTime,
) -> Result<TerminalsUpdated, StorageError> {
    store.update_terminals(&mut |stored| rules::from_config(stored, config, now), now)
}

/// An enabled terminal of a snapshot.
#[derive(Debug)]
struct Enabled {
    /// May call `/v1/admin/*`.
    admin: bool,
    /// The one certificate accepted (SHA-256, lower-case hex as the server gives it);
    /// `None`: any.
    certificate_sha256: Option<String>,
    /// Its row is the configuration's (`[[terminals]]`): the certificate is the file's
    /// `certificate_sha256`, not an enrollment's.
    configured: bool,
}

/// The enabled terminals of one generation.
#[derive(Debug, Default)]
struct Snapshot {
    version: Version,
    /// Terminal id → what it is accepted with.
    accepted: HashMap<String, Enabled>,
}

/// Whether a client certificate is accepted ([`TerminalDirectory::check`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// It is: the terminal may call `/v1/admin/*` when `admin`.
    Accepted {
        /// May call `/v1/admin/*`.
        admin: bool,
    },
    /// No enabled terminal has its CN.
    Unknown,
    /// Its CN is an enabled terminal that accepts another certificate: the terminal was
    /// enrolled again (a replacement) since this certificate was issued.
    Replaced,
    /// Its CN is an enabled terminal of the configuration (`[[terminals]]`) whose
    /// `certificate_sha256` names another certificate: the file, or the certificate, is to
    /// be corrected (enrolling the id again would take it away from the file).
    NotConfigured,
}

/// The node's snapshot of the terminals it accepts (see the module doc).
#[derive(Debug)]
pub struct TerminalDirectory {
    current: RwLock<Arc<Snapshot>>,
    /// Held from the read of the storage to the swap: refreshes are one at a time, so the
    /// snapshot read last is the one kept.
    refreshing: Mutex<()>,
}

impl TerminalDirectory {
    /// The snapshot of `store`'s terminals now.
    pub fn load(store: &dyn Storage) -> Result<Self, StorageError> {
        let d = Self {
            current: RwLock::new(Arc::new(Snapshot::default())),
            refreshing: Mutex::new(()),
        };
        d.refresh(store)?;
        Ok(d)
    }

    /// Whether the client certificate with CN `id` and SHA-256 `certificate_sha256`
    /// (lower-case hex, as `backend_kit::serve::ClientIdentity` gives it) is accepted.
    pub fn check(&self, id: &str, certificate_sha256: &str) -> Access {
        match self.snapshot().accepted.get(id) {
            None => Access::Unknown,
            Some(t) => match &t.certificate_sha256 {
                Some(h) if !h.eq_ignore_ascii_case(certificate_sha256) => {
                    if t.configured {
                        Access::NotConfigured
                    } else {
                        Access::Replaced
                    }
                }
                _ => Access::Accepted { admin: t.admin },
            },
        }
    }

    /// The terminals' generation of the snapshot.
    pub fn generation(&self) -> u64 {
        self.snapshot().version.generation
    }

    /// The terminals' generation of the snapshot, with its stamp: what the poll compares
    /// with the storage's ([`crate::generations`]).
    pub fn version(&self) -> Version {
        self.snapshot().version
    }

    /// Reads `store`'s terminals and swaps them in, whatever their generation (lower than
    /// the snapshot's after a restore of the database); refreshes are one at a time, so a
    /// poll and a local change that race keep the later read. Returns whether the
    /// generation changed (its number or its stamp: a restore and a change since).
    pub fn refresh(&self, store: &dyn Storage) -> Result<bool, StorageError> {
        let _one_at_a_time = match self.refreshing.lock() {
            Ok(g) => g,
            // Guards nothing but the order of refreshes.
            Err(p) => p.into_inner(),
        };
        let stored = store.terminals()?;
        let next = Arc::new(Snapshot {
            version: stored.version(),
            accepted: stored
                .terminals
                .into_iter()
                .filter(|t| t.enabled)
                .map(|t| {
                    let enabled = Enabled {
                        admin: t.admin,
                        certificate_sha256: t.certificate_sha256.map(hex::encode),
                        configured: t.managed_by == rules::ManagedBy::Config,
                    };
                    (t.id, enabled)
                })
                .collect(),
        });
        let mut current = match self.current.write() {
            Ok(g) => g,
            // The snapshot is replaced whole: a panic cannot leave it half written.
            Err(p) => p.into_inner(),
        };
        let changed = next.version != current.version;
        *current = next;
        Ok(changed)
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        match self.current.read() {
            Ok(g) => Arc::clone(&g),
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }
}
