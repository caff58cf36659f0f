//! The platform's per-identification CPU costs, one at a time: an ES256 signature with
//! `p256` and with `ring` (the platform signs one per linked service), the certificate and
//! challenge-signature check for a card not seen before and for one whose verified chain
//! the verifier keeps, and the pseudonym HMAC.
//!
//! ```sh
//! cargo bench -p backend-platform --bench costs
//! ```
#![allow(clippy::unwrap_used, clippy::print_stdout, missing_docs)]

#[allow(dead_code)]
#[path = "../tests/platform/support.rs"]
mod support;

use std::time::Instant;

use counter_api::assertion::{AssertionClaims, AssertionContext, AssertionSigner};
use counter_api::platform::{ChallengePurpose, ServiceData};
use madoguchi_time::UnixTime;

const ROUNDS: u32 = 2000;

fn time(label: &str, mut f: impl FnMut()) {
    for _ in 0..ROUNDS / 10 {
        f();
    }
    let t = Instant::now();
    for _ in 0..ROUNDS {
        f();
    }
    println!(
        "{label:<40} {:>8.1} us",
        t.elapsed().as_secs_f64() * 1e6 / f64::from(ROUNDS)
    );
}

fn main() {
    let key = p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
    let claims = AssertionClaims {
        iss: "pf-tokyo".into(),
        aud: "kenpo-kanto".into(),
        sub: "s".repeat(43),
        jti: format!("jti_{}", "j".repeat(22)),
        iat: UnixTime::from_secs(1_790_000_000),
        exp: UnixTime::from_secs(1_790_000_120),
        ctx: AssertionContext {
            purpose: ChallengePurpose::Identify,
            terminal_id: "clinic-a-desk-1".into(),
            challenge_id: format!("chl_{}", "c".repeat(22)),
            merchant_id: None,
            amount_jpy: None,
            federated_from: None,
        },
        svc: ServiceData::Payment {
            card_token_ref: "tok_sato-hanako".into(),
        },
    };
    let with_p256 = AssertionSigner::new("k", key.clone()).unwrap();
    let with_ring = backend_platform::signing::signer("k", &key).unwrap();
    time("assertion, ES256 with p256", || {
        with_p256.sign(&claims).unwrap();
    });
    time("assertion, ES256 with ring", || {
        with_ring.sign(&claims).unwrap();
    });

    let card = support::Card::load("sato-hanako");
    let der = card.auth_der();
    let tbs = b"MADOGUCHI-CHALLENGE/1\nplatform=pf-tokyo\n...";
    let sig = card.auth_sign(tbs);
    let roots = testkit::Generation::ALL.iter().map(|g| {
        (
            g.short().to_string(),
            support::pki()
                .root(testkit::Purpose::Auth, *g)
                .der()
                .to_vec(),
        )
    });
    let store = jpki_cert::TrustStore::new(
        jpki_cert::Purpose::Auth,
        jpki_cert::Environment::Test,
        roots,
    )
    .unwrap();
    let at = UnixTime::from_secs(1_790_000_000);
    let revocation = &jpki_cert::NoRevocationCheck;
    // A card not seen before: a verifier that keeps no chain parses and verifies it in full.
    let keeps_none = jpki_cert::Verifier::with_chain_capacity(store.clone(), 0);
    time("cert + challenge check, card not seen", || {
        keeps_none.verify_identification(&der, tbs, &sig, at, revocation);
    });
    // A card seen before: the verifier keeps its verified chain (jpki_cert::chain_cache).
    let verifier = jpki_cert::Verifier::new(store);
    time("cert + challenge check, card seen before", || {
        verifier.verify_identification(&der, tbs, &sig, at, revocation);
    });
    time("pairwise pseudonym (HMAC-SHA-256)", || {
        backend_platform::core::pseudonym::pairwise_subject(
            &[1; 32],
            "kenpo-kanto",
            "sub_abcdefghijklmnopqrstuv",
        );
    });
}
