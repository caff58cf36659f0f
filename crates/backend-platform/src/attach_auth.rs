//! The operator's attachment of an authentication certificate re-issued alone to its
//! holder: `madoguchi-platform holders attach-auth`.
//!
//! An authentication certificate can be replaced without the signature certificate: it is
//! replaced when it is revoked by its holder (docs/domain/jpki.md §2.2), and survives the
//! changes that replace the signature certificate alone. The next enrollment of the card then comes with a new
//! authentication certificate and a signature certificate linked to a holder, and is refused
//! `409 holder_conflict` (`signature_linked_elsewhere`): the certificate names no one, and
//! the registry cannot tell it from another person's card ([`crate::core::holder`]).
//!
//! The operator, with the customer and their identity document, then attaches it: the
//! technician reads the card's authentication certificate (`madoguchi-card read-cert auth`,
//! no PIN needed), the operator gives it, the birth date printed on the identity document
//! and which document it was, and their own id. The command verifies the certificate
//! (chain and validity under the configuration's roots; revocation is checked at every
//! identification, as for any card), finds the holder its refused enrollment named in the
//! audit trail ([`crate::storage::Storage::refused_holders`]), and in one transaction of the
//! storage ([`crate::storage::Storage::attach_auth`]) checks the rule
//! ([`crate::core::holder::attach_auth`]: one such holder, the certificate linked to no
//! holder yet, the document's birth date the one on the holder's signature certificate),
//! links the certificate and writes the audit row saying who checked which
//! document. Nothing else changes: the holder's links stay, and the customer identifies
//! with the card from then on.

use std::path::{Path, PathBuf};

use backend_kit::Clock;
use jpki_cert::{JpkiCertificate, LinkageKey, NoRevocationCheck, Refusal, Verifier};
use madoguchi_time::UnixTime;

use crate::Settings;
use crate::audit::AuditEvent;
use crate::core::holder::AttachRefusal;
use crate::operator::OperatorError;
use crate::platform::random_id;
use crate::storage::AuthAttachment;

/// The audit action of an attachment (its row's `action`).
pub const AUDIT_ACTION: &str = "attach_auth";

/// The longest operator id, in characters: an id, not a sentence (it is kept in the audit
/// row's reason).
pub const MAX_OPERATOR_ID: usize = 64;

/// The photo identity document the operator checked the person with: one of a fixed list,
/// so that no document number or other personal data reaches the audit trail. The command
/// line offers this list ([`clap::ValueEnum`]: [`Self::ALL`], named by [`Self::as_str`],
/// described by [`Self::description`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityDocument {
    /// `my-number-card`.
    MyNumberCard,
    /// `driving-licence`.
    DrivingLicence,
    /// `passport`.
    Passport,
    /// `residence-card`.
    ResidenceCard,
}

impl IdentityDocument {
    /// Every document, in the order the command lists them.
    pub const ALL: [IdentityDocument; 4] = [
        IdentityDocument::MyNumberCard,
        IdentityDocument::DrivingLicence,
        IdentityDocument::Passport,
        IdentityDocument::ResidenceCard,
    ];

    /// Its name on the command line and in the audit row.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityDocument::MyNumberCard => "my-number-card",
            IdentityDocument::DrivingLicence => "driving-licence",
            IdentityDocument::Passport => "passport",
            IdentityDocument::ResidenceCard => "residence-card",
        }
    }

    /// What it is, as the command's help says.
    pub fn description(self) -> &'static str {
        match self {
            IdentityDocument::MyNumberCard => {
                "The My Number card itself (its face shows the four attributes and a photo)"
            }
            IdentityDocument::DrivingLicence => "A driving licence (運転免許証)",
            IdentityDocument::Passport => "A passport",
            IdentityDocument::ResidenceCard => {
                "A residence card (在留カード) or special permanent resident certificate"
            }
        }
    }
}

/// Implements [`clap::ValueEnum`] for a list of documents the operator may name (an enum
/// with `ALL`, `as_str` and `description`, as [`IdentityDocument`] and
/// [`crate::correction::CorrectionDocument`]): the command line offers `ALL`, each named by
/// its audit name, with its description as help, and takes no other text.
macro_rules! document_value_enum {
    ($document:ty) => {
        impl clap::ValueEnum for $document {
            fn value_variants<'a>() -> &'a [Self] {
                &Self::ALL
            }

            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                Some(clap::builder::PossibleValue::new(self.as_str()).help(self.description()))
            }
        }
    };
}
pub(crate) use document_value_enum;

