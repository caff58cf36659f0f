//! Whether an acquirer's answer is about the sale the terminal journaled, before the
//! machine takes it as the truth ([`super::adopt`]).
//!
//! The acquirer's payment carries what it authorised: its key, merchant, order and amount
//! (docs/domain/payments-and-eid-clients.md §1.10, the journal holds the same). An answer
//! that names another key, merchant, order or amount, another payment than the one
//! already journaled, or amounts that cannot be (a capture other than the sale's amount,
//! refunds above the capture), is not this sale's outcome: a fault on the way or at the
//! acquirer. Adopting it could show a sale approved for an amount the customer never
//! confirmed, or another merchant's approval as ours. It is treated as an answer that
//! could not be used: the sale stays in doubt, is queried again and, if it never comes
//! right, escalated to staff ([`super::unresolved`]), never shown approved.

use counter_api::acquirer::{Payment, PaymentStatus};

use super::record::PaymentRecord;

/// What makes `p` not the outcome of `record`, `None` when it is.
pub fn mismatch(record: &PaymentRecord, p: &Payment) -> Option<String> {
    let differs = |what: &str, ours: &dyn std::fmt::Display, theirs: &dyn std::fmt::Display| {
        Some(format!(
            "the acquirer's answer names {what} {theirs}, the sale's is {ours}"
        ))
    };
    if p.idempotency_key != record.idempotency_key {
        return differs(
            "the idempotency key",
            &record.idempotency_key,
            &p.idempotency_key,
        );
    }
    if p.merchant_id != record.merchant_id {
        return differs("the merchant", &record.merchant_id, &p.merchant_id);
    }
    if p.order_ref != record.order_ref {
        return differs("the order", &record.order_ref, &p.order_ref);
    }
    if p.amount_jpy != record.amount_jpy {
        return differs("the amount (yen)", &record.amount_jpy, &p.amount_jpy);
    }
    if let Some(ours) = &record.payment_id
        && *ours != p.payment_id
    {
        return differs("the payment", ours, &p.payment_id);
    }
    let captured = matches!(
        p.status,
        PaymentStatus::Captured | PaymentStatus::PartiallyRefunded | PaymentStatus::Refunded
    );
    // The terminal always captures the whole amount (`begin_capture`).
    if captured && p.captured_jpy != p.amount_jpy {
        return Some(format!(
            "the acquirer's answer says {} yen captured of a sale of {} yen",
            p.captured_jpy, p.amount_jpy
        ));
    }
    if p.refunded_jpy > p.captured_jpy {
        return Some(format!(
            "the acquirer's answer says {} yen refunded of {} yen captured",
            p.refunded_jpy, p.captured_jpy
        ));
    }
    None
}
