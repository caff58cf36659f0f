//! Eligibility as strict as the acquirer: the assertion's context (purpose, terminal), the
//! link's owner (a confirmed binding of the assertion's `sub`, dropped at once when the link
//! is confirmed for another holder or released), and a `jti` used once even across a
//! restart of the insurer.

use counter_api::platform::ChallengePurpose;
use serde_json::json;

use crate::support::*;

const SATO: Linkage<'static> = ("06139999", Some("千代"), "10001", Some("01"));

async fn check_from(
    env: &Env,
    terminal: &str,
    assertion: String,
) -> (reqwest::StatusCode, String, serde_json::Value) {
    post(
        &env.client(Some(terminal)),
        &env.url("/v1/eligibility"),
        &request(env, assertion),
    )
    .await
}

#[tokio::test]
async fn an_assertion_issued_to_another_terminal_is_refused() {
    let env = Env::start().await;
    env.link(SATO).await;
    // Issued to T1 (the claims' ctx.terminal_id), presented by T2.
    let token = env.assertion(SATO);
    let p = assert_problem(&check_from(&env, T2, token.clone()).await, 403, "forbidden");
    assert_eq!(p["reason"], "assertion_other_terminal");
    assert_eq!(p["field"], "assertion");
    // The refusal did not use the assertion up: T1 may still present it.
    let (s, _, v) = check_from(&env, T1, token).await;
    assert_eq!(s, 200, "{v}");
    let rows = env.running.insurer().audit_rows().unwrap();
    let refused = rows.iter().find(|r| r.outcome == "forbidden").unwrap();
    assert_eq!(refused.terminal_id.as_deref(), Some(T2));
    assert_eq!(refused.subject.as_deref(), Some(SUB));
    assert_eq!(refused.reason.as_deref(), Some("assertion_other_terminal"));
}

#[tokio::test]
async fn an_assertion_for_another_purpose_is_refused() {
    let env = Env::start().await;
    env.link(SATO).await;
    for purpose in [ChallengePurpose::Payment, ChallengePurpose::Enroll] {
        let mut claims = env.claims(SATO);
        claims.ctx.purpose = purpose;
        let token = env.signer.sign(&claims).unwrap();
        let p = assert_problem(&check_from(&env, T1, token).await, 403, "forbidden");
        assert_eq!(p["reason"], "assertion_not_for_eligibility", "{purpose:?}");
    }
}

#[tokio::test]
async fn an_assertion_whose_sub_does_not_own_the_link_is_refused() {
    let env = Env::start().await;
    env.link(SATO).await;
    let mut claims = env.claims(SATO);
    claims.sub = "pairwise-subject-of-someone-else".into();
    let token = env.signer.sign(&claims).unwrap();
    let p = assert_problem(&check_from(&env, T1, token).await, 403, "link_not_owned");
    assert!(p["detail"].as_str().unwrap().contains("enrol"), "{p}");
    // A record never linked at all.
    let token = env.assertion(("06139999", Some("名古"), "10003", Some("00")));
    assert_problem(&check_from(&env, T1, token).await, 403, "link_not_owned");
    // The same record under another form of its link (no symbol) is another link.
    let token = env.assertion(("06139999", None, "10001", Some("01")));
    assert_problem(&check_from(&env, T1, token).await, 403, "link_not_owned");
}

#[tokio::test]
async fn a_link_confirmed_for_another_sub_stops_the_first_at_once() {
    let env = Env::start().await;
    env.link(SATO).await;
    let (s, _, _) = check_from(&env, T1, env.assertion(SATO)).await;
    assert_eq!(s, 200);
    // The same person enrols again (another card, another pairwise subject).
    let (_, _, v) = env
        .link_as(SATO, "pairwise-subject-2", persona_holder("sato-hanako"))
        .await;
    assert_eq!(v, json!({"outcome": "confirmed"}));
    assert_problem(
        &check_from(&env, T1, env.assertion(SATO)).await,
        403,
        "link_not_owned",
    );
    let mut claims = env.claims(SATO);
    claims.sub = "pairwise-subject-2".into();
    let (s, _, v) = check_from(&env, T1, env.signer.sign(&claims).unwrap()).await;
    assert_eq!(s, 200, "{v}");
    let rows = env.running.insurer().audit_rows().unwrap();
    let last_link = rows.iter().rfind(|r| r.action == "link").unwrap();
    assert!(
        last_link.reason.as_deref().unwrap().contains("replaced"),
        "{last_link:?}"
    );
}