document_value_enum!(IdentityDocument);

/// What `holders attach-auth` is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// The card's authentication certificate (PEM or DER).
    pub auth: PathBuf,
    /// The birth date printed on the identity document, `YYYY-MM-DD`.
    pub birth_date: String,
    /// The document checked.
    pub document: IdentityDocument,
    /// Who checked it: the operator's own id (letters, digits, `.`, `_`, `-`, `@`).
    pub operator: String,
}

/// Why an authentication certificate was not attached. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AttachError {
    /// A value the operator typed has the wrong shape.
    #[error("{0}; nothing was changed")]
    Input(String),
    /// The certificate file cannot be read as a certificate, or does not verify.
    #[error(
        "the authentication certificate is refused: {0}; nothing was changed. Read it from the customer's card again (madoguchi-card read-cert auth); an expired or refused one must be renewed at the municipal office"
    )]
    Certificate(Refusal),
    /// The rule refused it.
    #[error(transparent)]
    Refused(#[from] AttachRefusal),
    /// No id could be made for the attachment (no randomness).
    #[error("the attachment's id could not be made ({0}); nothing was changed. Try again")]
    Random(String),
}

/// Checks `YYYY-MM-DD` (a real calendar date).
fn check_birth_date(s: &str) -> Result<(), AttachError> {
    let bad = || {
        AttachError::Input(format!(
            "--birth-date {s:?} is not a date written YYYY-MM-DD (e.g. 1985-04-12), as printed on the identity document"
        ))
    };
    if counter_api::attributes::is_iso_date(s) {
        Ok(())
    } else {
        Err(bad())
    }
}

/// Checks the operator's id (see [`Attachment::operator`]).
fn check_operator(id: &str) -> Result<(), AttachError> {
    let ok = !id.is_empty()
        && id.chars().count() <= MAX_OPERATOR_ID
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(AttachError::Input(format!(
            "--operator {id:?} is not an operator id: 1 to {MAX_OPERATOR_ID} letters, digits, '.', '_', '-' or '@' (your own id, kept in the audit trail)"
        )))
    }
}

