//! Federation: platform B (pf-osaka) trusts platform A (pf-tokyo)'s signing key by
//! configuration and serves A's identified holders with its own services and assertions,
//! without reading the card again.

use backend_platform::config::ServiceConfig;
use counter_api::assertion::{AssertionVerifier, KeySet, MemoryReplayGuard};
use counter_api::platform::{
    ChallengePurpose, FederationEnrollmentRequest, FederationExchangeRequest,
    IdentificationResponse, Notice, PaymentLink, PlatformLink, ServiceData, ServiceKind,
    ServiceLink, SignedApplication,
};

use crate::support::*;

const B: &str = "pf-osaka";
const B_ACQUIRER: &str = "acq-osaka";

async fn keys(env: &Env) -> KeySet {
    env.client(None)
        .get(env.url("/v1/keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Identifies `card` at A from `c`; returns A's assertion for B.
async fn a_assertion_for_b(a: &Env, c: &reqwest::Client, card: &Card) -> String {
    a_identification_for_b(a, c, card).await.0
}

/// Identifies `card` at A from `c`; returns A's assertion for B and the challenge the card
/// answered.
async fn a_identification_for_b(a: &Env, c: &reqwest::Client, card: &Card) -> (String, String) {
    let ch = challenge(a, c, ChallengePurpose::Identify, None).await;
    let (s, _, v) = post(c, &a.url("/v1/identifications"), &card.answer(&ch)).await;
    assert_eq!(s, 200, "{v}");
    let r: IdentificationResponse = serde_json::from_value(v).unwrap();
    let assertion = r
        .menu
        .into_iter()
        .find(|e| e.service_id == B)
        .unwrap()
        .assertion
        .unwrap();
    (assertion, ch.challenge_id)
}

/// The application the customer signs at B's counter for `services`, answering the
/// identification `challenge_id` at A.
fn signed_application(
    card: &Card,
    challenge_id: &str,
    services: Vec<ServiceLink>,
) -> SignedApplication {
    let mut app = card.application(challenge_id);
    app.services = services;
    card.signed(app)
}

#[tokio::test]
async fn a_peer_platforms_identification_is_exchanged_for_own_assertions() {
    let (a, b) = peers().await;
    let ca = a.client(Some(T1));
    let cb = b.client(Some(T1));
    let card = Card::load("sato-hanako");

    // At A: enrol with consent to let B rely on A's identification.
    let ch = challenge(&a, &ca, ChallengePurpose::Enroll, None).await;
    let mut app = card.application(&ch.challenge_id);
    app.services.push(ServiceLink::Platform(PlatformLink {
        service_id: B.into(),
    }));
    let (s, _, v) = post(&ca, &a.url("/v1/enrollments"), &card.enrollment(&ch, app)).await;
    assert_eq!(s, 200, "{v}");

    // At B: the holder A identified links B's card token, without B reading the
    // authentication certificate again; the customer signs the application at the counter,
    // and B's acquirer confirms the token is theirs.
    let link = ServiceLink::Payment(PaymentLink {
        service_id: B_ACQUIRER.into(),
        card_token_ref: "tok_sato-hanako".into(),
        brand: Some("JCB".into()),
        last4: Some("0005".into()),
    });
    let (assertion, challenge_id) = a_identification_for_b(&a, &ca, &card).await;
    // Without the signed application the link cannot be confirmed: refused before the
    // assertion is used.
    let unsigned = FederationEnrollmentRequest {
        assertion: assertion.clone(),
        services: vec![link.clone()],
        signed_application: None,
    };
    let v = assert_problem(
        &post(&cb, &b.url("/v1/federation/enrollments"), &unsigned).await,
        422,
        "invalid_field",
    );
    assert_eq!(v["field"], "signed_application");
    let enrol = FederationEnrollmentRequest {
        assertion,
        services: vec![link.clone()],
        signed_application: Some(signed_application(&card, &challenge_id, vec![link.clone()])),
    };
    let (s, _, v) = post(&cb, &b.url("/v1/federation/enrollments"), &enrol).await;
    assert_eq!(s, 200, "{v}");
    // The same assertion cannot be used twice.
    assert_problem(
        &post(&cb, &b.url("/v1/federation/enrollments"), &enrol).await,
        409,
        "assertion_replayed",
    );

    // Later: identified at A, exchanged at B for B's own assertion.
    let token = a_assertion_for_b(&a, &ca, &card).await;
    let (s, _, v) = post(
        &cb,
        &b.url("/v1/federation/exchange"),
        &FederationExchangeRequest {
            assertion: token.clone(),
        },
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let r: IdentificationResponse = serde_json::from_value(v).unwrap();
    assert_eq!(r.menu.len(), 1);
    let mut acquirer = AssertionVerifier::new(B_ACQUIRER);
    acquirer.trust(&keys(&b).await).unwrap();
    let claims = acquirer
        .verify(
            r.menu[0].assertion.as_deref().unwrap(),
            b.clock_now(),
            &mut MemoryReplayGuard::new(),
        )
        .unwrap();
    assert_eq!(claims.iss, B);
    assert_eq!(claims.ctx.federated_from.as_deref(), Some("pf-tokyo"));
    assert_eq!(
        claims.svc,
        ServiceData::Payment {
            card_token_ref: "tok_sato-hanako".into()
        }
    );

    // Refusals: replay, another terminal, an assertion for another audience, an untrusted platform.
    let replay = FederationExchangeRequest { assertion: token };
    assert_problem(
        &post(&cb, &b.url("/v1/federation/exchange"), &replay).await,
        409,
        "assertion_replayed",
    );
    let other_terminal = b.client(Some(T2));
    let token = a_assertion_for_b(&a, &ca, &card).await;
    assert_problem(
        &post(
            &other_terminal,
            &b.url("/v1/federation/exchange"),
            &FederationExchangeRequest { assertion: token },
        )
        .await,
        401,
        "assertion_invalid",
    );
    let ch = challenge(&a, &ca, ChallengePurpose::Identify, None).await;
    let (_, _, v) = post(&ca, &a.url("/v1/identifications"), &card.answer(&ch)).await;
    let r: IdentificationResponse = serde_json::from_value(v).unwrap();
    let for_insurer = r
        .menu
        .iter()
        .find(|e| e.service_id == INSURER)
        .unwrap()
        .assertion
        .clone()
        .unwrap();
    assert_problem(
        &post(
            &cb,
            &b.url("/v1/federation/exchange"),
            &FederationExchangeRequest {
                assertion: for_insurer,
            },
        )
        .await,
        403,
        "assertion_wrong_audience",
    );
    let c_env = Env::start_with(EnvOptions {
        platform_id: "pf-rogue",
        signing_seed: 13,
        extra_services: vec![ServiceConfig {
            id: B.into(),
            kind: ServiceKind::Platform,
            label: "x".into(),
            url: None,
        }],
        ..EnvOptions::default()
    })
    .await;
    let cc = c_env.client(Some(T1));
    let ch = challenge(&c_env, &cc, ChallengePurpose::Enroll, None).await;
    let mut app = card.application(&ch.challenge_id);
    app.services = vec![ServiceLink::Platform(PlatformLink {
        service_id: B.into(),
    })];
    assert_eq!(
        post(
            &cc,
            &c_env.url("/v1/enrollments"),
            &card.enrollment(&ch, app)
        )
        .await
        .0,
        200
    );
    let rogue = a_assertion_for_b(&c_env, &cc, &card).await;
    assert_problem(
        &post(
            &cb,
            &b.url("/v1/federation/exchange"),
            &FederationExchangeRequest { assertion: rogue },
        )
        .await,
        403,
        "assertion_untrusted_issuer",
    );
    for e in [a, b, c_env] {
        e.shutdown().await;
    }
}

/// Platform A offering B as a service, and B trusting A, with its own acquirer's service.
async fn peers() -> (Env, Env) {
    let a = Env::start_with(EnvOptions {
        extra_services: vec![ServiceConfig {
            id: B.into(),
            kind: ServiceKind::Platform,
            label: "大阪共通PF".into(),
            url: None,
        }],
        ..EnvOptions::default()
    })
    .await;
    let b = Env::start_with(EnvOptions {
        platform_id: B,
        signing_seed: 11,
        peers: vec![keys(&a).await],
        extra_services: vec![ServiceConfig {
            id: B_ACQUIRER.into(),
            kind: ServiceKind::Payment,
            label: "関西カード".into(),
            url: None,
        }],
        ..EnvOptions::default()
    })
    .await;
    (a, b)
}

/// Enrols `card` at A with consent to let B rely on A's identification.
async fn enrol_at_a_for_b(a: &Env, ca: &reqwest::Client, card: &Card) {
    let ch = challenge(a, ca, ChallengePurpose::Enroll, None).await;
    let mut app = card.application(&ch.challenge_id);
    app.services.push(ServiceLink::Platform(PlatformLink {
        service_id: B.into(),
    }));
    let (s, _, v) = post(ca, &a.url("/v1/enrollments"), &card.enrollment(&ch, app)).await;
    assert_eq!(s, 200, "{v}");
}

/// Identified at A, `card` links the card token `card_token_ref` at B; B's answer.
async fn enrol_at_b(
    (a, b): (&Env, &Env),
    (ca, cb): (&reqwest::Client, &reqwest::Client),
    card: &Card,
    card_token_ref: &str,
) -> (reqwest::StatusCode, String, serde_json::Value) {
    let link = ServiceLink::Payment(PaymentLink {
        service_id: B_ACQUIRER.into(),
        card_token_ref: card_token_ref.into(),
        brand: Some("VISA".into()),
        last4: Some("4242".into()),
    });
    let (assertion, challenge_id) = a_identification_for_b(a, ca, card).await;
    let enrol = FederationEnrollmentRequest {
        assertion,
        services: vec![link.clone()],
        signed_application: Some(signed_application(card, &challenge_id, vec![link])),
    };
    post(cb, &b.url("/v1/federation/enrollments"), &enrol).await
}

/// The card tokens bound to a holder at `env`'s acquirer.
fn owned_tokens(env: &Env) -> Vec<String> {
    let c = rusqlite::Connection::open(env.dir.path().join("acquirer.sqlite")).unwrap();
    let mut st = c
        .prepare("SELECT card_token_ref FROM card_tokens WHERE owner_sub IS NOT NULL ORDER BY 1")
        .unwrap();
    st.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test]
async fn a_federated_link_replaced_by_another_is_released_at_its_service() {
    let (a, b) = peers().await;
    let (ca, cb) = (a.client(Some(T1)), b.client(Some(T1)));
    let card = Card::load("sato-hanako");
    enrol_at_a_for_b(&a, &ca, &card).await;
    let (s, _, v) = enrol_at_b((&a, &b), (&ca, &cb), &card, "tok_sato-hanako").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(owned_tokens(&b), ["tok_sato-hanako"]);
    // Through A again, she links her second card instead: the first is released at B's
    // acquirer.
    let (s, _, v) = enrol_at_b((&a, &b), (&ca, &cb), &card, "tok_sato-hanako-2").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(owned_tokens(&b), ["tok_sato-hanako-2"]);
    let released =
        b.platform_rows("SELECT outcome || ':' || reason FROM audit WHERE action = 'link_release'");
    assert_eq!(released, [format!("released:{B_ACQUIRER}")]);
    for e in [a, b] {
        e.shutdown().await;
    }
}

/// Exchanges a fresh identification of `card` at A for B's menu; B's answer.
async fn exchange_at_b(
    (a, b): (&Env, &Env),
    (ca, cb): (&reqwest::Client, &reqwest::Client),
    card: &Card,
) -> IdentificationResponse {
    let assertion = a_assertion_for_b(a, ca, card).await;
    let (s, _, v) = post(
        cb,
        &b.url("/v1/federation/exchange"),
        &FederationExchangeRequest { assertion },
    )
    .await;
    assert_eq!(s, 200, "{v}");
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn a_federated_holders_revoked_signature_certificate_gives_the_notice() {
    let (a, b) = peers().await;
    let (ca, cb) = (a.client(Some(T1)), b.client(Some(T1)));
    let card = Card::load("sato-hanako");
    enrol_at_a_for_b(&a, &ca, &card).await;
    let (s, _, v) = enrol_at_b((&a, &b), (&ca, &cb), &card, "tok_sato-hanako").await;
    assert_eq!(s, 200, "{v}");
    let r = exchange_at_b((&a, &b), (&ca, &cb), &card).await;
    assert!(r.notices.is_empty(), "{:?}", r.notices);

    // She moved: B's CRLs revoke the signature certificate she signed B's application with.
    std::fs::write(
        b.dir
            .path()
            .join("crl")
            .join("sign-Tokyo-to-Chiyoda-ku.crl"),
        crl(
            testkit::Purpose::Sign,
            "Tokyo-to",
            "Chiyoda-ku",
            testkit::Generation::G3,
            &[card.sign_serial()],
        ),
    )
    .unwrap();
    let (s, _, v) = read(cb.post(b.url("/v1/admin/crl/reload")).send().await.unwrap()).await;
    assert_eq!(s, 200, "{v}");
    let r = exchange_at_b((&a, &b), (&ca, &cb), &card).await;
    assert!(
        matches!(&r.notices[..], [Notice::SignCertificateRevoked { reason, .. }] if reason == "affiliation_changed"),
        "{:?}",
        r.notices
    );
    // The notice informs; the menu is still offered.
    assert_eq!(r.menu.len(), 1, "{:?}", r.menu);
    for e in [a, b] {
        e.shutdown().await;
    }
}
