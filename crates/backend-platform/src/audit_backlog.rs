//! The audit rows of a node's own CRL work that could not be written when it happened: the
//! `crl_reload` of SIGHUP and of `crl_reload_secs` (no request waits for it) and the poll's
//! `crl_refresh`. Such a row is never only logged: it waits here, oldest first, and is
//! written before the next row of that work, at every poll, and before the admin reload's
//! own row, which answers `503 unavailable` while they cannot be written
//! ([`crate::platform::Platform::audit_crl_work`]). Holds at most [`BACKLOG_ROWS`]; beyond,
//! the oldest go and are counted, and a row saying how many were lost is written with the
//! others. In memory: a node that stops gracefully tries once more to write them
//! ([`crate::platform::Platform::flush_crl_audit_at_stop`]) and logs each row it could not
//! write; a node that is killed leaves them in its log only (logged when they failed).

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

/// The waiting rows, and the one flush at a time that writes them ([`Self::flush`]).
#[derive(Debug, Default)]
pub struct AuditBacklog {
    inner: Mutex<Waiting>,
    /// Held from the take of the waiting rows to the return of those not written: two
    /// callers (the poll task, a scheduled reload, an admin reload) never interleave, so
    /// rows are written, and wait again, in the order they happened.
    flushing: Mutex<()>,
}

#[derive(Debug, Default)]
struct Waiting {
    rows: VecDeque<AuditEvent>,
    lost: u64,
}

impl AuditBacklog {
    /// Writes what waits, then `event`, and waits for their commits: first, when rows were
    /// lost, a row saying how many (at `now`), then the waiting rows oldest first, then
    /// `event`. `send` hands a row to the writer and `wait` waits for its commit. The rows
    /// not written wait again in their order, and when the lost-count row is not written
    /// the count is kept (never queued as a row: the oldest rows go first when the backlog
    /// is full, and the count must not be one of them). The error is the first failure.
    ///
    /// A commit whose outcome the storage could not tell (PostgreSQL's connection lost
    /// during COMMIT) is a failure here: such rows wait and may then be written twice. The
    /// audit has no key that would tell a repeat, and a duplicate row of a CRL reload says
    /// nothing false, so that is accepted (docs/DECISIONS.md).
    pub fn flush<R, E>(
        &self,
        now: UnixTime,
        event: Option<AuditEvent>,
        mut send: impl FnMut(AuditEvent) -> R,
        mut wait: impl FnMut(R) -> Result<(), E>,
    ) -> Result<(), E> {
        let _one_at_a_time = match self.flushing.lock() {
            Ok(g) => g,
            // Guards no data.
            Err(p) => p.into_inner(),
        };
        let (lost, rows) = self.take();
        let summary = lost_row(lost, now).map(&mut send);
        let rows: Vec<AuditEvent> = rows.into_iter().chain(event).collect();
        let receipts: Vec<R> = rows.iter().map(|r| send(r.clone())).collect();
        let mut failed = None;
        let mut still_lost = 0;
        if let Some(receipt) = summary
            && let Err(e) = wait(receipt)
        {
            still_lost = lost;
            failed = Some(e);
        }
        let mut unwritten = Vec::new();
        for (row, receipt) in rows.into_iter().zip(receipts) {
            if let Err(e) = wait(receipt) {
                unwritten.push(row);
                failed.get_or_insert(e);
            }
        }
        match failed {
            None => Ok(()),
            Some(e) => {
                self.keep(still_lost, unwritten);
                Err(e)
            }
        }
    }

    /// Counts `lost` rows again and keeps `rows` (in their order, after those waiting
    /// already; the oldest go, counted, beyond [`BACKLOG_ROWS`]).
    fn keep(&self, lost: u64, rows: Vec<AuditEvent>) {
        let mut w = self.lock();
        w.lost = w.lost.saturating_add(lost);
        for row in rows {
            if w.rows.len() >= BACKLOG_ROWS {
                w.rows.pop_front();
                w.lost = w.lost.saturating_add(1);
            }
            w.rows.push_back(row);
        }
    }