#[tokio::test]
async fn after_release_the_owner_is_refused() {
    let env = Env::start().await;
    env.link(SATO).await;
    let c = env.platform_client();
    let url = env.url("/v1/links/release");
    // Only the owner's release removes the binding.
    let (s, _, v) = post(
        &c,
        &url,
        &json!({"sub": "pairwise-subject-2", "link": service_data(SATO)}),
    )
    .await;
    assert_eq!((s.as_u16(), v.clone()), (200, json!({"released": false})));
    let (s, _, _) = check_from(&env, T1, env.assertion(SATO)).await;
    assert_eq!(s, 200);
    let (_, _, v) = post(&c, &url, &json!({"sub": SUB, "link": service_data(SATO)})).await;
    assert_eq!(v, json!({"released": true}));
    assert_problem(
        &check_from(&env, T1, env.assertion(SATO)).await,
        403,
        "link_not_owned",
    );
    let (_, _, v) = post(&c, &url, &json!({"sub": SUB, "link": service_data(SATO)})).await;
    assert_eq!(v, json!({"released": false}));
    let p = assert_problem(
        &post(&c, &url, &json!({"sub": "a b", "link": service_data(SATO)})).await,
        422,
        "invalid_field",
    );
    assert_eq!(p["field"], "sub");
    let rows = env.running.insurer().audit_rows().unwrap();
    let releases: Vec<(Option<&str>, &str)> = rows
        .iter()
        .filter(|r| r.action == "link_release")
        .map(|r| (r.subject.as_deref(), r.outcome.as_str()))
        .collect();
    assert_eq!(
        releases,
        [
            (Some("pairwise-subject-2"), "not_owned"),
            (Some(SUB), "released"),
            (Some(SUB), "not_owned"),
            (None, "invalid_field"),
        ]
    );
}

#[tokio::test]
async fn an_assertion_used_once_stays_used_after_a_restart() {
    let env = Env::start().await;
    env.link(SATO).await;
    let token = env.assertion(SATO);
    let (s, _, v) = check_from(&env, T1, token.clone()).await;
    assert_eq!(s, 200, "{v}");
    let env = env.restart().await;
    let p = assert_problem(
        &check_from(&env, T1, token).await,
        409,
        "assertion_replayed",
    );
    assert_eq!(p["field"], "assertion");
    // The binding survived as well: a new assertion of the owner is answered.
    let (s, _, v) = check_from(&env, T1, env.assertion(SATO)).await;
    assert_eq!(s, 200, "{v}");
}

/// A link is owned by a subject of one platform: another trusted platform's assertion with
/// the same `sub` is refused, and that platform cannot release it.
#[tokio::test]
async fn a_link_belongs_to_the_platform_that_confirmed_it() {
    let dir = tempfile::tempdir().unwrap();
    let server_ca = Ca::new("server CA").unwrap();
    let terminal_ca = Ca::new("terminal CA").unwrap();
    let (tokyo, osaka) = (signer(7), signer(8));
    let s = settings(
        dir.path(),
        &server_ca,
        &terminal_ca,
        vec![
            counter_api::assertion::KeySet::of(PLATFORM, &tokyo),
            counter_api::assertion::KeySet::of("pf-osaka", &osaka),
        ],
    );
    let clock = backend_kit::ManualClock::new();
    let now = backend_kit::Clock::now(&clock);
    let running = backend_insurer::start_in_process(s, std::sync::Arc::new(clock))
        .await
        .unwrap();
    let base = format!("https://localhost:{}", running.addr().port());
    let client_as = |id: &str| {
        client_for(
            server_ca.der.clone(),
            Some(terminal_ca.issue(id, &[]).unwrap()),
        )
    };
    let (_, _, v) = post(
        &client_as(PLATFORM),
        &format!("{base}/v1/links"),
        &link_request(SATO, SUB, persona_holder("sato-hanako")),
    )
    .await;
    assert_eq!(v, json!({"outcome": "confirmed"}));
    let (_, _, v) = post(
        &client_as("pf-osaka"),
        &format!("{base}/v1/links/release"),
        &json!({"sub": SUB, "link": service_data(SATO)}),
    )
    .await;
    assert_eq!(v, json!({"released": false}));
    let assertion = |iss: &str, key: &counter_api::assertion::AssertionSigner| {
        let claims = counter_api::assertion::AssertionClaims {
            iss: iss.into(),
            aud: INSURER.into(),
            sub: SUB.into(),
            jti: format!("jti-{iss}"),
            iat: now,
            exp: now.plus_secs(120),
            ctx: counter_api::assertion::AssertionContext {
                purpose: ChallengePurpose::Identify,
                terminal_id: T1.into(),
                challenge_id: "chl_1".into(),
                merchant_id: None,
                amount_jpy: None,
                federated_from: None,
            },
            svc: service_data(SATO),
        };
        json!({
            "assertion": key.sign(&claims).unwrap(),
            "qualification_confirmation_date": backend_insurer::core::dates::jst_date(now),
            "medical_institution_code": INSTITUTION,
        })
    };
    let terminal = client_as(T1);
    let url = format!("{base}/v1/eligibility");
    let got = post(&terminal, &url, &assertion("pf-osaka", &osaka)).await;
    assert_problem(&got, 403, "link_not_owned");
    let (s, _, v) = post(&terminal, &url, &assertion(PLATFORM, &tokyo)).await;
    assert_eq!(s, 200, "{v}");
    running.shutdown().await;
}
