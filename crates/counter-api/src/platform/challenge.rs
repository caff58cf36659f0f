//! Challenges: what the platform asks the card to sign, and the canonical bytes that bind
//! the nonce to the platform, the terminal, the purpose and (payments) merchant and amount.

use madoguchi_time::UnixTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ident::check_id;
use crate::problem::FieldError;

/// Random bytes in a nonce: 256 bits, so a nonce is never guessed nor repeated.
pub const NONCE_LEN: usize = 32;

/// Largest payment amount accepted in a challenge, in yen: 8 digits, above any counter
/// payment and far below `i64` limits in every later sum.
pub const MAX_AMOUNT_JPY: u64 = 99_999_999;

/// First line of every [`ChallengeBinding::to_be_signed`]: a signature over these bytes
/// can never be mistaken for a signature over an application ([`super::APPLICATION_DOMAIN`])
/// or anything else.
pub const CHALLENGE_DOMAIN: &str = "MADOGUCHI-CHALLENGE/1";

/// What the signature will be used for. A challenge of one purpose is refused for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ChallengePurpose {
    /// Identification at the counter (menu of services, eligibility).
    Identify,
    /// Enrollment: linking the card to services.
    Enroll,
    /// A payment of a given amount to a given merchant.
    Payment,
}

impl ChallengePurpose {
    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Identify => "identify",
            Self::Enroll => "enroll",
            Self::Payment => "payment",
        }
    }
}

/// The payment a `payment` challenge is bound to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ChallengeContext {
    /// The merchant (acquirer's merchant id).
    #[schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9._:-]{1,64}$")]
    pub merchant_id: String,
    /// The amount in yen (1 ..= [`MAX_AMOUNT_JPY`]).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    #[schema(minimum = 1, maximum = 99_999_999)]
    pub amount_jpy: u64,
}

/// `POST /v1/challenges`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRequest {
    /// What the signature will be for.
    pub purpose: ChallengePurpose,
    /// Required for `payment`, refused for the other purposes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<ChallengeContext>,
}

impl ChallengeRequest {
    /// Checks the field rules; the problem names the field.
    pub fn validate(&self) -> Result<(), FieldError> {
        let bad = |field: &str, d: String| Err(FieldError::new(field, d));
        match (&self.purpose, &self.context) {
            (ChallengePurpose::Payment, None) => bad(
                "context",
                "a payment challenge needs a context with merchant_id and amount_jpy".into(),
            ),
            (ChallengePurpose::Payment, Some(c)) => {
                if let Err(e) = check_id("context.merchant_id", &c.merchant_id) {
                    return bad("context.merchant_id", e.to_string());
                }
                if c.amount_jpy == 0 || c.amount_jpy > MAX_AMOUNT_JPY {
                    return bad(
                        "context.amount_jpy",
                        format!("the amount must be 1 to {MAX_AMOUNT_JPY} yen"),
                    );
                }
                Ok(())
            }
            (_, Some(_)) => bad(
                "context",
                "only payment challenges carry a context; leave it out".into(),
            ),
            (_, None) => Ok(()),
        }
    }
}

/// Everything a signature is bound to. Both sides compute [`Self::to_be_signed`]: the
/// platform to verify, the terminal to check what it is about to have the card sign (and
/// to show the amount it binds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeBinding {
    /// The platform that issued it.
    pub platform_id: String,
    /// The challenge id.
    pub challenge_id: String,
    /// The random nonce.
    pub nonce: [u8; NONCE_LEN],
    /// The terminal it was issued to (from its client certificate).
    pub terminal_id: String,
    /// Its purpose.
    pub purpose: ChallengePurpose,
    /// The payment, for `payment`.
    pub context: Option<ChallengeContext>,
    /// The instant after which it is refused.
    pub expires_at: UnixTime,
}

