//! Members of a family share 記号・番号 and differ only by 枝番, which older cards do not
//! print (docs/domain/eligibility.md §2.9): a father and his son may both enrol the same
//! link without a branch. Each is confirmed as his own person of the register and bound
//! on his own: neither enrolment unlinks the other, each assertion reads only its
//! holder's record, and only the same person enrolling again (a new card, another
//! subject) replaces a binding.

use counter_api::attributes::CertifiedAttributes;
use counter_api::platform::Sex;
use serde_json::{Value, json};

use crate::support::*;

/// The 高橋 family's link as a card without 枝番 carries it.
const FAMILY: Linkage<'static> = ("06139999", Some("福岡"), "10005", None);
const FATHER: &str = "pairwise-subject-father";
const SON: &str = "pairwise-subject-son";

/// 高橋 健一, the insured person (本人, 枝番 01 in the register).
fn father() -> CertifiedAttributes {
    CertifiedAttributes {
        name: "高橋　健一".into(),
        name_substituted: vec![],
        address: "福岡県福岡市中央区天神九丁目９番９号".into(),
        address_substituted: vec![],
        birth_date: "1980-01-15".into(),
        sex: Sex::Male,
    }
}

/// His son, the persona takahashi-ken (家族, 枝番 02).
fn son() -> CertifiedAttributes {
    persona_holder("takahashi-ken")
}

/// An eligibility check by an assertion of `sub` for the family's link.
async fn check_as(env: &Env, sub: &str) -> (reqwest::StatusCode, String, Value) {
    let mut claims = env.claims(FAMILY);
    claims.sub = sub.into();
    post(
        &env.client(Some(T1)),
        &env.url("/v1/eligibility"),
        &request(env, env.signer.sign(&claims).unwrap()),
    )
    .await
}

/// Asserts a `200` answering exactly one record, of `name` born `birth_date`, and that
/// nothing of `other_birth_date` (the other family member's) is in it; returns it.
async fn own_record(env: &Env, sub: &str, name: &str, birth_date: &str, other: &str) -> Value {
    let (s, _, v) = check_as(env, sub).await;
    assert_eq!(s, 200, "{sub}: {v}");
    assert_eq!(v["qualification_validity"], "1", "{sub}: {v}");
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{sub}: {v}");
    assert_eq!(results[0]["name"], name, "{sub}: {v}");
    assert_eq!(results[0]["birth_date"], birth_date, "{sub}: {v}");
    assert!(!v.to_string().contains(other), "{sub}: {other} in {v}");
    v
}

async fn father_reads_his_own(env: &Env, sub: &str) -> Value {
    let v = own_record(env, sub, "高橋　健一", "19800115", "20110820").await;
    assert_eq!(v["results"][0]["branch"], "01");
    v
}

async fn son_reads_his_own(env: &Env, sub: &str) -> Value {
    let v = own_record(env, sub, "高橋　健", "20110820", "19800115").await;
    assert_eq!(v["results"][0]["branch"], "02");
    assert_eq!(v["results"][0]["personal_family_classification"], "2");
    v
}

fn confirmed(got: (reqwest::StatusCode, String, Value)) {
    assert_eq!(
        (got.0.as_u16(), got.2.clone()),
        (200, json!({"outcome": "confirmed"}))
    );
}

/// The reasons of the `link` audit rows, in order.
fn link_reasons(env: &Env) -> Vec<String> {
    env.running
        .insurer()
        .audit_rows()
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "link")
        .map(|r| r.reason.unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn two_members_of_a_family_enrol_one_number_and_both_keep_their_own_record() {
    let env = Env::start().await;
    confirmed(env.link_as(FAMILY, FATHER, father()).await);
    father_reads_his_own(&env, FATHER).await;
    // The son enrols the same card identifiers: he is bound as himself, beside his father.
    confirmed(env.link_as(FAMILY, SON, son()).await);
    son_reads_his_own(&env, SON).await;
    father_reads_his_own(&env, FATHER).await;
    // Each enrolling again from his own card changes nothing for the other.
    confirmed(env.link_as(FAMILY, FATHER, father()).await);
    confirmed(env.link_as(FAMILY, SON, son()).await);
    father_reads_his_own(&env, FATHER).await;
    son_reads_his_own(&env, SON).await;
    // Neither link replaced another subject's binding.
    let reasons = link_reasons(&env);
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(
        reasons.iter().all(|r| !r.contains("replaced")),
        "{reasons:?}"
    );
    // A subject that enrolled no one of the family reads nothing.
    assert_problem(
        &check_as(&env, "pairwise-subject-stranger").await,
        403,
        "link_not_owned",
    );
    // The son's release removes his binding only.
    let c = env.platform_client();
    let url = env.url("/v1/links/release");
    let release = |sub: &str| json!({"sub": sub, "link": service_data(FAMILY)});
    let (_, _, v) = post(&c, &url, &release(SON)).await;
    assert_eq!(v, json!({"released": true}));
    assert_problem(&check_as(&env, SON).await, 403, "link_not_owned");
    father_reads_his_own(&env, FATHER).await;
    let (_, _, v) = post(&c, &url, &release(SON)).await;
    assert_eq!(v, json!({"released": false}), "nothing of his is left");
    father_reads_his_own(&env, FATHER).await;
    // The bindings survive a restart, each with its own person.
    confirmed(env.link_as(FAMILY, SON, son()).await);
    let env = env.restart().await;
    father_reads_his_own(&env, FATHER).await;
    son_reads_his_own(&env, SON).await;
}

#[tokio::test]
async fn the_same_person_enrolled_again_replaces_only_his_own_binding() {
    let env = Env::start().await;
    confirmed(env.link_as(FAMILY, FATHER, father()).await);
    confirmed(env.link_as(FAMILY, SON, son()).await);
    // The father enrols again with a new card: another pairwise subject.
    let new_card = "pairwise-subject-father-new-card";
    confirmed(env.link_as(FAMILY, new_card, father()).await);
    let reasons = link_reasons(&env);
    assert!(
        reasons.last().unwrap().contains("replaced"),
        "the replacement is audited: {reasons:?}"
    );
    assert_eq!(
        reasons.iter().filter(|r| r.contains("replaced")).count(),
        1,
        "{reasons:?}"
    );
    let p = assert_problem(&check_as(&env, FATHER).await, 403, "link_not_owned");
    assert!(p["detail"].as_str().unwrap().contains("enrol"), "{p}");
    father_reads_his_own(&env, new_card).await;
    son_reads_his_own(&env, SON).await;
    // The old card no longer owns anything to release.
    let c = env.platform_client();
    let url = env.url("/v1/links/release");
    let (_, _, v) = post(
        &c,
        &url,
        &json!({"sub": FATHER, "link": service_data(FAMILY)}),
    )
    .await;
    assert_eq!(v, json!({"released": false}));
    father_reads_his_own(&env, new_card).await;
}
