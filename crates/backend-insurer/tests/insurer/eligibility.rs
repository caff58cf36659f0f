//! Eligibility by assertion for every `QualificationValidity` code reachable by a link and
//! the odd cases of the demo register (data/README.md), over TLS with a terminal
//! certificate. Each check first links the record to the assertion's subject as the
//! platform does at enrollment (`POST /v1/links`).

use serde_json::Value;

use crate::support::*;

type Linkage = crate::support::Linkage<'static>;

const SATO: Linkage = ("06139999", Some("千代"), "10001", Some("01"));
const TANAKA: Linkage = ("06139999", Some("名古"), "10003", Some("00"));
const SUZUKI: Linkage = ("06139999", Some("大阪"), "10002", Some("01"));
const YAMAMOTO: Linkage = ("06139999", Some("横浜"), "10004", Some("01"));
const KOBAYASHI: Linkage = ("00140004", Some("中原"), "5550001", Some("00"));
const ITO: Linkage = ("12041011", None, "0100001", None);
const WATANABE: Linkage = ("39011001", None, "00012345", None);
const TAKAHASHI: Linkage = ("06139999", Some("福岡"), "10005", Some("02"));
const DUPLICATE: Linkage = ("06139999", Some("港"), "20001", Some("01"));
const YOSHIDA: Linkage = ("06139999", Some("港"), "20002", Some("01"));

async fn check(env: &Env, linkage: Linkage) -> Value {
    env.link(linkage).await;
    let c = env.client(Some(T1));
    let (s, _, v) = post(
        &c,
        &env.url("/v1/eligibility"),
        &request(env, env.assertion(linkage)),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["arbitrary_identifier"], "corr-1");
    v
}

#[tokio::test]
async fn valid_with_every_field_of_the_result() {
    let env = Env::start().await;
    let v = check(&env, SATO).await;
    assert_eq!(v["qualification_validity"], "1");
    assert_eq!(v["processing_result"]["status"], "1");
    let r = &v["results"][0];
    for (field, want) in [
        ("insured_card_classification", "01"),
        ("insurer_number", "06139999"),
        ("insurer_name", "関東健康保険組合"),
        ("symbol", "千代"),
        ("number", "10001"),
        ("branch", "01"),
        ("personal_family_classification", "1"),
        ("name", "佐藤　花子"),
        ("name_kana", "ｻﾄｳ ﾊﾅｺ"),
        ("sex1", "2"),
        ("birth_date", "19850412"),
        ("address", "東京都千代田区丸の内九丁目９番９９号"),
        ("qualification_date", "20080401"),
        ("partial_contribution_ratio", "030"),
    ] {
        assert_eq!(r[field], want, "{field}: {r}");
    }
    assert_eq!(r["consents"]["pharmacists"]["flag"], "1");
    // No consent to the limit certificate in the request: it is not returned.
    assert!(r.get("limit_certificate").is_none(), "{r}");

    let mut req = request(&env, env.assertion(SATO));
    req["limit_certificate_consent"] = true.into();
    let (s, _, v) = post(&env.client(Some(T1)), &env.url("/v1/eligibility"), &req).await;
    assert_eq!(s, 200);
    assert_eq!(
        v["results"][0]["limit_certificate"]["classification_flag"],
        "A03"
    );
}

#[tokio::test]
async fn qualification_starting_today_is_valid_with_a_warning() {
    let env = Env::start().await;
    let v = check(&env, TANAKA).await;
    assert_eq!(v["qualification_validity"], "1");
    assert_eq!(v["processing_result"]["code"], "MDGW0001");
    assert!(
        v["processing_result"]["message"]
            .as_str()
            .unwrap()
            .contains("本日")
    );
    assert_eq!(
        v["results"][0]["qualification_date"],
        backend_insurer::core::dates::jst_date(env.now())
    );
}

#[tokio::test]
async fn lost_qualification_with_a_new_one() {
    let env = Env::start().await;
    let v = check(&env, SUZUKI).await;
    assert_eq!(v["qualification_validity"], "3");
    assert_eq!(v["results"][0]["disqualification_date"], "20250401");
    assert_eq!(v["results"][0]["reason_of_loss"], "03");
    assert_eq!(v["results"][1]["insurer_name"], "大阪市国民健康保険");
    assert!(v["results"][1].get("disqualification_date").is_none());
}