impl ChallengeBinding {
    /// The canonical bytes the card signs (as DigestInfo(SHA-256(bytes)), docs/domain/jpki.md §1):
    /// UTF-8 lines `key=value\n` in this fixed order, ids restricted by [`crate::ident`]
    /// so that no value holds `\n`:
    ///
    /// ```text
    /// MADOGUCHI-CHALLENGE/1
    /// platform=<platform_id>
    /// challenge=<challenge_id>
    /// nonce=<base64url, no padding>
    /// terminal=<terminal_id>
    /// purpose=<identify|enroll|payment>
    /// merchant=<merchant_id>        (payment only)
    /// amount_jpy=<decimal>          (payment only)
    /// expires_at=<unix seconds>
    /// ```
    pub fn to_be_signed(&self) -> Vec<u8> {
        let mut s = String::with_capacity(256);
        s.push_str(CHALLENGE_DOMAIN);
        s.push('\n');
        let mut line = |k: &str, v: &str| {
            s.push_str(k);
            s.push('=');
            s.push_str(v);
            s.push('\n');
        };
        line("platform", &self.platform_id);
        line("challenge", &self.challenge_id);
        line("nonce", &crate::b64::encode_url(&self.nonce));
        line("terminal", &self.terminal_id);
        line("purpose", self.purpose.as_str());
        if let Some(c) = &self.context {
            line("merchant", &c.merchant_id);
            line("amount_jpy", &c.amount_jpy.to_string());
        }
        line("expires_at", &self.expires_at.as_secs().to_string());
        s.into_bytes()
    }

    /// The wire answer for this binding.
    pub fn to_response(&self) -> ChallengeResponse {
        ChallengeResponse {
            challenge_id: self.challenge_id.clone(),
            platform_id: self.platform_id.clone(),
            nonce: crate::b64::encode(&self.nonce),
            terminal_id: self.terminal_id.clone(),
            purpose: self.purpose,
            context: self.context.clone(),
            expires_at: self.expires_at,
            to_be_signed: crate::b64::encode(&self.to_be_signed()),
        }
    }
}

/// The answer to `POST /v1/challenges`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChallengeResponse {
    /// Id to quote in the identification or enrollment.
    pub challenge_id: String,
    /// The platform that issued it.
    pub platform_id: String,
    /// 32 random bytes, base64.
    pub nonce: String,
    /// The terminal it is bound to.
    pub terminal_id: String,
    /// Its purpose.
    pub purpose: ChallengePurpose,
    /// The payment it is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<ChallengeContext>,
    /// Unix seconds; the answer must arrive before.
    #[schema(value_type = i64)]
    pub expires_at: UnixTime,
    /// The bytes the card signs, base64 ([`ChallengeBinding::to_be_signed`]).
    pub to_be_signed: String,
}

