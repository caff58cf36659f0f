//! End to end: the verification platform in-process, the insurer in-process, and the
//! virtual card. The customer enrols with an insurance link (signature certificate on the
//! virtual card), then identifies (authentication certificate); the terminal sends the
//! platform's assertion to the insurer and gets the eligibility result.

use std::sync::Arc;

use backend_kit::ManualClock;
use backend_platform::config::ServiceConfig;
use counter_api::assertion::KeySet;
use counter_api::platform::{
    Application, ChallengePurpose, ChallengeRequest, ChallengeResponse, EnrollmentRequest,
    IdentificationRequest, IdentificationResponse, InsuranceLink, ServiceKind, ServiceLink, Sex,
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
            id: INSURER.into(),
            kind: ServiceKind::Insurance,
            label: "関東健康保険組合".into(),
            url: None,
        }],
        &[T1],
    )
    .unwrap()
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
) -> ChallengeResponse {
    let (s, _, v) = post(
        c,
        &format!("{base}/v1/challenges"),
        &ChallengeRequest {
            purpose,
            context: None,
        },
    )
    .await;
    assert_eq!(s, 200, "{v}");
    serde_json::from_value(v).unwrap()
}

/// Enrols `persona` with `link` on the platform, identifies, and returns the insurer's
/// assertion from the menu.
async fn enrol_and_identify(
    c: &reqwest::Client,
    base: &str,
    persona: &str,
    link: InsuranceLink,
) -> String {
    let p = testkit::load_persona(persona).unwrap();
    let ch = challenge(c, base, ChallengePurpose::Enroll).await;
    let app = Application {
        challenge_id: ch.challenge_id.clone(),
        name: p.name.clone(),
        address: p.address.clone(),
        birth_date: p.birth_date.clone(),
        sex: match p.sex {
            testkit::Sex::Male => Sex::Male,
            testkit::Sex::Female => Sex::Female,
            _ => Sex::NotKnown,
        },
        disclosure_consent: true,
        services: vec![ServiceLink::Insurance(link)],
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
    let (s, _, v) = post(c, &format!("{base}/v1/enrollments"), &req).await;
    assert_eq!(s, 200, "{v}");

    let ch = challenge(c, base, ChallengePurpose::Identify).await;
    let (s, _, v) = post(
        c,
        &format!("{base}/v1/identifications"),
        &identification(&p, &ch),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let r: IdentificationResponse = serde_json::from_value(v).unwrap();
    let entry = r.menu.iter().find(|e| e.service_id == INSURER).unwrap();
    entry.assertion.clone().unwrap()
}

#[tokio::test]
async fn enrol_identify_then_eligibility_at_the_insurer() {
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
    // The insurer trusts the platform's published keys.
    let pf_base = format!("https://localhost:{}", platform.addr().port());
    let c = client_for(server_ca.der.clone(), Some(terminal_ca.issue(T1, &[])));
    let keys: KeySet = c
        .get(format!("{pf_base}/v1/keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let insurer = backend_insurer::start_in_process(
        settings(dir.path(), &server_ca, &terminal_ca, vec![keys]),
        Arc::new(clock.clone()),
    )
    .await
    .unwrap();
    let ins_base = format!("https://localhost:{}", insurer.addr().port());

    let link = |symbol: &str, number: &str, branch: &str| InsuranceLink {
        service_id: INSURER.into(),
        insurer_number: "06139999".into(),
        symbol: Some(symbol.into()),
        number: number.into(),
        branch: Some(branch.into()),
    };
    let today = backend_insurer::core::dates::jst_date(backend_kit::Clock::now(&clock));
    let eligibility = |assertion: String| {
        serde_json::json!({
            "assertion": assertion,
            "qualification_confirmation_date": today,
            "medical_institution_code": INSTITUTION,
        })
    };

    let token = enrol_and_identify(&c, &pf_base, "sato-hanako", link("千代", "10001", "01")).await;
    let url = format!("{ins_base}/v1/eligibility");
    let (s, _, v) = post(&c, &url, &eligibility(token.clone())).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["qualification_validity"], "1");
    assert_eq!(v["results"][0]["name"], "佐藤　花子");
    assert_eq!(v["results"][0]["birth_date"], "19850412");
    // The same assertion a second time is a replay.
    assert_problem(
        &post(&c, &url, &eligibility(token)).await,
        409,
        "assertion_replayed",
    );

    let token =
        enrol_and_identify(&c, &pf_base, "suzuki-ichiro", link("大阪", "10002", "01")).await;
    let (s, _, v) = post(&c, &url, &eligibility(token)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["qualification_validity"], "3");
    assert_eq!(v["results"][1]["insurer_name"], "大阪市国民健康保険");

    // The insurer's audit names the platform's pairwise subject, never a serial.
    let rows = insurer.insurer().audit_rows().unwrap();
    let subjects: Vec<_> = rows.iter().filter_map(|r| r.subject.clone()).collect();
    assert_eq!(
        subjects.len(),
        2,
        "the replay was refused before the subject was read"
    );
    assert_ne!(subjects[0], subjects[1], "two people, two subjects");
    let outcomes: Vec<&str> = rows.iter().map(|r| r.outcome.as_str()).collect();
    assert_eq!(outcomes, ["validity:1", "assertion_replayed", "validity:3"]);
    insurer.shutdown().await;
    platform.shutdown().await;
}
