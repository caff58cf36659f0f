//! From what the card or the platform said to what people read: every [`CardError`] and
//! every platform problem becomes a [`Code`] of the one table (`codes.rs`), and whether the
//! same action may be tried again comes from that table too, so the two never disagree.

use counter_api::ProblemCode;
use jpki_card::{CardError, TransportError};

use crate::backend::BackendFailure;
use crate::codes::Code;

/// Which secret a card step used: the same card answer means another code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Secret {
    /// The 4-digit 利用者証明用 PIN (3 tries).
    AuthPin,
    /// The 6–16 character 署名用 password (5 tries).
    SignPassword,
}

/// How a session ended without its result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    /// What to show.
    pub(crate) code: Code,
    /// Tries the PIN (or password) has left, when that is what the code is about.
    pub(crate) tries_left: Option<u8>,
    /// Whether starting again may help (the table's `retryable`).
    pub(crate) can_retry: bool,
    /// The field a platform problem names (`attributes_mismatch`), for staff.
    pub(crate) field: Option<String>,
}

impl Failure {
    /// A failure with `code`, retryable as the table says.
    pub(crate) fn new(code: Code) -> Self {
        Failure {
            code,
            tries_left: None,
            can_retry: code.entry().retryable,
            field: None,
        }
    }

    /// The same failure with the tries left.
    pub(crate) fn with_tries(mut self, tries_left: u8) -> Self {
        self.tries_left = Some(tries_left);
        self
    }
}

/// What a card error means for the session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CardVerdict {
    /// The card left the reader: the session ends as if `CardRemoved` had come in (R8).
    Removed,
    /// The session ends with this failure.
    Failed(Failure),
}

/// The verdict for `error` from a step that used `secret` (or none: `AuthPin` then only
/// names the codes of the PIN outcomes, which such a step cannot produce).
pub(crate) fn card_verdict(error: &CardError, secret: Secret) -> CardVerdict {
    let (wrong, blocked) = match secret {
        Secret::AuthPin => (Code::PinWrong, Code::PinBlocked),
        Secret::SignPassword => (Code::PasswordWrong, Code::PasswordBlocked),
    };
    let failure = match error {
        CardError::PinIncorrect { tries_left } => Failure::new(wrong).with_tries(*tries_left),
        CardError::PinBlocked => Failure::new(blocked).with_tries(0),
        CardError::LastTryNeedsConfirmation => Failure::new(match secret {
            Secret::AuthPin => Code::PinLastTry,
            Secret::SignPassword => Code::PasswordWrong,
        })
        .with_tries(1),
        CardError::NotAMyNumberCard { .. } => Failure::new(Code::NotAMyNumberCard),
        CardError::SignatureCertificateAbsent => Failure::new(Code::NoSignatureCertificate),
        CardError::PinEntryTimeout => Failure::new(Code::PinPadTimeout),
        CardError::PinEntryCancelled => Failure::new(Code::PinCancelled),
        // The pad itself failed: the reader's next step ("check the reader") is the right one.
        CardError::PinPadError { .. } => Failure::new(Code::ReaderUnavailable),
        // The card's signature does not match its own certificate (docs/domain/jpki.md §6.4): do not
        // accept the card; staff use another way and report it.
        CardError::SignatureInvalid => Failure::new(Code::CertificateRefused),
        CardError::Transport(t) => return transport_verdict(t),
        CardError::ContractViolation { .. } => Failure::new(Code::Internal),
        // SecurityStatusNotSatisfied, FileNotFound, UnexpectedStatus, MalformedResponse and
        // whatever a later jpki-card adds: take the card out and put it back.
        _ => Failure::new(Code::CardUnreadable),
    };
    CardVerdict::Failed(failure)
}

fn transport_verdict(error: &TransportError) -> CardVerdict {
    let code = match error {
        TransportError::CardRemoved => return CardVerdict::Removed,
        TransportError::ReaderUnavailable(_) | TransportError::PinPadUnsupported => {
            Code::ReaderUnavailable
        }
        TransportError::SharingViolation => Code::CardBusy,
        TransportError::Cancelled => Code::PinCancelled,
        // CardReset, Timeout, Other and later additions.
        _ => Code::CardUnreadable,
    };
    CardVerdict::Failed(Failure::new(code))
}

