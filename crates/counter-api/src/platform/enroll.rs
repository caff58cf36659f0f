//! Enrollment: the application the customer signs with the signature certificate, and the
//! request that links the authentication certificate to the services it names.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::identify::{IdentificationRequest, MenuEntry};
use super::service::{ServiceKind, ServiceLink};
use crate::attributes::{Attribute, MAX_ADDRESS_CHARS, MAX_NAME_CHARS, check_text, is_iso_date};
use crate::ident::check_id;
use crate::problem::FieldError;

/// First line of [`Application::canonical_bytes`].
pub const APPLICATION_DOMAIN: &str = "MADOGUCHI-APPLICATION/1";

/// Most links one application may request.
const MAX_SERVICES: usize = 16;

/// 性別 as entered on the application (the certificate's codes 1/2/3, docs/domain/jpki.md §2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// 男 (`1`).
    Male,
    /// 女 (`2`).
    Female,
    /// 不明 (`3`).
    NotKnown,
}

impl Sex {
    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
            Self::NotKnown => "not_known",
        }
    }
}

/// The application the customer signs: the four attributes as entered at the counter and
/// the services to link, bound to the enrollment challenge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Application {
    /// The `enroll` challenge this application answers (also answered by the
    /// identification of the same request: `identification.challenge_id` is the same id).
    #[schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9._:-]{1,64}$")]
    pub challenge_id: String,
    /// 氏名 as entered (U+3000 or a space between 氏 and 名).
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    /// 住所 as entered.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub address: String,
    /// 生年月日, Gregorian `YYYY-MM-DD`.
    #[schema(format = Date, pattern = r"^((18(6[89]|[7-9][0-9])|19[0-9]{2}|2[0-9]{3})-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)|(18(68|7[26]|8[048]|9[26])|19(0[48]|[2468][048]|[13579][26])|2[0-9](0[48]|[2468][048]|[13579][26])|2000|2400|2800)-02-29)$")]
    pub birth_date: String,
    /// 性別.
    pub sex: Sex,
    /// The customer agreed, on their own screen, that the platform sends the four
    /// attributes of the signature certificate to each insurance and payment service named
    /// here, so that the service confirms its record is theirs ([`crate::links`]). Required
    /// (`true`) when `services` names an insurance or payment service; signed with the rest
    /// of the application.
    #[serde(default)]
    pub disclosure_consent: bool,
    /// The services to link (1 to 16).
    #[schema(min_items = 1, max_items = 16)]
    pub services: Vec<ServiceLink>,
}

impl Application {
    /// The bytes the signature certificate signs (DigestInfo(SHA-256(bytes))): UTF-8 lines
    /// `key=value\n` in this order, free-text values as JSON strings so that no value can
    /// hold a raw newline, one `service=` line per link (its JSON, fields in declaration
    /// order):
    ///
    /// ```text
    /// MADOGUCHI-APPLICATION/1
    /// challenge=<challenge_id>
    /// name="<name>"
    /// address="<address>"
    /// birth_date="<YYYY-MM-DD>"
    /// sex=<male|female|not_known>
    /// disclosure_consent=<yes|no>
    /// service={"kind":"insurance",...}
    /// ```
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let json = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let mut out = String::with_capacity(512);
        out.push_str(APPLICATION_DOMAIN);
        out.push('\n');
        for (k, v) in [
            ("challenge", self.challenge_id.clone()),
            ("name", json(&self.name)),
            ("address", json(&self.address)),
            ("birth_date", json(&self.birth_date)),
            ("sex", self.sex.as_str().to_owned()),
            (
                "disclosure_consent",
                if self.disclosure_consent { "yes" } else { "no" }.to_owned(),
            ),
        ] {
            out.push_str(k);
            out.push('=');
            out.push_str(&v);
            out.push('\n');
        }
        for s in &self.services {
            out.push_str("service=");
            out.push_str(&serde_json::to_string(s).unwrap_or_default());
            out.push('\n');
        }
        out.into_bytes()
    }

    /// Field rules; the problem names the field (`application.name`, ...).
    pub fn validate(&self) -> Result<(), FieldError> {
        let bad = |f: &str, d: String| Err(FieldError::new(format!("application.{f}"), d));
        if let Err(e) = check_id("challenge_id", &self.challenge_id) {
            return bad("challenge_id", e.to_string());
        }
        check_text("application.", "name", &self.name, MAX_NAME_CHARS)?;
        check_text("application.", "address", &self.address, MAX_ADDRESS_CHARS)?;
        if !is_iso_date(&self.birth_date) {
            return bad(
                "birth_date",
                "the birth date is YYYY-MM-DD (Gregorian)".into(),
            );
        }
        if self.services.is_empty() || self.services.len() > MAX_SERVICES {
            return bad(
                "services",
                format!("name 1 to {MAX_SERVICES} services to link"),
            );
        }
        for (i, s) in self.services.iter().enumerate() {
            s.validate(i)?;
        }
        if !self.disclosure_consent && self.services.iter().any(|s| s.needs_confirmation()) {
            return bad(
                "disclosure_consent",
                "insurance and payment links are confirmed by their service with the four attributes: the customer must agree to that disclosure on their screen first".into(),
            );
        }
        Ok(())
    }
}

