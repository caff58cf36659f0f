//! Enrollment (an insurance link and a card-token link), then identification through the
//! virtual card: the menu and assertions that verify with the published key.

use counter_api::assertion::{AssertionVerifier, KeySet, MemoryReplayGuard};
use counter_api::platform::{
    ChallengeContext, ChallengePurpose, IdentificationRequest, IdentificationResponse, Notice,
    ServiceData,
};
use jpki_card::{AuthPin, Authenticate, PinEntry, SignDocument, SignPassword, run, sha256};
use jpki_card_sim::{Faults, SimTransport, VirtualCard};

use crate::support::*;

fn virtual_card(card: &Card) -> SimTransport {
    SimTransport::new(
        VirtualCard::from_persona(&card.persona).unwrap(),
        Faults::default(),
    )
}

/// The card's answer through the real card flow (SELECT, READ BINARY, VERIFY, COMPUTE
/// DIGITAL SIGNATURE) on the virtual card.
fn card_answer(card: &Card, challenge_id: &str, tbs: &[u8]) -> IdentificationRequest {
    let mut t = virtual_card(card);
    let pin = AuthPin::new(&card.persona.auth_pin).unwrap();
    let a = run(&mut t, Authenticate::new(PinEntry::Host(pin), sha256(tbs))).unwrap();
    IdentificationRequest {
        challenge_id: challenge_id.into(),
        auth_certificate: counter_api::b64::encode(&a.certificate),
        signature: counter_api::b64::encode(&a.signature),
    }
}

