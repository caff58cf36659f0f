//! Each refusal with its problem code, against the real server.

use counter_api::platform::{ChallengePurpose, Sex};

use crate::support::*;

#[tokio::test]
async fn challenge_refusals_replayed_expired_other_terminal_wrong_purpose() {
    let env = Env::start().await;
    let c1 = env.client(Some(T1));
    let c2 = env.client(Some(T2));
    let card = Card::load("sato-hanako");
    assert_eq!(enroll(&env, &c1, &card).await.0, 200);
    let url = env.url("/v1/identifications");

    // replayed: the same answer twice
    let ch = challenge(&env, &c1, ChallengePurpose::Identify, None).await;
    let answer = card.answer(&ch);
    assert_eq!(post(&c1, &url, &answer).await.0, 200);
    assert_problem(&post(&c1, &url, &answer).await, 409, "challenge_replayed");

    // another terminal: refused, and the challenge stays usable by its own terminal
    let ch = challenge(&env, &c1, ChallengePurpose::Identify, None).await;
    let v = assert_problem(
        &post(&c2, &url, &card.answer(&ch)).await,
        403,
        "challenge_wrong_terminal",
    );
    assert_eq!(v["field"], "challenge_id");
    assert_eq!(post(&c1, &url, &card.answer(&ch)).await.0, 200);

    // an enroll challenge used to identify
    let ch = challenge(&env, &c1, ChallengePurpose::Enroll, None).await;
    assert_problem(
        &post(&c1, &url, &card.answer(&ch)).await,
        422,
        "challenge_wrong_purpose",
    );

    // never issued
    let mut a = card.answer(&ch);
    a.challenge_id = "chl_nope".into();
    assert_problem(&post(&c1, &url, &a).await, 422, "challenge_unknown");

    // expired: the server's clock moves past the 60 s lifetime
    let ch = challenge(&env, &c1, ChallengePurpose::Identify, None).await;
    env.clock.advance(61);
    assert_problem(
        &post(&c1, &url, &card.answer(&ch)).await,
        422,
        "challenge_expired",
    );
    env.shutdown().await;
}

#[tokio::test]
async fn certificate_refusals_revoked_expired_bad_signature_not_enrolled() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let url = env.url("/v1/identifications");

    // yamamoto-shota: revoked in the committed CRL
    let card = Card::load("yamamoto-shota");
    let ch = challenge(&env, &c, ChallengePurpose::Identify, None).await;
    let v = assert_problem(
        &post(&c, &url, &card.answer(&ch)).await,
        422,
        "certificate_revoked",
    );
    assert_eq!(
        (v["reason"].as_str(), v["field"].as_str()),
        (Some("revoked"), Some("auth_certificate"))
    );

    // ito-sachiko: expired on 2025-03-01
    let card = Card::load("ito-sachiko");
    let ch = challenge(&env, &c, ChallengePurpose::Identify, None).await;
    let v = assert_problem(
        &post(&c, &url, &card.answer(&ch)).await,
        422,
        "certificate_expired",
    );
    assert_eq!(v["reason"], "expired");

    // a signature by another key over the right challenge
    let card = Card::load("sato-hanako");
    let other = Card::load("suzuki-ichiro");
    let ch = challenge(&env, &c, ChallengePurpose::Identify, None).await;
    let mut a = card.answer(&ch);
    a.signature = other.answer(&ch).signature;
    let v = assert_problem(&post(&c, &url, &a).await, 422, "signature_invalid");
    assert_eq!(v["field"], "signature");
    // The failed answer used the challenge up: the right signature over it comes too late.
    assert_problem(
        &post(&c, &url, &card.answer(&ch)).await,
        409,
        "challenge_replayed",
    );

    // a valid card that never enrolled (its challenge is used up too)
    let ch = challenge(&env, &c, ChallengePurpose::Identify, None).await;
    assert_problem(
        &post(&c, &url, &other.answer(&ch)).await,
        404,
        "not_enrolled",
    );
    assert_problem(
        &post(&c, &url, &other.answer(&ch)).await,
        409,
        "challenge_replayed",
    );

    // expired and revoked cards cannot enrol either
    let card = Card::load("ito-sachiko");
    assert_problem(&enroll(&env, &c, &card).await, 422, "certificate_expired");
    env.shutdown().await;
}

