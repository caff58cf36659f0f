//! The operator's acceptance of a holder's legally changed birth date or sex:
//! `madoguchi-platform holders accept-correction`.
//!
//! A holder's birth date or sex can change in law: a correction of the family register
//! (戸籍訂正), or a gender recognition under 性同一性障害者の性別の取扱いの特例に関する法律
//! (docs/domain/family-register.md §1.1, §1.2). The municipal office then issues a new
//! signature certificate carrying the new value (the signature certificate is revoked on a
//! change of any of the four attributes, docs/domain/jpki.md §2.5), and the card keeps its
//! authentication certificate. The next
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
//! (the family register's extract, 戸籍謄本・抄本, or the court's decision:
//! docs/domain/family-register.md §2.1, §2.2) can. So the
//! operator, with the customer and that document in front of them, accepts it: the
//! technician reads the card's authentication certificate (`madoguchi-card read-cert auth`,
//! no PIN needed), the operator gives it, which kind of document they saw (one of a fixed
//! list, [`CorrectionDocument`]: no document number or other personal data reaches the
//! audit trail) and their own id. The command
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

use crate::attach_auth::{AttachError, CheckedCard, checked_card};
use crate::audit::AuditEvent;
use crate::core::correction::CorrectionRefusal;
use crate::operator::OperatorError;
use crate::storage::CorrectionAcceptance;

/// The audit action of an acceptance (its row's `action`).
pub const AUDIT_ACTION: &str = "accept_correction";

/// The document recording the legal change that the operator saw: one of a fixed list, so
/// that no document number or other personal data reaches the audit trail (as
/// [`crate::attach_auth::IdentityDocument`]). The command line offers this list
/// ([`clap::ValueEnum`]: [`Self::ALL`], named by [`Self::as_str`], described by
/// [`Self::description`]).
///
/// The list rests on docs/domain/family-register.md, which gives the facts and their sources:
/// a gender recognition is the family court's 性別の取扱いの変更の審判 (§1.1), a corrected
/// birth date or sex a correction of the family register, with the family court's permission
/// or by the office alone (§1.2); either is recorded in the family register, whose extracts
/// are, for a computerised register, the 全部事項証明書 (戸籍謄本: the whole register) and the
/// 個人事項証明書 (戸籍抄本: one person's part, §2.1), and the court's way ends in its written
/// decision (審判書, §2.2). Which three kinds the command takes is our choice (§3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CorrectionDocument {
    /// `family-register-full`.
    FamilyRegisterFull,
    /// `family-register-individual`.
    FamilyRegisterIndividual,
    /// `court-decision`.
    CourtDecision,
}

impl CorrectionDocument {
    /// Every document, in the order the command lists them.
    pub const ALL: [CorrectionDocument; 3] = [
        CorrectionDocument::FamilyRegisterFull,
        CorrectionDocument::FamilyRegisterIndividual,
        CorrectionDocument::CourtDecision,
    ];

    /// Its name on the command line and in the audit row.
    pub fn as_str(self) -> &'static str {
        match self {
            CorrectionDocument::FamilyRegisterFull => "family-register-full",
            CorrectionDocument::FamilyRegisterIndividual => "family-register-individual",
            CorrectionDocument::CourtDecision => "court-decision",
        }
    }

    /// What it is, as the command's help says.
    pub fn description(self) -> &'static str {
        match self {
            CorrectionDocument::FamilyRegisterFull => {
                "The family register's full extract recording the change (戸籍謄本, or 全部事項証明書 for a computerised register)"
            }
            CorrectionDocument::FamilyRegisterIndividual => {
                "The family register's individual extract recording the change (戸籍抄本, or 個人事項証明書 for a computerised register)"
            }
            CorrectionDocument::CourtDecision => {
                "The family court's decision (審判書): 性別の取扱いの変更の審判, or the permission to correct the family register (戸籍訂正許可)"
            }
        }
    }
}

crate::attach_auth::document_value_enum!(CorrectionDocument);

/// What `holders accept-correction` is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Correction {
    /// The card's authentication certificate (PEM, DER, or what `madoguchi-card read-cert
    /// auth` prints).
    pub auth: PathBuf,
    /// The kind of document recording the change that the operator saw: kept in the audit
    /// row.
    pub evidence: CorrectionDocument,
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

/// Accepts, for the holder of the authentication certificate of `c`, the new signature
/// certificate of its refused enrollment, in the storage of the configuration at `config`
/// (the module doc says what is checked). Returns the text to print.
pub fn accept(config: &Path, c: &Correction, clock: &dyn Clock) -> Result<String, OperatorError> {
    let CheckedCard {
        settings,
        auth,
        id: correction_id,
        now,
    } = checked_card::<CorrectionError>(config, &c.operator, &c.auth, "cor_", clock, || Ok(()))?;
    let audit = AuditEvent {
        at: now,
        action: AUDIT_ACTION,
        outcome: "ok".into(),
        reason: Some(format!(
            "{correction_id}: operator {} checked {}",
            c.operator,
            c.evidence.as_str()
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
        evidence = c.evidence.as_str(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    /// The command line takes the documents by name only: a document number or free text is
    /// refused before anything is read, so it cannot reach the audit trail.
    #[test]
    fn the_evidence_is_a_kind_of_document_and_never_free_text() {
        for d in CorrectionDocument::ALL {
            assert_eq!(CorrectionDocument::from_str(d.as_str(), false), Ok(d));
            assert!(!d.description().is_empty());
        }
        for free in [
            "戸籍全部事項証明書 第1234号",
            "family-register-full 1234",
            "",
        ] {
            assert!(
                CorrectionDocument::from_str(free, false).is_err(),
                "{free:?}"
            );
        }
    }
}
