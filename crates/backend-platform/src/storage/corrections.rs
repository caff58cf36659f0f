//! The storage's types of the operator's acceptance of a legally changed birth date or sex
//! ([`Storage::accept_correction`](super::Storage::accept_correction),
//! [`crate::correction`]).

use counter_api::ProblemCode;
use jpki_cert::LinkageKey;

use crate::audit::AuditEvent;
use crate::core::correction::{CorrectionRefusal, CorrectionState};

/// The rule [`Storage::accept_correction`](super::Storage::accept_correction) asks: the
/// holder and the certificate to accept, or why not.
pub type CorrectionRule<'r> =
    dyn FnMut(&CorrectionState) -> Result<(String, LinkageKey), CorrectionRefusal> + 'r;

/// A signature certificate to accept for its holder
/// ([`Storage::accept_correction`](super::Storage::accept_correction)).
#[derive(Debug)]
pub struct CorrectionAcceptance<'a> {
    /// The card's authentication certificate.
    pub auth: &'a LinkageKey,
    /// The holder it was linked to when the refused enrollments were looked for.
    pub refused_for: &'a str,
    /// The signature certificates those refused enrollments name, as
    /// [`Storage::refused_corrections`](super::Storage::refused_corrections) read them.
    pub refused: &'a [LinkageKey],
    /// The row recording the acceptance (its subject and certificate are set to the holder
    /// and the certificate accepted).
    pub audit: &'a AuditEvent,
}

/// The audit rows [`Storage::refused_corrections`](super::Storage::refused_corrections)
/// looks for: those of the enrollments refused because their new signature certificate
/// named another birth date or sex than the holder's, as `(action, outcome, reason)`.
pub(crate) fn signature_of_another_person() -> (&'static str, &'static str, &'static str) {
    (
        crate::enrollment::AUDIT_ACTION,
        ProblemCode::HolderConflict.as_str(),
        crate::core::refusal::SIGNATURE_OF_ANOTHER_PERSON,
    )
}
