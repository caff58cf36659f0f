//! End to end: the verification platform and the acquirer in-process, the virtual card.
//! The customer enrols a card token (signature certificate; the platform asks the acquirer
//! to confirm that the token's cardholder is the certificate's holder), then identifies
//! for a payment bound to a merchant and an amount (authentication certificate); the
//! terminal sends the platform's assertion to the acquirer, which authorises exactly that
//! payment. Another person enrolling the same token is refused, and nothing is stored.

use std::sync::Arc;

use backend_kit::ManualClock;
use backend_platform::config::ServiceConfig;
use counter_api::acquirer::{AuthoriseRequest, CaptureMode};
use counter_api::assertion::KeySet;
use counter_api::platform::{
    Application, ChallengeContext, ChallengePurpose, ChallengeRequest, ChallengeResponse,
    EnrollmentRequest, EnrollmentResponse, IdentificationRequest, IdentificationResponse,
    PaymentLink, ServiceKind, ServiceLink, Sex,
};
use jpki_card::{AuthPin, Authenticate, PinEntry, SignDocument, SignPassword, run, sha256};
use jpki_card_sim::{Faults, SimTransport, VirtualCard};
use testkit::Persona;

use crate::support::*;

/// The test platform's settings, confirming card-token links at `acquirer_url` with its
/// own client certificate (from the terminal CA the acquirer takes client certificates of).
fn platform_settings(
    dir: &std::path::Path,
    server_ca: &Ca,
    terminal_ca: &Ca,
    acquirer_url: String,
) -> backend_platform::Settings {
    let (cert, key) = server_ca.issue("localhost", &["localhost"]).unwrap();
    let now = backend_kit::Clock::now(&backend_kit::SystemClock);
    let mut s = backend_platform::test_support::settings(
        PLATFORM,
        dir,
        now,
        &cert,
        &key,
        &terminal_ca.pem,
        vec![ServiceConfig {
            id: ACQUIRER.into(),
            kind: ServiceKind::Payment,
            label: "クレジットカード".into(),
            url: Some(acquirer_url),
        }],
        &[T1],
    )
    .unwrap();
    let (cert, key) = terminal_ca.issue(PLATFORM, &[]).unwrap();
    s.links = Some(backend_platform::test_support::link_client(
        &cert,
        &key,
        &server_ca.pem,
    ));
    s
}

/// Enrols `persona` with the card token [`TOK_VISA`]; the platform's answer.
async fn enrol(c: &reqwest::Client, pf: &str, persona: &str) -> Got {
    let p = testkit::load_persona(persona).unwrap();
    let ch = challenge(c, pf, ChallengePurpose::Enroll, None).await;
    let app = Application {
        challenge_id: ch.challenge_id.clone(),
        name: p.name.clone(),
        address: p.address.clone(),
        birth_date: p.birth_date.clone(),
        sex: sex_of(&p),
        disclosure_consent: true,
        services: vec![ServiceLink::Payment(PaymentLink {
            service_id: ACQUIRER.into(),
            card_token_ref: TOK_VISA.into(),
            brand: Some("VISA".into()),
            last4: Some("4242".into()),
        })],
    };
    let password = SignPassword::new(p.sign_password.as_deref().unwrap()).unwrap();
    let signed = run(
        &mut card(&p),
        SignDocument::new(password, sha256(&app.canonical_bytes())),
    )
    .unwrap();
    let req = EnrollmentRequest {
        application: app,
        sign_certificate: counter_api::b64::encode(&signed.sign_certificate),
        application_signature: counter_api::b64::encode(&signed.signature),
        identification: identification(&p, &ch),
    };
    post(c, &format!("{pf}/v1/enrollments"), &req).await
}

fn sex_of(p: &Persona) -> Sex {
    match p.sex {
        testkit::Sex::Male => Sex::Male,
        testkit::Sex::Female => Sex::Female,
        _ => Sex::NotKnown,
    }
}

fn card(p: &Persona) -> SimTransport {
    SimTransport::new(VirtualCard::from_persona(p).unwrap(), Faults::default())
}

fn identification(p: &Persona, ch: &ChallengeResponse) -> IdentificationRequest {
    let tbs = counter_api::b64::decode("tbs", &ch.to_be_signed).unwrap();
    let pin = AuthPin::new(&p.auth_pin).unwrap();
    let a = run(
        &mut card(p),
        Authenticate::new(PinEntry::Host(pin), sha256(&tbs)),
    )
    .unwrap();
    IdentificationRequest {
        challenge_id: ch.challenge_id.clone(),
        auth_certificate: counter_api::b64::encode(&a.certificate),
        signature: counter_api::b64::encode(&a.signature),
    }
}

async fn challenge(
    c: &reqwest::Client,
    base: &str,
    purpose: ChallengePurpose,
    context: Option<ChallengeContext>,
) -> ChallengeResponse {
    let got = post(
        c,
        &format!("{base}/v1/challenges"),
        &ChallengeRequest { purpose, context },
    )
    .await;
    serde_json::from_value(ok(&got)).unwrap()
}

