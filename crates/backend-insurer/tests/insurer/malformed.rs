//! Bad input gets a 4xx problem document, never a 500 or a panic.

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn bodies_that_are_not_the_request() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let url = env.url("/v1/eligibility");
    let r = c
        .post(&url)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_problem(&read(r).await, 400, "malformed_request");
    let r = c.post(&url).body("{}").send().await.unwrap();
    assert_problem(&read(r).await, 415, "unsupported_media_type");
    let got = post(&c, &url, &json!({"assertion": 1})).await;
    assert_problem(&got, 400, "malformed_request");
    let mut extra = request(&env, env.assertion(("06139999", None, "10001", None)));
    extra["serial"] = "01".into();
    assert_problem(&post(&c, &url, &extra).await, 400, "malformed_request");
    let big = "x".repeat(600 * 1024);
    let got = post(&c, &url, &json!({"assertion": big})).await;
    assert_problem(&got, 413, "payload_too_large");
    let got = post(&c, &env.url("/v1/bulk-prechecks"), &json!([1, 2])).await;
    assert_problem(&got, 400, "malformed_request");
}

#[tokio::test]
async fn fields_outside_their_rules() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let url = env.url("/v1/eligibility");
    let good = || request(&env, env.assertion(("06139999", None, "10001", None)));
    for (field, value) in [
        ("qualification_confirmation_date", json!("2026-11-24")),
        ("qualification_confirmation_date", json!("20260230")),
        ("medical_institution_code", json!("131234567")),
        ("medical_institution_code", json!("１３１２３４５６７８")),
        ("arbitrary_identifier", json!("a\u{0}b")),
        ("assertion", json!("")),
    ] {
        let mut body = good();
        body[field] = value;
        let p = assert_problem(&post(&c, &url, &body).await, 422, "invalid_field");
        assert_eq!(p["field"], field);
    }
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    assert_problem(&get(&c, &env.url("/v1/nothing")).await, 404, "not_found");
    assert_problem(
        &get(&c, &env.url("/v1/eligibility")).await,
        405,
        "method_not_allowed",
    );
    let long = "R".repeat(5000);
    let got = get(&c, &env.url(&format!("/v1/bulk-prechecks/{long}"))).await;
    assert_problem(&got, 404, "reception_unknown");
    // A path that does not decode to text is no reception number either: a problem
    // document, not axum's plain-text 400.
    let got = get(&c, &env.url("/v1/bulk-prechecks/%FF%FE")).await;
    assert_problem(&got, 404, "reception_unknown");
}
