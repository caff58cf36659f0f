//! Which holder an enrollment's card belongs to, from what the registry holds of its two
//! certificates: one card, one holder; and when the platform's operator may attach a
//! re-issued authentication certificate to its holder.
//!
//! An enrollment presents an authentication certificate and a signature certificate that
//! answered the same challenge at the same terminal. Each may already be linked to a holder.
//! The rule ([`CardHolders::holder`]):
//!
//! | authentication certificate | signature certificate | holder |
//! |---|---|---|
//! | new | new | a new holder (a first enrollment, or a re-issued card: both serials change, docs/domain/eligibility.md §3.4) |
//! | linked to H | linked to H | H (the same card enrolled again) |
//! | linked to H | new, same birth date and sex as H's latest | H (a new signature certificate: the holder moved or was renamed, which revokes only the signature certificate, docs/domain/eligibility.md §3.2) |
//! | linked to H | new, another birth date or sex | refused: [`HolderConflict::SignatureOfAnotherPerson`] |
//! | linked to H | new, another birth date or sex, accepted for H by the operator | H (a legal correction, [`super::correction`]) |
//! | linked to H | linked to G ≠ H | refused: [`HolderConflict::TwoHolders`] |
//! | new | linked to H | refused: [`HolderConflict::SignatureLinkedElsewhere`] |
//!
//! Why a new signature certificate must keep the birth date and sex: a renewal after a move
//! or a change of name carries the new name or address, but the same person's birth date and
//! sex ([`LastingFacts`]; the signature certificate is revoked on a change of any of the
//! four, docs/domain/jpki.md §2.5, and names and addresses change in the ordinary course of
//! a life). Without the check, any signature certificate that answered alongside H's
//! authentication certificate would join H and be kept as H's latest.
//!
//! Why the last row is refused: the authentication certificate carries no attribute
//! (docs/domain/jpki.md §2.2), so nothing but the registry says whose card it is. Attaching
//! it to H on the strength of H's signature certificate would let any card that answers
//! alongside H's signature identify as H from then on, and would hand it H's links. Every
//! holder found by a signature certificate has an authentication certificate (an
//! enrollment stores both), and the registry keeps only their (issuer, serial), not their
//! validity or revocation, so it cannot tell a card whose authentication certificate alone
//! was re-issued (the old one then revoked, docs/domain/jpki.md §2.2) from a second card:
//! the enrollment is refused, and the platform's operator, who can check the person's
//! identity document, attaches the new certificate ([`attach_auth`], the
//! `madoguchi-platform holders attach-auth` command).

use std::fmt;

use jpki_cert::SignIdentity;
use jpki_cert::identity::BirthDate;

/// The two of a signature certificate's four attributes that stay the same person's through
/// a renewal: the birth date and the sex, as the certificate carries them (raw
/// `EYYYYMMDD` and code, docs/domain/jpki.md §2.4), compared exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastingFacts {
    /// 生年月日, `EYYYYMMDD`.
    pub birth_date: String,
    /// 性別 code.
    pub sex: String,
}

impl LastingFacts {
    /// The lasting facts of a signature certificate's attributes.
    pub fn of(identity: &SignIdentity) -> Self {
        Self {
            birth_date: identity.birth_date.raw.clone(),
            sex: identity.sex.raw.clone(),
        }
    }

    /// Which facts of `other` differ from these, if any.
    pub fn differing(&self, other: &LastingFacts) -> Option<Differs> {
        match (self.birth_date == other.birth_date, self.sex == other.sex) {
            (true, true) => None,
            (false, true) => Some(Differs::BirthDate),
            (true, false) => Some(Differs::Sex),
            (false, false) => Some(Differs::BirthDateAndSex),
        }
    }
}

/// Which lasting facts of two signature certificates differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Differs {
    /// The birth date.
    BirthDate,
    /// The sex.
    Sex,
    /// Both.
    BirthDateAndSex,
}

impl fmt::Display for Differs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Differs::BirthDate => "birth date",
            Differs::Sex => "sex",
            Differs::BirthDateAndSex => "birth date and sex",
        })
    }
}

