//! How long the counter may send an operation again under the key it first sent it with:
//! the terminal's recovery horizon.
//!
//! The acquirer keeps an answered idempotency key for `[idempotency] retention_days` (at
//! least 15, 35 by default; `backend-acquirer`'s config, `MIN_RETENTION_DAYS`) and forgets
//! it after that. The terminal does not know the acquirer's setting, only its floor: the
//! recovery horizon, **14 days**, the longest a counter is expected to stay switched off
//! with something in doubt (the New Year closure, 29 December to 3 January, and Golden
//! Week, up to 10 days, with margin). Within it a same-key retry is answered from the key.
//!
//! Past it, what a retry relies on decides:
//! - a **refund** relies on its key alone (a payment may take several refunds, so its state
//!   does not refuse a second one): sent again after the acquirer forgot the key it would
//!   be made twice. A refund still `Refunding` past the horizon is therefore never sent
//!   again automatically ([`retry_refund`]); it is held for staff, listed with the
//!   unresolved ones ([`super::refund_unresolved`], [`crate::Code::PaymentUnresolved`]),
//!   whose advice is to ask the acquirer for its outcome before anything else;
//! - a **sale**'s steps are protected by the payment's state or found through the payment
//!   itself, which keeps its key: the status query and the reversal still find the payment,
//!   and a capture or void sent again meets a payment already captured or voided. They
//!   stay retried at any age.

use super::record::{RefundRecord, RefundState};
use crate::UnixTime;

/// The terminal's recovery horizon in days: 14 (module documentation; a day under the
/// floor of the acquirer's `retention_days`, `backend-acquirer`'s `MIN_RETENTION_DAYS`).
/// The status bar names it ([`crate::counter::Status::refund_horizon_days`]), as do the
/// code table's lines about held refunds.
pub const RECOVERY_HORIZON_DAYS: u32 = 14;

/// [`RECOVERY_HORIZON_DAYS`] in seconds.
pub const RECOVERY_HORIZON_SECS: i64 = RECOVERY_HORIZON_DAYS as i64 * 86_400;

/// Whether something first sent at `sent_at` has reached the recovery horizon at `now`:
/// at exactly [`RECOVERY_HORIZON_SECS`] it has, so a same-key retry is sent only while
/// strictly younger. The acquirer keeps a key strictly longer (its `retention_days` is at
/// least 15: `backend-acquirer`'s `MIN_RETENTION_DAYS`), so the last retry still meets it.
pub fn past_horizon(sent_at: UnixTime, now: UnixTime) -> bool {
    now.secs_since(sent_at) >= RECOVERY_HORIZON_SECS
}

/// Whether `refund` is held for staff at `now`: still `Refunding` (its outcome unknown, or
/// never sent) and journaled at least the recovery horizon ago, so the acquirer may
/// have forgotten its key and a retry could refund twice. Its journal time is the earliest
/// the key can have reached the acquirer, so the age is never under-counted.
pub fn refund_held(refund: &RefundRecord, now: UnixTime) -> bool {
    refund.state == RefundState::Refunding && past_horizon(refund.created_at, now)
}

