//! The link contract between the verification platform and a service (insurer, acquirer):
//! before the platform stores a link between a card and a service's record, the service
//! confirms that the record belongs to the card's holder.
//!
//! | endpoint (on the service) | request | answer |
//! |---|---|---|
//! | `POST /v1/links` | [`LinkRequest`] | [`LinkAnswer`] |
//! | `POST /v1/links/release` | [`LinkRelease`] | [`LinkReleased`] |
//!
//! The platform calls these server to server over mutual TLS: its client certificate's
//! subject CN is its platform id, which the service must trust (the same platforms whose
//! assertion keys it trusts). The service compares the record it holds (the insurer's
//! insured person, the acquirer's cardholder behind the token) with the attributes the
//! platform read from the holder's verified signature certificate, by the one rule of
//! [`crate::attributes::compare`]. It answers:
//!
//! * `confirmed`: the record is the holder's. The service records the platform's pairwise
//!   `sub` as the record's owner; from then on it answers (eligibility, authorisation) only
//!   to assertions whose `sub` owns the record. A later link of the record confirmed for
//!   another holder replaces the owner at once; at an insurer only a link confirmed as
//!   the same person does: the members of a family share the insurance identifiers, which
//!   are all that a card without 枝番 carries (docs/domain/eligibility.md §2.9), so each
//!   member is confirmed as their own person and owns a binding beside the others';
//! * `mismatch`, naming the [`Attribute`] that differs, never the value the record holds;
//! * `unknown`: no record carries the identifiers sent.
//!
//! The answers are data (`200`), not problems: a problem (`4xx`/`5xx`) means the request
//! itself failed, and the platform stores no link then either.

use madoguchi_time::UnixTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::attributes::{Attribute, CertifiedAttributes};
use crate::ident::check_id;
use crate::platform::ServiceData;
use crate::problem::FieldError;

/// Longest pairwise subject accepted (the platform's are 43 characters of base64url).
pub const MAX_SUB_LEN: usize = 128;

/// `POST /v1/links`: confirm that the record `link` names belongs to `holder`, and if so
/// bind it to `sub`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// The platform's enrollment this link belongs to (for both sides' audit).
    #[schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9._:-]{1,64}$")]
    pub enrollment_id: String,
    /// The platform's pairwise subject of the holder for this service: the `sub` its
    /// assertions will carry.
    #[schema(min_length = 1, max_length = 128, pattern = r"^[A-Za-z0-9_-]{1,128}$")]
    pub sub: String,
    /// The record, as the customer asked to link it (insurance identifiers or card token).
    /// An insurer confirms insurance links only and an acquirer payment links only (`422
    /// invalid_field` on `link.kind` otherwise).
    pub link: ServiceData,
    /// The attributes of the holder's verified signature certificate.
    pub holder: CertifiedAttributes,
    /// When the holder consented to this disclosure (the application's signing time, Unix
    /// seconds).
    #[schema(value_type = i64)]
    pub consented_at: UnixTime,
}

impl LinkRequest {
    /// Field rules; the error names the field.
    pub fn validate(&self) -> Result<(), FieldError> {
        check_id("enrollment_id", &self.enrollment_id)
            .map_err(|e| FieldError::new("enrollment_id", e.to_string()))?;
        check_sub(&self.sub)?;
        validate_link(&self.link)?;
        self.holder.validate("holder.")
    }
}

/// `POST /v1/links/release`: the platform no longer links `link` to `sub` (the holder
/// linked another record of this service). The service forgets the binding if `sub` still
/// owns it; otherwise nothing changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRelease {
    /// The pairwise subject that owned the link.
    #[schema(min_length = 1, max_length = 128, pattern = r"^[A-Za-z0-9_-]{1,128}$")]
    pub sub: String,
    /// The record: an insurance link at an insurer, a payment link at an acquirer.
    pub link: ServiceData,
}

impl LinkRelease {
    /// Field rules; the error names the field.
    pub fn validate(&self) -> Result<(), FieldError> {
        check_sub(&self.sub)?;
        validate_link(&self.link)
    }
}