/// `POST /v1/enrollments`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentRequest {
    /// The application as signed.
    pub application: Application,
    /// The signature certificate read from the card, DER in base64.
    #[schema(
        min_length = 4,
        content_encoding = "base64",
        pattern = r"^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$"
    )]
    pub sign_certificate: String,
    /// The signature certificate's PKCS#1 v1.5 signature over
    /// DigestInfo(SHA-256([`Application::canonical_bytes`])), base64.
    #[schema(
        content_encoding = "base64",
        pattern = r"^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$"
    )]
    pub application_signature: String,
    /// The authentication certificate's answer to the same `enroll` challenge: the
    /// certificate whose (issuer, serial) is linked. Its `challenge_id` must equal
    /// `application.challenge_id` (`422 invalid_field` on `application.challenge_id`
    /// otherwise).
    pub identification: IdentificationRequest,
}

/// The answer to an enrollment: at least one requested link was confirmed by its service
/// and stored. (When none was, the answer is the problem `link_refused` and nothing is
/// stored.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EnrollmentResponse {
    /// Id of the enrollment (quote it to support).
    pub enrollment_id: String,
    /// Every service now linked to the card (without assertions).
    pub linked: Vec<MenuEntry>,
    /// The requested links their service did not confirm, which were not stored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<LinkRefusal>,
}

/// Why a service did not confirm a requested link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LinkRefusalReason {
    /// The service's record is someone else's (`attribute` names what differs).
    AttributesMismatch,
    /// The service holds no record with these identifiers.
    RecordUnknown,
    /// The service could not be asked (down, timed out, answered garbage): try later.
    ServiceUnavailable,
    /// The service refused the request itself (a problem answer).
    ServiceRefused,
}

/// A requested link that was not stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LinkRefusal {
    /// Its position in the application's `services`.
    pub index: u32,
    /// The service.
    pub service_id: String,
    /// The kind of service.
    pub kind: ServiceKind,
    /// Why the service did not confirm the link.
    pub reason: LinkRefusalReason,
    /// For a mismatch: the attribute that differs (never the value the service holds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<Attribute>,
}

impl LinkRefusal {
    /// The stable reason string of the `link_refused` problem: `mismatch_<attribute>`,
    /// `record_unknown`, `service_unavailable` or `service_refused`.
    pub fn reason_code(&self) -> String {
        match (self.reason, self.attribute) {
            (LinkRefusalReason::AttributesMismatch, Some(a)) => format!("mismatch_{}", a.as_str()),
            (LinkRefusalReason::AttributesMismatch, None) => "mismatch".into(),
            (LinkRefusalReason::RecordUnknown, _) => "record_unknown".into(),
            (LinkRefusalReason::ServiceUnavailable, _) => "service_unavailable".into(),
            (LinkRefusalReason::ServiceRefused, _) => "service_refused".into(),
        }
    }

