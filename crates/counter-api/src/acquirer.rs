//! The acquirer's contract: payments against a card token linked at enrollment, with the
//! idempotency, status-query and reversal rules of docs/domain/payments-and-eid-clients.md §1.5–1.10.
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

use madoguchi_time::UnixTime;
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
    #[schema(
        min_length = 5,
        max_length = 8192,
        pattern = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
    )]
    pub assertion: String,
    /// The merchant (must equal the assertion's).
    #[schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9._:-]{1,64}$")]
    pub merchant_id: String,
    /// The amount in yen (must equal the assertion's).
    #[schema(minimum = 1, maximum = 99_999_999)]
    pub amount_jpy: u64,
    /// The merchant's order / sale reference, for search and receipts: 1 to 64 bytes of UTF-8
    /// without control characters. `maxLength` counts characters, so the schema allows the
    /// two cases that always fit: up to 64 ASCII characters, or up to 16 of any kind.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
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
    #[schema(minimum = 1, maximum = 99_999_999)]
    pub amount_jpy: Option<u64>,
}

/// `POST /v1/payments/{id}/refunds`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// Amount to refund; the sum of refunds never exceeds the captured amount.
    #[schema(minimum = 1, maximum = 99_999_999)]
    pub amount_jpy: u64,
}

/// State of a payment (docs/domain/payments-and-eid-clients.md §1.10).
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
    #[schema(value_type = i64)]
    pub created_at: UnixTime,
    /// Last change (Unix seconds).
    #[schema(value_type = i64)]
    pub updated_at: UnixTime,
}

/// Why a reversal is sent (ISO 8583 reversal-advice reasons, docs/domain/payments-and-eid-clients.md §1.5).
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
    #[schema(min_length = 1, max_length = 255, pattern = r"^[\x21-\x7E]{1,255}$")]
    pub original_idempotency_key: String,
    /// Why it is reversed: no answer in time, an unusable answer, the customer cancelled.
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BrandTotals {
    /// Brand.
    pub brand: String,
    /// Captured payments: count.
    pub debit_count: u32,
    /// Captured payments: yen.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub debit_jpy: u64,
    /// Refunds: count.
    pub credit_count: u32,
    /// Refunds: yen.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
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

/// `POST /v1/admin/card-tokens` (administration terminals only): registers a card token
/// at enrollment. The acquirer keeps brand and last 4 digits for receipts, never a card
/// number. Not part of the terminal contract (not in the OpenAPI document).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardTokenRegistration {
    /// The opaque token reference the platform's enrollment links to the card
    /// (1-64 of `A-Z a-z 0-9 . _ : -`).
    pub card_token_ref: String,
    /// Brand (`VISA`, `JCB`, ...; 1-16 ASCII letters, digits or spaces).
    pub brand: String,
    /// Last 4 digits, for receipts.
    pub last4: String,
    /// Demo issuer rule: amounts above this are declined `insufficient_funds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_jpy: Option<u64>,
    /// Demo issuer rule: every authorisation is declined `do_not_honour`.
    #[serde(default)]
    pub blocked: bool,
    /// The cardholder, as the issuer knows them: before the platform links the token to a
    /// card, the acquirer compares this with the card's certified attributes
    /// ([`crate::links`]).
    pub holder: Cardholder,
}

/// The cardholder behind a token, as the card issuer holds them (name and birth date
/// always; address and sex when the issuer keeps them). Compared with the certified
/// attributes by [`crate::attributes::compare`]; never sent to a terminal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cardholder {
    /// 氏名 (kanji, as on the holder's residence record).
    pub name: String,
    /// 生年月日, `YYYY-MM-DD`.
    pub birth_date: String,
    /// 住所, when the issuer keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// 性別, when the issuer keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<crate::platform::Sex>,
}

impl Cardholder {
    /// Field rules (`prefix` names the object: `holder.`).
    pub fn validate(&self, prefix: &str) -> Result<(), crate::FieldError> {
        use crate::attributes::{MAX_ADDRESS_CHARS, MAX_NAME_CHARS, check_text, is_iso_date};
        check_text(prefix, "name", &self.name, MAX_NAME_CHARS)?;
        if !is_iso_date(&self.birth_date) {
            return Err(crate::FieldError::new(
                format!("{prefix}birth_date"),
                "the birth date is YYYY-MM-DD (Gregorian)",
            ));
        }
        if let Some(a) = &self.address {
            check_text(prefix, "address", a, MAX_ADDRESS_CHARS)?;
        }
        Ok(())
    }

    /// What [`crate::attributes::compare`] compares.
    pub fn held(&self) -> crate::attributes::HeldAttributes<'_> {
        crate::attributes::HeldAttributes {
            name: Some(&self.name),
            address: self.address.as_deref(),
            birth_date: Some(&self.birth_date),
            sex: self.sex,
        }
    }
}

impl CardTokenRegistration {
    /// Field rules.
    pub fn validate(&self) -> Result<(), crate::FieldError> {
        if let Err(e) = crate::ident::check_id("card_token_ref", &self.card_token_ref) {
            return Err(crate::FieldError::new("card_token_ref", e.to_string()));
        }
        if self.brand.is_empty()
            || self.brand.len() > 16
            || !self
                .brand
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b' ')
        {
            return Err(crate::FieldError::new(
                "brand",
                "the brand is 1-16 ASCII letters, digits or spaces",
            ));
        }
        if self.last4.len() != 4 || !self.last4.bytes().all(|b| b.is_ascii_digit()) {
            return Err(crate::FieldError::new(
                "last4",
                "last4 is exactly 4 digits (JCCA masking keeps at most the last 4)",
            ));
        }
        self.holder.validate("holder.")
    }
}

/// A fault the acquirer injects into payment requests, for the terminal's tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer normally.
    #[default]
    None,
    /// Hold the request (its key in progress) for `delay_ms` before processing it.
    Delay,
    /// Process and commit, then close the connection without answering.
    DropResponse,
    /// Answer `503 unavailable` without processing (nothing is stored; a retry proceeds).
    ServerError,
    /// Process and commit, then answer `409 request_in_progress` (the terminal must query
    /// the status, never treat it as a decline).
    InProgress,
    /// Answer `409 invalid_payment_state` without processing (nothing is stored; a retry
    /// proceeds): the acquirer refusing a void or a reversal it holds back while the
    /// payment is unchanged (its status still says what it said).
    CannotCancel,
}

/// `PUT /v1/admin/faults` (administration terminals only): the fault plan for the next
/// payment requests (authorise, capture, void, refund, reversal). Not part of the terminal
/// contract (not in the OpenAPI document).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPlan {
    /// The fault.
    pub kind: FaultKind,
    /// For [`FaultKind::Delay`]: milliseconds (at most 60,000).
    #[serde(default)]
    pub delay_ms: u64,
    /// How many requests it applies to; absent: every request until changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

/// The longest injected delay (a minute: longer than any terminal timeout worth testing).
pub const MAX_FAULT_DELAY_MS: u64 = 60_000;
