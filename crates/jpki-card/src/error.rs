//! Everything a card flow can end with instead of its output.
//!
//! One enum for all flows, in the shape docs/domain/jpki.md §1.4 proposes (after myna-card's
//! `error.rs`): the PIN outcomes carry what the UI must show (tries left), the
//! rest says which step failed. The UI maps each variant to a code and a next
//! step in one table (ARCHITECTURE.md principle 5); it never parses messages.

use thiserror::Error;

use crate::status::StatusWord;
use crate::transport::TransportError;

/// Why a card flow ended without its output. Every flow powers the card down
/// afterwards, whatever the error (docs/domain/jpki.md §1.8).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CardError {
    /// VERIFY answered `63 Cx` with x ≥ 1: the PIN or password was wrong and
    /// `tries_left` attempts remain (docs/domain/jpki.md §1.4). Never retried automatically.
    #[error(
        "the PIN was wrong; {tries_left} attempt(s) left. Ask the customer to enter it again carefully"
    )]
    PinIncorrect {
        /// Attempts left before the PIN blocks.
        tries_left: u8,
    },

    /// The PIN or password is blocked: `63 C0`, `69 83` or `69 84`, or the
    /// retry counter was already 0, in which case no VERIFY with data was sent
    /// (docs/domain/jpki.md §1.4).
    #[error(
        "the PIN is blocked. The customer must have it reset at their municipal office (市区町村窓口)"
    )]
    PinBlocked,

    /// Exactly one attempt is left and the caller did not confirm using it;
    /// the flow stopped before sending the VERIFY with data (docs/domain/jpki.md §6.3).
    #[error(
        "only one PIN attempt is left; a wrong PIN now blocks the card. Confirm with the customer, then start again with the last try confirmed"
    )]
    LastTryNeedsConfirmation,

    /// `69 82`: the card refused because the PIN was not verified in this
    /// session (for example reading EF `0001` or signing before VERIFY; docs/domain/jpki.md §1.4).
    #[error(
        "the card refused the operation because the PIN was not verified in this session. Start the operation again"
    )]
    SecurityStatusNotSatisfied,

    /// `6A 82` on SELECT of a JPKI file (docs/domain/jpki.md §1.4).
    #[error(
        "the card has no file {fid:04X} in its JPKI application. The card may be damaged or not a My Number card"
    )]
    FileNotFound {
        /// The file identifier that was selected.
        fid: u16,
    },

    /// SELECT of the JPKI AID was refused: this is not a My Number card, or
    /// its JPKI application is missing (docs/domain/jpki.md §1.1, §1.8: detect by SELECT, never by ATR).
    #[error(
        "this card is not a My Number card (the JPKI application is missing; card answered {sw}). Ask for the My Number card"
    )]
    NotAMyNumberCard {
        /// What the card answered to SELECT.
        sw: StatusWord,
    },

    /// The card has no 署名用 certificate (minors, 顔認証マイナンバーカード):
    /// `6A 82` on SELECT of EF `001B`, `0001` or `001A` (docs/domain/jpki.md §1.2, §6.7).
    #[error(
        "this card carries no signature certificate (for example a minor's card or a face-authentication card). Use the enrollment path without a card signature"
    )]
    SignatureCertificateAbsent,

    /// `64 00` from the PIN pad: the customer did not finish entering the PIN
    /// in time (docs/domain/jpki.md §5.1). No attempt was used.
    #[error(
        "the PIN pad timed out before the PIN was entered. Start again when the customer is ready"
    )]
    PinEntryTimeout,

    /// `64 01` from the PIN pad: the customer pressed Cancel (docs/domain/jpki.md §5.1).
    #[error("the PIN entry was cancelled on the PIN pad")]
    PinEntryCancelled,

    /// The PIN pad reported an error of its own (`64 02`, `64 03`, `6B 80`, ...;
    /// docs/domain/jpki.md §5.1).
    #[error(
        "the PIN pad reported an error ({sw}). Try again; if it persists, enter the PIN on the screen instead"
    )]
    PinPadError {
        /// The reader's status word.
        sw: StatusWord,
    },

    /// The card answered `sw` to `step`, which this flow does not expect.
    #[error("the card answered {sw} to {step}. Take the card out, put it back and start again")]
    UnexpectedStatus {
        /// The command that got the answer (for example `"READ BINARY"`).
        step: &'static str,
        /// The status word.
        sw: StatusWord,
    },

    /// A response could not be used: too short, wrong length, a certificate
    /// whose DER header is garbage or longer than READ BINARY's 15-bit
    /// offsets allow (0x7FFF), a truncated certificate, ...
    #[error(
        "the card's answer to {step} was malformed: {reason}. Take the card out, put it back and start again"
    )]
    MalformedResponse {
        /// The command whose answer was unusable.
        step: &'static str,
        /// What was wrong with it.
        reason: String,
    },

    /// The signature the card returned does not verify against the public key
    /// of the certificate it holds (local sanity check, docs/domain/jpki.md §6.4).
    #[error(
        "the card's signature does not match its certificate. Do not accept this card; report it"
    )]
    SignatureInvalid,

    /// The APDU could not be exchanged (card removed, reader gone, ...).
    #[error("{0}. Check the card and the reader, then start again")]
    Transport(#[from] TransportError),

    /// The [`Flow`](crate::Flow) calling contract was broken by its driver
    /// (for example `next` called twice without a response). A bug in the
    /// caller, never a card condition.
    #[error("internal error: the card flow was driven out of order ({reason})")]
    ContractViolation {
        /// Which rule was broken.
        reason: &'static str,
    },
}

impl CardError {
    /// The `UnexpectedStatus` or a more specific error for a status word that
    /// needs no context: `69 82` and blocked PINs mean the same after any command.
    pub(crate) fn from_status(step: &'static str, sw: StatusWord) -> CardError {
        if sw == StatusWord(0x6982) {
            CardError::SecurityStatusNotSatisfied
        } else {
            CardError::UnexpectedStatus { step, sw }
        }
    }

    /// A `MalformedResponse` for `step`.
    pub(crate) fn malformed(step: &'static str, reason: impl Into<String>) -> CardError {
        CardError::MalformedResponse {
            step,
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_and_what_next() {
        let e = CardError::PinIncorrect { tries_left: 2 };
        assert!(e.to_string().contains("2 attempt(s) left"));
        let e = CardError::UnexpectedStatus {
            step: "READ BINARY",
            sw: StatusWord(0x6A86),
        };
        assert_eq!(
            e.to_string(),
            "the card answered 6A 86 to READ BINARY. Take the card out, put it back and start again"
        );
        let e = CardError::from(TransportError::CardRemoved);
        assert_eq!(
            e.to_string(),
            "the card was removed from the reader. Check the card and the reader, then start again"
        );
        assert_eq!(
            CardError::from_status("X", StatusWord(0x6982)),
            CardError::SecurityStatusNotSatisfied
        );
    }
}