    /// Parses [`Self::reason_code`] back (a terminal reading a `link_refused` problem).
    pub fn parse_reason(code: &str) -> Option<(LinkRefusalReason, Option<Attribute>)> {
        Some(match code {
            "mismatch_name" => (LinkRefusalReason::AttributesMismatch, Some(Attribute::Name)),
            "mismatch_address" => (
                LinkRefusalReason::AttributesMismatch,
                Some(Attribute::Address),
            ),
            "mismatch_birth_date" => (
                LinkRefusalReason::AttributesMismatch,
                Some(Attribute::BirthDate),
            ),
            "mismatch_sex" => (LinkRefusalReason::AttributesMismatch, Some(Attribute::Sex)),
            "mismatch" => (LinkRefusalReason::AttributesMismatch, None),
            "record_unknown" => (LinkRefusalReason::RecordUnknown, None),
            "service_unavailable" => (LinkRefusalReason::ServiceUnavailable, None),
            "service_refused" => (LinkRefusalReason::ServiceRefused, None),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::platform::{InsuranceLink, PaymentLink};

    fn app() -> Application {
        Application {
            challenge_id: "c1".into(),
            name: "佐藤　花子".into(),
            address: "東京都千代田区丸の内九丁目９番９９号".into(),
            birth_date: "1985-04-12".into(),
            sex: Sex::Female,
            disclosure_consent: true,
            services: vec![
                ServiceLink::Insurance(InsuranceLink {
                    service_id: "kenpo".into(),
                    insurer_number: "06139999".into(),
                    symbol: Some("千代".into()),
                    number: "10001".into(),
                    branch: Some("01".into()),
                }),
                ServiceLink::Payment(PaymentLink {
                    service_id: "acq".into(),
                    card_token_ref: "tok_1".into(),
                    brand: Some("VISA".into()),
                    last4: Some("4242".into()),
                }),
            ],
        }
    }

    #[test]
    fn canonical_bytes() {
        let s = String::from_utf8(app().canonical_bytes()).unwrap();
        assert_eq!(
            s,
            "MADOGUCHI-APPLICATION/1\nchallenge=c1\nname=\"佐藤　花子\"\n\
             address=\"東京都千代田区丸の内九丁目９番９９号\"\nbirth_date=\"1985-04-12\"\nsex=female\ndisclosure_consent=yes\n\
             service={\"kind\":\"insurance\",\"service_id\":\"kenpo\",\"insurer_number\":\"06139999\",\"symbol\":\"千代\",\"number\":\"10001\",\"branch\":\"01\"}\n\
             service={\"kind\":\"payment\",\"service_id\":\"acq\",\"card_token_ref\":\"tok_1\",\"brand\":\"VISA\",\"last4\":\"4242\"}\n"
        );
        let mut a = app();
        a.name = "佐藤\n花子".into();
        assert!(
            !String::from_utf8(a.canonical_bytes())
                .unwrap()
                .contains("佐藤\n")
        );
    }

    #[test]
    fn validation_names_the_field() {
        assert!(app().validate().is_ok());
        let mut a = app();
        a.birth_date = "1985/04/12".into();
        assert_eq!(
            a.validate().unwrap_err().field.as_str(),
            "application.birth_date"
        );
        let mut a = app();
        if let ServiceLink::Insurance(l) = &mut a.services[0] {
            l.insurer_number = "123".into();
        }
        assert_eq!(
            a.validate().unwrap_err().field.as_str(),
            "application.services[0].insurer_number"
        );
        let mut a = app();
        a.services.clear();
        assert!(a.validate().is_err());
        let mut a = app();
        a.disclosure_consent = false;
        assert_eq!(
            a.validate().unwrap_err().field.as_str(),
            "application.disclosure_consent"
        );
    }

    #[test]
    fn refusal_reasons_round_trip() {
        for (reason, attribute) in [
            (
                LinkRefusalReason::AttributesMismatch,
                Some(Attribute::BirthDate),
            ),
            (LinkRefusalReason::AttributesMismatch, Some(Attribute::Name)),
            (LinkRefusalReason::RecordUnknown, None),
            (LinkRefusalReason::ServiceUnavailable, None),
            (LinkRefusalReason::ServiceRefused, None),
        ] {
            let r = LinkRefusal {
                index: 0,
                service_id: "s".into(),
                kind: ServiceKind::Insurance,
                reason,
                attribute,
            };
            assert_eq!(
                LinkRefusal::parse_reason(&r.reason_code()),
                Some((reason, attribute))
            );
        }
    }
}
