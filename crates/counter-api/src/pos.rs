//! The POS payment API: what a shop's register (POS) sends to the counter terminal, and what
//! the terminal answers, so that the register hands over the amount instead of a cashier
//! typing it again.
//!
//! The register creates a sale (amount and order reference, with an `Idempotency-Key`); the
//! terminal journals it, shows the amount on the customer window and waits for the customer's
//! card and PIN; the register reads the outcome by its order reference, may cancel the sale
//! before the customer paid, and void or refund it afterwards. The terminal serves it on
//! loopback by default (`counter_runtime::pos`); the document is [`crate::pos_openapi`]'s.
//!
//! Errors are RFC 9457 problem details ([`PosProblem`]) whose `code` is a line of the
//! counter's one code table (`counter_core::codes`, Japanese and English), with the request
//! field at fault when there is one.

use madoguchi_time::UnixTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::problem::FieldError;

/// The prefix of every POS problem `type`.
pub const POS_PROBLEM_TYPE_PREFIX: &str = "urn:madoguchi:pos:problem:";

/// The longest order reference (the acquirer takes at most 64 bytes, and it is a path
/// segment of the API: letters, digits and `._:-` only, so one character is one byte).
pub const MAX_ORDER_REF: usize = 64;

/// The longest idempotency key (as the acquirer's).
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// `POST /v1/sales`: a sale of `amount_jpy` for the register's order `order_ref`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSale {
    /// The amount in yen, 1 to 99,999,999 (the amount a payment challenge can bind).
    #[schema(minimum = 1, maximum = 99_999_999)]
    pub amount_jpy: u64,
    /// The register's reference of this order, unique per sale attempt: the sale is found by
    /// it, and it goes to the acquirer and onto the receipt.
    #[schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9._:-]{1,64}$")]
    pub order_ref: String,
}

impl CreateSale {
    /// Checks the fields' rules (those of the schema).
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.amount_jpy == 0 || self.amount_jpy > crate::platform::MAX_AMOUNT_JPY {
            return Err(FieldError::new(
                "amount_jpy",
                "the amount must be 1 to 99,999,999 yen",
            ));
        }
        if !is_order_ref(&self.order_ref) {
            return Err(FieldError::new(
                "order_ref",
                "the order reference must be 1 to 64 letters, digits or . _ : -",
            ));
        }
        Ok(())
    }
}

/// `POST /v1/sales/{order_ref}/refunds`: refund part or all of an approved sale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRefund {
    /// The amount in yen (at most what is captured and not refunded yet).
    #[schema(minimum = 1, maximum = 99_999_999)]
    pub amount_jpy: u64,
}

impl CreateRefund {
    /// Checks the fields' rules (those of the schema).
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.amount_jpy == 0 || self.amount_jpy > crate::platform::MAX_AMOUNT_JPY {
            return Err(FieldError::new(
                "amount_jpy",
                "the amount must be 1 to 99,999,999 yen",
            ));
        }
        Ok(())
    }
}

/// Whether `s` is an order reference: 1 to 64 of `A-Z a-z 0-9 . _ : -`.
pub fn is_order_ref(s: &str) -> bool {
    (1..=MAX_ORDER_REF).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// Whether `s` is an idempotency key: 1 to 255 visible ASCII characters.
pub fn is_idempotency_key(s: &str) -> bool {
    (1..=MAX_IDEMPOTENCY_KEY).contains(&s.len()) && s.bytes().all(|b| (0x21..=0x7E).contains(&b))
}

/// Where a sale is, as the register sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SaleState {
    /// Journaled; the customer window shows the amount and the customer identifies with the
    /// card (card, PIN, payment method). The register may still cancel.
    WaitingForCustomer,
    /// The customer confirmed: the payment is being authorised and captured.
    Paying,
    /// Approved and captured: the money is taken (see `refunded_jpy` for refunds). With the
    /// code `void_pending`, a void was asked and is not made yet: the customer stays charged
    /// until it is, and the terminal keeps sending it.
    Approved,
    /// The issuer declined: nothing was charged.
    Declined,
    /// The register cancelled before the customer paid: nothing was charged.
    Cancelled,
    /// The sale ended without payment (the card was removed, no payment method, the
    /// terminal restarted before the customer paid, an authorisation reversed): nothing was
    /// charged; `code` says why.
    NotCharged,
    /// The outcome is not known yet: the terminal is resolving it with the acquirer. Never a
    /// decline: do not ask the customer to pay again; read the status again later.
    InDoubt,
    /// Voided on its business day: no money moves.
    Voided,
}

impl SaleState {
    /// Whether nothing more happens to the sale except a void or refunds.
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            Self::WaitingForCustomer | Self::Paying | Self::InDoubt
        )
    }
}

