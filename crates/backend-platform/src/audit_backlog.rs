//! The audit rows of a node's own CRL work that could not be written when it happened: the
//! `crl_reload` of SIGHUP and of `crl_reload_secs` (no request waits for it) and the poll's
//! `crl_refresh`. Such a row is never only logged: it waits here, oldest first, and is
//! written before the next row of that work, at every poll, and before the admin reload's
//! own row, which answers `503 unavailable` while they cannot be written
//! ([`crate::platform::Platform::audit_crl_work`]). Holds at most [`BACKLOG_ROWS`]; beyond,
//! the oldest go and are counted, and a row saying how many were lost is written with the
//! others. In memory: a node that stops with rows waiting leaves them in its log only.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use madoguchi_time::UnixTime;

use crate::audit::AuditEvent;

/// The most rows that wait. Our choice: with the default `crl_reload_secs` (3600) one failed
/// reload an hour, over a month of an audit that cannot be written; the rows are a few
/// hundred bytes each.
pub const BACKLOG_ROWS: usize = 1000;

/// What waits to be written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BacklogStatus {
    /// Rows waiting.
    pub rows: usize,
    /// Rows dropped (the oldest, beyond [`BACKLOG_ROWS`]) since the last write.
    pub lost: u64,
    /// When the oldest waiting row's event happened.
    pub oldest: Option<UnixTime>,
}

/// The waiting rows.
#[derive(Debug, Default)]
pub struct AuditBacklog {
    inner: Mutex<Waiting>,
}

#[derive(Debug, Default)]
struct Waiting {
    rows: VecDeque<AuditEvent>,
    lost: u64,
}

impl AuditBacklog {
    /// Keeps `rows` (in their order, after those waiting already).
    pub fn keep(&self, rows: impl IntoIterator<Item = AuditEvent>) {
        let mut w = self.lock();
        for row in rows {
            if w.rows.len() >= BACKLOG_ROWS {
                w.rows.pop_front();
                w.lost = w.lost.saturating_add(1);
            }
            w.rows.push_back(row);
        }
    }

    /// Takes every waiting row, oldest first, preceded by a row saying how many were lost
    /// (when some were) at `now`.
    pub fn take(&self, now: UnixTime) -> Vec<AuditEvent> {
        let mut w = self.lock();
        let mut rows = Vec::with_capacity(w.rows.len() + 1);
        if w.lost > 0 {
            rows.push(AuditEvent {
                at: now,
                action: "crl_reload",
                outcome: counter_api::ProblemCode::Unavailable.as_str().into(),
                reason: Some(format!(
                    "{} audit rows of this node's CRL reloads and refreshes were lost while \
                     the audit could not be written (more than {BACKLOG_ROWS} waited): the \
                     node's log has them",
                    w.lost
                )),
                ..AuditEvent::default()
            });
            w.lost = 0;
        }
        rows.extend(w.rows.drain(..));
        rows
    }

    /// What waits.
    pub fn status(&self) -> BacklogStatus {
        let w = self.lock();
        BacklogStatus {
            rows: w.rows.len(),
            lost: w.lost,
            oldest: w.rows.front().map(|r| r.at),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Waiting> {
        match self.inner.lock() {
            Ok(g) => g,
            // A queue and a count, each changed in one step: consistent after any panic.
            Err(p) => p.into_inner(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn row(at: i64) -> AuditEvent {
        AuditEvent {
            at: UnixTime::from_secs(at),
            action: "crl_reload",
            ..AuditEvent::default()
        }
    }

    #[test]
    fn rows_wait_in_order_and_beyond_the_limit_the_oldest_go_and_are_counted() {
        let b = AuditBacklog::default();
        b.keep([row(1), row(2)]);
        assert_eq!(
            b.status(),
            BacklogStatus {
                rows: 2,
                lost: 0,
                oldest: Some(UnixTime::from_secs(1))
            }
        );
        let taken = b.take(UnixTime::from_secs(9));
        assert_eq!(taken, [row(1), row(2)]);
        assert_eq!(b.status(), BacklogStatus::default());

        b.keep((0..BACKLOG_ROWS as i64 + 2).map(row));
        let s = b.status();
        assert_eq!((s.rows, s.lost), (BACKLOG_ROWS, 2));
        assert_eq!(s.oldest, Some(UnixTime::from_secs(2)));
        let taken = b.take(UnixTime::from_secs(9_999));
        assert_eq!(taken.len(), BACKLOG_ROWS + 1);
        assert_eq!(taken[0].at, UnixTime::from_secs(9_999));
        assert!(
            taken[0]
                .reason
                .as_deref()
                .unwrap()
                .starts_with("2 audit rows"),
            "{:?}",
            taken[0]
        );
        assert_eq!(taken[1], row(2));
        assert_eq!(b.status(), BacklogStatus::default());
    }
}