fn read(path: &Path) -> Result<Vec<u8>, OperatorError> {
    std::fs::read(path).map_err(|e| OperatorError::File {
        action: "cannot read",
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

/// The certificate in `bytes`: DER, PEM, or what `madoguchi-card read-cert auth` prints (a
/// summary, then the PEM block).
fn certificate_of(bytes: &[u8]) -> Result<JpkiCertificate, Refusal> {
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    let pem = bytes
        .windows(BEGIN.len())
        .position(|w| w == BEGIN)
        .and_then(|start| bytes.get(start..));
    JpkiCertificate::from_pem_or_der(pem.unwrap_or(bytes))
}

/// What an operator command on a card's authentication certificate has established before
/// it reads the storage ([`checked_card`]).
#[derive(Debug)]
pub(crate) struct CheckedCard {
    /// The configuration.
    pub(crate) settings: Settings,
    /// The authentication certificate, verified.
    pub(crate) auth: LinkageKey,
    /// The id of the command's action (kept in its audit row).
    pub(crate) id: String,
    /// When it was verified: the time of the audit row.
    pub(crate) now: UnixTime,
}

/// The steps `holders attach-auth` and `holders accept-correction` share, in this order:
/// loads the configuration at `config`, checks the operator's id, runs the command's own
/// checks of what the operator typed (`check`), reads the authentication certificate at
/// `auth` and verifies it (chain and validity under the configuration's roots; revocation is
/// checked at every identification, as for any card), and makes the action's id (`prefix`,
/// then random). A refusal among these is reported as the command's error `E`; nothing has
/// been read from or written to the storage.
pub(crate) fn checked_card<E>(
    config: &Path,
    operator: &str,
    auth: &Path,
    prefix: &str,
    clock: &dyn Clock,
    check: impl FnOnce() -> Result<(), AttachError>,
) -> Result<CheckedCard, OperatorError>
where
    E: From<AttachError>,
    OperatorError: From<E>,
{
    let refused = |e: AttachError| OperatorError::from(E::from(e));
    let settings = Settings::load(config)?;
    check_operator(operator).map_err(refused)?;
    check().map_err(refused)?;
    let cert = certificate_of(&read(auth)?).map_err(|r| refused(AttachError::Certificate(r)))?;
    let now = clock.now();
    let auth = Verifier::new(settings.auth_store.clone())
        .verify_parsed(&cert, now, &NoRevocationCheck)
        .map_err(|r| refused(AttachError::Certificate(r)))?
        .linkage;
    let id = random_id(prefix).map_err(|e| {
        let p = e.problem();
        refused(AttachError::Random(
            p.detail.clone().unwrap_or_else(|| p.title.clone()),
        ))
    })?;
    Ok(CheckedCard {
        settings,
        auth,
        id,
        now,
    })
}

/// Attaches the authentication certificate of `a` to the holder its refused enrollment
/// named, in the storage of the configuration at `config` (the module doc says what is
/// checked). Returns the text to print.
pub fn attach(config: &Path, a: &Attachment, clock: &dyn Clock) -> Result<String, OperatorError> {
    let CheckedCard {
        settings,
        auth,
        id: attachment_id,
        now,
    } = checked_card::<AttachError>(config, &a.operator, &a.auth, "att_", clock, || {
        check_birth_date(&a.birth_date)
    })?;
    let audit = AuditEvent {
        at: now,
        action: AUDIT_ACTION,
        outcome: "ok".into(),
        reason: Some(format!(
            "{attachment_id}: operator {} checked the {}",
            a.operator,
            a.document.as_str()
        )),
        certificate: Some((auth.issuer.clone(), auth.serial.clone())),
        ..AuditEvent::default()
    };
    let store = crate::storage::open(&settings.database)?;
    let refused_for = store.refused_holders(&auth)?;
    let attached = store.attach_auth(
        &AuthAttachment {
            auth: &auth,
            refused_for: &refused_for,
            attachment_id: &attachment_id,
            audit: &audit,
            now,
        },
        &mut |state| crate::core::holder::attach_auth(state, &a.birth_date).map(str::to_owned),
    )?;
    let holder = attached.map_err(AttachError::from)?;
    Ok(format!(
        "attached authentication certificate {serial} to holder {holder} ({attachment_id}, \
         checked by {operator} against the {document}); the customer identifies with this \
         card from now on, and enrols again only to add or change services\n",
        serial = auth.serial,
        operator = a.operator,
        document = a.document.as_str(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_birth_date_must_be_a_calendar_date_written_yyyy_mm_dd() {
        assert!(check_birth_date("1985-04-12").is_ok());
        assert!(check_birth_date("2000-02-29").is_ok());
        for bad in [
            "1985-4-12",
            "19850412",
            "1985/04/12",
            "1985-04-31",
            "1985-13-01",
            "1985-00-10",
            "1985-04-00",
            "2001-02-29",
            "昭和60-04-12",
            "+985-04-12",
            "",
        ] {
            assert!(check_birth_date(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn an_operator_id_is_a_short_id_without_spaces() {
        assert!(check_operator("op-yamada").is_ok());
        assert!(check_operator("yamada@ops.example").is_ok());
        for bad in [
            "",
            "yamada taro",
            "山田",
            "a;b",
            &"x".repeat(MAX_OPERATOR_ID + 1),
        ] {
            assert!(check_operator(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn documents_have_distinct_names() {
        let names: std::collections::BTreeSet<_> =
            IdentityDocument::ALL.iter().map(|d| d.as_str()).collect();
        assert_eq!(names.len(), IdentityDocument::ALL.len());
    }

    #[test]
    fn the_command_line_reads_every_document_by_its_audit_name_and_no_other() {
        use clap::ValueEnum;
        for d in IdentityDocument::ALL {
            assert_eq!(IdentityDocument::from_str(d.as_str(), false), Ok(d));
        }
        assert!(IdentityDocument::from_str("MyNumberCard", false).is_err());
        assert!(IdentityDocument::from_str("health-insurance-card", false).is_err());
    }
}
