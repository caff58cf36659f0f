//! Whether anyone saw that a sale charged the card (docs/domain/payments-and-eid-clients.md
//! §1.10, "An approval journaled but never shown").
//!
//! A sale journaled `Captured` is final: recovery has nothing left to do for it. But the
//! terminal may die (or its window close) between that journal write and the moment its
//! outcome reaches staff or the register. Then nobody saw the approval: the customer may
//! have paid another way, and would be charged twice. So the shell journals a mark,
//! [`PaymentRecord::shown_at`], once it has handed a captured outcome over (to the customer
//! window, which says it rendered it: [`marks_shown`], [`super::rendered`]; to the
//! register: [`shown_to_register`]), and staff are told of
//! every sale of today that is captured and unmarked ([`unshown`], [`unshown_sales`],
//! [`Code::ApprovalNotShown`](crate::Code::ApprovalNotShown)) until they void it or
//! confirm that the customer paid by card. Nothing here voids by itself: only the customer
//! knows whether they paid another way.
//!
//! Only sales of today are listed: they can still be voided (their business day,
//! [`super::can_void`]); one of an earlier day is settled and refunded from the journal.

use counter_api::pos::{Sale, SaleState};
use madoguchi_time::jst;
use serde::Serialize;

use super::record::{PaymentRecord, PaymentState};
use crate::UnixTime;

/// A sale staff must look at: the card was charged, the counter never showed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UnshownSale {
    /// The sale's id (its number on the receipt and in the journal).
    pub id: String,
    /// The amount charged, in yen.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub amount_jpy: u64,
    /// When the sale was journaled (the customer confirmed it).
    pub created_at: UnixTime,
}

impl UnshownSale {
    /// The line of `record`.
    pub fn of(record: &PaymentRecord) -> Self {
        Self {
            id: record.id.clone(),
            amount_jpy: record.amount_jpy,
            created_at: record.created_at,
        }
    }
}

/// Whether handing `record` over as a sale's outcome tells that the card was charged: the
/// shell then journals [`PaymentRecord::shown_at`] (once the outcome is out, never before).
pub fn marks_shown(record: &PaymentRecord) -> bool {
    record.state == PaymentState::Captured
}

/// The sale whose charge the register's answer `sale` tells (approved, with its id): the
/// shell journals its mark once the answer is handed to the register's request.
pub fn shown_to_register(sale: &Sale) -> Option<&str> {
    match sale.state {
        SaleState::Approved => sale.sale_id.as_deref(),
        _ => None,
    }
}

/// Whether staff must be told of `record` at `now`: captured on today's business day (it
/// can still be voided) and never shown to staff or the register.
pub fn unshown(record: &PaymentRecord, now: UnixTime) -> bool {
    record.state == PaymentState::Captured
        && record.shown_at.is_none()
        && record.business_date == jst::business_date(now)
}

/// The status bar's list: the [`unshown`] sales of `records`, in their order, but those a
/// task of the shell still drives (`driven`): their outcome is on its way to staff.
pub fn unshown_sales<'a>(
    records: impl IntoIterator<Item = &'a PaymentRecord>,
    now: UnixTime,
    driven: impl Fn(&str) -> bool,
) -> Vec<UnshownSale> {
    records
        .into_iter()
        .filter(|r| unshown(r, now) && !driven(&r.id))
        .map(UnshownSale::of)
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use counter_api::pos::PosMessage;

    use super::*;
    use crate::payment::{NewSale, begin};

    /// 2026-12-07 10:00 JST.
    const TODAY: UnixTime = UnixTime::from_secs(1_796_605_200);

    fn sale(n: u32, state: PaymentState, at: UnixTime) -> PaymentRecord {
        let mut r = begin(
            NewSale {
                id: format!("t-1-{n:06}"),
                idempotency_key: format!("k-{n}"),
                order_ref: format!("o-{n}"),
                merchant_id: "m".into(),
                terminal_id: "t-1".into(),
                amount_jpy: 1_000 + u64::from(n),
                visit_id: None,
            },
            at,
        );
        r.state = state;
        r
    }

    #[test]
    fn a_sale_of_today_captured_and_never_shown_needs_staff() {
        let r = sale(1, PaymentState::Captured, TODAY);
        assert!(unshown(&r, TODAY));
        assert!(unshown(&r, TODAY.plus_secs(3_600)), "later the same day");
        let mut shown = r.clone();
        shown.shown_at = Some(TODAY);
        assert!(
            !unshown(&shown, TODAY),
            "shown (or confirmed) once is enough"
        );
    }

    #[test]
    fn only_a_charge_can_be_unshown() {
        for state in PaymentState::ALL {
            let r = sale(1, state, TODAY);
            assert_eq!(
                unshown(&r, TODAY),
                state == PaymentState::Captured,
                "{state:?}: voided, declined, reversed and in doubt charge nothing to confirm"
            );
            assert_eq!(
                marks_shown(&r),
                state == PaymentState::Captured,
                "{state:?}"
            );
        }
    }

    #[test]
    fn a_sale_of_an_earlier_business_day_is_not_listed() {
        let r = sale(1, PaymentState::Captured, TODAY);
        let tomorrow = TODAY.plus_secs(24 * 3_600);
        assert_ne!(jst::business_date(tomorrow), r.business_date);
        assert!(!unshown(&r, tomorrow), "settled: no void any more");
    }

    #[test]
    fn the_list_skips_a_sale_still_driven_and_keeps_the_order() {
        let records = [
            sale(1, PaymentState::Captured, TODAY),
            sale(2, PaymentState::Declined, TODAY),
            sale(3, PaymentState::Captured, TODAY),
            sale(4, PaymentState::Captured, TODAY),
        ];
        let list = unshown_sales(&records, TODAY, |id| id == "t-1-000004");
        assert_eq!(
            list,
            vec![
                UnshownSale {
                    id: "t-1-000001".into(),
                    amount_jpy: 1_001,
                    created_at: TODAY
                },
                UnshownSale {
                    id: "t-1-000003".into(),
                    amount_jpy: 1_003,
                    created_at: TODAY
                },
            ]
        );
    }

    #[test]
    fn the_register_is_shown_a_charge_only_by_an_approved_sale_with_its_id() {
        let answer = |state: SaleState, sale_id: Option<&str>| Sale {
            order_ref: "o-1".into(),
            amount_jpy: 1_000,
            state,
            code: "payment_approved".into(),
            message: PosMessage {
                ja: String::new(),
                en: String::new(),
                next_ja: String::new(),
                next_en: String::new(),
            },
            sale_id: sale_id.map(str::to_owned),
            refunded_jpy: 0,
            refunds: Vec::new(),
            receipt: None,
            created_at: TODAY,
        };
        assert_eq!(
            shown_to_register(&answer(SaleState::Approved, Some("t-1-000001"))),
            Some("t-1-000001")
        );
        assert_eq!(shown_to_register(&answer(SaleState::Approved, None)), None);
        for state in [
            SaleState::Paying,
            SaleState::InDoubt,
            SaleState::Voided,
            SaleState::Declined,
            SaleState::NotCharged,
        ] {
            assert_eq!(
                shown_to_register(&answer(state, Some("t-1-000001"))),
                None,
                "{state:?}"
            );
        }
    }
}