/// A line of the counter's code table: what happened and what to do next, in Japanese and
/// English (for the register's screen).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PosMessage {
    /// What happened, in Japanese.
    pub ja: String,
    /// What happened, in English.
    pub en: String,
    /// The next step, in Japanese.
    pub next_ja: String,
    /// The next step, in English.
    pub next_en: String,
}

/// Where a refund is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SaleRefundState {
    /// Sent; the outcome is not known yet (the terminal resolves it).
    Refunding,
    /// Refunded.
    Refunded,
    /// Refused by the acquirer: nothing refunded.
    Refused,
}

/// One refund of a sale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SaleRefund {
    /// The terminal's id of the refund.
    pub refund_id: String,
    /// The amount in yen.
    #[schema(minimum = 1, maximum = 99_999_999)]
    pub amount_jpy: u64,
    /// Where it is.
    pub state: SaleRefundState,
}

/// What the receipt of an approved (or voided) sale prints, as the acquirer returned it:
/// the card is its brand and last 4 digits only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SaleReceipt {
    /// The shop's name.
    pub merchant_name: String,
    /// The merchant id at the acquirer.
    pub merchant_id: String,
    /// This terminal.
    pub terminal_id: String,
    /// The register's order reference.
    pub order_ref: String,
    /// The terminal's id of the sale.
    pub sale_id: String,
    /// The amount in yen.
    #[schema(minimum = 1, maximum = 99_999_999)]
    pub amount_jpy: u64,
    /// When the customer confirmed and the authorisation was journaled (Unix seconds).
    #[schema(value_type = i64)]
    pub authorised_at: UnixTime,
    /// The same in JST, `YYYY-MM-DD HH:mm:ss`, as printed.
    pub authorised_at_jst: String,
    /// The card's brand, as the acquirer returned it.
    pub brand: String,
    /// The card's last 4 digits, as the acquirer returned them.
    pub last4: String,
    /// 承認番号 (approval number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_code: Option<String>,
    /// 伝票番号 (slip number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slip_number: Option<u64>,
}

/// A sale as the terminal answers about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Sale {
    /// The register's order reference.
    pub order_ref: String,
    /// The amount in yen.
    #[schema(minimum = 1, maximum = 99_999_999)]
    pub amount_jpy: u64,
    /// Where it is.
    pub state: SaleState,
    /// The code of the counter's code table that says why (`payment_approved`,
    /// `payment_in_doubt`, `cancelled`, `card_removed`, ...).
    #[schema(pattern = r"^[a-z0-9_]{1,64}$")]
    pub code: String,
    /// The code's line, for the register's screen.
    pub message: PosMessage,
    /// The terminal's id of the payment, once the customer confirmed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_id: Option<String>,
    /// The sum of the refunds made, in yen.
    pub refunded_jpy: u64,
    /// The refunds, oldest first.
    pub refunds: Vec<SaleRefund>,
    /// The receipt's data, once approved (kept after a void, for the void's slip).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<SaleReceipt>,
    /// When the terminal journaled the sale (Unix seconds).
    #[schema(value_type = i64)]
    pub created_at: UnixTime,
}

/// A problem document (RFC 9457) of the POS API: `type` is
/// `urn:madoguchi:pos:problem:<code>`, `code` a line of the counter's code table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PosProblem {
    /// `urn:madoguchi:pos:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// What happened (the code's English line).
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What happened this time and what to do next.
    pub detail: String,
    /// The stable code the register matches on.
    #[schema(pattern = r"^[a-z0-9_]{1,64}$")]
    pub code: String,
    /// The request field at fault (`amount_jpy`, `order_ref`, `Idempotency-Key`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Whether the same request may simply be sent again later.
    pub retryable: bool,
    /// The code's line, for the register's screen.
    pub message: PosMessage,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn fields_are_checked_as_the_schema_says() {
        let ok = CreateSale {
            amount_jpy: 1200,
            order_ref: "R-20261206-0001".into(),
        };
        assert!(ok.validate().is_ok());
        let zero = CreateSale {
            amount_jpy: 0,
            ..ok.clone()
        };
        assert_eq!(zero.validate().unwrap_err().field, "amount_jpy");
        for bad in ["", "a/b", "注文1", &"x".repeat(65)] {
            let e = CreateSale {
                order_ref: bad.into(),
                ..ok.clone()
            };
            assert_eq!(e.validate().unwrap_err().field, "order_ref", "{bad:?}");
        }
        assert!(is_idempotency_key("a-key_1"));
        assert!(!is_idempotency_key("has space"));
        assert!(!is_idempotency_key(&"k".repeat(256)));
        assert!(CreateRefund { amount_jpy: 0 }.validate().is_err());
        assert!(
            serde_json::from_str::<CreateSale>(r#"{"amount_jpy":1,"order_ref":"a","x":1}"#)
                .is_err()
        );
    }
}
