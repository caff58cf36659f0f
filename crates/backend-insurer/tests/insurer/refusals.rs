//! Every refusal of an eligibility check: the assertion (forged, expired, replayed, for
//! another audience, from an untrusted platform, not an insurance link), the person
//! (a linkage never linked) and the caller (no client certificate, unknown terminal). The
//! refusals by context and link ownership are in `ownership.rs`.

use counter_api::platform::ServiceData;

use crate::support::*;

const SATO: (&str, Option<&str>, &str, Option<&str>) =
    ("06139999", Some("千代"), "10001", Some("01"));

async fn send(env: &Env, assertion: String) -> (reqwest::StatusCode, String, serde_json::Value) {
    post(
        &env.client(Some(T1)),
        &env.url("/v1/eligibility"),
        &request(env, assertion),
    )
    .await
}

#[tokio::test]
async fn forged_signature_is_invalid() {
    let env = Env::start().await;
    let token = env.assertion(SATO);
    // Sign the same claims with another key but the trusted key id.
    let rogue = counter_api::assertion::AssertionSigner::new(
        env.signer.kid().to_owned(),
        p256::ecdsa::SigningKey::from_slice(&[9; 32]).unwrap(),
    )
    .unwrap();
    let forged = rogue.sign(&env.claims(SATO)).unwrap();
    assert_problem(&send(&env, forged).await, 401, "assertion_invalid");
    // A tampered payload.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = parts[1].chars().rev().collect();
    assert_problem(&send(&env, parts.join(".")).await, 401, "assertion_invalid");
    assert_problem(
        &send(&env, "not-a-jws".into()).await,
        401,
        "assertion_invalid",
    );
}

#[tokio::test]
async fn expired_assertion() {
    let env = Env::start().await;
    let token = env.assertion(SATO);
    env.clock.advance(600);
    assert_problem(&send(&env, token).await, 401, "assertion_expired");
}

#[tokio::test]
async fn replayed_assertion() {
    let env = Env::start().await;
    env.link(SATO).await;
    let token = env.assertion(SATO);
    let (s, _, _) = send(&env, token.clone()).await;
    assert_eq!(s, 200);
    assert_problem(&send(&env, token).await, 409, "assertion_replayed");
}

#[tokio::test]
async fn assertion_for_another_audience() {
    let env = Env::start().await;
    let mut claims = env.claims(SATO);
    claims.aud = "acq-visa".into();
    let token = env.signer.sign(&claims).unwrap();
    assert_problem(&send(&env, token).await, 403, "assertion_wrong_audience");
}

#[tokio::test]
async fn assertion_of_an_untrusted_platform() {
    let env = Env::start().await;
    let other = signer(8);
    let mut claims = env.claims(SATO);
    claims.iss = "pf-rogue".into();
    let token = other.sign(&claims).unwrap();
    assert_problem(&send(&env, token).await, 403, "assertion_untrusted_issuer");
}

#[tokio::test]
async fn assertion_without_an_insurance_link() {
    let env = Env::start().await;
    let mut claims = env.claims(SATO);
    claims.svc = ServiceData::Payment {
        card_token_ref: "tok_1".into(),
    };
    let token = env.signer.sign(&claims).unwrap();
    assert_problem(&send(&env, token).await, 401, "assertion_invalid");
}

/// A number no record carries cannot have been linked (the insurer answers `unknown` to
/// the platform), so an assertion for it is refused as not owned.
#[tokio::test]
async fn unknown_person() {
    let env = Env::start().await;
    let unknown = ("06139999", Some("千代"), "99999", Some("01"));
    let (s, _, v) = env.link_as(unknown, SUB, holder_for(SATO)).await;
    assert_eq!((s.as_u16(), &v["outcome"]), (200, &"unknown".into()), "{v}");
    let token = env.assertion(unknown);
    let p = assert_problem(&send(&env, token).await, 403, "link_not_owned");
    assert!(p["detail"].as_str().unwrap().contains("enrol"), "{p}");
}

#[tokio::test]
async fn unauthenticated_and_unknown_terminals() {
    let env = Env::start().await;
    env.link(SATO).await;
    let body = request(&env, env.assertion(SATO));
    let got = post(&env.client(None), &env.url("/v1/eligibility"), &body).await;
    assert_problem(&got, 401, "terminal_unauthenticated");
    let got = post(
        &env.client(Some("clinic-z-desk-9")),
        &env.url("/v1/eligibility"),
        &body,
    )
    .await;
    assert_problem(&got, 403, "terminal_unknown");
    let got = get(
        &env.client(Some("clinic-z-desk-9")),
        &env.url("/v1/bulk-prechecks/R1"),
    )
    .await;
    assert_problem(&got, 403, "terminal_unknown");
    // A certificate from another CA does not even get a TLS session.
    let rogue = Ca::new("rogue CA").unwrap();
    let c = client_for(
        env.server_ca.der.clone(),
        Some(rogue.issue(T1, &[]).unwrap()),
    );
    assert!(
        c.post(env.url("/v1/eligibility"))
            .json(&body)
            .send()
            .await
            .is_err()
    );
    let rows = env.running.insurer().audit_rows().unwrap();
    assert!(
        rows.iter()
            .any(|r| r.action == "terminal" && r.outcome == "terminal_unknown")
    );
    // The assertion was never consumed by the refused calls.
    let (s, _, v) = post(&env.client(Some(T1)), &env.url("/v1/eligibility"), &body).await;
    assert_eq!(s, 200, "{v}");
}