impl ChallengeResponse {
    /// Rebuilds the binding from the fields and checks that `to_be_signed` is exactly its
    /// canonical form: a terminal calls this before letting the card sign, so a server
    /// cannot have it sign anything but what the fields say.
    pub fn binding(&self) -> Result<ChallengeBinding, FieldError> {
        let bad = |f: &str, d: &str| FieldError::new(f, d);
        let nonce: [u8; NONCE_LEN] = crate::b64::decode("nonce", &self.nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or_else(|| bad("nonce", "the nonce must be 32 bytes of base64"))?;
        let binding = ChallengeBinding {
            platform_id: self.platform_id.clone(),
            challenge_id: self.challenge_id.clone(),
            nonce,
            terminal_id: self.terminal_id.clone(),
            purpose: self.purpose,
            context: self.context.clone(),
            expires_at: self.expires_at,
        };
        let tbs = crate::b64::decode("to_be_signed", &self.to_be_signed)
            .map_err(|e| bad("to_be_signed", &e.to_string()))?;
        if tbs != binding.to_be_signed() {
            return Err(bad(
                "to_be_signed",
                "to_be_signed is not the canonical form of the challenge's fields",
            ));
        }
        Ok(binding)
    }
}

impl ChallengeResponse {
    /// What a terminal checks before letting the card sign: the canonical form
    /// ([`Self::binding`]), and that the challenge is the one it asked for, from the platform
    /// it configured, for itself, and not already expired at `now`.
    pub fn check_for(
        &self,
        platform_id: &str,
        terminal_id: &str,
        asked: &ChallengeRequest,
        now: UnixTime,
    ) -> Result<ChallengeBinding, FieldError> {
        let b = self.binding()?;
        if b.platform_id != platform_id {
            return Err(FieldError::new(
                "platform_id",
                "the challenge comes from another platform",
            ));
        }
        if b.terminal_id != terminal_id {
            return Err(FieldError::new(
                "terminal_id",
                "the challenge was issued to another terminal",
            ));
        }
        if b.purpose != asked.purpose || b.context != asked.context {
            return Err(FieldError::new(
                "purpose",
                "the challenge binds another purpose, merchant or amount than the one asked for",
            ));
        }
        if now > b.expires_at {
            return Err(FieldError::new(
                "expires_at",
                "the challenge has already expired",
            ));
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn binding(purpose: ChallengePurpose, ctx: Option<ChallengeContext>) -> ChallengeBinding {
        ChallengeBinding {
            platform_id: "pf-a".into(),
            challenge_id: "c1".into(),
            nonce: [7; NONCE_LEN],
            terminal_id: "t1".into(),
            purpose,
            context: ctx,
            expires_at: UnixTime::from_secs(1_800_000_000),
        }
    }

    #[test]
    fn canonical_form_is_stable() {
        let ctx = ChallengeContext {
            merchant_id: "m-1".into(),
            amount_jpy: 1200,
        };
        let b = binding(ChallengePurpose::Payment, Some(ctx));
        assert_eq!(
            String::from_utf8(b.to_be_signed()).unwrap(),
            "MADOGUCHI-CHALLENGE/1\nplatform=pf-a\nchallenge=c1\n\
             nonce=BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc\nterminal=t1\npurpose=payment\n\
             merchant=m-1\namount_jpy=1200\nexpires_at=1800000000\n"
        );
        assert_eq!(b.to_response().binding().unwrap(), b);
    }

    #[test]
    fn every_bound_field_changes_the_bytes() {
        let base = binding(ChallengePurpose::Identify, None);
        let mut others = vec![];
        let mut o = base.clone();
        o.terminal_id = "t2".into();
        others.push(o);
        let mut o = base.clone();
        o.purpose = ChallengePurpose::Enroll;
        others.push(o);
        let mut o = base.clone();
        o.platform_id = "pf-b".into();
        others.push(o);
        let mut o = base.clone();
        o.nonce[0] = 8;
        others.push(o);
        for o in others {
            assert_ne!(o.to_be_signed(), base.to_be_signed());
        }
        let p = |a| {
            binding(
                ChallengePurpose::Payment,
                Some(ChallengeContext {
                    merchant_id: "m".into(),
                    amount_jpy: a,
                }),
            )
            .to_be_signed()
        };
        assert_ne!(p(100), p(1000));
    }

    #[test]
    fn terminal_side_checks() {
        let b = binding(ChallengePurpose::Identify, None);
        let r = b.to_response();
        let asked = ChallengeRequest {
            purpose: ChallengePurpose::Identify,
            context: None,
        };
        assert_eq!(
            r.check_for("pf-a", "t1", &asked, UnixTime::from_secs(1_799_999_999))
                .unwrap(),
            b
        );
        let field = |p: &str, t: &str, a: &ChallengeRequest, now| {
            r.check_for(p, t, a, UnixTime::from_secs(now))
                .unwrap_err()
                .field
        };
        assert_eq!(field("pf-b", "t1", &asked, 0), "platform_id");
        assert_eq!(field("pf-a", "t2", &asked, 0), "terminal_id");
        let pay = ChallengeRequest {
            purpose: ChallengePurpose::Payment,
            context: Some(ChallengeContext {
                merchant_id: "m".into(),
                amount_jpy: 1,
            }),
        };
        assert_eq!(field("pf-a", "t1", &pay, 0), "purpose");
        assert_eq!(field("pf-a", "t1", &asked, 1_800_000_001), "expires_at");
    }

    #[test]
    fn tampered_response_is_refused() {
        let mut r = binding(ChallengePurpose::Identify, None).to_response();
        r.terminal_id = "t9".into();
        assert_eq!(r.binding().unwrap_err().field.as_str(), "to_be_signed");
    }

    #[test]
    fn request_rules() {
        let pay = |m: &str, a| ChallengeRequest {
            purpose: ChallengePurpose::Payment,
            context: Some(ChallengeContext {
                merchant_id: m.into(),
                amount_jpy: a,
            }),
        };
        assert!(pay("m-1", 1).validate().is_ok());
        assert!(pay("m-1", 0).validate().is_err());
        assert!(pay("m-1", MAX_AMOUNT_JPY + 1).validate().is_err());
        assert!(pay("m\n1", 5).validate().is_err());
        let id = |c| ChallengeRequest {
            purpose: ChallengePurpose::Identify,
            context: c,
        };
        assert!(id(None).validate().is_ok());
        assert!(
            id(Some(ChallengeContext {
                merchant_id: "m".into(),
                amount_jpy: 1
            }))
            .validate()
            .is_err()
        );
    }
}
