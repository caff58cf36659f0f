//! The operator's acceptance of a holder's legally changed birth date or sex:
//! `madoguchi-platform holders accept-correction`.
//!
//! A holder's birth date or sex can change in law: a court-ordered correction of the family
//! register (戸籍訂正), or a gender recognition under 性同一性障害者の性別の取扱いの特例に関する
//! 法律. The municipal office then issues a new signature certificate carrying the new value
//! (the signature certificate is revoked on a change of any of the four attributes,
//! docs/domain/jpki.md §2.5), and the card keeps its authentication certificate. The next
//! enrollment of the card is refused `409 holder_conflict` (`signature_of_another_person`):
//! a renewal keeps the birth date and sex ([`crate::core::holder`]), and a signature
//! certificate naming others beside the holder's authentication certificate is, as far as
//! the platform can tell, someone else's.
//!
//! **Why an operator.** Nothing the platform holds tells the correction from another
//! person's card: the new certificate is valid, chains to the same root and answered the
//! same challenge as the holder's authentication certificate, exactly as a second card
//! answering beside the holder's would, and the authentication certificate names no one
//! (docs/domain/jpki.md §2.2). Only a person who has seen the document recording the change
//! (the family register's extract, 戸籍謄本・抄本, or the court's decision) can. So the
//! operator, with the customer and that document in front of them, accepts it: the
//! technician reads the card's authentication certificate (`madoguchi-card read-cert auth`,
//! no PIN needed), the operator gives it, a reference to the document seen (its kind and
//! number: no personal data beyond what the registry holds) and their own id. The command
//! verifies the certificate (chain and validity under the configuration's roots), finds its
//! holder in the registry and that holder's refused enrollment in the audit trail
//! ([`crate::storage::Storage::refused_corrections`]: the refusal's row names the holder
//! and the new signature certificate), and in one transaction of the storage
//! ([`crate::storage::Storage::accept_correction`]) checks the rule
//! ([`crate::core::correction::accept_correction`]: one such certificate, the
//! authentication certificate still the holder's, the certificate neither enrolled nor
//! accepted yet) and writes the audit row that is the acceptance, saying who checked which
//! document. Nothing else changes: the next enrollment with the card joins the holder,
//! keeps their links and makes the new certificate the holder's latest.

use std::path::{Path, PathBuf};

use backend_kit::Clock;
use jpki_cert::{NoRevocationCheck, Verifier};

use crate::Settings;
use crate::attach_auth::{AttachError, certificate_of, check_operator, read};
use crate::audit::AuditEvent;
use crate::core::correction::CorrectionRefusal;
use crate::operator::OperatorError;
use crate::platform::random_id;
use crate::storage::CorrectionAcceptance;

/// The audit action of an acceptance (its row's `action`).
pub const AUDIT_ACTION: &str = "accept_correction";

/// The longest document reference, in characters: a kind and a number, not a description.
pub const MAX_EVIDENCE: usize = 120;

/// What `holders accept-correction` is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Correction {
    /// The card's authentication certificate (PEM, DER, or what `madoguchi-card read-cert
    /// auth` prints).
    pub auth: PathBuf,
    /// The document seen, by its kind and number (e.g. the family register extract's
    /// number): kept in the audit row.
    pub evidence: String,
    /// Who checked it: the operator's own id (as for `holders attach-auth`).
    pub operator: String,
}

/// Why a correction was not accepted. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CorrectionError {
    /// A value the operator typed has the wrong shape, or the certificate is refused.
    #[error(transparent)]
    Input(#[from] AttachError),
    /// The rule refused it.
    #[error(transparent)]
    Refused(#[from] CorrectionRefusal),
}

/// Checks the document reference (see [`Correction::evidence`]).
fn check_evidence(evidence: &str) -> Result<(), AttachError> {
    let trimmed = evidence.trim();
    if trimmed.is_empty()
        || trimmed.chars().count() > MAX_EVIDENCE
        || trimmed.chars().any(char::is_control)
    {
        return Err(AttachError::Input(format!(
            "--evidence {evidence:?} is not a document reference: 1 to {MAX_EVIDENCE} characters on one line, the kind and number of the document you saw (e.g. \"戸籍全部事項証明書 第1234号\"), kept in the audit trail; never the customer's name or the new values"
        )));
    }
    Ok(())
}

/// Accepts, for the holder of the authentication certificate of `c`, the new signature
/// certificate of its refused enrollment, in the storage of the configuration at `config`
/// (the module doc says what is checked). Returns the text to print.
pub fn accept(config: &Path, c: &Correction, clock: &dyn Clock) -> Result<String, OperatorError> {
    let settings = Settings::load(config)?;
    check_operator(&c.operator).map_err(CorrectionError::from)?;
    check_evidence(&c.evidence).map_err(CorrectionError::from)?;
    let cert = certificate_of(&read(&c.auth)?)
        .map_err(|r| CorrectionError::from(AttachError::Certificate(r)))?;
    let now = clock.now();
    let auth = Verifier::new(settings.auth_store.clone())
        .verify_parsed(&cert, now, &NoRevocationCheck)
        .map_err(|r| CorrectionError::from(AttachError::Certificate(r)))?
        .linkage;
    let correction_id = random_id("cor_").map_err(|e| {
        let p = e.problem();
        CorrectionError::from(AttachError::Random(
            p.detail.clone().unwrap_or_else(|| p.title.clone()),
        ))
    })?;
    let audit = AuditEvent {
        at: now,
        action: AUDIT_ACTION,
        outcome: "ok".into(),
        reason: Some(format!(
            "{correction_id}: operator {} checked {}",
            c.operator,
            c.evidence.trim()
        )),
        ..AuditEvent::default()
    };
    let store = crate::storage::open(&settings.database)?;
    let Some(holder) = store.lookup(&auth)?.map(|e| e.subject_id) else {
        return Err(CorrectionError::from(CorrectionRefusal::NotEnrolled).into());
    };
    let refused = store.refused_corrections(&holder)?;
    let accepted = store.accept_correction(
        &CorrectionAcceptance {
            auth: &auth,
            refused_for: &holder,
            refused: &refused,
            audit: &audit,
        },
        &mut |state| {
            crate::core::correction::accept_correction(state)
                .map(|(h, s)| (h.to_owned(), s.clone()))
        },
    )?;
    let (holder, sign) = accepted.map_err(CorrectionError::from)?;
    Ok(format!(
        "accepted signature certificate {serial} for holder {holder} ({correction_id}, \
         checked by {operator} against {evidence}); the customer enrols again with the card \
         at a counter: the enrollment keeps their links and makes this certificate theirs\n",
        serial = sign.serial,
        operator = c.operator,
        evidence = c.evidence.trim(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_reference_is_one_short_line() {
        assert!(check_evidence("戸籍全部事項証明書 第1234号").is_ok());
        assert!(check_evidence("court decision 2026(家)123").is_ok());
        for bad in [
            "",
            "   ",
            "line one\nline two",
            "tab\there",
            &"x".repeat(MAX_EVIDENCE + 1),
        ] {
            assert!(check_evidence(bad).is_err(), "{bad:?} accepted");
        }
    }
}
