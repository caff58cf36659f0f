//! Services a card can be linked to, and the service-specific data an assertion carries.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ident::check_id;
use crate::problem::FieldError;

/// The kind of a service on the menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    /// Health-insurance eligibility (an insurer backend).
    Insurance,
    /// A payment method (an acquirer backend and a card token).
    Payment,
    /// A peer platform (federation, the 2014 study's slide 23): its assertion lets that
    /// platform serve the holder without reading the card again.
    Platform,
}

/// A link requested at enrollment, as the customer entered it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ServiceLink {
    /// Health insurance.
    Insurance(InsuranceLink),
    /// A payment card token.
    Payment(PaymentLink),
    /// Consent to let a peer platform rely on this platform's identification.
    Platform(PlatformLink),
}

impl ServiceLink {
    /// The platform's service id.
    pub fn service_id(&self) -> &str {
        match self {
            Self::Insurance(l) => &l.service_id,
            Self::Payment(l) => &l.service_id,
            Self::Platform(l) => &l.service_id,
        }
    }

    /// The kind.
    pub fn kind(&self) -> ServiceKind {
        match self {
            Self::Insurance(_) => ServiceKind::Insurance,
            Self::Payment(_) => ServiceKind::Payment,
            Self::Platform(_) => ServiceKind::Platform,
        }
    }

    /// Whether its service must confirm the link before the platform stores it
    /// ([`crate::links`]): insurance and payment links; a peer platform relies on this
    /// platform's own verification.
    pub fn needs_confirmation(&self) -> bool {
        matches!(self, Self::Insurance(_) | Self::Payment(_))
    }

    /// What an assertion for this link carries.
    pub fn data(&self) -> ServiceData {
        match self {
            Self::Insurance(l) => ServiceData::Insurance {
                insurer_number: l.insurer_number.clone(),
                symbol: l.symbol.clone(),
                number: l.number.clone(),
                branch: l.branch.clone(),
            },
            Self::Payment(l) => ServiceData::Payment {
                card_token_ref: l.card_token_ref.clone(),
            },
            Self::Platform(_) => ServiceData::Platform {},
        }
    }

    /// Field rules; `index` is the link's position in `services`.
    pub fn validate(&self, index: usize) -> Result<(), FieldError> {
        let prefix = format!("application.services[{index}].");
        if let Err(e) = check_id("service_id", self.service_id()) {
            return Err(FieldError::new(
                format!("{prefix}service_id"),
                e.to_string(),
            ));
        }
        match self {
            Self::Insurance(l) => l.check_identifiers(&prefix),
            Self::Payment(l) => {
                if let Err(e) = check_id("card_token_ref", &l.card_token_ref) {
                    return Err(FieldError::new(
                        format!("{prefix}card_token_ref"),
                        e.to_string(),
                    ));
                }
                let bad = |f: &str, d: &str| Err(FieldError::new(format!("{prefix}{f}"), d));
                if l.last4
                    .as_ref()
                    .is_some_and(|d| d.len() != 4 || !d.bytes().all(|c| c.is_ascii_digit()))
                {
                    return bad(
                        "last4",
                        "last4 is the last 4 digits of the card, nothing more",
                    );
                }
                if l.brand
                    .as_ref()
                    .is_some_and(|b| b.is_empty() || b.chars().count() > 20)
                {
                    return bad("brand", "the brand is 1 to 20 characters");
                }
                Ok(())
            }
            Self::Platform(_) => Ok(()),
        }
    }
}

/// A health-insurance link: the insurance identifiers as enrolled (docs/domain/eligibility.md §2.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct InsuranceLink {
    /// The platform's service id of the insurer.
    #[schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9._:-]{1,64}$")]
    pub service_id: String,
    /// 保険者番号: 8 digits.
    #[schema(pattern = r"^[0-9]{8}$")]
    pub insurer_number: String,
    /// 記号 (may hold kanji/kana; optional for some insurers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        min_length = 0,
        max_length = 20,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub symbol: Option<String>,
    /// 番号.
    #[schema(
        min_length = 1,
        max_length = 20,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub number: String,
    /// 枝番: 2 digits, may be absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = r"^[0-9]{2}$")]
    pub branch: Option<String>,
}

impl InsuranceLink {
    /// The rules on the insurance identifiers (docs/domain/eligibility.md §2.2); `prefix` names the
    /// object the fields are in (`application.services[0].`, `link.`).
    pub fn check_identifiers(&self, prefix: &str) -> Result<(), FieldError> {
        let bad = |f: &str, d: &str| Err(FieldError::new(format!("{prefix}{f}"), d));
        if self.insurer_number.len() != 8
            || !self.insurer_number.bytes().all(|b| b.is_ascii_digit())
        {
            return bad(
                "insurer_number",
                "the insurer number is 8 digits (pad a 6-digit number with 00: docs/domain/eligibility.md §2.2)",
            );
        }
        if self.number.is_empty()
            || self.number.chars().count() > 20
            || self.number.chars().any(char::is_control)
        {
            return bad(
                "number",
                "the insured number is 1 to 20 characters without control characters",
            );
        }
        if self
            .symbol
            .as_ref()
            .is_some_and(|s| s.chars().count() > 20 || s.chars().any(char::is_control))
        {
            return bad(
                "symbol",
                "the symbol is at most 20 characters without control characters",
            );
        }
        if self
            .branch
            .as_ref()
            .is_some_and(|b| b.len() != 2 || !b.bytes().all(|c| c.is_ascii_digit()))
        {
            return bad(
                "branch",
                "the branch number is 2 digits (docs/domain/eligibility.md §2.2)",
            );
        }
        Ok(())
    }
}

/// A payment link: an opaque card-token reference the acquirer issued at registration.
/// Never a card number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct PaymentLink {
    /// The platform's service id of the acquirer.
    #[schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9._:-]{1,64}$")]
    pub service_id: String,
    /// The acquirer's token reference.
    #[schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9._:-]{1,64}$")]
    pub card_token_ref: String,
    /// Card brand for the menu (e.g. `VISA`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 20)]
    pub brand: Option<String>,
    /// Last 4 digits for the menu and the customer's confirmation (JCCA masking).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = r"^[0-9]{4}$")]
    pub last4: Option<String>,
}

/// A federation link: the peer platform's id (its service id on this platform).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct PlatformLink {
    /// The peer platform's service id here (= its platform id, the assertion's `aud`).
    #[schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9._:-]{1,64}$")]
    pub service_id: String,
}

/// The service-specific linkage data an assertion carries (`svc` claim).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ServiceData {
    /// For an insurer: the insurance identifiers as enrolled.
    Insurance {
        /// 保険者番号.
        #[schema(pattern = r"^[0-9]{8}$")]
        insurer_number: String,
        /// 記号.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(
            min_length = 0,
            max_length = 20,
            pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
        )]
        symbol: Option<String>,
        /// 番号.
        #[schema(
            min_length = 1,
            max_length = 20,
            pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
        )]
        number: String,
        /// 枝番.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(pattern = r"^[0-9]{2}$")]
        branch: Option<String>,
    },
    /// For an acquirer: the card-token reference.
    Payment {
        /// The acquirer's token reference.
        #[schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9._:-]{1,64}$")]
        card_token_ref: String,
    },
    /// For a peer platform: nothing but the pairwise subject and the context.
    Platform {},
}
