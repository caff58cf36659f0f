//! The check by insurance number (the receipt system's `OQSsiquc01req`): terminals only,
//! birth date as the knowledge factor, unknown numbers are validity 4, every answer audited.

use serde_json::{Value, json};

use crate::support::*;

fn request(env: &Env, number: &str, birth: &str) -> Value {
    json!({
        "medical_institution_code": INSTITUTION,
        "qualification_confirmation_date": backend_insurer::core::dates::jst_date(env.now()),
        "insurer_number": "06139999",
        "symbol": "千代",
        "number": number,
        "branch": "01",
        "birth_date": birth,
        "arbitrary_identifier": "req-7",
    })
}

#[tokio::test]
async fn a_terminal_checks_by_the_card_numbers_and_the_birth_date() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let url = env.url("/v1/eligibility/by-insurance-number");

    let (s, _, v) = post(&c, &url, &request(&env, "10001", "19850412")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["qualification_validity"], "1");
    assert_eq!(v["arbitrary_identifier"], "req-7");
    assert_eq!(v["results"][0]["name"], "佐藤　花子");

    // The wrong birth date finds no one; an unknown number neither: validity 4, no record.
    for (number, birth) in [("10001", "19850413"), ("99999", "19700101")] {
        let (s, _, v) = post(&c, &url, &request(&env, number, birth)).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["qualification_validity"], "4", "{number}");
        assert!(
            v["results"].as_array().unwrap().is_empty() || v["processing_result"]["status"] == "2",
            "{v}"
        );
    }

    // Field rules name the field.
    let mut bad = request(&env, "10001", "19850412");
    bad["insurer_number"] = json!("6139999");
    let (s, _, v) = post(&c, &url, &bad).await;
    assert_eq!(
        (s.as_u16(), v["field"].as_str()),
        (422, Some("insurer_number")),
        "{v}"
    );

    // Without a terminal certificate: refused.
    let anon = env.client(None);
    let (s, _, v) = post(&anon, &url, &request(&env, "10001", "19850412")).await;
    assert_eq!(s, 401, "{v}");

    let rows = env.running.insurer().audit_rows().unwrap();
    let mine: Vec<_> = rows
        .iter()
        .filter(|r| r.action == "eligibility_by_number")
        .collect();
    assert_eq!(mine.len(), 4);
    assert_eq!(mine[0].outcome, "validity:1");
    env.running.shutdown().await;
}
