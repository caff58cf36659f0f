//! A held refund settled by staff: what the acquirer told them on the phone, journaled
//! without sending anything.
//!
//! A refund past the recovery horizon is never sent again ([`super::refund_held`]): the
//! acquirer may have forgotten its key. Its outcome then comes from staff, who ask the
//! acquirer (the advice of [`Code::PaymentUnresolved`]) and record the answer with
//! [`settle_held_refund`]: **refunded** (the acquirer made it: the sale takes its amount)
//! or **not refunded** (nothing was made: the refund ends refused, and staff may start a
//! new refund under a new key). Only a held refund may be settled this way: one still
//! being retried may yet be made by the counter's own retry, and a word from the phone
//! must not race it.
//!
//! A held refund blocks neither a new sale (nothing is sent for it any more, so nothing
//! races a sale: [`blocking_ids`]) nor is it forgotten: it stays listed for staff
//! ([`held_refunds`]) until settled, and the daily close names it
//! ([`super::close::check_closable`]).

use serde::{Deserialize, Serialize};

use super::record::{PaymentRecord, RefundRecord, RefundState};
use crate::UnixTime;
use crate::codes::Code;

/// The code a staff-settled "not refunded" refund's reason starts with
/// ([`RefundRecord::reason`], read back by [`super::refund_report_code`]).
pub const STAFF_NOT_REFUNDED: &str = "staff_recorded_not_refunded";

/// The code a staff-settled "refunded" refund's reason starts with.
pub const STAFF_REFUNDED: &str = "staff_recorded_refunded";

/// What the acquirer told staff about a held refund.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AcquirerSaid {
    /// The acquirer made the refund: the customer got the money back on the card.
    Refunded,
    /// The acquirer made no refund: nothing was paid back; staff may refund again.
    NotRefunded,
}

/// Why staff could not settle a refund this way. Nothing was changed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettleRefused {
    /// The refund's outcome is already known (made or refused): there is nothing to settle.
    #[error("refund {id} is already {state}: there is nothing to record; read it in the journal")]
    NotInDoubt {
        /// The refund.
        id: String,
        /// Its state (`refunded` or `refused`).
        state: &'static str,
    },
    /// The refund is still within the recovery horizon: the counter still sends it and it
    /// may yet be made, so a phone answer could race its retry.
    #[error(
        "refund {id} is still being sent by the counter until {held_from:?} and may yet be made: \
         wait for its outcome, or press Recover"
    )]
    NotHeld {
        /// The refund.
        id: String,
        /// From when it is held (its journal time plus the recovery horizon).
        held_from: UnixTime,
    },
    /// The sale given is not the one the refund belongs to (the caller read the wrong row).
    #[error("refund {id} belongs to sale {refund_sale}, not {sale}: read its sale again")]
    WrongSale {
        /// The refund.
        id: String,
        /// The sale it refunds.
        refund_sale: String,
        /// The sale given.
        sale: String,
    },
    /// "Refunded" would take the sale's refunds above what was captured: the answer does
    /// not fit this sale (another refund of it was made meanwhile, or the wrong refund was
    /// named).
    #[error(
        "recording refund {id} as made would refund {would_be} yen of a sale that captured \
         {captured}: check the refund's number and amount with the acquirer"
    )]
    ExceedsCaptured {
        /// The refund.
        id: String,
        /// The sale's refunded total it would make.
        would_be: u64,
        /// What the sale captured.
        captured: u64,
    },
}

impl SettleRefused {
    /// What staff read ([`Code`]).
    pub fn code(&self) -> Code {
        match self {
            Self::NotInDoubt { .. } | Self::WrongSale { .. } => Code::InvalidPaymentState,
            Self::NotHeld { .. } => Code::RefundNotHeld,
            Self::ExceedsCaptured { .. } => Code::RefundExceedsCaptured,
        }
    }
}