#[tokio::test]
async fn lost_qualification_without_a_new_one_is_invalid() {
    let env = Env::start().await;
    let v = check(&env, YAMAMOTO).await;
    assert_eq!(v["qualification_validity"], "2");
    assert_eq!(v["results"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn record_issued_today_is_not_found_until_the_insurer_loads_it() {
    let env = Env::start().await;
    let v = check(&env, KOBAYASHI).await;
    assert_eq!(v["qualification_validity"], "4");
    assert_eq!(v["processing_result"]["code"], "MDGW0002");
    assert!(v["results"].as_array().unwrap().is_empty());
    // The next day (JST) the record has reached the system.
    env.clock.advance(86_400);
    let v = check(&env, KOBAYASHI).await;
    assert_eq!(v["qualification_validity"], "1", "{v}");
}

/// Two persons under one number (validity 5 in the bulk pre-check): a link is confirmed
/// for the one whose certificate matches, and eligibility by it reads that person only.
#[tokio::test]
async fn a_link_reads_only_its_own_person_where_two_share_a_number() {
    let env = Env::start().await;
    let mut holder = holder_for(DUPLICATE);
    // The certificate holds 髙 and flags it as a substitute; the record has ● for it.
    holder.name = "髙橋　一".into();
    holder.name_substituted = vec![0];
    let (s, _, v) = env.link_as(DUPLICATE, SUB, holder).await;
    assert_eq!(
        (s.as_u16(), &v["outcome"]),
        (200, &"confirmed".into()),
        "{v}"
    );
    let (s, _, v) = post(
        &env.client(Some(T1)),
        &env.url("/v1/eligibility"),
        &request(&env, env.assertion(DUPLICATE)),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["qualification_validity"], "1");
    let names: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["●橋　一"]);
}

#[tokio::test]
async fn medical_assistance_is_valid_unregistered() {
    let env = Env::start().await;
    let v = check(&env, ITO).await;
    assert_eq!(v["qualification_validity"], "6");
    assert_eq!(v["results"][0]["insured_card_classification"], "A1");
}

#[tokio::test]
async fn late_elderly_family_and_level_three_kanji() {
    let env = Env::start().await;
    let v = check(&env, WATANABE).await;
    assert_eq!(v["qualification_validity"], "1");
    let r = &v["results"][0];
    assert_eq!(r["partial_contribution_ratio"], "010");
    assert_eq!(r["specific_diseases"][0]["disease_category"], "1");
    assert_eq!(r["specific_diseases"][0]["self_pay"], 10000);

    let v = check(&env, TAKAHASHI).await;
    assert_eq!(v["results"][0]["personal_family_classification"], "2");
    assert_eq!(v["results"][0]["insured_name"], "高橋　健一");

    let v = check(&env, YOSHIDA).await;
    assert_eq!(v["results"][0]["name"], "𠮷田　太郎");
    assert_eq!(v["results"][0]["name_of_other"], "吉田　太郎");
}

#[tokio::test]
async fn every_check_is_audited_without_serials() {
    let env = Env::start().await;
    check(&env, SATO).await;
    let c = env.client(Some(T1));
    let unknown = ("06139999", Some("千代"), "99999", Some("01"));
    post(
        &c,
        &env.url("/v1/eligibility"),
        &request(&env, env.assertion(unknown)),
    )
    .await;
    let rows = env.running.insurer().audit_rows().unwrap();
    let checks: Vec<_> = rows.iter().filter(|r| r.action == "eligibility").collect();
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[0].terminal_id.as_deref(), Some(T1));
    assert_eq!(checks[0].subject.as_deref(), Some(SUB));
    assert_eq!(checks[0].number.as_deref(), Some("10001"));
    assert_eq!(checks[0].outcome, "validity:1");
    // A number no record carries was never linked.
    assert_eq!(checks[1].outcome, "link_not_owned");
    assert_eq!(checks[1].number.as_deref(), Some("99999"));
    // The schema has no column that could hold a certificate serial.
    let conn = rusqlite_columns(&env);
    assert!(
        conn.iter()
            .all(|c| !c.contains("serial") && !c.contains("cert")),
        "{conn:?}"
    );
}

fn rusqlite_columns(env: &Env) -> Vec<String> {
    let db = rusqlite::Connection::open(env.dir.path().join("insurer.sqlite")).unwrap();
    let mut out = vec![];
    for table in [
        "records",
        "bulk_prechecks",
        "audit",
        "links",
        "used_assertions",
    ] {
        let mut stmt = db
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .unwrap();
        let cols = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
        out.extend(cols.map(|c| c.unwrap()));
    }
    assert!(out.len() > 10);
    out
}
