//! When the counter asks the acquirer about a held refund: the one rule the payment shell
//! and the counter machine both follow.
//!
//! A held refund ([`super::refund_held`]) is never sent again; the acquirer's own record of
//! its sale (the status query by the sale's key, [`super::resolve_held_by_record`]) is how
//! the counter learns its outcome without staff. That query is asked
//!
//! - at start ([`RecoveryPass::Start`]) and when staff ask (press Recover,
//!   [`RecoveryPass::Staff`], or record an answer, [`RecoveryPass::Settle`]): always;
//! - by the timed background recovery ([`RecoveryPass::Timed`]): at most once per
//!   [`HELD_QUERY_EVERY_SECS`] per refund;
//! - never on the pass a new sale runs first ([`RecoveryPass::BeforeSale`]): a held refund
//!   never holds back a sale ([`super::blocking_ids`]), so the sale must not wait on its
//!   query either.
//!
//! A refund not held is never asked this way: within the horizon it is still sent, and
//! the refund's own answer settles it.

use std::collections::BTreeMap;

use super::record::RefundRecord;
use crate::UnixTime;
use crate::codes::Code;

/// How long the timed background recovery waits before it asks the acquirer again about
/// the same held refund: an hour. A held refund is at least 14 days old, so its outcome is
/// not on its way and a quicker answer gains nothing; what the record shows changes only
/// when someone acts at the acquirer (staff, on the phone, press Recover or record the
/// answer themselves, which asks at once). Asking every 30 s recovery tick would send a
/// status query per held refund 120 times an hour for nothing.
pub const HELD_QUERY_EVERY_SECS: i64 = 60 * 60;

/// Why a recovery pass runs, which decides whether it asks about held refunds
/// ([`held_query_due`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecoveryPass {
    /// The recovery at start, before anything new.
    Start,
    /// Staff pressed Recover.
    Staff,
    /// Staff record the acquirer's answer for a held refund ([`super::settle_held_refund`]).
    Settle,
    /// The counter's timed background recovery.
    Timed,
    /// The pass a new sale runs first when something else holds it back.
    BeforeSale,
}

/// Whether `refund` is due the acquirer's status query (by its sale's key) on a pass `pass`
/// at `now`, when it was last asked at `last_asked` (`None`: never, or not since start).
/// Only a held refund ([`super::refund_held`]) is; see the module documentation for when.
pub fn held_query_due(
    refund: &RefundRecord,
    pass: RecoveryPass,
    last_asked: Option<UnixTime>,
    now: UnixTime,
) -> bool {
    if !super::refund_held(refund, now) {
        return false;
    }
    match pass {
        RecoveryPass::Start | RecoveryPass::Staff | RecoveryPass::Settle => true,
        RecoveryPass::BeforeSale => false,
        RecoveryPass::Timed => interval_passed(last_asked, now),
    }
}

/// Whether [`HELD_QUERY_EVERY_SECS`] has passed since `last` at `now` (or there was none).
pub fn interval_passed(last: Option<UnixTime>, now: UnixTime) -> bool {
    last.is_none_or(|at| now >= at.plus_secs(HELD_QUERY_EVERY_SECS))
}

/// When each held refund was last asked about: kept by the payment shell for as long as it
/// runs (after a restart the pass at start asks anyway).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeldQueries {
    asked: BTreeMap<String, UnixTime>,
}

impl HeldQueries {
    /// Whether `refund` is due its status query on a pass `pass` at `now`
    /// ([`held_query_due`]); when it is, it is noted as asked at `now` (call it just before
    /// asking, once per refund and pass).
    pub fn take_due(&mut self, refund: &RefundRecord, pass: RecoveryPass, now: UnixTime) -> bool {
        let due = held_query_due(refund, pass, self.asked.get(&refund.id).copied(), now);
        if due {
            self.asked.insert(refund.id.clone(), now);
        }
        due
    }

    /// Keeps only the refunds of `open` (those still in doubt), so a settled refund's time
    /// is not kept for ever.
    pub fn keep_only(&mut self, open: &[RefundRecord]) {
        self.asked.retain(|id, _| open.iter().any(|r| &r.id == id));
    }
}

/// A held refund a recovery pass settled by the acquirer's own record of its sale
/// ([`super::resolve_held_by_record`]): what staff must read, by refund, sale and amount,
/// even when the pass ran in the background and they arrive later.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldSettled {
    /// The refund's id.
    pub refund_id: String,
    /// The sale it refunds.
    pub sale_id: String,
    /// Its amount in yen.
    pub amount_jpy: u64,
    /// Whether the record showed it made (`false`: never made, the customer is still owed).
    pub made: bool,
}

/// The held refunds among a recovery pass's `refunds` (each with the code it ended with)
/// that it settled by the acquirer's record ([`Code::HeldRefundFoundRefunded`],
/// [`Code::HeldRefundFoundNotRefunded`]), in the pass's order.
pub fn settled_by_record<'a>(
    refunds: impl IntoIterator<Item = (&'a RefundRecord, Code)>,
) -> Vec<HeldSettled> {
    refunds
        .into_iter()
        .filter_map(|(refund, code)| {
            let made = match code {
                Code::HeldRefundFoundRefunded => true,
                Code::HeldRefundFoundNotRefunded => false,
                _ => return None,
            };
            Some(HeldSettled {
                refund_id: refund.id.clone(),
                sale_id: refund.payment.clone(),
                amount_jpy: refund.amount_jpy,
                made,
            })
        })
        .collect()
}