/// Records what the acquirer told staff about held refund `refund` of sale `payment` at
/// `now`: the refund ends `Refunded` (and the sale's refunded total takes its amount) or
/// `Refused`, its reason saying staff recorded it. Nothing is sent. Returns the code staff
/// read ([`Code::HeldRefundRecordedRefunded`], [`Code::HeldRefundRecordedNotRefunded`]);
/// refused (nothing changed) unless the refund is held ([`super::refund_held`]).
pub fn settle_held_refund(
    refund: &mut RefundRecord,
    payment: &mut PaymentRecord,
    said: AcquirerSaid,
    now: UnixTime,
) -> Result<Code, SettleRefused> {
    if refund.state != RefundState::Refunding {
        return Err(SettleRefused::NotInDoubt {
            id: refund.id.clone(),
            state: refund.state.as_str(),
        });
    }
    if !super::refund_held(refund, now) {
        return Err(SettleRefused::NotHeld {
            id: refund.id.clone(),
            held_from: refund
                .created_at
                .plus_secs(super::RECOVERY_HORIZON_SECS + 1),
        });
    }
    if refund.payment != payment.id {
        return Err(SettleRefused::WrongSale {
            id: refund.id.clone(),
            refund_sale: refund.payment.clone(),
            sale: payment.id.clone(),
        });
    }
    match said {
        AcquirerSaid::Refunded => {
            let would_be = payment.refunded_jpy.saturating_add(refund.amount_jpy);
            if would_be > payment.captured_jpy {
                return Err(SettleRefused::ExceedsCaptured {
                    id: refund.id.clone(),
                    would_be,
                    captured: payment.captured_jpy,
                });
            }
            payment.refunded_jpy = would_be;
            payment.updated_at = now;
            refund.updated_at = now;
            refund.state = RefundState::Refunded;
            refund.reason = Some(format!(
                "{STAFF_REFUNDED}: staff recorded the acquirer's answer that it was refunded \
                 (held past the recovery horizon, not sent again)"
            ));
            Ok(Code::HeldRefundRecordedRefunded)
        }
        AcquirerSaid::NotRefunded => {
            refund.updated_at = now;
            refund.state = RefundState::Refused;
            refund.reason = Some(format!(
                "{STAFF_NOT_REFUNDED}: staff recorded the acquirer's answer that nothing was \
                 refunded (held past the recovery horizon, not sent again)"
            ));
            Ok(Code::HeldRefundRecordedNotRefunded)
        }
    }
}

/// The refunds of `refunds` held at `now` ([`super::refund_held`]), in the order given:
/// what the staff window lists to settle.
pub fn held_refunds(refunds: &[RefundRecord], now: UnixTime) -> Vec<RefundRecord> {
    refunds
        .iter()
        .filter(|r| super::refund_held(r, now))
        .cloned()
        .collect()
}

