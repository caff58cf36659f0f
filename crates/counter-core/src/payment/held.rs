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

/// The code a held refund's reason starts with when the acquirer's own record of the sale
/// showed it made ([`resolve_held_by_record`]).
pub const RECORD_REFUNDED: &str = "acquirer_record_refunded";

/// The code a held refund's reason starts with when the acquirer's own record of the sale
/// showed no such refund ([`resolve_held_by_record`]); read back as
/// [`Code::HeldRefundRecordedNotRefunded`].
pub const RECORD_SHOWS_NONE: &str = "acquirer_record_shows_none";

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
         {captured}: the journal already shows the sale refunded; read it and do not refund \
         again"
    )]
    ExceedsCaptured {
        /// The refund.
        id: String,
        /// The sale's refunded total it would make.
        would_be: u64,
        /// What the sale captured.
        captured: u64,
    },
    /// The acquirer's own record of the sale (its status query's `refunded_jpy`) shows the
    /// opposite of staff's answer: the answer was mis-heard or names another refund.
    #[error(
        "staff said refund {id} was {said:?}, but the acquirer's record of the sale shows \
         {acquirer_refunded} yen refunded against {journal_refunded} in the journal before it: \
         nothing was recorded; ask the acquirer again, naming the refund number"
    )]
    ContradictsAcquirer {
        /// The refund.
        id: String,
        /// What staff said.
        said: AcquirerSaid,
        /// The payment's refunded total in the acquirer's record.
        acquirer_refunded: u64,
        /// The sale's refunded total in the journal (without this refund).
        journal_refunded: u64,
    },
}

impl SettleRefused {
    /// What staff read ([`Code`]). A refund already settled as made, and a "refunded" the
    /// sale's journal has no room for (its refunds already total what it captured), read
    /// [`Code::RefundAlreadySettled`]: its outcome is in the journal, and neither another
    /// answer nor another refund is what staff should do next. One already settled as not
    /// made (`refused`) reads [`Code::RefundSettledNotRefunded`]: the customer may still be
    /// owed, which a new refund of the sale pays.
    pub fn code(&self) -> Code {
        match self {
            Self::WrongSale { .. } => Code::InvalidPaymentState,
            Self::NotInDoubt { state, .. } if *state == RefundState::Refused.as_str() => {
                Code::RefundSettledNotRefunded
            }
            Self::NotInDoubt { .. } | Self::ExceedsCaptured { .. } => Code::RefundAlreadySettled,
            Self::NotHeld { .. } => Code::RefundNotHeld,
            Self::ContradictsAcquirer { .. } => Code::HeldRefundAnswerContradicted,
        }
    }
}

/// What the acquirer's own record shows about `refund` of sale `payment`, given
/// `acquirer_refunded_jpy`, the payment's refunded total in that record (its status query
/// by the sale's key, which the acquirer keeps after it forgot the refund's key). Only one
/// refund of a sale is in flight at a time ([`super::begin_refund`] answers
/// [`Code::PaymentBusy`]), so the record's total at or above the journal's plus this
/// refund's amount means it was made, and equal to the journal's means it was not; any
/// other figure says neither (`None`: staff decide).
pub fn acquirer_record_shows(
    refund: &RefundRecord,
    payment: &PaymentRecord,
    acquirer_refunded_jpy: u64,
) -> Option<AcquirerSaid> {
    let before = payment.refunded_jpy;
    if acquirer_refunded_jpy >= before.saturating_add(refund.amount_jpy) {
        Some(AcquirerSaid::Refunded)
    } else if acquirer_refunded_jpy == before {
        Some(AcquirerSaid::NotRefunded)
    } else {
        None
    }
}