/// The holder an authentication certificate is linked to, when the enrollment's signature
/// certificate is new.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthHolder {
    /// The holder's registry id.
    pub subject: String,
    /// The lasting facts of the holder's latest signature certificate (every holder has one:
    /// an enrollment stores both certificates, and an attachment needs a holder with one).
    pub latest_sign: LastingFacts,
}

/// What the registry holds of an enrollment's two certificates, by whether its signature
/// certificate is linked already: the lasting facts of the authentication certificate's
/// holder are read only when it is new (the rule compares them only then).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CardHolders {
    /// The signature certificate is linked to no holder.
    SignNew {
        /// The holder the authentication certificate is linked to, if any.
        auth: Option<AuthHolder>,
    },
    /// The signature certificate is linked to holder `sign`.
    SignLinked {
        /// The holder the authentication certificate is linked to, if any.
        auth: Option<String>,
        /// The holder the signature certificate is linked to.
        sign: String,
    },
}

/// Why a card's two certificates cannot be enrolled together.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HolderConflict {
    /// The authentication certificate is linked to one holder, the signature certificate to
    /// another.
    #[error(
        "this card's authentication certificate and its signature certificate are linked to two different holders, so the platform cannot tell whose card it is; nothing was stored. Both certificates must be read from the customer's one card: make sure only that card was on the reader and enrol again; if it was, the platform's operator must look into the registry"
    )]
    TwoHolders,
    /// The authentication certificate is new, and the signature certificate is linked to a
    /// holder enrolled with another authentication certificate.
    #[error(
        "this card's signature certificate is linked to a holder who enrolled with another authentication certificate, and this authentication certificate is new; nothing was stored. Both certificates must be read from the customer's one card: make sure only that card was on the reader and enrol again. If only the card's authentication certificate was re-issued, the platform's operator can attach it to its holder after checking the customer's identity document (madoguchi-platform holders attach-auth): the registry cannot tell that from another card"
    )]
    SignatureLinkedElsewhere,
    /// The authentication certificate is linked to a holder, and the signature certificate is
    /// new and names another birth date or sex than the holder's latest one.
    #[error(
        "this card's authentication certificate is linked to a holder, and its new signature certificate names another {differs} than that holder's last one; nothing was stored. A renewed signature certificate keeps its holder's birth date and sex (only the name and the address may change): make sure only the customer's one card was on the reader and enrol again. If the customer's birth date or sex was legally changed, the platform's operator can accept the new certificate after seeing the document that records the change (madoguchi-platform holders accept-correction): the registry cannot tell that from another person's certificate"
    )]
    SignatureOfAnotherPerson {
        /// Which facts differ.
        differs: Differs,
    },
}

impl CardHolders {
    /// The holder the card belongs to (`None`: a new one), or why the two certificates
    /// cannot be enrolled together (the rule in the module doc); `sign` holds the lasting
    /// facts of the card's signature certificate, and `corrected` the holder the operator
    /// accepted it for, if any (its birth date or sex was legally changed,
    /// [`super::correction`]).
    pub fn holder(
        &self,
        sign: &LastingFacts,
        corrected: Option<&str>,
    ) -> Result<Option<&str>, HolderConflict> {
        match self {
            CardHolders::SignNew { auth: None } => Ok(None),
            CardHolders::SignNew { auth: Some(a) } => match a.latest_sign.differing(sign) {
                None => Ok(Some(&a.subject)),
                Some(_) if corrected == Some(a.subject.as_str()) => Ok(Some(&a.subject)),
                Some(differs) => Err(HolderConflict::SignatureOfAnotherPerson { differs }),
            },
            CardHolders::SignLinked {
                auth: Some(a),
                sign,
            } if a != sign => Err(HolderConflict::TwoHolders),
            CardHolders::SignLinked { auth: Some(a), .. } => Ok(Some(a)),
            CardHolders::SignLinked { auth: None, .. } => {
                Err(HolderConflict::SignatureLinkedElsewhere)
            }
        }
    }

