//! Following the storage's generation numbers: every `poll_interval` a node reads them (one
//! small statement, on a task of its own, never on a request's path) and, when one differs
//! from the one the node read last, reloads what it numbers: the terminals
//! ([`crate::terminals::TerminalDirectory`]) or the CRL set
//! ([`crate::crl_source::CrlSource::follow`]). A change made anywhere thus reaches every
//! node within one interval while the database answers; a poll that fails is logged and
//! the next one tries again (the snapshots stay as they are). A generation lower than the
//! node's (a database restored, or a failover that lost commits) is followed too: waiting
//! for a greater one would leave the node on its snapshot while the storage counts up
//! again through the numbers it holds. Both are compared the same way, as a
//! [`Version`](crate::storage::Version): the number with the random stamp the storage writes with every change (a
//! restore and the next change within one interval bring back the very number the node
//! holds, and within one second the time of the change too, but not the stamp).

use std::sync::Arc;
use std::time::Duration;

use crate::audit::AuditEvent;
use crate::crl_source::CrlLoadError;
use crate::platform::Platform;
use crate::storage::StorageError;

/// What a node has applied: the generations its snapshots hold, and how many polls it
/// finished. Published by [`Platform::watch_applied`] after every poll and every change
/// the node made itself, so that one can wait for a node to hold a generation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// The terminals' generation of the node's snapshot.
    pub terminals: u64,
    /// The generation of the CRL set in use.
    pub crls: u64,
    /// Polls finished (successful or not) since the node started.
    pub polls: u64,
}

/// What one poll changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PollOutcome {
    /// The terminals were reloaded.
    pub terminals: bool,
    /// A new CRL set was taken.
    pub crls: bool,
    /// A new CRL set was refused (the previous one stays).
    pub crls_refused: bool,
}

/// Polls once: reads the generation numbers and reloads what changed (blocking: run it on
/// the blocking pool). The audit rows of CRL work that wait, and the count of those lost
/// ([`Platform::audit_crl_work`]), are written then too.
pub fn poll_once(p: &Platform) -> Result<PollOutcome, StorageError> {
    let result = poll(p);
    // Whatever waits: rows, or only the count of rows lost (a flush whose count row failed
    // while its rows were written); with nothing waiting the flush writes nothing. Rows
    // still not written wait again (logged there) for the next poll.
    let _ = p.audit_crl_work(None);
    p.note_applied(true);
    result
}

fn poll(p: &Platform) -> Result<PollOutcome, StorageError> {
    let g = p.store.generations()?;
    let mut outcome = PollOutcome::default();
    if g.terminals != p.terminals.version() {
        outcome.terminals = p.terminals.refresh(&*p.store)?;
        if outcome.terminals {
            tracing::info!(
                generation = p.terminals.generation(),
                "terminals reloaded from the storage"
            );
        }
    }
    if g.crls != p.crl.status().seen() {
        let event = |outcome: &str, reason: String| AuditEvent {
            at: p.now(),
            action: "crl_refresh",
            outcome: outcome.into(),
            reason: Some(reason),
            ..AuditEvent::default()
        };
        match p.crl.follow(g.crls) {
            Ok(None) => {}
            Ok(Some(s)) => {
                outcome.crls = true;
                tracing::info!(
                    generation = s.generation,
                    files = s.files,
                    entries = s.entries,
                    "CRL set taken from the storage"
                );
                audit(
                    p,
                    event(
                        "ok",
                        format!(
                            "generation {}: {} files, {} entries",
                            s.generation, s.files, s.entries
                        ),
                    ),
                );
            }
            Err(CrlLoadError::Storage(e)) => return Err(e),
            Err(e) => {
                outcome.crls_refused = true;
                tracing::error!("published CRL set refused, the previous CRLs stay in use: {e}");
                audit(p, event("crl_refused", e.to_string()));
            }
        }
    }
    Ok(outcome)
}

/// Records `event` and waits for it; a row that cannot be written is logged and waits for
/// the next poll ([`Platform::audit_crl_work`]).
fn audit(p: &Platform, event: AuditEvent) {
    let _ = p.audit_crl_work(Some(event));
}

/// Polls every `every` until the task is aborted.
pub async fn follow(platform: Arc<Platform>, every: Duration) {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let p = platform.clone();
        match tokio::task::spawn_blocking(move || poll_once(&p)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!("generation poll failed, snapshots unchanged: {e}"),
            Err(e) => tracing::error!("generation poll task failed: {e}"),
        }
    }
}