/// The ids that hold back a new card sale and are resolved before one at `now`: the sales
/// of `sales` not final, then the refunds of `refunds` the counter still sends
/// ([`super::retry_refund`]). A held refund is not among them: nothing is sent for it any
/// more, so a new sale races nothing, and staff settle it apart.
pub fn blocking_ids(
    sales: &[PaymentRecord],
    refunds: &[RefundRecord],
    now: UnixTime,
) -> Vec<String> {
    let sales = sales
        .iter()
        .filter(|p| !p.state.is_final())
        .map(|p| p.id.clone());
    let refunds = refunds
        .iter()
        .filter(|r| super::retry_refund(r, now))
        .map(|r| r.id.clone());
    sales.chain(refunds).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::payment::{PaymentState, RECOVERY_HORIZON_SECS, refund_report_code, retry_refund};

    /// 2026-11-24 10:00 JST.
    const JOURNALED: UnixTime = UnixTime::from_secs(1_795_482_000);
    const INSIDE: UnixTime = JOURNALED.plus_secs(RECOVERY_HORIZON_SECS);
    const PAST: UnixTime = JOURNALED.plus_secs(RECOVERY_HORIZON_SECS + 1);

    fn sale() -> PaymentRecord {
        PaymentRecord {
            id: "T1-000001".into(),
            idempotency_key: "k".into(),
            order_ref: "o".into(),
            visit_id: None,
            merchant_id: "m".into(),
            terminal_id: "T1".into(),
            amount_jpy: 2_000,
            state: PaymentState::Captured,
            payment_id: Some("pay_1".into()),
            approval_code: None,
            slip_number: None,
            brand: Some("VISA".into()),
            last4: Some("4242".into()),
            captured_jpy: 2_000,
            refunded_jpy: 500,
            capture_key: None,
            void_key: None,
            reversal_key: None,
            captured_date: Some("2026-11-24".into()),
            cancelled_date: None,
            decline_reason: None,
            business_date: "2026-11-24".into(),
            attempts: 0,
            last_error: None,
            mark: None,
            recovered: false,
            created_at: JOURNALED,
            updated_at: JOURNALED,
            shown_at: None,
            version: 0,
        }
    }

    fn refunding() -> RefundRecord {
        RefundRecord {
            id: "T1-R000002".into(),
            payment: "T1-000001".into(),
            idempotency_key: "T1-000001-refund-2".into(),
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
    fn a_refund_still_retried_cannot_be_settled_by_staff() {
        for said in [AcquirerSaid::Refunded, AcquirerSaid::NotRefunded] {
            let (mut r, mut p) = (refunding(), sale());
            let refused = settle_held_refund(&mut r, &mut p, said, INSIDE).unwrap_err();
            assert!(
                matches!(refused, SettleRefused::NotHeld { held_from, .. } if held_from == PAST),
                "{refused:?}"
            );
            assert_eq!(refused.code(), Code::RefundNotHeld);
            assert!(refused.to_string().contains("may yet be made"), "{refused}");
            // Nothing changed: the counter still sends it.
            assert_eq!((r, p), (refunding(), sale()));
            assert!(retry_refund(&refunding(), INSIDE));
        }
    }

    #[test]
    fn refunded_ends_the_held_refund_made_and_the_sale_takes_its_amount() {
        let (mut r, mut p) = (refunding(), sale());
        let code = settle_held_refund(&mut r, &mut p, AcquirerSaid::Refunded, PAST).unwrap();
        assert_eq!(code, Code::HeldRefundRecordedRefunded);
        assert_eq!(r.state, RefundState::Refunded);
        assert_eq!(p.refunded_jpy, 1_200);
        assert_eq!((r.updated_at, p.updated_at), (PAST, PAST));
        let reason = r.reason.as_deref().unwrap();
        assert!(reason.starts_with(STAFF_REFUNDED) && reason.contains("staff recorded"));
        assert_eq!(refund_report_code(&r, PAST), Code::RefundDone);
        assert!(!retry_refund(&r, PAST));
        // Settled: listed no longer, and a second answer is refused.
        assert!(held_refunds(std::slice::from_ref(&r), PAST).is_empty());
        let again = settle_held_refund(&mut r, &mut p, AcquirerSaid::NotRefunded, PAST);
        assert!(matches!(
            again,
            Err(SettleRefused::NotInDoubt {
                state: "refunded",
                ..
            })
        ));
        assert_eq!((r.state, p.refunded_jpy), (RefundState::Refunded, 1_200));
    }

    #[test]
    fn not_refunded_ends_the_held_refund_refused_by_staff_and_the_sale_unchanged() {
        let (mut r, mut p) = (refunding(), sale());
        let code = settle_held_refund(&mut r, &mut p, AcquirerSaid::NotRefunded, PAST).unwrap();
        assert_eq!(code, Code::HeldRefundRecordedNotRefunded);
        assert_eq!(r.state, RefundState::Refused);
        assert_eq!(p, sale());
        let reason = r.reason.as_deref().unwrap();
        assert!(reason.starts_with(STAFF_NOT_REFUNDED) && reason.contains("staff recorded"));
        // Read back as staff's answer, not as the acquirer's refusal.
        assert_eq!(
            refund_report_code(&r, PAST),
            Code::HeldRefundRecordedNotRefunded
        );
        let e = Code::HeldRefundRecordedNotRefunded.entry();
        assert!(e.next_en.contains("new refund"), "{}", e.next_en);
        // A new refund of the sale may be started (none is refunding any more).
        let next = crate::payment::begin_refund(&p, &[r], "T1-R3".into(), "k3".into(), 700, PAST);
        assert!(next.is_ok(), "{next:?}");
    }

    #[test]
    fn refunded_cannot_take_a_sale_above_what_it_captured_nor_another_sale() {
        let (mut r, mut p) = (refunding(), sale());
        p.refunded_jpy = 1_500;
        let refused = settle_held_refund(&mut r, &mut p, AcquirerSaid::Refunded, PAST).unwrap_err();
        assert_eq!(refused.code(), Code::RefundExceedsCaptured);
        assert_eq!(r, refunding());
        let mut other = sale();
        other.id = "T1-000009".into();
        let refused = settle_held_refund(
            &mut refunding(),
            &mut other,
            AcquirerSaid::NotRefunded,
            PAST,
        )
        .unwrap_err();
        assert!(
            matches!(refused, SettleRefused::WrongSale { .. }),
            "{refused:?}"
        );
    }

    #[test]
    fn a_held_refund_does_not_hold_back_a_new_sale_and_one_still_retried_does() {
        let r = refunding();
        let mut open_sale = sale();
        open_sale.id = "T1-000003".into();
        open_sale.state = PaymentState::Capturing;
        assert_eq!(
            blocking_ids(&[open_sale.clone()], std::slice::from_ref(&r), INSIDE),
            ["T1-000003".to_owned(), "T1-R000002".to_owned()]
        );
        assert_eq!(
            blocking_ids(&[open_sale], std::slice::from_ref(&r), PAST),
            ["T1-000003".to_owned()]
        );
        assert!(blocking_ids(&[], std::slice::from_ref(&r), PAST).is_empty());
        assert_eq!(
            held_refunds(std::slice::from_ref(&r), PAST),
            std::slice::from_ref(&r)
        );
        assert!(held_refunds(std::slice::from_ref(&r), INSIDE).is_empty());
    }
}
