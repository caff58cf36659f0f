//! The terminals a node accepts, and the operator's calls that change them.
//!
//! [`TerminalDirectory`] is the node's snapshot of the storage's enabled terminals: every
//! request looks its terminal up there (no database round trip), and the snapshot is
//! reloaded when the terminals' generation in the storage differs from its own, lower
//! too after a restore of the database ([`crate::generations`] polls it; the node that
//! made a change reloads at once).
//!
//! [`register`], [`disable`] and [`list`] are the operator's calls on a storage (the
//! `madoguchi-platform terminals` command; an enrollment of terminals would call
//! [`register`] once it checked the terminal's certificate request); [`apply_config`] applies
//! the configuration's `[[terminals]]` at start. The rules are [`crate::core::terminals`]'.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use madoguchi_time::UnixTime;

use crate::config::TerminalConfig;
use crate::core::terminals::{self as rules, TerminalRecord, TerminalRuleError};
use crate::storage::{Storage, StorageError, StoredTerminals, TerminalsUpdated};

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
/// operator from then on.
pub fn register(
    store: &dyn Storage,
    id: &str,
    admin: bool,
    now: UnixTime,
) -> Result<TerminalWritten, TerminalError> {
    let row = rules::register(id, admin, now)?;
    let written = store.update_terminals(&mut |_| vec![row.clone()], now)?;
    Ok(TerminalWritten {
        terminal: row,
        generation: written.generation,
    })
}

/// Disables terminal `id` in `store`: every node refuses it once it holds the returned
/// generation. The configuration does not enable it again.
pub fn disable(
    store: &dyn Storage,
    id: &str,
    now: UnixTime,
) -> Result<TerminalWritten, TerminalError> {
    let mut outcome = None;
    let written = store.update_terminals(
        &mut |stored| {
            let r = rules::disable(stored, id, now);
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
        None => Err(TerminalRuleError::Unknown(id.to_owned()).into()),
    }
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

/// The enabled terminals of one generation.
#[derive(Debug, Default)]
struct Snapshot {
    generation: u64,
    /// Terminal id → may call `/v1/admin/*`.
    accepted: HashMap<String, bool>,
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

    /// Whether terminal `id` is accepted: `Some(admin)` when it is, `None` when it is not
    /// registered or was disabled.
    pub fn admin(&self, id: &str) -> Option<bool> {
        self.snapshot().accepted.get(id).copied()
    }

    /// The terminals' generation of the snapshot.
    pub fn generation(&self) -> u64 {
        self.snapshot().generation
    }

    /// Reads `store`'s terminals and swaps them in, whatever their generation (lower than
    /// the snapshot's after a restore of the database); refreshes are one at a time, so a
    /// poll and a local change that race keep the later read. Returns whether the
    /// generation changed.
    pub fn refresh(&self, store: &dyn Storage) -> Result<bool, StorageError> {
        let _one_at_a_time = match self.refreshing.lock() {
            Ok(g) => g,
            // Guards nothing but the order of refreshes.
            Err(p) => p.into_inner(),
        };
        let stored = store.terminals()?;
        let next = Arc::new(Snapshot {
            generation: stored.generation,
            accepted: stored
                .terminals
                .into_iter()
                .filter(|t| t.enabled)
                .map(|t| (t.id, t.admin))
                .collect(),
        });
        let mut current = match self.current.write() {
            Ok(g) => g,
            // The snapshot is replaced whole: a panic cannot leave it half written.
            Err(p) => p.into_inner(),
        };
        let changed = next.generation != current.generation;
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