/// Whether the counter sends `refund` again (same key) at `now`, on start or before a new
/// sale: it is still `Refunding` and not [`refund_held`]. A refund this answers `false` for
/// while still `Refunding` is left to staff, never sent.
pub fn retry_refund(refund: &RefundRecord, now: UnixTime) -> bool {
    refund.state == RefundState::Refunding && !refund_held(refund, now)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::Code;
    use crate::payment::{refund_report_code, refund_unresolved, unresolved_ids};

    /// Every number of days the texts of `entry` name ("14日", "14 days"), in order.
    fn days_named(entry: &crate::codes::Entry) -> Vec<u32> {
        let mut found = Vec::new();
        for text in [entry.ja, entry.en, entry.next_ja, entry.next_en] {
            for unit in ["日", " day"] {
                for (at, _) in text.match_indices(unit) {
                    let digits: String = text[..at]
                        .chars()
                        .rev()
                        .take_while(char::is_ascii_digit)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    if !digits.is_empty() {
                        found.push(digits.parse().unwrap());
                    }
                }
            }
        }
        found
    }

    #[test]
    fn the_code_tables_days_are_the_recovery_horizon() {
        // The lines about held refunds name the horizon in both languages; a number of
        // days anywhere in the table that is not the horizon would tell staff a wrong age.
        for code in [Code::PaymentUnresolved, Code::CloseRefusedRefundHeld] {
            let days = days_named(code.entry());
            assert_eq!(
                days,
                vec![RECOVERY_HORIZON_DAYS; 2],
                "{code:?} names the horizon once in Japanese and once in English"
            );
        }
        for entry in crate::codes::TABLE {
            for days in days_named(entry) {
                assert_eq!(days, RECOVERY_HORIZON_DAYS, "{:?}", entry.code);
            }
        }
        assert_eq!(
            RECOVERY_HORIZON_SECS,
            i64::from(RECOVERY_HORIZON_DAYS) * 86_400
        );
    }

    /// 2026-11-24 10:00 JST.
    const JOURNALED: UnixTime = UnixTime::from_secs(1_795_482_000);

    fn refunding() -> RefundRecord {
        RefundRecord {
            id: "T1-R000001".into(),
            payment: "T1-000001".into(),
            idempotency_key: "T1-000001-refund-1".into(),
            amount_jpy: 700,
            state: RefundState::Refunding,
            business_date: "2026-11-24".into(),
            reason: Some("outcome unknown; retrying with the same key".into()),
            created_at: JOURNALED,
            updated_at: JOURNALED,
            attempts: 1,
            version: 0,
        }
    }

    #[test]
    fn a_refund_just_inside_the_horizon_is_sent_again() {
        let r = refunding();
        let edge = JOURNALED.plus_secs(RECOVERY_HORIZON_SECS - 1);
        assert!(retry_refund(&r, edge));
        assert!(!refund_held(&r, edge));
        // Below the escalation count it is not listed for staff: the counter resolves it.
        assert!(!refund_unresolved(&r, edge));
        assert!(unresolved_ids(&[], std::slice::from_ref(&r), edge).is_empty());
        assert_eq!(refund_report_code(&r, edge), Code::RefundPending);
    }

    #[test]
    fn a_refund_at_the_horizon_is_not_sent_and_is_listed_for_staff() {
        let r = refunding();
        // At exactly 14 days: the terminal stops strictly before the horizon.
        let past = JOURNALED.plus_secs(RECOVERY_HORIZON_SECS);
        assert!(past_horizon(JOURNALED, past));
        assert!(!past_horizon(JOURNALED, past.plus_secs(-1)));
        assert!(refund_held(&r, past));
        assert!(!retry_refund(&r, past), "a retry could refund twice");
        // Listed with the unresolved ones although it failed only one round.
        assert!(refund_unresolved(&r, past));
        assert_eq!(
            unresolved_ids(&[], std::slice::from_ref(&r), past),
            ["T1-R000001".to_owned()]
        );
        assert_eq!(refund_report_code(&r, past), Code::PaymentUnresolved);
        // Whose advice is to ask the acquirer first, and says such a refund is not sent again.
        let e = Code::PaymentUnresolved.entry();
        assert!(
            e.next_en.starts_with("Before anything else"),
            "{}",
            e.next_en
        );
        assert!(e.next_en.contains("14 days"), "{}", e.next_en);
        assert!(e.next_ja.contains("14日"), "{}", e.next_ja);
    }

    #[test]
    fn only_a_refund_in_doubt_is_held_whatever_its_age() {
        let long_after = JOURNALED.plus_secs(10 * RECOVERY_HORIZON_SECS);
        for state in [RefundState::Refunded, RefundState::Refused] {
            let r = RefundRecord {
                state,
                ..refunding()
            };
            assert!(!refund_held(&r, long_after), "{state:?}");
            assert!(!retry_refund(&r, long_after), "{state:?}: nothing to send");
            assert!(!refund_unresolved(&r, long_after), "{state:?}");
        }
    }
}
