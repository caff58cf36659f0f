//! When the platform's operator may let a holder's legally changed birth date or sex stand:
//! the rule of `madoguchi-platform holders accept-correction` ([`accept_correction`]).
//!
//! A holder's new signature certificate must name the birth date and sex of their latest
//! one ([`super::holder`]): a move or a change of name keeps them. A court-ordered
//! correction of the family register (戸籍訂正) or a gender recognition (性同一性障害者の
//! 性別の取扱いの特例に関する法律) changes them, the municipal office issues a new signature
//! certificate carrying the new value, and the enrollment of the card is refused
//! `holder_conflict` (`signature_of_another_person`). The platform cannot tell that
//! correction from someone else's signature certificate answering beside the holder's card:
//! only a person who has seen the document recording the change can. The refusal's audit
//! row names the holder (of the authentication certificate) and the new signature
//! certificate; the operator, having seen the document, accepts that certificate for that
//! holder, and the next enrollment with it joins the holder
//! ([`super::holder::CardHolders::holder`], given the holder it was accepted for).

use jpki_cert::LinkageKey;

/// What the registry holds for an operator's acceptance of a corrected birth date or sex
/// ([`accept_correction`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CorrectionState {
    /// The holder the card's authentication certificate is linked to (read in the
    /// transaction).
    pub auth: Option<String>,
    /// The holder whose refused enrollments were looked for (the one the authentication
    /// certificate was linked to before the transaction).
    pub refused_for: String,
    /// The signature certificates of that holder's enrollments refused because they named
    /// another birth date or sex (`signature_of_another_person`) and not linked to any
    /// holder since: at most two are read.
    pub refused: Vec<LinkageKey>,
    /// The holder the refused signature certificate is linked to, when [`Self::refused`]
    /// names one (read in the transaction).
    pub sign_holder: Option<String>,
    /// The holder the refused signature certificate was accepted for already, if any.
    pub accepted_for: Option<String>,
}

/// Why a corrected birth date or sex was not accepted. Nothing was changed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CorrectionRefusal {
    /// The authentication certificate is linked to no holder.
    #[error(
        "this authentication certificate is linked to no holder, so there is no birth date or sex of a holder to correct; nothing was changed. If the card's enrollment was refused holder_conflict (signature_linked_elsewhere), its authentication certificate was re-issued: attach it first (madoguchi-platform holders attach-auth)"
    )]
    NotEnrolled,
    /// No enrollment of the card is refused for a signature certificate naming another
    /// birth date or sex.
    #[error(
        "no enrollment of this card was refused because its new signature certificate names another birth date or sex (holder_conflict, signature_of_another_person), or that certificate has been enrolled since; nothing was changed. Have the customer enrol with the card at a counter first, then accept the correction if that enrollment is refused so"
    )]
    Unknown,
    /// The holder's enrollments were refused with two different new signature certificates.
    #[error(
        "enrollments of this holder were refused with two different new signature certificates naming another birth date or sex, so the registry cannot say which one the document corrects; nothing was changed. Look into the audit trail before accepting anything"
    )]
    SeveralCertificates,
    /// The authentication certificate is linked to another holder than the one whose
    /// refused enrollment was found.
    #[error(
        "the refused enrollment names another holder than the one this authentication certificate is linked to now; nothing was changed. Look into the registry before accepting anything"
    )]
    AnotherHolder,
    /// The refused signature certificate was accepted for this holder already.
    #[error(
        "the new signature certificate was accepted for this holder already; nothing was changed. The customer enrols with the card at a counter: the enrollment keeps their links"
    )]
    AlreadyAccepted,
    /// The refused signature certificate is linked to, or accepted for, another holder.
    #[error(
        "the new signature certificate of the refused enrollment is linked to, or was accepted for, another holder; nothing was changed. Look into the registry before accepting anything"
    )]
    LinkedElsewhere,
}

/// The holder and the signature certificate to accept, or why not: exactly one refused
/// certificate, the authentication certificate still the holder's, the certificate neither
/// linked to a holder nor accepted already. What the operator checked is theirs to record:
/// the platform has nothing to compare a corrected birth date or sex with.
pub fn accept_correction(
    state: &CorrectionState,
) -> Result<(&str, &LinkageKey), CorrectionRefusal> {
    let sign = match state.refused.as_slice() {
        [] => return Err(CorrectionRefusal::Unknown),
        [s] => s,
        _ => return Err(CorrectionRefusal::SeveralCertificates),
    };
    let holder = state.refused_for.as_str();
    match state.auth.as_deref() {
        None => return Err(CorrectionRefusal::NotEnrolled),
        Some(a) if a != holder => return Err(CorrectionRefusal::AnotherHolder),
        Some(_) => {}
    }
    if state.sign_holder.is_some() {
        return Err(CorrectionRefusal::LinkedElsewhere);
    }
    match state.accepted_for.as_deref() {
        Some(h) if h == holder => Err(CorrectionRefusal::AlreadyAccepted),
        Some(_) => Err(CorrectionRefusal::LinkedElsewhere),
        None => Ok((holder, sign)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(serial: &str) -> LinkageKey {
        LinkageKey {
            issuer: "CN=sign".into(),
            serial: serial.into(),
        }
    }

    fn state() -> CorrectionState {
        CorrectionState {
            auth: Some("h".into()),
            refused_for: "h".into(),
            refused: vec![key("0a")],
            sign_holder: None,
            accepted_for: None,
        }
    }

    #[test]
    fn the_one_refused_certificate_of_the_cards_holder_is_accepted() {
        let s = state();
        assert_eq!(accept_correction(&s), Ok(("h", &key("0a"))));
    }

    #[test]
    fn without_exactly_one_refused_certificate_nothing_is_accepted() {
        let mut s = state();
        s.refused.clear();
        assert_eq!(accept_correction(&s), Err(CorrectionRefusal::Unknown));
        s.refused = vec![key("0a"), key("0b")];
        assert_eq!(
            accept_correction(&s),
            Err(CorrectionRefusal::SeveralCertificates)
        );
    }

    #[test]
    fn a_refusal_of_another_holder_than_the_cards_is_not_accepted() {
        let mut s = state();
        s.auth = Some("g".into());
        assert_eq!(accept_correction(&s), Err(CorrectionRefusal::AnotherHolder));
        s.auth = None;
        assert_eq!(accept_correction(&s), Err(CorrectionRefusal::NotEnrolled));
    }

    #[test]
    fn a_certificate_linked_or_accepted_already_is_not_accepted() {
        let mut s = state();
        s.accepted_for = Some("h".into());
        assert_eq!(
            accept_correction(&s),
            Err(CorrectionRefusal::AlreadyAccepted)
        );
        s.accepted_for = Some("g".into());
        assert_eq!(
            accept_correction(&s),
            Err(CorrectionRefusal::LinkedElsewhere)
        );
        let mut s = state();
        s.sign_holder = Some("g".into());
        assert_eq!(
            accept_correction(&s),
            Err(CorrectionRefusal::LinkedElsewhere)
        );
    }
}
