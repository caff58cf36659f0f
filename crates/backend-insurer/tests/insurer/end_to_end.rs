//! End to end: the verification platform in-process, the insurer in-process, and the
//! virtual card. The customer enrols with an insurance link (signature certificate on the
//! virtual card), the insurer confirms the link against the certificate's attributes, the
//! customer identifies (authentication certificate); the terminal sends the platform's
//! assertion to the insurer and gets the eligibility result.

use std::sync::Arc;

use backend_kit::ManualClock;
use backend_platform::config::ServiceConfig;
use counter_api::assertion::{AssertionClaims, KeySet};
use counter_api::links::LinkRequest;
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

/// What an enrollment and the identification after it gave.
struct Enrolled {
    /// The insurer's assertion from the menu.
    assertion: String,
    /// The platform's enrollment id.
    enrollment_id: String,
    /// The link as enrolled.
    link: InsuranceLink,
    /// The signature certificate (DER) the application was signed with.
    sign_certificate: Vec<u8>,
}

/// Enrols `persona` with `link` on the platform, identifies, and returns the insurer's
/// assertion from the menu.
async fn enrol_and_identify(
    c: &reqwest::Client,
    base: &str,
    persona: &str,
    link: InsuranceLink,
) -> Enrolled {
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
        services: vec![ServiceLink::Insurance(link.clone())],
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
    let enrollment_id = v["enrollment_id"].as_str().unwrap().to_owned();

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
    Enrolled {
        assertion: entry.assertion.clone().unwrap(),
        enrollment_id,
        link,
        sign_certificate: signed.sign_certificate,
    }
}

/// Asks the insurer to confirm `e`'s link as the platform would: the pairwise subject its
/// assertions carry, the attributes the platform reads from the verified signature
/// certificate (its own function). Returns the insurer's answer.
async fn confirm_link(
    platform: &reqwest::Client,
    ins_base: &str,
    e: &Enrolled,
) -> serde_json::Value {
    let payload = e.assertion.split('.').nth(1).unwrap();
    let claims: AssertionClaims =
        serde_json::from_slice(&counter_api::b64::decode_url("claims", payload).unwrap()).unwrap();
    let cert = jpki_cert::JpkiCertificate::from_der(&e.sign_certificate).unwrap();
    let identity = jpki_cert::identity::SignIdentity::from_certificate(&cert).unwrap();
    let holder = backend_platform::core::matching::certified(&identity).unwrap();
    let req = LinkRequest {
        enrollment_id: e.enrollment_id.clone(),
        sub: claims.sub,
        link: counter_api::platform::ServiceData::Insurance {
            insurer_number: e.link.insurer_number.clone(),
            symbol: e.link.symbol.clone(),
            number: e.link.number.clone(),
            branch: e.link.branch.clone(),
        },
        holder,
        consented_at: claims.iat,
    };
    let (s, _, v) = post(platform, &format!("{ins_base}/v1/links"), &req).await;
    assert_eq!(s, 200, "{v}");
    v
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

    // The platform's own client certificate, for the link calls below.
    let as_platform = client_for(
        server_ca.der.clone(),
        Some(terminal_ca.issue(PLATFORM, &[])),
    );

    let sato = enrol_and_identify(&c, &pf_base, "sato-hanako", link("千代", "10001", "01")).await;
    // The platform confirms links itself once it is configured with this insurer's URL.
    let answer = confirm_link(&as_platform, &ins_base, &sato).await;
    assert_eq!(answer, serde_json::json!({"outcome": "confirmed"}));
    let token = sato.assertion;
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

    // 代替文字 in name and address, a 121-character address: the certificate's attributes
    // as the platform reads them match his record.
    let suzuki =
        enrol_and_identify(&c, &pf_base, "suzuki-ichiro", link("大阪", "10002", "01")).await;
    // The platform confirms links itself once it is configured with this insurer's URL.
    let answer = confirm_link(&as_platform, &ins_base, &suzuki).await;
    assert_eq!(answer["outcome"], "confirmed", "{answer}");
    let (s, _, v) = post(&c, &url, &eligibility(suzuki.assertion)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["qualification_validity"], "3");
    assert_eq!(v["results"][1]["insurer_name"], "大阪市国民健康保険");

    // 佐藤 花子 typing 鈴木 一郎's number: refused on the name, the binding stays his, and
    // her assertion for it reads nothing. (Of the personas, only these two have CRLs at
    // the test platform; the same-name case is in links.rs.)
    let typo = enrol_and_identify(&c, &pf_base, "sato-hanako", link("大阪", "10002", "01")).await;
    // The platform confirms links itself once it is configured with this insurer's URL.
    let answer = confirm_link(&as_platform, &ins_base, &typo).await;
    assert_eq!(
        answer,
        serde_json::json!({"outcome": "mismatch", "field": "name"})
    );
    assert_problem(
        &post(&c, &url, &eligibility(typo.assertion)).await,
        403,
        "link_not_owned",
    );

    // The insurer's audit names the platform's pairwise subject, never a serial.
    let rows = insurer.insurer().audit_rows().unwrap();
    let checks: Vec<_> = rows.iter().filter(|r| r.action == "eligibility").collect();
    let subjects: Vec<_> = checks.iter().filter_map(|r| r.subject.clone()).collect();
    assert_eq!(subjects.len(), 4);
    assert_eq!(
        subjects[0], subjects[1],
        "the replay was the same customer's"
    );
    assert_ne!(subjects[0], subjects[2], "two people, two subjects");
    let outcomes: Vec<&str> = checks.iter().map(|r| r.outcome.as_str()).collect();
    assert_eq!(
        outcomes,
        [
            "validity:1",
            "assertion_replayed",
            "validity:3",
            "link_not_owned"
        ]
    );
    let links: Vec<(&str, Option<&str>)> = rows
        .iter()
        .filter(|r| r.action == "link")
        .map(|r| (r.outcome.as_str(), r.terminal_id.as_deref()))
        .collect();
    assert_eq!(
        links,
        [
            ("confirmed", Some(PLATFORM)),
            ("confirmed", Some(PLATFORM)),
            ("mismatch:name", Some(PLATFORM))
        ]
    );
    insurer.shutdown().await;
    platform.shutdown().await;
}
