//! Bad input gets a 4xx problem document, never a 500 or a panic.

use counter_api::platform::ChallengePurpose;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn malformed_json_base64_and_certificates_are_problems() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let url = env.url("/v1/identifications");
    let raw = |body: &'static str, ct: &'static str| {
        let c = c.clone();
        let url = url.clone();
        async move {
            read(
                c.post(url)
                    .header("content-type", ct)
                    .body(body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    assert_problem(
        &raw("{not json", "application/json").await,
        400,
        "malformed_request",
    );
    assert_problem(
        &raw("[]", "application/json").await,
        400,
        "malformed_request",
    );
    assert_problem(
        &raw("{}", "application/json").await,
        400,
        "malformed_request",
    );
    assert_problem(
        &raw("{\"challenge_id\":\"x\"}", "text/plain").await,
        415,
        "unsupported_media_type",
    );
    let extra =
        json!({"challenge_id": "x", "auth_certificate": "", "signature": "", "pin": "0000"});
    let v = assert_problem(&post(&c, &url, &extra).await, 400, "malformed_request");
    assert!(v["detail"].as_str().unwrap().contains("pin"), "{v}");

    let ch = challenge(&env, &c, ChallengePurpose::Identify, None).await;
    let bad_b64 =
        json!({"challenge_id": ch.challenge_id, "auth_certificate": "%%%", "signature": "AAAA"});
    let v = assert_problem(&post(&c, &url, &bad_b64).await, 422, "invalid_base64");
    assert_eq!(v["field"], "auth_certificate");
    let junk = json!({"challenge_id": ch.challenge_id, "auth_certificate": "AAECAwQ=", "signature": "AAAA"});
    let v = assert_problem(&post(&c, &url, &junk).await, 422, "certificate_malformed");
    assert_eq!(v["reason"], "malformed");

    // Challenge requests: rules on the context.
    let curl = env.url("/v1/challenges");
    let v = assert_problem(
        &post(&c, &curl, &json!({"purpose": "payment"})).await,
        422,
        "invalid_field",
    );
    assert_eq!(v["field"], "context");
    let v = assert_problem(
        &post(
            &c,
            &curl,
            &json!({"purpose": "payment", "context": {"merchant_id": "m", "amount_jpy": 0}}),
        )
        .await,
        422,
        "invalid_field",
    );
    assert_eq!(v["field"], "context.amount_jpy");
    assert_problem(
        &post(&c, &curl, &json!({"purpose": "lunch"})).await,
        400,
        "malformed_request",
    );
    assert_problem(
        &post(
            &c,
            &curl,
            &json!({"purpose": "payment", "context": {"merchant_id": "m", "amount_jpy": -5}}),
        )
        .await,
        400,
        "malformed_request",
    );

    // Enrollment: a bad application field.
    let card = Card::load("sato-hanako");
    let ch = challenge(&env, &c, ChallengePurpose::Enroll, None).await;
    let mut app = card.application(&ch.challenge_id);
    app.birth_date = "12 April 1985".into();
    let v = assert_problem(
        &post(&c, &env.url("/v1/enrollments"), &card.enrollment(&ch, app)).await,
        422,
        "invalid_field",
    );
    assert_eq!(v["field"], "application.birth_date");

    // Unknown paths, wrong methods, oversized bodies.
    assert_problem(
        &read(c.get(env.url("/v1/nothing")).send().await.unwrap()).await,
        404,
        "not_found",
    );
    assert_problem(
        &read(c.get(env.url("/v1/challenges")).send().await.unwrap()).await,
        405,
        "method_not_allowed",
    );
    let big = "x".repeat(100 * 1024);
    let got = read(
        c.post(&url)
            .header("content-type", "application/json")
            .body(format!("{{\"challenge_id\":\"{big}\"}}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_problem(&got, 413, "payload_too_large");
    env.shutdown().await;
}