#[tokio::test]
async fn enrol_a_card_token_identify_for_a_payment_then_authorise() {
    let dir = tempfile::tempdir().unwrap();
    let server_ca = Ca::new("e2e server CA").unwrap();
    let terminal_ca = Ca::new("e2e terminal CA").unwrap();
    let clock = ManualClock::new();
    // The acquirer trusts the test platform's keys; it holds TOK_VISA (VISA 4242) of 佐藤 花子.
    let mut s = settings(dir.path(), &server_ca, &terminal_ca, &signer(7));
    let pf_signer = backend_platform::test_support::assertion_signer(PLATFORM).unwrap();
    s.trusted_platforms = vec![KeySet::of(PLATFORM, &pf_signer)];
    let acquirer = backend_acquirer::start_in_process(s, Arc::new(clock.clone()))
        .await
        .unwrap();
    let acq = format!("https://localhost:{}", acquirer.addr().port());
    let platform = backend_platform::start_in_process(
        platform_settings(dir.path(), &server_ca, &terminal_ca, acq.clone()),
        Arc::new(clock.clone()),
    )
    .await
    .unwrap();
    let pf = format!("https://localhost:{}", platform.addr().port());
    let c = client_for_test(&server_ca, &terminal_ca, T1);

    // 鈴木 一郎 enrolling 佐藤 花子's card token: the acquirer says its cardholder has
    // another name; nothing is stored, so his card is linked to nothing.
    let got = enrol(&c, &pf, "suzuki-ichiro").await;
    let v = assert_problem(&got, 422, "link_refused");
    assert_eq!(
        (v["field"].as_str(), v["reason"].as_str()),
        (Some("application.services[0]"), Some("mismatch_name"))
    );
    let suzuki = testkit::load_persona("suzuki-ichiro").unwrap();
    let ch = challenge(&c, &pf, ChallengePurpose::Identify, None).await;
    let got = post(
        &c,
        &format!("{pf}/v1/identifications"),
        &identification(&suzuki, &ch),
    )
    .await;
    assert_problem(&got, 404, "not_enrolled");

    // Enrollment of the token's own holder: confirmed by the acquirer, linked.
    let enrolled: EnrollmentResponse =
        serde_json::from_value(ok(&enrol(&c, &pf, "sato-hanako").await)).unwrap();
    assert_eq!(enrolled.linked.len(), 1);
    assert!(enrolled.refused.is_empty());
    let p = testkit::load_persona("sato-hanako").unwrap();

    // Identification for a payment of 1,800 yen to shop-a.
    let context = ChallengeContext {
        merchant_id: SHOP_A.into(),
        amount_jpy: 1_800,
    };
    let ch = challenge(&c, &pf, ChallengePurpose::Payment, Some(context)).await;
    let got = post(
        &c,
        &format!("{pf}/v1/identifications"),
        &identification(&p, &ch),
    )
    .await;
    let r: IdentificationResponse = serde_json::from_value(ok(&got)).unwrap();
    let assertion = r
        .menu
        .iter()
        .find(|e| e.service_id == ACQUIRER)
        .unwrap()
        .assertion
        .clone()
        .unwrap();

    let mut pay = AuthoriseRequest {
        assertion,
        merchant_id: SHOP_A.into(),
        amount_jpy: 1_801,
        order_ref: "e2e-1".into(),
        capture: CaptureMode::Automatic,
    };
    // Another amount than the customer agreed to is refused...
    let got = post_key(&c, &format!("{acq}/v1/payments"), &new_key(), &pay).await;
    assert_eq!(
        assert_problem(&got, 403, "forbidden")["reason"],
        "assertion_context_mismatch"
    );
    // ...the agreed one is charged, on the enrolled token.
    pay.amount_jpy = 1_800;
    let got = post_key(&c, &format!("{acq}/v1/payments"), &new_key(), &pay).await;
    let p = ok(&got);
    assert_eq!(
        (p["status"].as_str(), p["captured_jpy"].as_u64()),
        (Some("captured"), Some(1_800))
    );
    assert_eq!(p["card"]["last4"], "4242");
    // The same assertion cannot pay twice.
    let got = post_key(&c, &format!("{acq}/v1/payments"), &new_key(), &pay).await;
    assert_problem(&got, 409, "assertion_replayed");
    // The platform's audit has both link decisions.
    platform.platform().audit.flush();
    platform.shutdown().await;
    let db = rusqlite::Connection::open(dir.path().join("platform.sqlite")).unwrap();
    let links: Vec<String> = db
        .prepare("SELECT outcome FROM audit WHERE action = 'link_confirm' ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(links, ["mismatch_name", "confirmed"]);
    acquirer.shutdown().await;
}
