//! `POST /v1/links` over mutual TLS with the platform's client certificate: a persona's own
//! record is confirmed, another person's is refused naming the attribute, an unknown number
//! is `unknown`; only the platform may ask; bad bodies are problems naming the field; every
//! answer is audited without the holder's attributes.

use counter_api::platform::ServiceData;
use serde_json::json;

use crate::support::*;

const KOBAYASHI: Linkage<'static> = ("00140004", Some("中原"), "5550001", Some("00"));
/// Another 小林 芽衣, born 1999-02-14.
const KOBAYASHI_OTHER: Linkage<'static> = ("00140004", Some("中原"), "5550002", Some("00"));
const SATO: Linkage<'static> = ("06139999", Some("千代"), "10001", Some("01"));

#[tokio::test]
async fn a_persons_own_record_is_confirmed_and_audited() {
    let env = Env::start().await;
    let (s, ct, v) = env
        .link_as(KOBAYASHI, SUB, persona_holder("kobayashi-mei"))
        .await;
    assert_eq!((s.as_u16(), ct.as_str()), (200, "application/json"), "{v}");
    assert_eq!(v, json!({"outcome": "confirmed"}));
    // Without symbol and branch the same record is found (the eligibility rule).
    let (_, _, v) = env
        .link_as(
            ("00140004", None, "5550001", None),
            "pairwise-subject-9",
            persona_holder("kobayashi-mei"),
        )
        .await;
    assert_eq!(v, json!({"outcome": "confirmed"}));
    let rows = env.running.insurer().audit_rows().unwrap();
    let link = rows.iter().find(|r| r.action == "link").unwrap();
    assert_eq!(link.terminal_id.as_deref(), Some(PLATFORM));
    assert_eq!(link.subject.as_deref(), Some(SUB));
    assert_eq!(link.insurer_number.as_deref(), Some("00140004"));
    assert_eq!(link.number.as_deref(), Some("5550001"));
    assert_eq!(link.outcome, "confirmed");
    assert_eq!(link.reason.as_deref(), Some("enrollment enr_test"));
}

#[tokio::test]
async fn another_persons_record_is_refused_naming_the_attribute_only() {
    let env = Env::start().await;
    let mei = persona_holder("kobayashi-mei");
    // The same name, another birth date.
    let (s, _, v) = env.link_as(KOBAYASHI_OTHER, SUB, mei.clone()).await;
    assert_eq!(s, 200);
    assert_eq!(v, json!({"outcome": "mismatch", "field": "birth_date"}));
    // Another person altogether.
    let (_, _, v) = env.link_as(SATO, SUB, mei.clone()).await;
    assert_eq!(v, json!({"outcome": "mismatch", "field": "name"}));
    // Nothing of the record is echoed, in the answer or the audit.
    let text = v.to_string();
    assert!(!text.contains("佐藤") && !text.contains("1985"), "{text}");
    let (_, _, v) = env
        .link_as(
            ("06139999", Some("千代"), "99999", Some("01")),
            SUB,
            mei.clone(),
        )
        .await;
    assert_eq!(v, json!({"outcome": "unknown"}));
    let rows = env.running.insurer().audit_rows().unwrap();
    let outcomes: Vec<&str> = rows
        .iter()
        .filter(|r| r.action == "link")
        .map(|r| r.outcome.as_str())
        .collect();
    assert_eq!(
        outcomes,
        ["mismatch:birth_date", "mismatch:name", "unknown"]
    );
    let all = format!("{rows:?}");
    for secret in [&mei.name, &mei.address, &mei.birth_date, &"小林".to_owned()] {
        assert!(
            !all.contains(secret.as_str()),
            "{secret} in the audit: {all}"
        );
    }
    // Nor is a refused link bound: the other 小林 芽衣's record stays unlinked.
    let got = post(
        &env.client(Some(T1)),
        &env.url("/v1/eligibility"),
        &request(&env, env.assertion(KOBAYASHI_OTHER)),
    )
    .await;
    assert_problem(&got, 403, "link_not_owned");
}