/// The answer to a release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LinkReleased {
    /// Whether a binding owned by `sub` was removed.
    pub released: bool,
}

fn check_sub(sub: &str) -> Result<(), FieldError> {
    if sub.is_empty()
        || sub.len() > MAX_SUB_LEN
        || !sub
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(FieldError::new(
            "sub",
            format!("the subject is 1 to {MAX_SUB_LEN} characters of base64url"),
        ));
    }
    Ok(())
}

fn validate_link(link: &ServiceData) -> Result<(), FieldError> {
    match link {
        ServiceData::Insurance {
            insurer_number,
            symbol,
            number,
            branch,
        } => crate::platform::InsuranceLink {
            service_id: "x".into(),
            insurer_number: insurer_number.clone(),
            symbol: symbol.clone(),
            number: number.clone(),
            branch: branch.clone(),
        }
        .check_identifiers("link."),
        ServiceData::Payment { card_token_ref } => check_id("card_token_ref", card_token_ref)
            .map_err(|e| FieldError::new("link.card_token_ref", e.to_string())),
        ServiceData::Platform {} => Err(FieldError::new(
            "link.kind",
            "a peer platform is linked by the platform itself, not confirmed by a service",
        )),
    }
}

/// What the service found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LinkOutcome {
    /// The record is the holder's; `sub` now owns it.
    Confirmed,
    /// The record is someone else's: `field` names the attribute that differs.
    Mismatch,
    /// No record carries these identifiers.
    Unknown,
}

/// The answer to [`LinkRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LinkAnswer {
    /// The outcome.
    pub outcome: LinkOutcome,
    /// For `mismatch`: the first attribute that differs (name, address, birth date, sex).
    /// Never the value the record holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<Attribute>,
}

impl LinkAnswer {
    /// `confirmed`.
    pub fn confirmed() -> Self {
        Self {
            outcome: LinkOutcome::Confirmed,
            field: None,
        }
    }

    /// `mismatch` on `field`.
    pub fn mismatch(field: Attribute) -> Self {
        Self {
            outcome: LinkOutcome::Mismatch,
            field: Some(field),
        }
    }

    /// `unknown`.
    pub fn unknown() -> Self {
        Self {
            outcome: LinkOutcome::Unknown,
            field: None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::platform::Sex;

    fn request() -> LinkRequest {
        LinkRequest {
            enrollment_id: "enr_1".into(),
            sub: "abcDEF-_09".into(),
            link: ServiceData::Payment {
                card_token_ref: "tok_1".into(),
            },
            holder: CertifiedAttributes {
                name: "佐藤　花子".into(),
                name_substituted: vec![],
                address: "東京都".into(),
                address_substituted: vec![],
                birth_date: "1985-04-12".into(),
                sex: Sex::Female,
            },
            consented_at: UnixTime::from_secs(1),
        }
    }

    #[test]
    fn validation_names_the_field() {
        assert!(request().validate().is_ok());
        let mut r = request();
        r.sub = "a b".into();
        assert_eq!(r.validate().unwrap_err().field, "sub");
        let mut r = request();
        r.link = ServiceData::Insurance {
            insurer_number: "123".into(),
            symbol: None,
            number: "1".into(),
            branch: None,
        };
        assert_eq!(r.validate().unwrap_err().field, "link.insurer_number");
        let mut r = request();
        r.link = ServiceData::Platform {};
        assert_eq!(r.validate().unwrap_err().field, "link.kind");
        let mut r = request();
        r.holder.sex = Sex::Male;
        r.holder.birth_date = "x".into();
        assert_eq!(r.validate().unwrap_err().field, "holder.birth_date");
    }

    #[test]
    fn answers_on_the_wire() {
        let json = serde_json::to_value(LinkAnswer::mismatch(Attribute::BirthDate)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"outcome": "mismatch", "field": "birth_date"})
        );
        let json = serde_json::to_value(LinkAnswer::confirmed()).unwrap();
        assert_eq!(json, serde_json::json!({"outcome": "confirmed"}));
    }
}
