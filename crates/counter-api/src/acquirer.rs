//! The acquirer's contract: payments against a card token linked at enrollment, with the
//! idempotency, status-query and reversal rules of payments-and-eid-clients.md §1.5–1.10.
//!
//! | endpoint | request | answer |
//! |---|---|---|
//! | `POST /v1/payments` (authorise) | [`AuthoriseRequest`] + `Idempotency-Key` | [`Payment`] |
//! | `POST /v1/payments/{id}/capture` | [`CaptureRequest`] + `Idempotency-Key` | [`Payment`] |
//! | `POST /v1/payments/{id}/void` | + `Idempotency-Key` | [`Payment`] |
//! | `POST /v1/payments/{id}/refunds` | [`RefundRequest`] + `Idempotency-Key` | [`Payment`] |
//! | `GET /v1/payments/by-idempotency-key/{key}` | | [`Payment`] or `404 not_found` |
//! | `POST /v1/reversals` | [`ReversalRequest`] + `Idempotency-Key` | [`Reversal`] |
//! | `GET /v1/settlements/{date}` | | [`SettlementTotals`] |
//!
//! Idempotency: the key is the client's (persisted before the first send). The first
//! response, error included, is replayed for the same key; the same key with other
//! parameters is refused `idempotency_key_mismatch`; a request still in progress answers
//! `409 request_in_progress`, never a decline. A decline is `402 payment_declined`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The HTTP header carrying the client's idempotency key.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// Capture mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaptureMode {
    /// Captured with the authorisation.
    Automatic,
    /// Authorised only; capture later (or void).
    Manual,
}

/// `POST /v1/payments`: authorise a payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthoriseRequest {
    /// The platform's `payment` assertion for this acquirer: binds the card token, the
    /// merchant and the amount the customer agreed to.
    pub assertion: String,
    /// The merchant (must equal the assertion's).
    pub merchant_id: String,
    /// The amount in yen (must equal the assertion's).
    pub amount_jpy: u64,
    /// The merchant's order / sale reference, for search and receipts.
    pub order_ref: String,
    /// Capture mode.
    pub capture: CaptureMode,
}

/// `POST /v1/payments/{id}/capture`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureRequest {
    /// Amount to capture (≤ authorised); the whole authorisation when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_jpy: Option<u64>,
}

/// `POST /v1/payments/{id}/refunds`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// Amount to refund; the sum of refunds never exceeds the captured amount.
    pub amount_jpy: u64,
}

/// State of a payment (payments-and-eid-clients.md §1.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Authorised, awaiting capture.
    Authorised,
    /// Captured.
    Captured,
    /// Voided before capture or settlement.
    Voided,
    /// Refunded in full.
    Refunded,
    /// Refunded in part.
    PartiallyRefunded,
    /// Reversed (the terminal did not learn the outcome and reversed it).
    Reversed,
    /// Declined by the issuer.
    Declined,
}

/// Masked card data for receipts: brand and last 4 digits only (JCCA masking).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MaskedCard {
    /// Brand.
    pub brand: String,
    /// Last 4 digits.
    pub last4: String,
}

/// A payment as the acquirer holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Payment {
    /// The acquirer's payment id.
    pub payment_id: String,
    /// The idempotency key of the authorisation.
    pub idempotency_key: String,
    /// State.
    pub status: PaymentStatus,
    /// Merchant.
    pub merchant_id: String,
    /// Terminal (from the assertion).
    pub terminal_id: String,
    /// Order reference.
    pub order_ref: String,
    /// Authorised amount (yen).
    pub amount_jpy: u64,
    /// Captured amount (yen).
    pub captured_jpy: u64,
    /// Refunded amount (yen).
    pub refunded_jpy: u64,
    /// 承認番号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_code: Option<String>,
    /// 伝票番号 (slip number).
    pub slip_number: u64,
    /// Card for receipts.
    pub card: MaskedCard,
    /// Created (Unix seconds).
    pub created_at: i64,
    /// Last change (Unix seconds).
    pub updated_at: i64,
}

/// Why a reversal is sent (ISO 8583 reversal-advice reasons, payments-and-eid-clients.md §1.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReversalReason {
    /// 4021: no response to the authorisation in time.
    Timeout,
    /// 4020: the response could not be used.
    InvalidResponse,
    /// 4000: the customer cancelled.
    CustomerCancellation,
}

/// `POST /v1/reversals`: undo an authorisation whose outcome the terminal does not know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReversalRequest {
    /// The idempotency key of the authorisation to reverse.
    pub original_idempotency_key: String,
    /// Why.
    pub reason: ReversalReason,
}

/// The answer to a reversal (idempotent: the same answer however often it is sent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reversal {
    /// The authorisation's key.
    pub original_idempotency_key: String,
    /// Whether an authorisation was found (and is now reversed); false: nothing was
    /// charged, nothing to undo.
    pub found: bool,
    /// The payment after the reversal, when found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<Payment>,
}

/// Totals of one brand in a settlement (nexo reconciliation model).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BrandTotals {
    /// Brand.
    pub brand: String,
    /// Captured payments: count.
    pub debit_count: u32,
    /// Captured payments: yen.
    pub debit_jpy: u64,
    /// Refunds: count.
    pub credit_count: u32,
    /// Refunds: yen.
    pub credit_jpy: u64,
    /// Voided or reversed: count.
    pub cancelled_count: u32,
    /// Declined: count.
    pub declined_count: u32,
}

/// `GET /v1/settlements/{date}`: the day's totals for the calling merchant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SettlementTotals {
    /// The business date `YYYY-MM-DD` (JST).
    pub date: String,
    /// Merchant.
    pub merchant_id: String,
    /// Per brand.
    pub brands: Vec<BrandTotals>,
    /// Payments still authorised and not captured (a close should wait for them).
    pub pending_authorisations: u32,
}