    /// The holder a refusal for `conflict` names in its audit row, found at verification or
    /// in the store's transaction alike: the holder of the signature certificate for
    /// [`HolderConflict::SignatureLinkedElsewhere`] (the one the operator may attach the
    /// authentication certificate to, [`attach_auth`]), the holder of the authentication
    /// certificate for [`HolderConflict::SignatureOfAnotherPerson`] (the one the operator
    /// may accept the signature certificate for, [`super::correction`]); none for two.
    pub fn named_by(&self, conflict: &HolderConflict) -> Option<&str> {
        match conflict {
            HolderConflict::SignatureLinkedElsewhere => self.sign_holder(),
            HolderConflict::SignatureOfAnotherPerson { .. } => self.auth_holder(),
            HolderConflict::TwoHolders => None,
        }
    }

    /// The holder the authentication certificate is linked to, if any.
    pub fn auth_holder(&self) -> Option<&str> {
        match self {
            CardHolders::SignNew { auth } => auth.as_ref().map(|a| a.subject.as_str()),
            CardHolders::SignLinked { auth, .. } => auth.as_deref(),
        }
    }

    /// The holder the signature certificate is linked to, if any.
    pub fn sign_holder(&self) -> Option<&str> {
        match self {
            CardHolders::SignNew { .. } => None,
            CardHolders::SignLinked { sign, .. } => Some(sign),
        }
    }
}

/// What the registry holds for an operator's attachment of an authentication certificate
/// ([`attach_auth`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttachState {
    /// The stored holders named by the enrollments of this authentication certificate that
    /// were refused because their signature certificate was linked to that holder
    /// ([`HolderConflict::SignatureLinkedElsewhere`]): at most two are read.
    pub refused_for: Vec<String>,
    /// The holder the authentication certificate is linked to, if any.
    pub auth: Option<String>,
    /// The birth date on the latest signature certificate of the holder [`Self::refused_for`]
    /// names, when it names one (`None`: it has no signature certificate).
    pub holder_birth_date: Option<BirthDate>,
}

/// Why an authentication certificate was not attached. Nothing was changed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AttachRefusal {
    /// No enrollment of the certificate was refused for a signature certificate linked to a
    /// holder.
    #[error(
        "no enrollment of this authentication certificate was refused because its signature certificate is linked to a holder (holder_conflict, signature_linked_elsewhere), so the registry names no holder for it; nothing was changed. Have the customer enrol with the card at a counter first, then attach the certificate if that enrollment is refused so"
    )]
    Unknown,
    /// Enrollments of the certificate were refused with the signature certificates of two
    /// holders.
    #[error(
        "enrollments of this authentication certificate were refused with the signature certificates of two different holders, so the registry cannot say whose card it is; nothing was changed. Look into the registry and the audit trail before attaching anything"
    )]
    SeveralHolders,
    /// The certificate is linked to that holder already.
    #[error(
        "this authentication certificate is linked to its holder already; nothing was changed. The customer can identify and enrol with the card as it is"
    )]
    AlreadyAttached,
    /// The certificate is linked to another holder than the one its refused enrollment
    /// names.
    #[error(
        "this authentication certificate is linked to another holder than the one its refused enrollment names, so the two certificates are under two different holders; nothing was changed. Look into the registry before attaching anything"
    )]
    TwoHolders,
    /// The holder has no signature certificate to compare the identity document with.
    #[error(
        "the holder the refused enrollment names has no signature certificate in the registry, so the identity document cannot be compared with it; nothing was changed. Look into the registry"
    )]
    NoSignatureCertificate,
    /// The holder's signature certificate carries no full birth date (era `0`, unknown).
    #[error(
        "the holder's signature certificate carries no full birth date (its era is unknown), so the identity document cannot be compared with it; nothing was changed. Look into the registry"
    )]
    BirthDateNotComparable,
    /// The birth date on the identity document is not the one on the holder's signature
    /// certificate.
    #[error(
        "the birth date on the identity document is not the one on the signature certificate of the holder the refused enrollment names: this may be another person's card; nothing was changed. Check the document and the date you typed (YYYY-MM-DD)"
    )]
    BirthDateDiffers,
}

