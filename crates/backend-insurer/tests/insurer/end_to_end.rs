//! End to end: the verification platform in-process, the insurer in-process, and the
//! virtual card. The customer enrols with an insurance link (signature certificate on the
//! virtual card), the platform asks the insurer to confirm the link against the
//! certificate's attributes, the customer identifies (authentication certificate); the
//! terminal sends the platform's assertion to the insurer and gets the eligibility result.

use std::sync::Arc;

use backend_kit::ManualClock;
use backend_platform::config::ServiceConfig;
use counter_api::assertion::{AssertionClaims, KeySet};
use counter_api::platform::{
    Application, ChallengePurpose, ChallengeRequest, ChallengeResponse, EnrollmentRequest,
    IdentificationRequest, IdentificationResponse, InsuranceLink, ServiceKind, ServiceLink, Sex,
};
use jpki_card::{AuthPin, Authenticate, PinEntry, SignDocument, SignPassword, run, sha256};
use jpki_card_sim::{Faults, SimTransport, VirtualCard};
use testkit::Persona;

use crate::support::*;

/// The test platform's settings, confirming insurance links at `insurer_url` with its own
/// client certificate (from the terminal CA the insurer takes client certificates of).
fn platform_settings(
    dir: &std::path::Path,
    server_ca: &Ca,
    terminal_ca: &Ca,
    insurer_url: String,
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
            id: INSURER.into(),
            kind: ServiceKind::Insurance,
            label: "関東健康保険組合".into(),
            url: Some(insurer_url),
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

/// Enrols `persona` with `link` on the platform; the platform's answer.
async fn enrol(
    c: &reqwest::Client,
    base: &str,
    persona: &str,
    link: InsuranceLink,
) -> (reqwest::StatusCode, String, serde_json::Value) {
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
    post(c, &format!("{base}/v1/enrollments"), &req).await
}

/// Identifies `persona` at the platform; the insurer's assertion from the menu.
async fn identify(c: &reqwest::Client, base: &str, persona: &str) -> String {
    let p = testkit::load_persona(persona).unwrap();
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
    let server_ca = Ca::new("e2e server CA").unwrap();
    let terminal_ca = Ca::new("e2e terminal CA").unwrap();
    let clock = ManualClock::new();
    // The insurer trusts the test platform's keys; the platform confirms links at it.
    let signer = backend_platform::test_support::assertion_signer(PLATFORM).unwrap();
    let keys = KeySet::of(PLATFORM, &signer);
    let insurer = backend_insurer::start_in_process(
        settings(dir.path(), &server_ca, &terminal_ca, vec![keys]),
        Arc::new(clock.clone()),
    )
    .await
    .unwrap();
    let ins_base = format!("https://localhost:{}", insurer.addr().port());
    let platform = backend_platform::start_in_process(
        platform_settings(dir.path(), &server_ca, &terminal_ca, ins_base.clone()),
        Arc::new(clock.clone()),
    )
    .await
    .unwrap();
    let pf_base = format!("https://localhost:{}", platform.addr().port());
    let c = client_for(
        server_ca.der.clone(),
        Some(terminal_ca.issue(T1, &[]).unwrap()),
    );

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

    let (s, _, v) = enrol(&c, &pf_base, "sato-hanako", link("千代", "10001", "01")).await;
    assert_eq!(s, 200, "{v}");
    assert!(v.get("refused").is_none(), "{v}");
    let token = identify(&c, &pf_base, "sato-hanako").await;
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
    let (s, _, v) = enrol(&c, &pf_base, "suzuki-ichiro", link("大阪", "10002", "01")).await;
    assert_eq!(s, 200, "{v}");
    let suzuki = identify(&c, &pf_base, "suzuki-ichiro").await;
    let (s, _, v) = post(&c, &url, &eligibility(suzuki)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["qualification_validity"], "3");
    assert_eq!(v["results"][1]["insurer_name"], "大阪市国民健康保険");

    // 佐藤 花子 enrolling 鈴木 一郎's number: refused by the insurer on the name, nothing is
    // stored (her link stays her own), and the binding stays his. (Of the personas, only
    // these two have CRLs at the test platform; the same-name case is in links.rs.)
    let got = enrol(&c, &pf_base, "sato-hanako", link("大阪", "10002", "01")).await;
    let v = assert_problem(&got, 422, "link_refused");
    assert_eq!(v["field"], "application.services[0]");
    assert_eq!(v["reason"], "mismatch_name");
    let again = identify(&c, &pf_base, "sato-hanako").await;
    let (s, _, v) = post(&c, &url, &eligibility(again)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["results"][0]["name"], "佐藤　花子",
        "still her own record"
    );
    // An assertion naming his record for her sub is refused by the insurer.
    let forged = signer
        .sign(&counter_api::assertion::AssertionClaims {
            svc: counter_api::platform::ServiceData::Insurance {
                insurer_number: "06139999".into(),
                symbol: Some("大阪".into()),
                number: "10002".into(),
                branch: Some("01".into()),
            },
            jti: "jti-forged".into(),
            ..claims_of(&identify(&c, &pf_base, "sato-hanako").await)
        })
        .unwrap();
    assert_problem(
        &post(&c, &url, &eligibility(forged)).await,
        403,
        "link_not_owned",
    );

    // The insurer's audit names the platform's pairwise subject, never a serial.
    let rows = insurer.insurer().audit_rows().unwrap();
    let checks: Vec<_> = rows.iter().filter(|r| r.action == "eligibility").collect();
    let subjects: Vec<_> = checks.iter().filter_map(|r| r.subject.clone()).collect();
    assert_eq!(subjects.len(), 5);
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
            "validity:1",
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
    // The platform's audit says so too.
    platform.platform().audit.flush();
    platform.shutdown().await;
    let audit = platform_audit(&dir.path().join("platform.sqlite"));
    assert!(
        audit.contains(&("link_confirm".into(), "mismatch_name".into())),
        "{audit:?}"
    );
    assert!(
        audit.contains(&("enroll".into(), "link_refused".into())),
        "{audit:?}"
    );
    insurer.shutdown().await;
}

/// The claims of a compact JWS (not verified: the test reads its own platform's).
fn claims_of(jws: &str) -> AssertionClaims {
    let payload = jws.split('.').nth(1).unwrap();
    serde_json::from_slice(&counter_api::b64::decode_url("claims", payload).unwrap()).unwrap()
}

/// The platform's audit rows: (action, outcome).
fn platform_audit(db: &std::path::Path) -> Vec<(String, String)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare("SELECT action, outcome FROM audit ORDER BY id")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}
