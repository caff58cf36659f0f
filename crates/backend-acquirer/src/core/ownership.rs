//! Who may pay with a card token: the link decisions, without I/O.
//!
//! A token belongs to the cardholder the issuer registered it for. Before the platform
//! links it to a card, it asks the acquirer to confirm: the acquirer compares its
//! cardholder record with the attributes the platform read from the card's verified
//! signature certificate, by the one rule of [`counter_api::attributes::compare`], and on
//! a match records the platform's pairwise subject as the token's [`Owner`]. From then on
//! only that subject's assertions from that platform pay with the token
//! ([`may_pay`]); a later confirmation for another holder replaces the owner at once.

use counter_api::acquirer::Cardholder;
use counter_api::attributes::{CertifiedAttributes, compare};
use counter_api::links::LinkAnswer;
use madoguchi_time::UnixTime;

/// The holder a token is linked to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// The platform's pairwise subject of the holder for this acquirer (`sub` of its
    /// assertions).
    pub sub: String,
    /// The platform that confirmed the link (`iss` of its assertions).
    pub platform: String,
    /// The platform's enrollment the link belongs to (for audit).
    pub enrollment: String,
    /// When the link was confirmed.
    pub linked_at: UnixTime,
}

/// The answer to a link request for a token whose cardholder record is `holder` (`None`:
/// no token with this reference, or a token registered without cardholder data, which can
/// never be confirmed). A mismatch names the first attribute that differs, never a value.
pub fn link_answer(holder: Option<&Cardholder>, certified: &CertifiedAttributes) -> LinkAnswer {
    let Some(holder) = holder else {
        return LinkAnswer::unknown();
    };
    match compare(&holder.held(), certified) {
        Ok(()) => LinkAnswer::confirmed(),
        Err(attribute) => LinkAnswer::mismatch(attribute),
    }
}

/// Whether an assertion of `issuer` for subject `sub` may pay with a token owned by
/// `owner`: only the subject and platform the link was last confirmed for.
pub fn may_pay(owner: Option<&Owner>, sub: &str, issuer: &str) -> bool {
    owner.is_some_and(|o| o.sub == sub && o.platform == issuer)
}

/// Whether a re-registration keeps the token's owner: only when the cardholder record is
/// unchanged, field by field as stored. Any change (a corrected name, an address added)
/// means the token may now be someone else's, so the link must be confirmed again.
pub fn keeps_owner(stored: Option<&Cardholder>, registered: &Cardholder) -> bool {
    stored == Some(registered)
}

#[cfg(test)]
mod tests {
    use counter_api::attributes::Attribute;
    use counter_api::links::LinkOutcome;
    use counter_api::platform::Sex;

    use super::*;

    fn holder() -> Cardholder {
        Cardholder {
            name: "佐藤　花子".into(),
            birth_date: "1985-04-12".into(),
            address: None,
            sex: Some(Sex::Female),
        }
    }

    fn certified() -> CertifiedAttributes {
        CertifiedAttributes {
            name: "佐藤 花子".into(),
            name_substituted: vec![],
            address: "東京都千代田区丸の内九丁目９番９９号".into(),
            address_substituted: vec![],
            birth_date: "1985-04-12".into(),
            sex: Sex::Female,
        }
    }

    #[test]
    fn the_record_is_compared_by_the_shared_rule() {
        assert_eq!(
            link_answer(Some(&holder()), &certified()).outcome,
            LinkOutcome::Confirmed
        );
        let mut other = holder();
        other.birth_date = "1990-01-01".into();
        assert_eq!(
            link_answer(Some(&other), &certified()),
            LinkAnswer::mismatch(Attribute::BirthDate)
        );
        let mut other = holder();
        other.address = Some("大阪府".into());
        assert_eq!(
            link_answer(Some(&other), &certified()),
            LinkAnswer::mismatch(Attribute::Address)
        );
        let mut other = holder();
        other.sex = Some(Sex::Male);
        assert_eq!(
            link_answer(Some(&other), &certified()),
            LinkAnswer::mismatch(Attribute::Sex)
        );
        assert_eq!(link_answer(None, &certified()), LinkAnswer::unknown());
    }

    #[test]
    fn only_the_owner_on_its_platform_pays() {
        let o = Owner {
            sub: "a".into(),
            platform: "pf".into(),
            enrollment: "enr_1".into(),
            linked_at: UnixTime::from_secs(1),
        };
        assert!(may_pay(Some(&o), "a", "pf"));
        assert!(!may_pay(Some(&o), "b", "pf"));
        assert!(!may_pay(Some(&o), "a", "pf-other"));
        assert!(!may_pay(None, "a", "pf"));
    }

    #[test]
    fn a_changed_holder_drops_the_owner() {
        assert!(keeps_owner(Some(&holder()), &holder()));
        let mut other = holder();
        other.address = Some("東京都".into());
        assert!(!keeps_owner(Some(&holder()), &other));
        assert!(!keeps_owner(None, &holder()));
    }
}