/// Resolves held refund `refund` of sale `payment` at `now` from the acquirer's own record
/// ([`acquirer_record_shows`] with `acquirer_refunded_jpy`), as the background recovery
/// does: made, it ends `Refunded` and the sale takes its amount; not made, it ends
/// `Refused`, its reason saying the acquirer's record shows none. Returns what staff read
/// ([`Code::HeldRefundFoundRefunded`], [`Code::HeldRefundFoundNotRefunded`]: not "recorded
/// as the acquirer said", which reads as staff's own record), or
/// `None` with nothing changed when the refund is not held, not of this sale, or the
/// figure says neither (it stays held for staff).
pub fn resolve_held_by_record(
    refund: &mut RefundRecord,
    payment: &mut PaymentRecord,
    acquirer_refunded_jpy: u64,
    now: UnixTime,
) -> Option<Code> {
    if !super::refund_held(refund, now) || refund.payment != payment.id {
        return None;
    }
    let said = acquirer_record_shows(refund, payment, acquirer_refunded_jpy)?;
    let reason = match said {
        AcquirerSaid::Refunded => format!(
            "{RECORD_REFUNDED}: the acquirer's record of the sale shows it refunded \
             (held past the recovery horizon, not sent again)"
        ),
        AcquirerSaid::NotRefunded => format!(
            "{RECORD_SHOWS_NONE}: the acquirer's record of the sale shows no such refund \
             (held past the recovery horizon, not sent again); nothing was paid back"
        ),
    };
    apply(refund, payment, said, reason, now)
        .ok()
        .map(|_| match said {
            AcquirerSaid::Refunded => Code::HeldRefundFoundRefunded,
            AcquirerSaid::NotRefunded => Code::HeldRefundFoundNotRefunded,
        })
}

/// Ends held refund `refund` of sale `payment` as `said` at `now`, with `reason`: `Refunded`
/// (the sale's refunded total takes its amount; refused when that would pass what was
/// captured, nothing changed) or `Refused`. Returns the code staff read.
fn apply(
    refund: &mut RefundRecord,
    payment: &mut PaymentRecord,
    said: AcquirerSaid,
    reason: String,
    now: UnixTime,
) -> Result<Code, SettleRefused> {
    let code = match said {
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
            refund.state = RefundState::Refunded;
            Code::HeldRefundRecordedRefunded
        }
        AcquirerSaid::NotRefunded => {
            refund.state = RefundState::Refused;
            Code::HeldRefundRecordedNotRefunded
        }
    };
    refund.updated_at = now;
    refund.reason = Some(reason);
    Ok(code)
}

