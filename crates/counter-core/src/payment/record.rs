//! The payment journal's records: what is written, and synced, before any request leaves
//! (docs/domain/payments-and-eid-clients.md §1.10 "Persist each transition to a local journal before any
//! external call").
//!
//! A [`PaymentRecord`] is one sale at this terminal: the authorisation, its capture, its
//! void or reversal. Each refund is a [`RefundRecord`] of its own with its own idempotency
//! key (§1.10: "each refund its own key; Σrefunds ≤ captured").
//!
//! Every state whose name ends in "-ing" means **a request may have left and its outcome is
//! not known yet**: on restart, or before a new sale, such a record is resolved (status
//! query, same-key retry, reversal) and never shown as declined (§1.10 rules 2–3).
//!
//! Never stored: the card number (the acquirer gives brand + last 4 only, the JCCA
//! customer-copy masking), the card's certificate serial, the PIN, the assertion beyond the
//! authorisation that uses it.

use serde::{Deserialize, Serialize};

use crate::UnixTime;

/// Where a sale is. Transitions: the functions of [`crate::payment`], from
/// [`begin`](crate::payment::begin) on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// The authorisation is journaled and may have been sent; outcome unknown.
    Authorising,
    /// Approved, not captured yet.
    Authorised,
    /// The capture may have been sent; outcome unknown.
    Capturing,
    /// Captured: the money is taken (refunds are separate records).
    Captured,
    /// The void may have been sent; outcome unknown.
    Voiding,
    /// Voided on its business day: no money moves.
    Voided,
    /// The issuer declined (final; the customer may pay another way).
    Declined,
    /// A reversal (authorisation outcome unknown → cancel it) may have been sent.
    Reversing,
    /// Reversed: the acquirer confirmed nothing is charged under this key.
    Reversed,
    /// The authorisation never left: the connection failed before any of it reached the
    /// acquirer (refused, TLS failed). Nothing is charged; the customer may try again or
    /// pay another way. Final, and not a decline: the issuer never saw it.
    NotSent,
    /// The acquirer refused the authorisation for a reason that is not the card's: it
    /// refused the terminal itself (401, 403: its client certificate, a terminal it does not
    /// know or has disabled) or a request it could not take (`malformed_request`, which is
    /// also what a 4xx without a problem document is named). Nothing is charged; final, and
    /// not a decline: staff offer another way to pay and call support to check the
    /// terminal's acquirer settings.
    NotAccepted,
}

impl PaymentState {
    /// Every state, for exhaustive tests.
    pub const ALL: [PaymentState; 11] = [
        Self::Authorising,
        Self::Authorised,
        Self::Capturing,
        Self::Captured,
        Self::Voiding,
        Self::Voided,
        Self::Declined,
        Self::Reversing,
        Self::Reversed,
        Self::NotSent,
        Self::NotAccepted,
    ];

    /// A request may have left and its outcome is unknown: the sale is *in doubt*.
    pub fn in_doubt(self) -> bool {
        matches!(
            self,
            Self::Authorising | Self::Capturing | Self::Voiding | Self::Reversing
        )
    }

    /// Nothing further happens to this sale except refunds (from `Captured`).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Captured
                | Self::Voided
                | Self::Declined
                | Self::Reversed
                | Self::NotSent
                | Self::NotAccepted
        )
    }

    /// The stable name stored in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authorising => "authorising",
            Self::Authorised => "authorised",
            Self::Capturing => "capturing",
            Self::Captured => "captured",
            Self::Voiding => "voiding",
            Self::Voided => "voided",
            Self::Declined => "declined",
            Self::Reversing => "reversing",
            Self::Reversed => "reversed",
            Self::NotSent => "not_sent",
            Self::NotAccepted => "not_accepted",
        }
    }

    /// Parses [`PaymentState::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// What a sale's last attempt met, when a rule of the machine decides by it: kept beside
/// [`PaymentRecord::last_error`] (the text for people), set and cleared with it, so that no
/// rule reads a decision out of that text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PaymentMark {
    /// Every authorisation so far was answered "not now" ([`crate::payment::not_taken`]: 408,
    /// 429): nothing was processed, and a live drive that gives up ends the sale as not sent
    /// ([`crate::payment::end_live_drive`]).
    NotTaken,
    /// The last refusal was the acquirer's `invalid_payment_state`
    /// ([`crate::payment::cannot_cancel`]): the payment cannot be voided or reversed in the
    /// state it is in; a void staff asked for is then held for the background recovery
    /// ([`crate::payment::void_held`]).
    CannotCancel,
}