#[tokio::test]
async fn only_a_trusted_platform_may_ask() {
    let env = Env::start().await;
    let body = link_request(SATO, SUB, persona_holder("sato-hanako"));
    let url = env.url("/v1/links");
    let p = assert_problem(
        &post(&env.client(Some(T1)), &url, &body).await,
        403,
        "forbidden",
    );
    assert_eq!(p["reason"], "not_a_trusted_platform");
    assert_problem(
        &post(&env.client(None), &url, &body).await,
        401,
        "terminal_unauthenticated",
    );
    // A certificate of the right CA naming an untrusted platform.
    let p = assert_problem(
        &post(&env.client(Some("pf-rogue")), &url, &body).await,
        403,
        "forbidden",
    );
    assert_eq!(p["reason"], "not_a_trusted_platform");
    let release = json!({"sub": SUB, "link": service_data(SATO)});
    assert_problem(
        &post(
            &env.client(Some(T1)),
            &env.url("/v1/links/release"),
            &release,
        )
        .await,
        403,
        "forbidden",
    );
    // Nothing was bound: the terminal cannot use the record.
    let got = post(
        &env.client(Some(T1)),
        &env.url("/v1/eligibility"),
        &request(&env, env.assertion(SATO)),
    )
    .await;
    assert_problem(&got, 403, "link_not_owned");
    let rows = env.running.insurer().audit_rows().unwrap();
    let refused: Vec<(&str, Option<&str>, &str)> = rows
        .iter()
        .filter(|r| r.action == "link" || r.action == "link_release")
        .map(|r| (r.action, r.terminal_id.as_deref(), r.outcome.as_str()))
        .collect();
    assert_eq!(
        refused,
        [
            ("link", Some(T1), "forbidden"),
            ("link", None, "terminal_unauthenticated"),
            ("link", Some("pf-rogue"), "forbidden"),
            ("link_release", Some(T1), "forbidden"),
        ]
    );
}

#[tokio::test]
async fn bad_bodies_are_problems_naming_the_field() {
    let env = Env::start().await;
    let c = env.platform_client();
    let url = env.url("/v1/links");
    let good =
        || serde_json::to_value(link_request(SATO, SUB, persona_holder("sato-hanako"))).unwrap();
    for (path, value, field) in [
        (&["sub"][..], json!("not base64url!"), "sub"),
        (&["enrollment_id"][..], json!(""), "enrollment_id"),
        (
            &["holder", "birth_date"][..],
            json!("19850412"),
            "holder.birth_date",
        ),
        (&["holder", "name"][..], json!(""), "holder.name"),
        (
            &["link", "insurer_number"][..],
            json!("123"),
            "link.insurer_number",
        ),
    ] {
        let mut body = good();
        let mut at = &mut body;
        for p in &path[..path.len() - 1] {
            at = &mut at[*p];
        }
        at[path[path.len() - 1]] = value;
        let p = assert_problem(&post(&c, &url, &body).await, 422, "invalid_field");
        assert_eq!(p["field"], field, "{p}");
    }
    // A payment link is not the insurer's to confirm.
    let mut body = good();
    body["link"] = serde_json::to_value(ServiceData::Payment {
        card_token_ref: "tok_1".into(),
    })
    .unwrap();
    let p = assert_problem(&post(&c, &url, &body).await, 422, "invalid_field");
    assert_eq!(p["field"], "link.kind");
    // Not the request at all: serde's message names the field.
    let mut body = good();
    body.as_object_mut().unwrap().remove("holder");
    let p = assert_problem(&post(&c, &url, &body).await, 400, "malformed_request");
    assert!(p["detail"].as_str().unwrap().contains("holder"), "{p}");
    let r = c
        .post(&url)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_problem(&read(r).await, 400, "malformed_request");
    let rows = env.running.insurer().audit_rows().unwrap();
    let outcomes: Vec<(&str, Option<&str>)> = rows
        .iter()
        .filter(|r| r.action == "link")
        .map(|r| (r.outcome.as_str(), r.reason.as_deref()))
        .collect();
    assert_eq!(outcomes.len(), 8);
    assert_eq!(outcomes[0], ("invalid_field", Some("sub")));
    assert_eq!(outcomes[5], ("invalid_field", Some("link.kind")));
    assert_eq!(outcomes[6].0, "malformed_request");
}
