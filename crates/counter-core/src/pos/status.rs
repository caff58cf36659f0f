//! What the register reads about a sale: the journal's records, or the counter's own view
//! while the customer is at the till.

use counter_api::pos::{PosMessage, Sale, SaleReceipt, SaleRefund, SaleRefundState, SaleState};

use super::record::{PosJournal, PosOrderState};
use crate::codes::Code;
use crate::payment::receipt::MerchantInfo;
use crate::payment::{self, PaymentRecord, PaymentState, RefundState};

/// What the counter knows of a sale the customer is still at the till for (the journal
/// knows less: only that the order is open, or that a payment may have left).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Live {
    /// The customer window shows the amount; the customer identifies and picks the method.
    /// With a code: the last attempt failed (card removed, PIN blocked, ...) and staff may
    /// start it again.
    Waiting(Option<Code>),
    /// The customer confirmed: authorising and capturing.
    Paying,
}

/// The sale of `journal` as the register reads it, with what the counter knows `live`.
///
/// - a payment the journal holds as final gives the outcome (approved, declined, voided;
///   reversed is `not_charged` with the recovery's code when recovery reversed it; an
///   authorisation never sent is `not_charged` with [`Code::PaymentNotSent`], one the
///   acquirer did not accept for the terminal's fault `not_charged` with
///   [`Code::PaymentNotAccepted`], never `declined`: the issuer never saw them);
/// - a payment not final is `paying` while the counter drives it, `in_doubt` otherwise
///   (the recovery resolves it): never `declined`; except a void staff or the register
///   asked for ([`payment::void_asked`]: the sale was approved, its void key is journaled,
///   the acquirer has not made the void yet, as when it refused it while it still holds the
///   approval), which is `approved` with [`Code::VoidPending`], what staff read about it
///   ([`payment::report_code`]): the customer stays charged until the void is made, and the
///   counter keeps sending it. `in_doubt` would tell the register the charge itself is
///   unknown;
/// - an order without payment is `waiting_for_customer` while the customer is at the till;
///   ended, it is `cancelled` or `not_charged` with its reason; left open when the counter is
///   not serving it (the terminal stopped), it is `not_charged` ([`Code::PosInterrupted`]).
pub fn sale(journal: &PosJournal, live: Option<Live>, merchant: &MerchantInfo) -> Sale {
    let order = &journal.order;
    let (state, code) = match (&journal.payment, live) {
        (Some(p), _) if p.state.is_final() => final_state(p),
        (Some(p), _) if payment::void_asked(p) => (SaleState::Approved, Code::VoidPending),
        (_, Some(Live::Paying)) => (SaleState::Paying, Code::PosPaying),
        (Some(_), _) => (SaleState::InDoubt, Code::PaymentInDoubt),
        (None, Some(Live::Waiting(code))) => (
            SaleState::WaitingForCustomer,
            code.unwrap_or(Code::PosWaitingForCustomer),
        ),
        (None, None) => match (order.state, order.reason) {
            (PosOrderState::Unpaid, Some(Code::Cancelled)) => {
                (SaleState::Cancelled, Code::Cancelled)
            }
            (PosOrderState::Unpaid, Some(reason)) => (SaleState::NotCharged, reason),
            (PosOrderState::Open | PosOrderState::Unpaid, _) => {
                (SaleState::NotCharged, Code::PosInterrupted)
            }
            // Linked to a payment the journal does not return: never read as unpaid.
            (PosOrderState::Paying, _) => (SaleState::InDoubt, Code::PaymentInDoubt),
        },
    };
    let payment = journal.payment.as_ref();
    Sale {
        order_ref: order.order_ref.clone(),
        amount_jpy: order.amount_jpy,
        state,
        code: code.as_str(),
        message: message(code),
        sale_id: payment.map(|p| p.id.clone()),
        refunded_jpy: payment.map_or(0, |p| p.refunded_jpy),
        refunds: journal
            .refunds
            .iter()
            .map(|r| SaleRefund {
                refund_id: r.id.clone(),
                amount_jpy: r.amount_jpy,
                state: match r.state {
                    RefundState::Refunding => SaleRefundState::Refunding,
                    RefundState::Refunded => SaleRefundState::Refunded,
                    RefundState::Refused => SaleRefundState::Refused,
                },
            })
            .collect(),
        receipt: payment.and_then(|p| receipt(p, merchant)),
        created_at: order.created_at,
    }
}

/// The state and code of a payment the journal holds as final.
fn final_state(p: &PaymentRecord) -> (SaleState, Code) {
    let code = payment::outcome_code(p);
    let state = match p.state {
        PaymentState::Captured => SaleState::Approved,
        PaymentState::Voided => SaleState::Voided,
        PaymentState::Declined => SaleState::Declined,
        PaymentState::Reversed | PaymentState::NotSent | PaymentState::NotAccepted => {
            SaleState::NotCharged
        }
        // Not final: `sale` never asks (read as in doubt there).
        PaymentState::Authorising
        | PaymentState::Authorised
        | PaymentState::Capturing
        | PaymentState::Voiding
        | PaymentState::Reversing => SaleState::InDoubt,
    };
    (state, code)
}

/// The code's line of the table.
pub fn message(code: Code) -> PosMessage {
    let e = code.entry();
    PosMessage {
        ja: e.ja.into(),
        en: e.en.into(),
        next_ja: e.next_ja.into(),
        next_en: e.next_en.into(),
    }
}

/// The receipt's data of an approved (or voided) payment, as the acquirer returned it; a
/// sale whose void is pending ([`payment::void_asked`]) reads as approved and keeps its
/// receipt, since the charge stands until the void is made.
fn receipt(p: &PaymentRecord, merchant: &MerchantInfo) -> Option<SaleReceipt> {
    if !matches!(p.state, PaymentState::Captured | PaymentState::Voided) && !payment::void_asked(p)
    {
        return None;
    }
    Some(SaleReceipt {
        merchant_name: merchant.name.clone(),
        merchant_id: p.merchant_id.clone(),
        terminal_id: p.terminal_id.clone(),
        order_ref: p.order_ref.clone(),
        sale_id: p.id.clone(),
        amount_jpy: p.amount_jpy,
        authorised_at: p.created_at,
        authorised_at_jst: madoguchi_time::jst::display_timestamp(p.created_at),
        brand: p.brand.clone()?,
        last4: p.last4.clone()?,
        approval_code: p.approval_code.clone(),
        slip_number: p.slip_number,
    })
}
