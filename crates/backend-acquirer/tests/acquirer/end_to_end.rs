//! End to end: the verification platform and the acquirer in-process, the virtual card.
//! The customer enrols a card token (signature certificate), then identifies for a payment
//! bound to a merchant and an amount (authentication certificate); the terminal sends the
//! platform's assertion to the acquirer, which authorises exactly that payment.

use std::sync::Arc;

use backend_kit::ManualClock;
use backend_platform::config::ServiceConfig;
use counter_api::acquirer::{AuthoriseRequest, CaptureMode};
use counter_api::assertion::KeySet;
use counter_api::attributes::CertifiedAttributes;
use counter_api::links::LinkRequest;
use counter_api::platform::{
    Application, ChallengeContext, ChallengePurpose, ChallengeRequest, ChallengeResponse,
    EnrollmentRequest, EnrollmentResponse, IdentificationRequest, IdentificationResponse,
    PaymentLink, ServiceData, ServiceKind, ServiceLink, Sex,
};
use jpki_card::{AuthPin, Authenticate, PinEntry, SignDocument, SignPassword, run, sha256};
use jpki_card_sim::{Faults, SimTransport, VirtualCard};
use testkit::Persona;

use crate::support::*;

fn platform_settings(
    dir: &std::path::Path,
    server_ca: &Ca,
    terminal_ca: &Ca,
) -> backend_platform::Settings {
    let (cert, key) = server_ca.issue("localhost", &["localhost"]);
    let now = backend_kit::Clock::now(&backend_kit::SystemClock);
    backend_platform::test_support::settings(
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
            url: None,
        }],
        &[T1],
    )
    .unwrap()
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
    let server_ca = Ca::new("e2e server CA");
    let terminal_ca = Ca::new("e2e terminal CA");
    let clock = ManualClock::new();
    let platform = backend_platform::start_in_process(
        platform_settings(dir.path(), &server_ca, &terminal_ca),
        Arc::new(clock.clone()),
    )
    .await
    .unwrap();
    let pf = format!("https://localhost:{}", platform.addr().port());
    let c = client_for_test(&server_ca, &terminal_ca, T1);
    let keys: KeySet = c
        .get(format!("{pf}/v1/keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The acquirer trusts the platform's published keys; it holds TOK_VISA (VISA 4242).
    let mut s = settings(dir.path(), &server_ca, &terminal_ca, &signer(7));
    s.trusted_platforms = vec![keys.clone()];
    let acquirer = backend_acquirer::start_in_process(s, Arc::new(clock.clone()))
        .await
        .unwrap();
    let acq = format!("https://localhost:{}", acquirer.addr().port());

    // Enrollment: the application with the card-token link, signed with the signature certificate.
    let p = testkit::load_persona("sato-hanako").unwrap();
    let ch = challenge(&c, &pf, ChallengePurpose::Enroll, None).await;
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
    let enrolled: EnrollmentResponse =
        serde_json::from_value(ok(&post(&c, &format!("{pf}/v1/enrollments"), &req).await)).unwrap();

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

    // The platform confirms links itself once it is configured with this acquirer's URL.
    // Until then the test asks the acquirer as the platform would: the holder's pairwise
    // subject (read from the platform's assertion, verified with its published keys), the
    // enrollment, and the attributes of the signature certificate.
    let mut verifier = counter_api::assertion::AssertionVerifier::new(ACQUIRER);
    verifier.trust(&keys).unwrap();
    let now = backend_kit::Clock::now(&clock);
    let claims = verifier
        .verify(
            &assertion,
            now,
            &mut counter_api::assertion::MemoryReplayGuard::new(),
        )
        .unwrap();
    let link = LinkRequest {
        enrollment_id: enrolled.enrollment_id.clone(),
        sub: claims.sub.clone(),
        link: ServiceData::Payment {
            card_token_ref: TOK_VISA.into(),
        },
        holder: CertifiedAttributes {
            name: p.name.clone(),
            name_substituted: vec![],
            address: p.address.clone(),
            address_substituted: vec![],
            birth_date: p.birth_date.clone(),
            sex: sex_of(&p),
        },
        consented_at: now,
    };
    let pf_client = client_for_test(&server_ca, &terminal_ca, PLATFORM);
    let got = post(&pf_client, &format!("{acq}/v1/links"), &link).await;
    assert_eq!(ok(&got)["outcome"], "confirmed");

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
    acquirer.shutdown().await;
    platform.shutdown().await;
}
