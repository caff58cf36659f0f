//! The asynchronous bulk pre-check: submit → 受付番号 → 処理中 → results.

use serde_json::{Value, json};

use crate::support::*;

fn entry(
    reference: &str,
    symbol: Option<&str>,
    number: &str,
    branch: Option<&str>,
    birth: &str,
) -> Value {
    json!({
        "reference": reference,
        "insurer_number": "06139999",
        "symbol": symbol,
        "number": number,
        "branch": branch,
        "birth_date": birth,
    })
}

fn submission(env: &Env) -> Value {
    json!({
        "medical_institution_code": INSTITUTION,
        "qualification_confirmation_date": backend_insurer::core::dates::jst_date(env.now().plus_secs(86_400)),
        "entries": [
            entry("P-001", Some("千代"), "10001", Some("01"), "19850412"),
            entry("P-002", Some("千代"), "10001", Some("01"), "19850413"),
            entry("P-003", Some("大阪"), "10002", None, "19580303"),
            entry("P-004", Some("港"), "99999", Some("01"), "19700101"),
            entry("P-005", Some("港"), "20001", Some("01"), "19700101"),
        ],
    })
}

#[tokio::test]
async fn submit_then_processing_then_results() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let (s, _, v) = post(&c, &env.url("/v1/bulk-prechecks"), &submission(&env)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["entries"], 5);
    let reception = v["reception_number"].as_str().unwrap().to_owned();
    let url = env.url(&format!("/v1/bulk-prechecks/{reception}"));

    let (s, _, v) = get(&c, &url).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "processing");
    assert!(v["items"].as_array().unwrap().is_empty());

    env.clock.advance(30);
    let (s, _, v) = get(&c, &url).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "completed");
    assert_eq!(v["reception_number"], reception.as_str());
    assert_eq!(
        (
            v["number_of_results"].as_u64(),
            v["number_of_normal"].as_u64(),
            v["number_of_errors"].as_u64()
        ),
        (Some(5), Some(4), Some(1))
    );
    let items = v["items"].as_array().unwrap();
    let validity: Vec<&str> = items
        .iter()
        .map(|i| i["qualification_validity"].as_str().unwrap())
        .collect();
    // Valid; birth date mismatch; lost with a new qualification (no branch given); unknown; several.
    assert_eq!(validity, ["1", "4", "3", "4", "5"]);
    assert_eq!(items[0]["reference"], "P-001");
    assert_eq!(items[0]["results"][0]["name"], "佐藤　花子");
    assert_eq!(items[1]["processing_result"]["status"], "2");
    assert_eq!(items[1]["processing_result"]["code"], "MDGE0001");
    // Fetching again answers the same, kept result.
    let (_, _, again) = get(&c, &url).await;
    assert_eq!(again, v);

    // Another terminal does not see this submission.
    let got = get(&env.client(Some(T2)), &url).await;
    assert_problem(&got, 404, "reception_unknown");
    let rows = env.running.insurer().audit_rows().unwrap();
    assert!(
        rows.iter()
            .any(|r| r.action == "bulk_submit" && r.outcome == "accepted")
    );
    assert!(
        rows.iter()
            .any(|r| r.action == "bulk_fetch" && r.outcome == "completed")
    );
    let per_patient: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r.action == "bulk_item")
        .map(|r| (r.number.as_deref().unwrap(), r.outcome.as_str()))
        .collect();
    assert_eq!(
        per_patient,
        [
            ("10001", "validity:1"),
            ("10001", "validity:4"),
            ("10002", "validity:3"),
            ("99999", "validity:4"),
            ("20001", "validity:5"),
        ]
    );
}

#[tokio::test]
async fn unknown_reception_number_and_bad_entries() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let got = get(&c, &env.url("/v1/bulk-prechecks/R000")).await;
    assert_problem(&got, 404, "reception_unknown");
    let mut bad = submission(&env);
    bad["entries"][2]["birth_date"] = "1958-03-03".into();
    let p = assert_problem(
        &post(&c, &env.url("/v1/bulk-prechecks"), &bad).await,
        422,
        "invalid_field",
    );
    assert_eq!(p["field"], "entries[2].birth_date");
    bad["entries"] = json!([]);
    let p = assert_problem(
        &post(&c, &env.url("/v1/bulk-prechecks"), &bad).await,
        422,
        "invalid_field",
    );
    assert_eq!(p["field"], "entries");
}
