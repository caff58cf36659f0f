//! Which holder an enrollment's card belongs to, from what the registry holds of its two
//! certificates: one card, one holder.
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
//! that rare case is refused too, and the message says what to do.

use std::fmt;

use jpki_cert::SignIdentity;

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

/// The holder an authentication certificate is linked to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthHolder {
    /// The holder's registry id.
    pub subject: String,
    /// The lasting facts of the holder's latest signature certificate, read when the
    /// enrollment's signature certificate is new (the rule compares them only then). `None`
    /// there (no signature certificate to compare with, which no enrollment leaves) is
    /// refused: fail closed.
    pub latest_sign: Option<LastingFacts>,
}

/// What the registry holds of an enrollment's two certificates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CardHolders {
    /// The holder the authentication certificate is linked to, if any.
    pub auth: Option<AuthHolder>,
    /// The holder the signature certificate is linked to, if any.
    pub sign: Option<String>,
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
        "this card's signature certificate is linked to a holder who enrolled with another authentication certificate, and this authentication certificate is new; nothing was stored. Both certificates must be read from the customer's one card: make sure only that card was on the reader and enrol again. If only the card's authentication certificate was re-issued, the platform's operator must move the link: the registry cannot tell that from another card"
    )]
    SignatureLinkedElsewhere,
    /// The authentication certificate is linked to a holder, and the signature certificate is
    /// new and names another birth date or sex than the holder's latest one.
    #[error(
        "this card's authentication certificate is linked to a holder, and its new signature certificate names another {differs} than that holder's last one; nothing was stored. A renewed signature certificate keeps its holder's birth date and sex (only the name and the address may change): make sure only the customer's one card was on the reader and enrol again; if it was, the platform's operator must look into the registry"
    )]
    SignatureOfAnotherPerson {
        /// Which facts differ.
        differs: Differs,
    },
}

impl CardHolders {
    /// The holder the card belongs to (`None`: a new one), or why the two certificates
    /// cannot be enrolled together (the rule in the module doc); `sign` holds the lasting
    /// facts of the card's signature certificate.
    pub fn holder(&self, sign: &LastingFacts) -> Result<Option<&str>, HolderConflict> {
        match (&self.auth, &self.sign) {
            (None, None) => Ok(None),
            (Some(a), Some(s)) if a.subject != *s => Err(HolderConflict::TwoHolders),
            (Some(a), Some(_)) => Ok(Some(&a.subject)),
            (Some(a), None) => match a.latest_sign.as_ref().map(|l| l.differing(sign)) {
                Some(None) => Ok(Some(&a.subject)),
                Some(Some(differs)) => Err(HolderConflict::SignatureOfAnotherPerson { differs }),
                None => Err(HolderConflict::SignatureOfAnotherPerson {
                    differs: Differs::BirthDateAndSex,
                }),
            },
            (None, Some(_)) => Err(HolderConflict::SignatureLinkedElsewhere),
        }
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
        CardHolders {
            auth: auth.map(|s| AuthHolder {
                subject: s.to_owned(),
                latest_sign: Some(hers()),
            }),
            sign: sign.map(str::to_owned),
        }
    }

    #[test]
    fn a_card_new_or_known_whole_keeps_or_gets_its_holder() {
        assert_eq!(found(None, None).holder(&hers()), Ok(None));
        assert_eq!(found(Some("h"), Some("h")).holder(&hers()), Ok(Some("h")));
    }

    #[test]
    fn a_new_signature_certificate_of_the_same_person_joins_the_holder_of_the_authentication_certificate()
     {
        assert_eq!(found(Some("h"), None).holder(&hers()), Ok(Some("h")));
    }

    #[test]
    fn a_new_signature_certificate_with_another_birth_date_or_sex_is_refused() {
        for (other, differs) in [
            (facts("319850413", "2"), Differs::BirthDate),
            (facts("319850412", "1"), Differs::Sex),
            (facts("419900101", "1"), Differs::BirthDateAndSex),
        ] {
            let card = found(Some("h"), None);
            let refused = card.holder(&other);
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
    fn a_new_signature_certificate_with_nothing_to_compare_with_is_refused() {
        let card = CardHolders {
            auth: Some(AuthHolder {
                subject: "h".into(),
                latest_sign: None,
            }),
            sign: None,
        };
        assert!(matches!(
            card.holder(&hers()),
            Err(HolderConflict::SignatureOfAnotherPerson { .. })
        ));
    }

    #[test]
    fn the_facts_of_the_same_card_enrolled_again_are_not_compared() {
        // Both certificates known under H: the registry says whose card it is already.
        let other = facts("419900101", "1");
        assert_eq!(found(Some("h"), Some("h")).holder(&other), Ok(Some("h")));
    }

    #[test]
    fn certificates_of_two_holders_are_refused() {
        assert_eq!(
            found(Some("h"), Some("g")).holder(&hers()),
            Err(HolderConflict::TwoHolders)
        );
    }

    #[test]
    fn a_new_authentication_certificate_does_not_join_a_holder_with_a_card() {
        assert_eq!(
            found(None, Some("g")).holder(&hers()),
            Err(HolderConflict::SignatureLinkedElsewhere)
        );
    }
}
