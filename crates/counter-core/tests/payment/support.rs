use counter_api::acquirer::{MaskedCard, Payment, PaymentStatus};
use counter_core::BackendFailure;
use counter_core::UnixTime;
use counter_core::payment::{NewSale, PaymentRecord, begin};

/// 2026-11-24 10:00 JST.
pub const NOW: UnixTime = UnixTime::from_secs(1_795_482_000);
pub const DAY: i64 = 86_400;

pub fn sale(n: u32, amount: u64) -> PaymentRecord {
    begin(
        NewSale {
            id: format!("T1-{n}"),
            idempotency_key: format!("auth-{n}"),
            order_ref: format!("order-{n}"),
            merchant_id: "shop-a".into(),
            terminal_id: "till-1".into(),
            amount_jpy: amount,
            visit_id: None,
        },
        NOW,
    )
}

pub fn payment(r: &PaymentRecord, status: PaymentStatus, captured: u64, refunded: u64) -> Payment {
    Payment {
        payment_id: format!("pay-{}", r.id),
        idempotency_key: r.idempotency_key.clone(),
        status,
        merchant_id: r.merchant_id.clone(),
        terminal_id: r.terminal_id.clone(),
        order_ref: r.order_ref.clone(),
        amount_jpy: r.amount_jpy,
        captured_jpy: captured,
        refunded_jpy: refunded,
        approval_code: Some("123456".into()),
        slip_number: 42,
        card: MaskedCard {
            brand: "VISA".into(),
            last4: "4242".into(),
        },
        created_at: NOW,
        updated_at: NOW,
    }
}

pub fn problem(status: u16, code: &str) -> BackendFailure {
    BackendFailure::Problem {
        status,
        code: code.into(),
        detail: "scripted".into(),
        field: None,
        reason: None,
    }
}

pub fn timeout() -> BackendFailure {
    BackendFailure::Unreachable {
        sent: true,
        detail: "timed out".into(),
    }
}
