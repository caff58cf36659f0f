//! The one table from the platform's typed errors to problem documents (codes in
//! `counter_api::ProblemCode`).

use counter_api::{Problem, ProblemCode};
use jpki_cert::Refusal;

use super::challenges::ChallengeError;
use super::holder::HolderConflict;
use super::matching::Mismatch;

/// A certificate refusal from `jpki-cert`; `which` names the request field
/// (`auth_certificate`, `sign_certificate`). The `reason` member carries the jpki-cert code.
pub fn certificate_problem(which: &str, r: &Refusal) -> Problem {
    let code = match r {
        Refusal::Malformed { .. } => ProblemCode::CertificateMalformed,
        Refusal::Expired { .. } => ProblemCode::CertificateExpired,
        Refusal::Revoked { .. } => ProblemCode::CertificateRevoked,
        Refusal::RevocationUnknown { .. } => ProblemCode::RevocationUnknown,
        Refusal::ChallengeSignatureInvalid => ProblemCode::SignatureInvalid,
        _ => ProblemCode::CertificateRefused,
    };
    let next = match code {
        ProblemCode::CertificateExpired | ProblemCode::CertificateRevoked => {
            " The card's certificate must be renewed at the municipal office."
        }
        ProblemCode::RevocationUnknown => {
            " Retry later; the platform's revocation lists are not current."
        }
        ProblemCode::SignatureInvalid => " Read the card again.",
        _ => "",
    };
    let field = if code == ProblemCode::SignatureInvalid {
        match which {
            "sign_certificate" => "application_signature",
            _ => "signature",
        }
    } else {
        which
    };
    Problem::new(code, format!("{which}: {r}.{next}"))
        .with_field(field)
        .with_reason(r.code())
}

/// The `reason` of a [`HolderConflict::SignatureLinkedElsewhere`] refusal (and of its audit
/// row, which the operator's attachment of the certificate looks for,
/// [`super::holder::attach_auth`]).
pub const SIGNATURE_LINKED_ELSEWHERE: &str = "signature_linked_elsewhere";

/// The `reason` of a [`HolderConflict::SignatureOfAnotherPerson`] refusal (and of its audit
/// row, which the operator's acceptance of a corrected birth date or sex looks for,
/// [`super::correction::accept_correction`]).
pub const SIGNATURE_OF_ANOTHER_PERSON: &str = "signature_of_another_person";

/// An enrollment whose card's two certificates cannot be one holder's
/// ([`super::holder`]): `409 holder_conflict`, naming the signature certificate (the one
/// found under the other holder, or naming another person).
pub fn holder_problem(c: &HolderConflict) -> Problem {
    let reason = match c {
        HolderConflict::TwoHolders => "two_holders",
        HolderConflict::SignatureLinkedElsewhere => SIGNATURE_LINKED_ELSEWHERE,
        HolderConflict::SignatureOfAnotherPerson { .. } => SIGNATURE_OF_ANOTHER_PERSON,
    };
    Problem::new(ProblemCode::HolderConflict, c.to_string())
        .with_field("sign_certificate")
        .with_reason(reason)
}

/// A challenge refusal.
pub fn challenge_problem(e: &ChallengeError) -> Problem {
    let code = match e {
        ChallengeError::Unknown(_) => ProblemCode::ChallengeUnknown,
        ChallengeError::Replayed(_) => ProblemCode::ChallengeReplayed,
        ChallengeError::WrongTerminal { .. } => ProblemCode::ChallengeWrongTerminal,
        ChallengeError::Expired { .. } => ProblemCode::ChallengeExpired,
        ChallengeError::WrongPurpose { .. } => ProblemCode::ChallengeWrongPurpose,
        ChallengeError::Full => ProblemCode::Unavailable,
        ChallengeError::QuotaExceeded { .. } => ProblemCode::ChallengeQuotaExceeded,
    };
    let next = match code {
        ProblemCode::Unavailable | ProblemCode::ChallengeQuotaExceeded => "",
        _ => " Ask for a new challenge and have the card sign it.",
    };
    Problem::new(code, format!("{e}.{next}")).with_field("challenge_id")
}

/// An attribute mismatch at enrollment.
pub fn mismatch_problem(m: Mismatch) -> Problem {
    Problem::new(
        ProblemCode::AttributesMismatch,
        format!("{m}: correct the application as printed on the certificate (staff can show it) and sign again."),
    )
    .with_field(m.field())
}