/// The code of what staff read about held refunds settled by the acquirer's record:
/// [`Code::HeldRefundFoundNotRefunded`] while any of `settled` was never made (the customer
/// is still owed: staff may start a new refund), else [`Code::HeldRefundFoundRefunded`].
pub fn held_settled_code(settled: &[HeldSettled]) -> Code {
    if settled.iter().any(|s| !s.made) {
        Code::HeldRefundFoundNotRefunded
    } else {
        Code::HeldRefundFoundRefunded
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::payment::{RECOVERY_HORIZON_SECS, RefundState};

    /// 2026-11-24 10:00 JST.
    const JOURNALED: UnixTime = UnixTime::from_secs(1_795_482_000);
    const INSIDE: UnixTime = JOURNALED.plus_secs(RECOVERY_HORIZON_SECS - 1);
    const PAST: UnixTime = JOURNALED.plus_secs(RECOVERY_HORIZON_SECS);

    fn refunding(id: &str) -> RefundRecord {
        RefundRecord {
            id: id.into(),
            payment: "T1-000001".into(),
            idempotency_key: format!("{id}-key"),
            amount_jpy: 700,
            state: RefundState::Refunding,
            business_date: "2026-11-24".into(),
            reason: None,
            created_at: JOURNALED,
            updated_at: JOURNALED,
            attempts: 1,
            version: 0,
        }
    }

    #[test]
    fn start_and_staff_always_ask_the_pass_before_a_sale_never() {
        let r = refunding("T1-R1");
        for last in [None, Some(PAST)] {
            for pass in [
                RecoveryPass::Start,
                RecoveryPass::Staff,
                RecoveryPass::Settle,
            ] {
                assert!(held_query_due(&r, pass, last, PAST), "{pass:?} {last:?}");
            }
            assert!(!held_query_due(&r, RecoveryPass::BeforeSale, last, PAST));
        }
        // Far past the interval, still not before a sale.
        let later = PAST.plus_secs(10 * HELD_QUERY_EVERY_SECS);
        assert!(!held_query_due(&r, RecoveryPass::BeforeSale, None, later));
    }

    #[test]
    fn the_timed_recovery_asks_each_held_refund_at_most_once_an_hour() {
        let (a, b) = (refunding("T1-R1"), refunding("T1-R2"));
        let mut q = HeldQueries::default();
        assert!(q.take_due(&a, RecoveryPass::Timed, PAST));
        let soon = PAST.plus_secs(HELD_QUERY_EVERY_SECS - 1);
        assert!(!q.take_due(&a, RecoveryPass::Timed, soon));
        // Per refund: another one is asked on its own count.
        assert!(q.take_due(&b, RecoveryPass::Timed, soon));
        let hour = PAST.plus_secs(HELD_QUERY_EVERY_SECS);
        assert!(q.take_due(&a, RecoveryPass::Timed, hour));
        // Staff asking counts: the timer waits an hour from it.
        let pressed = hour.plus_secs(10);
        assert!(q.take_due(&b, RecoveryPass::Staff, pressed));
        assert!(!q.take_due(&b, RecoveryPass::Timed, pressed.plus_secs(60)));
        // The pass before a sale neither asks nor counts as asked.
        let mut fresh = HeldQueries::default();
        assert!(!fresh.take_due(&a, RecoveryPass::BeforeSale, PAST));
        assert!(fresh.take_due(&a, RecoveryPass::Timed, PAST));
    }

    #[test]
    fn a_refund_not_held_is_never_asked_this_way() {
        let r = refunding("T1-R1");
        let mut q = HeldQueries::default();
        for pass in [
            RecoveryPass::Start,
            RecoveryPass::Staff,
            RecoveryPass::Settle,
            RecoveryPass::Timed,
            RecoveryPass::BeforeSale,
        ] {
            assert!(!q.take_due(&r, pass, INSIDE), "{pass:?}");
        }
        let mut settled = refunding("T1-R1");
        settled.state = RefundState::Refunded;
        assert!(!held_query_due(&settled, RecoveryPass::Staff, None, PAST));
    }

    #[test]
    fn settled_refunds_are_forgotten() {
        let (a, b) = (refunding("T1-R1"), refunding("T1-R2"));
        let mut q = HeldQueries::default();
        q.take_due(&a, RecoveryPass::Timed, PAST);
        q.take_due(&b, RecoveryPass::Timed, PAST);
        q.keep_only(std::slice::from_ref(&b));
        // `a` reads as never asked; `b` as asked.
        assert!(q.take_due(&a, RecoveryPass::Timed, PAST.plus_secs(1)));
        assert!(!q.take_due(&b, RecoveryPass::Timed, PAST.plus_secs(1)));
    }

    #[test]
    fn the_refunds_settled_by_the_record_are_named_not_refunded_first() {
        let (a, b, c) = (refunding("T1-R1"), refunding("T1-R2"), refunding("T1-R3"));
        let settled = settled_by_record([
            (&a, Code::HeldRefundFoundRefunded),
            (&b, Code::RefundPending),
            (&c, Code::HeldRefundFoundNotRefunded),
        ]);
        assert_eq!(
            settled,
            [
                HeldSettled {
                    refund_id: "T1-R1".into(),
                    sale_id: "T1-000001".into(),
                    amount_jpy: 700,
                    made: true,
                },
                HeldSettled {
                    refund_id: "T1-R3".into(),
                    sale_id: "T1-000001".into(),
                    amount_jpy: 700,
                    made: false,
                },
            ]
        );
        assert_eq!(
            held_settled_code(&settled),
            Code::HeldRefundFoundNotRefunded
        );
        assert_eq!(
            held_settled_code(&settled[..1]),
            Code::HeldRefundFoundRefunded
        );
        // Staff's own answers are not news of a pass.
        let staff = settled_by_record([
            (&a, Code::HeldRefundRecordedRefunded),
            (&b, Code::HeldRefundRecordedNotRefunded),
        ]);
        assert!(staff.is_empty());
    }
}