async fn keys(env: &Env) -> KeySet {
    // Public endpoint: no client certificate needed.
    let r = env
        .client(None)
        .get(env.url("/v1/keys"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn enrollment_then_identification_through_the_virtual_card() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let card = Card::load("sato-hanako");

    // Enrollment: the application signed on the virtual card with the signature password.
    let ch = challenge(&env, &c, ChallengePurpose::Enroll, None).await;
    let app = card.application(&ch.challenge_id);
    let mut t = virtual_card(&card);
    let password = SignPassword::new(card.persona.sign_password.as_deref().unwrap()).unwrap();
    let signed = run(
        &mut t,
        SignDocument::new(password, sha256(&app.canonical_bytes())),
    )
    .unwrap();
    let tbs = counter_api::b64::decode("tbs", &ch.to_be_signed).unwrap();
    let req = counter_api::platform::EnrollmentRequest {
        application: app,
        sign_certificate: counter_api::b64::encode(&signed.sign_certificate),
        application_signature: counter_api::b64::encode(&signed.signature),
        identification: card_answer(&card, &ch.challenge_id, &tbs),
    };
    let (s, _, v) = post(&c, &env.url("/v1/enrollments"), &req).await;
    assert_eq!(s, 200, "{v}");
    let linked: Vec<String> = v["linked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["service_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(linked, [INSURER, ACQUIRER]);

    // Identification: the menu with one assertion per service.
    let ch = challenge(&env, &c, ChallengePurpose::Identify, None).await;
    let tbs = counter_api::b64::decode("tbs", &ch.to_be_signed).unwrap();
    let (s, _, v) = post(
        &c,
        &env.url("/v1/identifications"),
        &card_answer(&card, &ch.challenge_id, &tbs),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let r: IdentificationResponse = serde_json::from_value(v.clone()).unwrap();
    assert!(r.notices.is_empty());
    assert_eq!(r.menu.len(), 2);
    assert_eq!(r.menu[1].label, "クレジットカード VISA ****4242");

    // Each assertion verifies with the published key, for its own audience only.
    let set = keys(&env).await;
    let serial = hex::encode(
        jpki_cert::JpkiCertificate::from_der(&card.auth_der())
            .unwrap()
            .serial(),
    );
    let mut subs = vec![];
    for entry in &r.menu {
        let token = entry.assertion.as_deref().unwrap();
        let mut v = AssertionVerifier::new(entry.service_id.clone());
        v.trust(&set).unwrap();
        let claims = v
            .verify(token, env.clock_now(), &mut MemoryReplayGuard::new())
            .unwrap();
        assert_eq!(claims.iss, "pf-tokyo");
        assert_eq!(claims.ctx.terminal_id, T1);
        assert_eq!(claims.ctx.challenge_id, ch.challenge_id);
        assert!(claims.exp.secs_since(claims.iat) <= 120);
        match (&claims.svc, entry.service_id.as_str()) {
            (
                ServiceData::Insurance {
                    insurer_number,
                    number,
                    ..
                },
                INSURER,
            ) => {
                assert_eq!(
                    (insurer_number.as_str(), number.as_str()),
                    ("06139999", "10001")
                )
            }
            (ServiceData::Payment { card_token_ref }, ACQUIRER) => {
                assert_eq!(card_token_ref, "tok_sato-hanako")
            }
            other => panic!("{other:?}"),
        }
        // No certificate serial leaves the platform.
        let payload = String::from_utf8(
            counter_api::b64::decode_url("p", token.split('.').nth(1).unwrap()).unwrap(),
        )
        .unwrap();
        assert!(!payload.to_lowercase().contains(&serial), "{payload}");
        subs.push(claims.sub);
    }
    assert_ne!(subs[0], subs[1], "subjects are pairwise");
    env.shutdown().await;
}

#[tokio::test]
async fn payment_identification_binds_merchant_and_amount_and_lists_payment_methods_only() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let card = Card::load("sato-hanako");
    assert_eq!(enroll(&env, &c, &card).await.0, 200);
    let ctx = ChallengeContext {
        merchant_id: "shop-42".into(),
        amount_jpy: 3_300,
    };
    let ch = challenge(&env, &c, ChallengePurpose::Payment, Some(ctx)).await;
    let tbs =
        String::from_utf8(counter_api::b64::decode("tbs", &ch.to_be_signed).unwrap()).unwrap();
    assert!(
        tbs.contains("merchant=shop-42\namount_jpy=3300\n")
            && tbs.contains(&format!("terminal={T1}\n")),
        "{tbs}"
    );
    let (s, _, v) = post(&c, &env.url("/v1/identifications"), &card.answer(&ch)).await;
    assert_eq!(s, 200, "{v}");
    let r: IdentificationResponse = serde_json::from_value(v).unwrap();
    assert_eq!(r.menu.len(), 1);
    let mut verifier = AssertionVerifier::new(ACQUIRER);
    verifier.trust(&keys(&env).await).unwrap();
    let claims = verifier
        .verify(
            r.menu[0].assertion.as_deref().unwrap(),
            env.clock_now(),
            &mut MemoryReplayGuard::new(),
        )
        .unwrap();
    assert_eq!(
        (claims.ctx.merchant_id.as_deref(), claims.ctx.amount_jpy),
        (Some("shop-42"), Some(3_300))
    );
    env.shutdown().await;
}

#[tokio::test]
async fn a_sign_certificate_revoked_after_enrollment_is_flagged_after_a_crl_reload() {
    let env = Env::start().await;
    let admin = env.client(Some(T1));
    let card = Card::load("sato-hanako");
    assert_eq!(enroll(&env, &admin, &card).await.0, 200);

    // J-LIS revokes the signature certificate (the customer moved): a new CRL arrives.
    let crl = crl(
        testkit::Purpose::Sign,
        "Tokyo-to",
        "Chiyoda-ku",
        testkit::Generation::G3,
        &[card.sign_serial()],
    );
    std::fs::write(
        env.dir
            .path()
            .join("crl")
            .join("sign-Tokyo-to-Chiyoda-ku.crl"),
        crl,
    )
    .unwrap();
    // Only an admin terminal may reload.
    let other = env.client(Some(T2));
    let got = read(
        other
            .post(env.url("/v1/admin/crl/reload"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_problem(&got, 403, "forbidden");
    let (s, _, v) = read(
        admin
            .post(env.url("/v1/admin/crl/reload"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["files"].as_u64().unwrap() >= 2);

    let ch = challenge(&env, &admin, ChallengePurpose::Identify, None).await;
    let (s, _, v) = post(&admin, &env.url("/v1/identifications"), &card.answer(&ch)).await;
    assert_eq!(s, 200, "{v}");
    let r: IdentificationResponse = serde_json::from_value(v).unwrap();
    assert!(
        matches!(&r.notices[..], [Notice::SignCertificateRevoked { reason, .. }] if reason == "affiliation_changed"),
        "{:?}",
        r.notices
    );
    env.shutdown().await;
}

/// The platform's verifier keeps the certificates it has verified (`jpki_cert::chain_cache`),
/// yet a card identified before is refused as soon as a reloaded CRL revokes it.
#[tokio::test]
async fn a_card_identified_before_is_refused_once_a_reloaded_crl_revokes_it() {
    let env = Env::start().await;
    let admin = env.client(Some(T1));
    let card = Card::load("sato-hanako");
    assert_eq!(enroll(&env, &admin, &card).await.0, 200);
    for _ in 0..2 {
        let ch = challenge(&env, &admin, ChallengePurpose::Identify, None).await;
        let (s, _, v) = post(&admin, &env.url("/v1/identifications"), &card.answer(&ch)).await;
        assert_eq!(s, 200, "{v}");
    }

    // J-LIS revokes the authentication certificate (the card was reported lost).
    let crl = crl(
        testkit::Purpose::Auth,
        "Tokyo-to",
        "Chiyoda-ku",
        testkit::Generation::G3,
        &[card.auth_serial()],
    );
    std::fs::write(
        env.dir
            .path()
            .join("crl")
            .join("auth-Tokyo-to-Chiyoda-ku.crl"),
        crl,
    )
    .unwrap();
    let (s, _, v) = read(
        admin
            .post(env.url("/v1/admin/crl/reload"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");

    let ch = challenge(&env, &admin, ChallengePurpose::Identify, None).await;
    let got = post(&admin, &env.url("/v1/identifications"), &card.answer(&ch)).await;
    let v = assert_problem(&got, 422, "certificate_revoked");
    assert_eq!(
        (v["reason"].as_str(), v["field"].as_str()),
        (Some("revoked"), Some("auth_certificate"))
    );
    env.shutdown().await;
}

#[tokio::test]
async fn every_decision_is_audited_without_signatures_or_certificates() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let card = Card::load("sato-hanako");
    assert_eq!(enroll(&env, &c, &card).await.0, 200);
    let ch = challenge(&env, &c, ChallengePurpose::Identify, None).await;
    let answer = card.answer(&ch);
    assert_eq!(
        post(&c, &env.url("/v1/identifications"), &answer).await.0,
        200
    );
    assert_eq!(
        post(&c, &env.url("/v1/identifications"), &answer).await.0,
        409
    );
    let rows: Vec<(String, String, String)> = env
        .platform_rows(
            "SELECT terminal_id || ' ' || action || ' ' || outcome FROM audit ORDER BY id",
        )
        .iter()
        .map(|r| {
            let mut w = r.split(' ').map(str::to_owned);
            (w.next().unwrap(), w.next().unwrap(), w.next().unwrap())
        })
        .collect();
    // The two services confirm at once, so their rows come in either order.
    let mut links: Vec<(&str, &str)> = rows
        .iter()
        .filter(|(_, a, _)| a == "link_confirm")
        .map(|(_, a, o)| (a.as_str(), o.as_str()))
        .collect();
    links.sort_unstable();
    assert_eq!(
        links,
        [("link_confirm", "confirmed"), ("link_confirm", "confirmed")]
    );
    let actions: Vec<(&str, &str)> = rows
        .iter()
        .filter(|(_, a, _)| a != "link_confirm")
        .map(|(_, a, o)| (a.as_str(), o.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("challenge", "ok"),
            ("enroll", "ok"),
            ("challenge", "ok"),
            ("identify", "ok"),
            ("identify", "challenge_replayed")
        ]
    );
    assert!(rows.iter().all(|(t, _, _)| t == T1));
    let dump: String = env
        .platform_rows("SELECT coalesce(reason,'') || coalesce(challenge_id,'') || coalesce(cert_serial,'') FROM audit")
        .concat();
    assert!(!dump.contains(&answer.signature) && !dump.contains(&answer.auth_certificate[..40]));
    env.shutdown().await;
}

#[tokio::test]
async fn a_crl_reload_that_fails_keeps_the_previous_crls() {
    let env = Env::start().await;
    let admin = env.client(Some(T1));
    let card = Card::load("sato-hanako");
    assert_eq!(enroll(&env, &admin, &card).await.0, 200);
    std::fs::write(
        env.dir.path().join("crl").join("zz-broken.crl"),
        b"not a CRL",
    )
    .unwrap();
    let got = read(
        admin
            .post(env.url("/v1/admin/crl/reload"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let v = assert_problem(&got, 503, "unavailable");
    assert!(
        v["detail"].as_str().unwrap().contains("zz-broken.crl"),
        "{v}"
    );
    let ch = challenge(&env, &admin, ChallengePurpose::Identify, None).await;
    let (s, _, v) = post(&admin, &env.url("/v1/identifications"), &card.answer(&ch)).await;
    assert_eq!(s, 200, "{v}");
    env.shutdown().await;
}
