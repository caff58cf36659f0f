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
//! | linked to H | new | H (a new signature certificate: the holder moved or was renamed, which revokes only the signature certificate, docs/domain/eligibility.md §3.2) |
//! | linked to H | linked to G ≠ H | refused: [`HolderConflict::TwoHolders`] |
//! | new | linked to H | refused: [`HolderConflict::SignatureLinkedElsewhere`] |
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

/// What the registry holds of an enrollment's two certificates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CardHolders {
    /// The holder the authentication certificate is linked to, if any.
    pub auth: Option<String>,
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
}

impl CardHolders {
    /// The holder the card belongs to (`None`: a new one), or why the two certificates
    /// cannot be enrolled together (the rule in the module doc).
    pub fn holder(&self) -> Result<Option<&str>, HolderConflict> {
        match (&self.auth, &self.sign) {
            (None, None) => Ok(None),
            (Some(a), Some(s)) if a != s => Err(HolderConflict::TwoHolders),
            (Some(a), _) => Ok(Some(a)),
            (None, Some(_)) => Err(HolderConflict::SignatureLinkedElsewhere),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(auth: Option<&str>, sign: Option<&str>) -> CardHolders {
        CardHolders {
            auth: auth.map(str::to_owned),
            sign: sign.map(str::to_owned),
        }
    }

    #[test]
    fn a_card_new_or_known_whole_keeps_or_gets_its_holder() {
        assert_eq!(found(None, None).holder(), Ok(None));
        assert_eq!(found(Some("h"), Some("h")).holder(), Ok(Some("h")));
    }

    #[test]
    fn a_new_signature_certificate_joins_the_holder_of_the_authentication_certificate() {
        assert_eq!(found(Some("h"), None).holder(), Ok(Some("h")));
    }

    #[test]
    fn certificates_of_two_holders_are_refused() {
        assert_eq!(
            found(Some("h"), Some("g")).holder(),
            Err(HolderConflict::TwoHolders)
        );
    }

    #[test]
    fn a_new_authentication_certificate_does_not_join_a_holder_with_a_card() {
        assert_eq!(
            found(None, Some("g")).holder(),
            Err(HolderConflict::SignatureLinkedElsewhere)
        );
    }
}