#[tokio::test]
async fn enrollment_refuses_attributes_that_do_not_match_naming_the_field() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let card = Card::load("sato-hanako");
    let url = env.url("/v1/enrollments");
    type Change = fn(&mut counter_api::platform::Application);
    let cases: [(&str, Change); 4] = [
        ("application.name", |a| a.name = "佐藤　花江".into()),
        ("application.address", |a| {
            a.address = a.address.replace("九丁目", "9丁目")
        }),
        ("application.birth_date", |a| {
            a.birth_date = "1985-04-13".into()
        }),
        ("application.sex", |a| a.sex = Sex::Male),
    ];
    for (field, change) in cases {
        let ch = challenge(&env, &c, ChallengePurpose::Enroll, None).await;
        let mut app = card.application(&ch.challenge_id);
        change(&mut app);
        let v = assert_problem(
            &post(&c, &url, &card.enrollment(&ch, app)).await,
            422,
            "attributes_mismatch",
        );
        assert_eq!(v["field"], field);
    }
    // Normalised differences are accepted: half-width digits, an ASCII space in the name.
    let ch = challenge(&env, &c, ChallengePurpose::Enroll, None).await;
    let mut app = card.application(&ch.challenge_id);
    app.name = app.name.replace('\u{3000}', " ");
    app.address = app.address.replace('９', "9");
    let (s, _, v) = post(&c, &url, &card.enrollment(&ch, app)).await;
    assert_eq!(s, 200, "{v}");

    // The application signed must be the application sent.
    let ch = challenge(&env, &c, ChallengePurpose::Enroll, None).await;
    let mut req = card.enrollment(&ch, card.application(&ch.challenge_id));
    req.application.services.pop();
    let v = assert_problem(&post(&c, &url, &req).await, 422, "signature_invalid");
    assert_eq!(v["field"], "application_signature");

    // A card without a signature certificate (takahashi-ken, a minor) cannot enrol.
    let minor = Card::load("takahashi-ken");
    let ch = challenge(&env, &c, ChallengePurpose::Enroll, None).await;
    let req = counter_api::platform::EnrollmentRequest {
        application: minor.application(&ch.challenge_id),
        sign_certificate: String::new(),
        application_signature: String::new(),
        identification: minor.answer(&ch),
    };
    let v = assert_problem(&post(&c, &url, &req).await, 422, "invalid_field");
    assert_eq!(v["field"], "sign_certificate");

    // A service the platform does not offer.
    let ch = challenge(&env, &c, ChallengePurpose::Enroll, None).await;
    let mut app = card.application(&ch.challenge_id);
    if let counter_api::platform::ServiceLink::Payment(p) = &mut app.services[1] {
        p.service_id = "acq-unknown".into();
    }
    let v = assert_problem(
        &post(&c, &url, &card.enrollment(&ch, app)).await,
        422,
        "service_unknown",
    );
    assert_eq!(v["field"], "application.services[1].service_id");
    env.shutdown().await;
}

#[tokio::test]
async fn unknown_terminals_are_refused() {
    let env = Env::start().await;
    let body = counter_api::platform::ChallengeRequest {
        purpose: ChallengePurpose::Identify,
        context: None,
    };
    let url = env.url("/v1/challenges");

    // no client certificate
    assert_problem(
        &post(&env.client(None), &url, &body).await,
        401,
        "terminal_unauthenticated",
    );

    // a certificate from the right CA for a terminal not registered
    assert_problem(
        &post(&env.client(Some("clinic-z-desk-9")), &url, &body).await,
        403,
        "terminal_unknown",
    );

    // a certificate from another CA, even with a registered terminal's name: the TLS
    // handshake fails
    let rogue = Ca::new("Madoguchi test terminal CA").unwrap();
    let c = client_with(&env.server_ca, Some(rogue.issue(T1, &[]).unwrap()));
    assert!(c.post(&url).json(&body).send().await.is_err());
    env.shutdown().await;
}

#[tokio::test]
async fn no_fresh_crl_for_the_certificate_is_revocation_unknown_never_good() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    // A valid certificate from a municipality whose CRL the platform does not have.
    let mut spec = testkit::CertSpec::auth(testkit::Generation::G3).unwrap();
    spec.municipality = testkit::Municipality::new("Okinawa-ken", "Naha-shi");
    let der = spec.issue(pki()).unwrap();
    let ch = challenge(&env, &c, ChallengePurpose::Identify, None).await;
    let tbs = counter_api::b64::decode("tbs", &ch.to_be_signed).unwrap();
    let answer = counter_api::platform::IdentificationRequest {
        challenge_id: ch.challenge_id.clone(),
        auth_certificate: counter_api::b64::encode(&der),
        signature: counter_api::b64::encode(&pki().spare_key().sign(&tbs).unwrap()),
    };
    let v = assert_problem(
        &post(&c, &env.url("/v1/identifications"), &answer).await,
        503,
        "revocation_unknown",
    );
    assert_eq!(v["reason"], "revocation_unknown");
    env.shutdown().await;
}