impl PaymentMark {
    /// The stable name stored in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotTaken => "not_taken",
            Self::CannotCancel => "cannot_cancel",
        }
    }

    /// Parses [`PaymentMark::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [Self::NotTaken, Self::CannotCancel]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// One sale, as journaled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PaymentRecord {
    /// Local id of the sale (the terminal's own, `T-<terminal>-<n>` or a UUID).
    pub id: String,
    /// The authorisation's idempotency key, chosen before the first send and reused for
    /// every retry and for the status query (§1.6).
    pub idempotency_key: String,
    /// The merchant's order reference, sent with the authorisation (§1.6).
    pub order_ref: String,
    /// The visit a co-payment belongs to: the id of the reception's eligibility check.
    #[serde(default)]
    pub visit_id: Option<String>,
    /// The merchant id bound into the challenge and the assertion.
    pub merchant_id: String,
    /// This terminal's id.
    pub terminal_id: String,
    /// The amount the customer confirmed, in yen.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub amount_jpy: u64,
    /// Where the sale is.
    pub state: PaymentState,
    /// The acquirer's payment id, once known.
    pub payment_id: Option<String>,
    /// 承認番号, once approved.
    pub approval_code: Option<String>,
    /// 伝票番号 from the acquirer, once known.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub slip_number: Option<u64>,
    /// Card brand (e.g. `VISA`), once known.
    pub brand: Option<String>,
    /// Last 4 digits of the card, once known (the JCCA customer-copy masking).
    pub last4: Option<String>,
    /// Captured amount in yen.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub captured_jpy: u64,
    /// Sum of confirmed refunds in yen.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub refunded_jpy: u64,
    /// The capture's idempotency key (set when the capture is journaled).
    pub capture_key: Option<String>,
    /// The void's idempotency key (set when the void is journaled).
    pub void_key: Option<String>,
    /// The reversal's idempotency key (set when the reversal is journaled).
    pub reversal_key: Option<String>,
    /// JST business date of the capture (a recovery may capture on a later day).
    pub captured_date: Option<String>,
    /// JST business date of the void or reversal that cancelled an approved sale.
    pub cancelled_date: Option<String>,
    /// Why it was declined or refused (staff only).
    pub decline_reason: Option<String>,
    /// The JST business date (`YYYY-MM-DD`) of the authorisation.
    pub business_date: String,
    /// Failed attempts to resolve the current in-doubt step (escalation after
    /// [`super::MAX_RESOLVE_ATTEMPTS`]).
    pub attempts: u32,
    /// What the last attempt met (a [`crate::codes::Code`] name or a problem code), for
    /// people: no rule reads it ([`PaymentRecord::mark`] is what they decide by).
    pub last_error: Option<String>,
    /// What the last attempt met, typed, when a rule decides by it; set and cleared with
    /// [`PaymentRecord::last_error`].
    #[serde(default)]
    pub mark: Option<PaymentMark>,
    /// Whether staff were told how a recovery resolved it (cleared on acknowledgement).
    pub recovered: bool,
    /// Unix time the sale was journaled.
    pub created_at: UnixTime,
    /// Unix time of the last transition.
    pub updated_at: UnixTime,
    /// When the sale's captured outcome was handed over (the staff window got the report of
    /// its drive, or the register its answer) or staff confirmed it: `None` while nobody
    /// was shown that the card was charged ([`crate::payment::shown`]). Written only by
    /// the shell's mark, never by a transition.
    #[serde(default)]
    pub shown_at: Option<UnixTime>,
    /// The version of the journal row this record was read from or last written as: a
    /// write succeeds only while the row still has it, so no task overwrites what another
    /// wrote since it read (the shell's compare-and-set). Not part of the sale: not
    /// serialised, not shown.
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub version: u64,
}

/// Where a refund is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RefundState {
    /// Journaled and maybe sent; outcome unknown.
    Refunding,
    /// Confirmed by the acquirer.
    Refunded,
    /// Refused by the acquirer (definite: nothing refunded).
    Refused,
}

impl RefundState {
    /// The stable name stored in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Refunding => "refunding",
            Self::Refunded => "refunded",
            Self::Refused => "refused",
        }
    }

    /// Parses [`RefundState::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Refunding, Self::Refunded, Self::Refused]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// One refund of a captured sale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RefundRecord {
    /// Local id of the refund.
    pub id: String,
    /// The sale it refunds ([`PaymentRecord::id`]).
    pub payment: String,
    /// Its own idempotency key.
    pub idempotency_key: String,
    /// Amount in yen.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub amount_jpy: u64,
    /// Where it is.
    pub state: RefundState,
    /// JST business date of the refund.
    pub business_date: String,
    /// Why it was refused (staff only).
    pub reason: Option<String>,
    /// Unix time journaled.
    pub created_at: UnixTime,
    /// Unix time of the last transition.
    pub updated_at: UnixTime,
    /// Rounds that did not settle the refund since it was journaled (its outcome stayed
    /// unknown, or it was not sent; escalation after
    /// [`super::MAX_RESOLVE_ATTEMPTS`], [`super::refund_unresolved`]).
    pub attempts: u32,
    /// The version of the journal row, as for [`PaymentRecord::version`].
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub version: u64,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_round_trip_and_doubt_is_exactly_the_ing_states() {
        for s in PaymentState::ALL {
            assert_eq!(PaymentState::parse(s.as_str()), Some(s));
            assert_eq!(s.in_doubt(), s.as_str().ends_with("ing"), "{s:?}");
            assert!(!(s.in_doubt() && s.is_final()));
        }
        assert_eq!(PaymentState::parse("paid"), None);
        for m in [PaymentMark::NotTaken, PaymentMark::CannotCancel] {
            assert_eq!(PaymentMark::parse(m.as_str()), Some(m));
        }
        assert_eq!(PaymentMark::parse("not_taken: "), None);
        for s in [
            RefundState::Refunding,
            RefundState::Refunded,
            RefundState::Refused,
        ] {
            assert_eq!(RefundState::parse(s.as_str()), Some(s));
        }
    }
}