/// The code for a card flow's error in an auth-PIN step, for shells that run a flow outside
/// the machines (the headless driver); the same table the machines use.
pub fn card_code(error: &CardError) -> Code {
    match card_verdict(error, Secret::AuthPin) {
        CardVerdict::Removed => Code::CardRemoved,
        CardVerdict::Failed(f) => f.code,
    }
}

/// The code for a platform call that gave no usable answer; the same table the machines use.
pub fn platform_code(failure: &BackendFailure) -> Code {
    platform_failure(failure).code
}

/// The failure for a platform call that gave no usable answer (PROBLEMS.md).
pub(crate) fn platform_failure(failure: &BackendFailure) -> Failure {
    if let BackendFailure::AnswerLost { .. } = failure {
        // Not a replay the customer caused and not a wrong PIN (the card signed): the
        // answer of a node that failed is lost; a new challenge is the way on.
        return Failure::new(Code::PlatformAnswerLost);
    }
    let code = match failure.problem() {
        Some(ProblemCode::CertificateExpired) => Code::CertificateExpired,
        Some(ProblemCode::CertificateRevoked) => Code::CertificateRevoked,
        Some(ProblemCode::CertificateRefused | ProblemCode::CertificateMalformed) => {
            Code::CertificateRefused
        }
        // The card signed locally checked bytes; a platform that still refuses the
        // signature means a broken card or terminal: refuse, use another way, send the log.
        Some(ProblemCode::SignatureInvalid) => Code::CertificateRefused,
        Some(ProblemCode::RevocationUnknown) => Code::RevocationUnknown,
        Some(ProblemCode::NotEnrolled) => Code::NotEnrolled,
        // Expired, forgotten or already used: a new challenge is the way out.
        Some(
            ProblemCode::ChallengeExpired
            | ProblemCode::ChallengeUnknown
            | ProblemCode::ChallengeReplayed,
        ) => Code::ChallengeExpired,
        Some(ProblemCode::AttributesMismatch) => Code::AttributesMismatch,
        // Not the platform being down: staff must know nothing was linked and whom to ask.
        Some(ProblemCode::HolderConflict) => Code::HolderConflict,
        // This counter holds too many unanswered challenges (left by cards pulled early):
        // they expire within minutes, and then the platform serves it again.
        Some(ProblemCode::ChallengeQuotaExceeded) => Code::PlatformBusy,
        // We sent something the contract refuses: a bug on our side, never the customer's.
        Some(
            ProblemCode::MalformedRequest
            | ProblemCode::UnsupportedMediaType
            | ProblemCode::InvalidField
            | ProblemCode::InvalidBase64
            | ProblemCode::PayloadTooLarge
            | ProblemCode::ChallengeWrongPurpose
            | ProblemCode::ChallengeWrongTerminal
            | ProblemCode::ServiceUnknown,
        ) => Code::Internal,
        // Unreachable, 5xx, a 2xx body we cannot read, an unknown terminal, a code this
        // version does not know: the platform cannot serve us now.
        _ => Code::PlatformUnavailable,
    };
    let mut out = Failure::new(code);
    if let BackendFailure::Problem { field, .. } = failure {
        out.field = field.clone();
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use jpki_card::StatusWord;

    use super::*;

    fn problem(code: &str, field: Option<&str>) -> BackendFailure {
        BackendFailure::Problem {
            status: 422,
            code: code.into(),
            detail: String::new(),
            field: field.map(str::to_owned),
            reason: None,
        }
    }

    fn code(v: CardVerdict) -> Code {
        match v {
            CardVerdict::Failed(f) => f.code,
            CardVerdict::Removed => Code::CardRemoved,
        }
    }

    #[test]
    fn every_platform_problem_has_a_code_and_a_next_step() {
        for (wire, expected) in [
            ("certificate_expired", Code::CertificateExpired),
            ("certificate_revoked", Code::CertificateRevoked),
            ("certificate_refused", Code::CertificateRefused),
            ("certificate_malformed", Code::CertificateRefused),
            ("revocation_unknown", Code::RevocationUnknown),
            ("not_enrolled", Code::NotEnrolled),
            ("challenge_expired", Code::ChallengeExpired),
            ("challenge_replayed", Code::ChallengeExpired),
            ("signature_invalid", Code::CertificateRefused),
            ("attributes_mismatch", Code::AttributesMismatch),
            ("holder_conflict", Code::HolderConflict),
            ("challenge_quota_exceeded", Code::PlatformBusy),
            ("invalid_field", Code::Internal),
            ("terminal_unknown", Code::PlatformUnavailable),
            ("unavailable", Code::PlatformUnavailable),
            ("something_new", Code::PlatformUnavailable),
        ] {
            let f = platform_failure(&problem(wire, None));
            assert_eq!(f.code, expected, "{wire}");
            assert_eq!(f.can_retry, expected.entry().retryable);
            assert!(!expected.entry().next_en.is_empty());
        }
        let unreachable = BackendFailure::Unreachable {
            sent: true,
            detail: "reset".into(),
        };
        let f = platform_failure(&unreachable);
        assert_eq!(f.code, Code::PlatformUnavailable);
        assert!(f.can_retry);
        let lost = BackendFailure::AnswerLost {
            detail: "node 1 failed".into(),
        };
        let f = platform_failure(&lost);
        assert_eq!((f.code, f.can_retry), (Code::PlatformAnswerLost, true));
        assert_eq!(f.code.entry().audience, crate::Audience::Both);
        let f = platform_failure(&problem("attributes_mismatch", Some("application.address")));
        assert_eq!(f.field.as_deref(), Some("application.address"));
        assert!(!f.can_retry);
        assert!(platform_failure(&problem("challenge_expired", None)).can_retry);
        assert!(!platform_failure(&problem("not_enrolled", None)).can_retry);
    }

    #[test]
    fn every_card_error_has_a_code() {
        let sw = StatusWord(0x6A86);
        for (error, auth, sign) in [
            (
                CardError::PinIncorrect { tries_left: 2 },
                Code::PinWrong,
                Code::PasswordWrong,
            ),
            (
                CardError::PinBlocked,
                Code::PinBlocked,
                Code::PasswordBlocked,
            ),
            (
                CardError::NotAMyNumberCard { sw },
                Code::NotAMyNumberCard,
                Code::NotAMyNumberCard,
            ),
            (
                CardError::SignatureCertificateAbsent,
                Code::NoSignatureCertificate,
                Code::NoSignatureCertificate,
            ),
            (
                CardError::UnexpectedStatus { step: "X", sw },
                Code::CardUnreadable,
                Code::CardUnreadable,
            ),
            (
                CardError::SecurityStatusNotSatisfied,
                Code::CardUnreadable,
                Code::CardUnreadable,
            ),
            (
                CardError::FileNotFound { fid: 0x000A },
                Code::CardUnreadable,
                Code::CardUnreadable,
            ),
            (
                CardError::SignatureInvalid,
                Code::CertificateRefused,
                Code::CertificateRefused,
            ),
            (
                CardError::PinEntryTimeout,
                Code::PinPadTimeout,
                Code::PinPadTimeout,
            ),
            (
                CardError::PinPadError { sw },
                Code::ReaderUnavailable,
                Code::ReaderUnavailable,
            ),
            (
                CardError::ContractViolation { reason: "x" },
                Code::Internal,
                Code::Internal,
            ),
            (
                CardError::Transport(TransportError::SharingViolation),
                Code::CardBusy,
                Code::CardBusy,
            ),
            (
                CardError::Transport(TransportError::ReaderUnavailable("gone".into())),
                Code::ReaderUnavailable,
                Code::ReaderUnavailable,
            ),
            (
                CardError::Transport(TransportError::CardReset),
                Code::CardUnreadable,
                Code::CardUnreadable,
            ),
        ] {
            assert_eq!(
                code(card_verdict(&error, Secret::AuthPin)),
                auth,
                "{error:?}"
            );
            assert_eq!(
                code(card_verdict(&error, Secret::SignPassword)),
                sign,
                "{error:?}"
            );
        }
        assert_eq!(
            card_verdict(
                &CardError::Transport(TransportError::CardRemoved),
                Secret::AuthPin
            ),
            CardVerdict::Removed
        );
        let CardVerdict::Failed(f) = card_verdict(&CardError::PinBlocked, Secret::AuthPin) else {
            unreachable!()
        };
        assert_eq!((f.tries_left, f.can_retry), (Some(0), false));
    }
}