/// The holder to attach an authentication certificate to, or why it must not be attached:
/// the holder named by its refused enrollments (exactly one), the certificate linked to no
/// holder yet, and `document_birth_date` (the birth date on the person's identity document
/// as the operator read it, `YYYY-MM-DD`) the one on that holder's latest signature
/// certificate. The authentication certificate names no one (docs/domain/jpki.md §2.2): the
/// refused enrollment shows that it answered together with the holder's signature
/// certificate, and the identity document that the person holding it is that holder.
pub fn attach_auth<'s>(
    state: &'s AttachState,
    document_birth_date: &str,
) -> Result<&'s str, AttachRefusal> {
    let holder = match state.refused_for.as_slice() {
        [] => return Err(AttachRefusal::Unknown),
        [h] => h.as_str(),
        _ => return Err(AttachRefusal::SeveralHolders),
    };
    match &state.auth {
        Some(a) if a == holder => return Err(AttachRefusal::AlreadyAttached),
        Some(_) => return Err(AttachRefusal::TwoHolders),
        None => {}
    }
    let birth = state
        .holder_birth_date
        .as_ref()
        .ok_or(AttachRefusal::NoSignatureCertificate)?;
    match &birth.date {
        None => Err(AttachRefusal::BirthDateNotComparable),
        Some(d) if d == document_birth_date => Ok(holder),
        Some(_) => Err(AttachRefusal::BirthDateDiffers),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn facts(birth_date: &str, sex: &str) -> LastingFacts {
        LastingFacts {
            birth_date: birth_date.into(),
            sex: sex.into(),
        }
    }

    /// Hanako's: born 1985-04-12 (昭和), female.
    fn hers() -> LastingFacts {
        facts("319850412", "2")
    }

    fn found(auth: Option<&str>, sign: Option<&str>) -> CardHolders {
        match sign {
            None => CardHolders::SignNew {
                auth: auth.map(|s| AuthHolder {
                    subject: s.to_owned(),
                    latest_sign: hers(),
                }),
            },
            Some(sign) => CardHolders::SignLinked {
                auth: auth.map(str::to_owned),
                sign: sign.to_owned(),
            },
        }
    }

    #[test]
    fn a_card_new_or_known_whole_keeps_or_gets_its_holder() {
        assert_eq!(found(None, None).holder(&hers(), None), Ok(None));
        assert_eq!(
            found(Some("h"), Some("h")).holder(&hers(), None),
            Ok(Some("h"))
        );
    }

    #[test]
    fn a_new_signature_certificate_of_the_same_person_joins_the_holder_of_the_authentication_certificate()
     {
        assert_eq!(found(Some("h"), None).holder(&hers(), None), Ok(Some("h")));
    }

    #[test]
    fn a_new_signature_certificate_with_another_birth_date_or_sex_is_refused() {
        for (other, differs) in [
            (facts("319850413", "2"), Differs::BirthDate),
            (facts("319850412", "1"), Differs::Sex),
            (facts("419900101", "1"), Differs::BirthDateAndSex),
        ] {
            let card = found(Some("h"), None);
            let refused = card.holder(&other, None);
            assert_eq!(
                refused,
                Err(HolderConflict::SignatureOfAnotherPerson { differs })
            );
            let said = refused.unwrap_err().to_string();
            assert!(
                said.contains(&format!("names another {differs} than")),
                "{said}"
            );
            assert!(said.contains("nothing was stored"), "{said}");
        }
    }

    #[test]
    fn a_new_signature_certificate_accepted_for_the_holder_joins_it_whatever_its_facts() {
        let corrected = facts("319850412", "1");
        let card = found(Some("h"), None);
        assert_eq!(card.holder(&corrected, Some("h")), Ok(Some("h")));
        // Accepted for another holder: this one's card is still refused.
        assert_eq!(
            card.holder(&corrected, Some("g")),
            Err(HolderConflict::SignatureOfAnotherPerson {
                differs: Differs::Sex
            })
        );
        // An acceptance does not join a new authentication certificate to anyone.
        assert_eq!(
            found(None, Some("h")).holder(&corrected, Some("h")),
            Err(HolderConflict::SignatureLinkedElsewhere)
        );
    }

    #[test]
    fn the_facts_of_the_same_card_enrolled_again_are_not_compared() {
        // Both certificates known under H: the registry says whose card it is already.
        let other = facts("419900101", "1");
        assert_eq!(
            found(Some("h"), Some("h")).holder(&other, None),
            Ok(Some("h"))
        );
    }

    #[test]
    fn a_refusal_names_the_holder_the_operators_commands_look_for() {
        let elsewhere = found(None, Some("g"));
        assert_eq!(
            elsewhere.named_by(&HolderConflict::SignatureLinkedElsewhere),
            Some("g")
        );
        let other = HolderConflict::SignatureOfAnotherPerson {
            differs: Differs::Sex,
        };
        assert_eq!(found(Some("h"), None).named_by(&other), Some("h"));
        assert_eq!(
            found(Some("h"), Some("g")).named_by(&HolderConflict::TwoHolders),
            None
        );
    }

    #[test]
    fn certificates_of_two_holders_are_refused() {
        assert_eq!(
            found(Some("h"), Some("g")).holder(&hers(), None),
            Err(HolderConflict::TwoHolders)
        );
    }

    #[test]
    fn a_new_authentication_certificate_does_not_join_a_holder_with_a_card() {
        let card = found(None, Some("g"));
        let refused = card.holder(&hers(), None);
        assert_eq!(refused, Err(HolderConflict::SignatureLinkedElsewhere));
        assert!(
            refused
                .unwrap_err()
                .to_string()
                .contains("madoguchi-platform holders attach-auth"),
            "the message names the operator's command"
        );
    }

    fn birth(raw: &str) -> Option<BirthDate> {
        Some(BirthDate::decode(raw.into()).unwrap())
    }

    fn state(refused_for: &[&str], auth: Option<&str>) -> AttachState {
        AttachState {
            refused_for: refused_for.iter().map(|s| s.to_string()).collect(),
            auth: auth.map(str::to_owned),
            holder_birth_date: birth("319850412"),
        }
    }

    #[test]
    fn an_authentication_certificate_refused_with_one_holders_signature_is_attached_to_that_holder()
    {
        assert_eq!(attach_auth(&state(&["h"], None), "1985-04-12"), Ok("h"));
    }

    #[test]
    fn an_attachment_without_one_refusal_naming_one_holder_is_refused() {
        assert_eq!(
            attach_auth(&state(&[], None), "1985-04-12"),
            Err(AttachRefusal::Unknown)
        );
        assert_eq!(
            attach_auth(&state(&["h", "g"], None), "1985-04-12"),
            Err(AttachRefusal::SeveralHolders)
        );
    }

    #[test]
    fn an_authentication_certificate_linked_already_is_not_attached_again() {
        assert_eq!(
            attach_auth(&state(&["h"], Some("h")), "1985-04-12"),
            Err(AttachRefusal::AlreadyAttached)
        );
        assert_eq!(
            attach_auth(&state(&["h"], Some("g")), "1985-04-12"),
            Err(AttachRefusal::TwoHolders)
        );
    }

    #[test]
    fn the_identity_documents_birth_date_must_be_the_holders() {
        assert_eq!(
            attach_auth(&state(&["h"], None), "1985-04-13"),
            Err(AttachRefusal::BirthDateDiffers)
        );
        let mut s = state(&["h"], None);
        s.holder_birth_date = birth("019850412");
        assert_eq!(
            attach_auth(&s, "1985-04-12"),
            Err(AttachRefusal::BirthDateNotComparable)
        );
        s.holder_birth_date = None;
        assert_eq!(
            attach_auth(&s, "1985-04-12"),
            Err(AttachRefusal::NoSignatureCertificate)
        );
    }
}