/// Records what the acquirer told staff about held refund `refund` of sale `payment` at
/// `now`: the refund ends `Refunded` (and the sale's refunded total takes its amount) or
/// `Refused`, its reason saying staff recorded it. Nothing is sent. Returns the code staff
/// read ([`Code::HeldRefundRecordedRefunded`], [`Code::HeldRefundRecordedNotRefunded`]);
/// refused (nothing changed) unless the refund is held ([`super::refund_held`]).
///
/// `acquirer_refunded_jpy` is the payment's refunded total in the acquirer's own record,
/// asked just before under the sale's lock, or `None` when the acquirer could not be
/// reached: an answer that record contradicts ([`acquirer_record_shows`]) is refused
/// ([`SettleRefused::ContradictsAcquirer`]); without the record, staff's answer stands.
pub fn settle_held_refund(
    refund: &mut RefundRecord,
    payment: &mut PaymentRecord,
    said: AcquirerSaid,
    acquirer_refunded_jpy: Option<u64>,
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
            held_from: refund.created_at.plus_secs(super::RECOVERY_HORIZON_SECS),
        });
    }
    if refund.payment != payment.id {
        return Err(SettleRefused::WrongSale {
            id: refund.id.clone(),
            refund_sale: refund.payment.clone(),
            sale: payment.id.clone(),
        });
    }
    let checked = match acquirer_refunded_jpy {
        Some(figure) => match acquirer_record_shows(refund, payment, figure) {
            Some(shown) if shown != said => {
                return Err(SettleRefused::ContradictsAcquirer {
                    id: refund.id.clone(),
                    said,
                    acquirer_refunded: figure,
                    journal_refunded: payment.refunded_jpy,
                });
            }
            Some(_) => "; the acquirer's record agreed",
            None => "; the acquirer's record did not tell",
        },
        None => "; the acquirer could not be asked",
    };
    let reason = match said {
        AcquirerSaid::Refunded => format!(
            "{STAFF_REFUNDED}: staff recorded the acquirer's answer that it was refunded \
             (held past the recovery horizon, not sent again){checked}"
        ),
        AcquirerSaid::NotRefunded => format!(
            "{STAFF_NOT_REFUNDED}: staff recorded the acquirer's answer that nothing was \
             refunded (held past the recovery horizon, not sent again){checked}"
        ),
    };
    apply(refund, payment, said, reason, now)
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
    const INSIDE: UnixTime = JOURNALED.plus_secs(RECOVERY_HORIZON_SECS - 1);
    const PAST: UnixTime = JOURNALED.plus_secs(RECOVERY_HORIZON_SECS);

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
            let refused = settle_held_refund(&mut r, &mut p, said, None, INSIDE).unwrap_err();
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
        let code = settle_held_refund(&mut r, &mut p, AcquirerSaid::Refunded, None, PAST).unwrap();
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
        let again = settle_held_refund(&mut r, &mut p, AcquirerSaid::NotRefunded, None, PAST);
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
        let code =
            settle_held_refund(&mut r, &mut p, AcquirerSaid::NotRefunded, None, PAST).unwrap();
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
        let refused =
            settle_held_refund(&mut r, &mut p, AcquirerSaid::Refunded, None, PAST).unwrap_err();
        assert_eq!(refused.code(), Code::RefundAlreadySettled);
        assert_eq!(r, refunding());
        let mut other = sale();
        other.id = "T1-000009".into();
        let refused = settle_held_refund(
            &mut refunding(),
            &mut other,
            AcquirerSaid::NotRefunded,
            None,
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

    #[test]
    fn the_acquirers_record_tells_made_not_made_or_neither() {
        // The sale had 500 refunded before; the held refund is 700.
        let (r, p) = (refunding(), sale());
        assert_eq!(
            acquirer_record_shows(&r, &p, 1_200),
            Some(AcquirerSaid::Refunded)
        );
        assert_eq!(
            acquirer_record_shows(&r, &p, 1_300),
            Some(AcquirerSaid::Refunded)
        );
        assert_eq!(
            acquirer_record_shows(&r, &p, 500),
            Some(AcquirerSaid::NotRefunded)
        );
        for other in [0, 499, 501, 1_199] {
            assert_eq!(acquirer_record_shows(&r, &p, other), None, "{other}");
        }
    }

    #[test]
    fn recovery_resolves_a_held_refund_by_the_acquirers_record() {
        let (mut r, mut p) = (refunding(), sale());
        let code = resolve_held_by_record(&mut r, &mut p, 1_200, PAST);
        assert_eq!(code, Some(Code::HeldRefundFoundRefunded));
        assert_eq!((r.state, p.refunded_jpy), (RefundState::Refunded, 1_200));
        assert!(r.reason.as_deref().unwrap().starts_with(RECORD_REFUNDED));

        let (mut r, mut p) = (refunding(), sale());
        let code = resolve_held_by_record(&mut r, &mut p, 500, PAST);
        assert_eq!(code, Some(Code::HeldRefundFoundNotRefunded));
        assert_eq!((r.state, &p), (RefundState::Refused, &sale()));
        let reason = r.reason.as_deref().unwrap();
        assert!(reason.starts_with(RECORD_SHOWS_NONE), "{reason}");
        assert!(reason.contains("record of the sale shows no such refund"));
        // Read back as the acquirer's record, never as staff's own answer.
        assert_eq!(
            refund_report_code(&r, PAST),
            Code::HeldRefundFoundNotRefunded
        );
        for code in [
            Code::HeldRefundFoundRefunded,
            Code::HeldRefundFoundNotRefunded,
        ] {
            let e = code.entry();
            assert!(e.en.starts_with("Recorded from the acquirer's record"));
            assert!(e.en.contains("not recorded by staff"), "{}", e.en);
        }

        // Any other figure, a refund still sent, or another sale: nothing changes.
        let (mut r, mut p) = (refunding(), sale());
        assert_eq!(resolve_held_by_record(&mut r, &mut p, 800, PAST), None);
        assert_eq!(resolve_held_by_record(&mut r, &mut p, 500, INSIDE), None);
        let mut other = sale();
        other.id = "T1-000009".into();
        assert_eq!(resolve_held_by_record(&mut r, &mut other, 500, PAST), None);
        assert_eq!((r, p), (refunding(), sale()));
    }

    #[test]
    fn staffs_answer_the_acquirers_record_contradicts_is_refused() {
        // Mis-heard "not refunded" while the acquirer's record shows it made: refused, so
        // no new refund pays the customer twice.
        let (mut r, mut p) = (refunding(), sale());
        let refused =
            settle_held_refund(&mut r, &mut p, AcquirerSaid::NotRefunded, Some(1_200), PAST)
                .unwrap_err();
        assert!(
            matches!(refused, SettleRefused::ContradictsAcquirer { .. }),
            "{refused:?}"
        );
        assert_eq!(refused.code(), Code::HeldRefundAnswerContradicted);
        assert_eq!((&r, &p), (&refunding(), &sale()));
        let refused = settle_held_refund(&mut r, &mut p, AcquirerSaid::Refunded, Some(500), PAST)
            .unwrap_err();
        assert_eq!(refused.code(), Code::HeldRefundAnswerContradicted);
        assert_eq!((&r, &p), (&refunding(), &sale()));
        // An agreeing record, or one that tells neither: staff's answer stands.
        let code =
            settle_held_refund(&mut r, &mut p, AcquirerSaid::NotRefunded, Some(500), PAST).unwrap();
        assert_eq!(code, Code::HeldRefundRecordedNotRefunded);
        assert!(r.reason.as_deref().unwrap().ends_with("record agreed"));
        let (mut r, mut p) = (refunding(), sale());
        let code = settle_held_refund(&mut r, &mut p, AcquirerSaid::Refunded, Some(800), PAST);
        assert_eq!(code, Ok(Code::HeldRefundRecordedRefunded));
    }

    #[test]
    fn a_second_answer_for_a_settled_refund_reads_already_settled() {
        let (mut r, mut p) = (refunding(), sale());
        settle_held_refund(&mut r, &mut p, AcquirerSaid::Refunded, None, PAST).unwrap();
        for said in [AcquirerSaid::Refunded, AcquirerSaid::NotRefunded] {
            let refused = settle_held_refund(&mut r, &mut p, said, None, PAST).unwrap_err();
            assert_eq!(refused.code(), Code::RefundAlreadySettled, "{refused:?}");
        }
        let e = Code::RefundAlreadySettled.entry();
        assert!(
            e.next_en.contains("do not refund it again"),
            "{}",
            e.next_en
        );
        assert!(!e.next_en.contains("amount"), "{}", e.next_en);
        // A "refunded" the sale has no room for: its journal already shows it refunded.
        let (mut r, mut p) = (refunding(), sale());
        p.refunded_jpy = 2_000;
        let refused =
            settle_held_refund(&mut r, &mut p, AcquirerSaid::Refunded, None, PAST).unwrap_err();
        assert_eq!(refused.code(), Code::RefundAlreadySettled);
        assert!(!refused.to_string().contains("check the"), "{refused}");
    }

    #[test]
    fn a_second_answer_for_a_refund_settled_not_refunded_says_the_customer_may_be_owed() {
        // Settled "not refunded" by staff, by the acquirer's record, or refused by the
        // acquirer: nothing was paid back, so "do not refund again" would be wrong.
        let by_staff = {
            let (mut r, mut p) = (refunding(), sale());
            settle_held_refund(&mut r, &mut p, AcquirerSaid::NotRefunded, None, PAST).unwrap();
            r
        };
        let by_record = {
            let (mut r, mut p) = (refunding(), sale());
            resolve_held_by_record(&mut r, &mut p, 500, PAST).unwrap();
            r
        };
        for mut r in [by_staff, by_record] {
            for said in [AcquirerSaid::Refunded, AcquirerSaid::NotRefunded] {
                let mut p = sale();
                let refused = settle_held_refund(&mut r, &mut p, said, None, PAST).unwrap_err();
                assert_eq!(
                    refused.code(),
                    Code::RefundSettledNotRefunded,
                    "{refused:?}"
                );
                assert_eq!((r.state, &p), (RefundState::Refused, &sale()));
            }
        }
        let e = Code::RefundSettledNotRefunded.entry();
        assert!(
            e.en.contains("already recorded as not refunded"),
            "{}",
            e.en
        );
        assert!(e.next_en.contains("still owed"), "{}", e.next_en);
        assert!(
            e.next_en.contains("start a new refund of the sale"),
            "{}",
            e.next_en
        );
        assert!(!e.next_en.contains("do not refund"), "{}", e.next_en);
    }
}
