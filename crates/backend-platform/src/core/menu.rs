//! The menu: one entry per linked service, each with an assertion for that service alone.

use counter_api::assertion::{AssertionClaims, AssertionContext, AssertionError, AssertionSigner};
use counter_api::platform::{ChallengeBinding, MenuEntry, ServiceLink};
use madoguchi_time::UnixTime;

use super::pseudonym::pairwise_subject;
use crate::config::ServiceConfig;

/// A service linked to the card, with its configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedService {
    /// The platform's service.
    pub service: ServiceConfig,
    /// The link as enrolled.
    pub link: ServiceLink,
}

/// Everything one menu is built from.
#[derive(Debug)]
pub struct MenuRequest<'a> {
    /// This platform.
    pub platform_id: &'a str,
    /// The challenge the card answered.
    pub binding: &'a ChallengeBinding,
    /// The registry's id of the card's holder (never a serial).
    pub subject_id: &'a str,
    /// Set for a federation exchange: the peer platform that verified the card.
    pub federated_from: Option<&'a str>,
    /// Now (Unix seconds).
    pub now: UnixTime,
    /// Assertion lifetime.
    pub ttl_secs: i64,
}

/// The label shown for a link: the service's label, and for a card its brand and last 4
/// digits (`VISA ****4242`), so the customer sees which card is charged.
pub fn label(service: &ServiceConfig, link: &ServiceLink) -> String {
    match link {
        ServiceLink::Payment(p) => match (&p.brand, &p.last4) {
            (Some(b), Some(l)) => format!("{} {b} ****{l}", service.label),
            (None, Some(l)) => format!("{} ****{l}", service.label),
            _ => service.label.clone(),
        },
        ServiceLink::Insurance(_) | ServiceLink::Platform(_) => service.label.clone(),
    }
}

/// Builds the menu. `jti` yields a fresh unique id per assertion (random, from the caller).
pub fn build_menu(
    req: &MenuRequest<'_>,
    links: &[LinkedService],
    signer: &AssertionSigner,
    pseudonym_secret: &[u8],
    jti: &mut dyn FnMut() -> String,
) -> Result<Vec<MenuEntry>, AssertionError> {
    let b = req.binding;
    let ctx = AssertionContext {
        purpose: b.purpose,
        terminal_id: b.terminal_id.clone(),
        challenge_id: b.challenge_id.clone(),
        merchant_id: b.context.as_ref().map(|c| c.merchant_id.clone()),
        amount_jpy: b.context.as_ref().map(|c| c.amount_jpy),
        federated_from: req.federated_from.map(str::to_owned),
    };
    let exp = req.now.plus_secs(req.ttl_secs);
    links
        .iter()
        .map(|l| {
            let claims = AssertionClaims {
                iss: req.platform_id.to_owned(),
                aud: l.service.id.clone(),
                sub: pairwise_subject(pseudonym_secret, &l.service.id, req.subject_id),
                jti: jti(),
                iat: req.now,
                exp,
                ctx: ctx.clone(),
                svc: l.link.data(),
            };
            Ok(MenuEntry {
                service_id: l.service.id.clone(),
                kind: l.service.kind,
                label: label(&l.service, &l.link),
                assertion: Some(signer.sign(&claims)?),
                assertion_expires_at: Some(exp),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use counter_api::assertion::{AssertionVerifier, KeySet, MemoryReplayGuard};
    use counter_api::platform::{
        ChallengeContext, ChallengePurpose, InsuranceLink, PaymentLink, ServiceData, ServiceKind,
    };
    use p256::ecdsa::SigningKey;

    const fn at(secs: i64) -> UnixTime {
        UnixTime::from_secs(secs)
    }

    #[test]
    fn one_assertion_per_service_with_pairwise_subjects() {
        let signer = AssertionSigner::new("k1", SigningKey::from_slice(&[5; 32]).unwrap()).unwrap();
        let binding = ChallengeBinding {
            platform_id: "pf".into(),
            challenge_id: "c1".into(),
            nonce: [0; 32],
            terminal_id: "t1".into(),
            purpose: ChallengePurpose::Payment,
            context: Some(ChallengeContext {
                merchant_id: "m1".into(),
                amount_jpy: 800,
            }),
            expires_at: at(1060),
        };
        let links = vec![
            LinkedService {
                service: ServiceConfig {
                    id: "kenpo".into(),
                    kind: ServiceKind::Insurance,
                    label: "健保".into(),
                    url: None,
                },
                link: ServiceLink::Insurance(InsuranceLink {
                    service_id: "kenpo".into(),
                    insurer_number: "06139999".into(),
                    symbol: None,
                    number: "77".into(),
                    branch: None,
                }),
            },
            LinkedService {
                service: ServiceConfig {
                    id: "acq".into(),
                    kind: ServiceKind::Payment,
                    label: "カード".into(),
                    url: None,
                },
                link: ServiceLink::Payment(PaymentLink {
                    service_id: "acq".into(),
                    card_token_ref: "tok_9".into(),
                    brand: Some("VISA".into()),
                    last4: Some("4242".into()),
                }),
            },
        ];
        let req = MenuRequest {
            platform_id: "pf",
            binding: &binding,
            subject_id: "s1",
            federated_from: None,
            now: at(1000),
            ttl_secs: 120,
        };
        let mut n = 0;
        let menu = build_menu(&req, &links, &signer, &[1; 32], &mut || {
            n += 1;
            format!("j{n}")
        })
        .unwrap();
        assert_eq!(menu[1].label, "カード VISA ****4242");
        let mut subs = vec![];
        for (entry, aud) in menu.iter().zip(["kenpo", "acq"]) {
            let mut v = AssertionVerifier::new(aud);
            v.trust(&KeySet::of("pf", &signer)).unwrap();
            let c = v
                .verify(
                    entry.assertion.as_ref().unwrap(),
                    at(1001),
                    &mut MemoryReplayGuard::new(),
                )
                .unwrap();
            assert_eq!(c.exp, at(1120));
            assert_eq!(c.ctx.amount_jpy, Some(800));
            subs.push(c.sub.clone());
            if aud == "acq" {
                assert_eq!(
                    c.svc,
                    ServiceData::Payment {
                        card_token_ref: "tok_9".into()
                    }
                );
            }
        }
        assert_ne!(subs[0], subs[1]);
    }
}