    /// Takes the count of lost rows and every waiting row, oldest first.
    pub(crate) fn take(&self) -> (u64, Vec<AuditEvent>) {
        let mut w = self.lock();
        let lost = std::mem::take(&mut w.lost);
        (lost, w.rows.drain(..).collect())
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

/// The row saying that `lost` rows were lost (none when none were), at `now`.
fn lost_row(lost: u64, now: UnixTime) -> Option<AuditEvent> {
    (lost > 0).then(|| AuditEvent {
        at: now,
        action: "crl_reload",
        outcome: counter_api::ProblemCode::Unavailable.as_str().into(),
        reason: Some(format!(
            "{lost} audit rows of this node's CRL reloads and refreshes were lost while the \
             audit could not be written (more than {BACKLOG_ROWS} waited): the node's log \
             has them"
        )),
        ..AuditEvent::default()
    })
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

    /// A flush whose every write fails, recording what was sent.
    fn fail_all(b: &AuditBacklog, now: i64, event: Option<AuditEvent>) -> Vec<AuditEvent> {
        let mut sent = Vec::new();
        let r = b.flush(
            UnixTime::from_secs(now),
            event,
            |r| sent.push(r),
            |()| Err("refused"),
        );
        assert_eq!(r, Err("refused"));
        sent
    }

    /// A flush whose every write succeeds, returning what was written.
    fn write_all(b: &AuditBacklog, now: i64, event: Option<AuditEvent>) -> Vec<AuditEvent> {
        let mut sent = Vec::new();
        let r: Result<(), ()> = b.flush(
            UnixTime::from_secs(now),
            event,
            |r| sent.push(r),
            |()| Ok(()),
        );
        assert_eq!(r, Ok(()));
        sent
    }

    #[test]
    fn rows_wait_in_order_and_beyond_the_limit_the_oldest_go_and_are_counted() {
        let b = AuditBacklog::default();
        fail_all(&b, 3, Some(row(1)));
        fail_all(&b, 4, Some(row(2)));
        assert_eq!(
            b.status(),
            BacklogStatus {
                rows: 2,
                lost: 0,
                oldest: Some(UnixTime::from_secs(1))
            }
        );
        assert_eq!(write_all(&b, 9, None), [row(1), row(2)]);
        assert_eq!(b.status(), BacklogStatus::default());

        b.keep(0, (0..BACKLOG_ROWS as i64 + 2).map(row).collect());
        let s = b.status();
        assert_eq!((s.rows, s.lost), (BACKLOG_ROWS, 2));
        assert_eq!(s.oldest, Some(UnixTime::from_secs(2)));
        let written = write_all(&b, 9_999, None);
        assert_eq!(written.len(), BACKLOG_ROWS + 1);
        assert_eq!(written[0].at, UnixTime::from_secs(9_999));
        assert!(
            written[0]
                .reason
                .as_deref()
                .unwrap()
                .starts_with("2 audit rows"),
            "{:?}",
            written[0]
        );
        assert_eq!(written[1], row(2));
        assert_eq!(b.status(), BacklogStatus::default());
    }

    #[test]
    fn a_failed_flush_of_a_full_backlog_keeps_the_lost_count_and_the_rows_in_order() {
        let b = AuditBacklog::default();
        b.keep(0, (0..BACKLOG_ROWS as i64 + 5).map(row).collect());
        assert_eq!(b.status().lost, 5);

        // Every write fails, at each of three polls, the third with a row of its own: the
        // count grows (the new row pushes out the oldest), it never collapses to the one
        // row that said it.
        for now in [10_000, 10_001] {
            let sent = fail_all(&b, now, None);
            assert_eq!(sent.len(), BACKLOG_ROWS + 1);
            assert!(
                sent[0]
                    .reason
                    .as_deref()
                    .unwrap()
                    .starts_with("5 audit rows")
            );
            assert_eq!(
                b.status(),
                BacklogStatus {
                    rows: BACKLOG_ROWS,
                    lost: 5,
                    oldest: Some(UnixTime::from_secs(5))
                }
            );
        }
        fail_all(&b, 10_002, Some(row(20_000)));
        let s = b.status();
        assert_eq!((s.rows, s.lost), (BACKLOG_ROWS, 6));
        assert_eq!(s.oldest, Some(UnixTime::from_secs(6)));

        // Once the storage takes them: the count, then the rows oldest first, the new last.
        let written = write_all(&b, 10_003, None);
        assert_eq!(written.len(), BACKLOG_ROWS + 1);
        assert!(
            written[0]
                .reason
                .as_deref()
                .unwrap()
                .starts_with("6 audit rows")
        );
        assert_eq!(written[1], row(6));
        assert_eq!(written[BACKLOG_ROWS], row(20_000));
        assert_eq!(b.status(), BacklogStatus::default());
    }

    /// The poll flushes with no row of its own ([`crate::generations::poll_once`]): a
    /// count of lost rows with no row waiting is written then, not left for a later reload.
    #[test]
    fn a_lost_count_with_no_row_waiting_is_written_by_a_flush_without_a_row() {
        let b = AuditBacklog::default();
        b.keep(7, Vec::new());
        assert_eq!((b.status().rows, b.status().lost), (0, 7));
        let written = write_all(&b, 10_000, None);
        assert_eq!(written.len(), 1);
        assert!(
            written[0]
                .reason
                .as_deref()
                .unwrap()
                .starts_with("7 audit rows"),
            "{written:?}"
        );
        assert_eq!(b.status(), BacklogStatus::default());
        // Nothing waiting: nothing is sent.
        assert!(write_all(&b, 10_001, None).is_empty());
    }

    #[test]
    fn when_only_the_lost_count_is_written_the_count_is_not_kept() {
        let b = AuditBacklog::default();
        b.keep(0, (0..BACKLOG_ROWS as i64 + 1).map(row).collect());
        let mut n = 0;
        let r = b.flush(
            UnixTime::from_secs(10_000),
            None,
            |_| (),
            |()| {
                n += 1;
                if n == 1 { Ok(()) } else { Err("refused") }
            },
        );
        assert_eq!(r, Err("refused"));
        let s = b.status();
        assert_eq!((s.rows, s.lost), (BACKLOG_ROWS, 0));
    }
}
