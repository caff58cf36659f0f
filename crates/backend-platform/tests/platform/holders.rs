//! One card, one holder (`backend_platform::core::holder`): an enrollment whose two
//! certificates the registry links to different holders is refused `409 holder_conflict`
//! before any service is asked, and changes nothing; a card enrolled again, a renewed
//! signature certificate and a re-issued card enrol. The registry's states are made by SQL
//! that means the same on both storages.

use crate::support::*;

/// Runs `sql` (a statement returning one text column) on the platform's storage.
fn run(env: &Env, sql: &str) {
    env.platform_rows(sql);
}

fn count(env: &Env, table: &str) -> String {
    env.platform_rows(&format!("SELECT CAST(count(*) AS TEXT) FROM {table}"))
        .concat()
}

/// The platform's audit rows of link confirmations and enrollments: `action:outcome`.
fn link_audit(env: &Env) -> Vec<String> {
    env.platform_rows(
        "SELECT action || ':' || outcome FROM audit \
         WHERE action IN ('link_confirm', 'enroll') ORDER BY id",
    )
}

/// Enrols sato-hanako (her insurance and card token, both confirmed); fails unless stored.
async fn enrol_sato(env: &Env, c: &reqwest::Client) {
    let (s, _, v) = enroll(env, c, &Card::load("sato-hanako")).await;
    assert_eq!(s, 200, "{v}");
}

/// Asserts a `409 holder_conflict` with `reason`, before any service was asked: the audit
/// holds only the first enrollment's rows and the refusal, and the registry only the first
/// enrollment.
async fn assert_refused(env: &Env, c: &reqwest::Client, reason: &str) {
    let before = link_audit(env);
    let v = assert_problem(
        &enroll(env, c, &Card::load("sato-hanako")).await,
        409,
        "holder_conflict",
    );
    assert_eq!(v["reason"], reason, "{v}");
    assert_eq!(v["field"], "sign_certificate", "{v}");
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains("nothing was stored") && detail.contains("enrol again"),
        "says what happened and what to do: {detail}"
    );
    let mut expected = before;
    expected.push("enroll:holder_conflict".into());
    assert_eq!(link_audit(env), expected, "no service was asked");
    assert_eq!(count(env, "enrollments"), "1");
}

#[tokio::test]
async fn certificates_linked_to_two_holders_are_refused_before_any_service_is_asked() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    enrol_sato(&env, &c).await;
    // Her signature certificate now belongs to another holder.
    run(
        &env,
        "INSERT INTO subjects (subject_id, created_at) VALUES ('sub_other', 1) RETURNING ''",
    );
    run(
        &env,
        "UPDATE sign_certificates SET subject_id = 'sub_other' RETURNING ''",
    );
    assert_refused(&env, &c, "two_holders").await;
    env.shutdown().await;
}

#[tokio::test]
async fn a_new_authentication_certificate_does_not_join_the_holder_of_its_signature_certificate() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    enrol_sato(&env, &c).await;
    // The holder of her signature certificate was enrolled with another authentication
    // certificate: hers is new to the registry.
    run(
        &env,
        "UPDATE auth_certificates SET serial = 'ff' || serial RETURNING ''",
    );
    assert_refused(&env, &c, "signature_linked_elsewhere").await;
    assert_eq!(count(&env, "auth_certificates"), "1");
    env.shutdown().await;
}

#[tokio::test]
async fn a_card_enrolled_again_a_new_signature_certificate_and_a_reissued_card_enrol() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    // The same card again: the same holder.
    enrol_sato(&env, &c).await;
    enrol_sato(&env, &c).await;
    assert_eq!(count(&env, "subjects"), "1");
    assert_eq!(count(&env, "sign_certificates"), "1");
    // A new signature certificate (she moved): her holder, with both signature
    // certificates.
    run(
        &env,
        "UPDATE sign_certificates SET serial = 'ff' || serial RETURNING ''",
    );
    enrol_sato(&env, &c).await;
    assert_eq!(count(&env, "subjects"), "1");
    assert_eq!(
        env.platform_rows(
            "SELECT CAST(count(DISTINCT subject_id) AS TEXT) || ':' || CAST(count(*) AS TEXT) \
             FROM sign_certificates"
        ),
        ["1:2"]
    );
    // A re-issued card (both certificates new): a new holder.
    run(
        &env,
        "UPDATE auth_certificates SET serial = 'ee' || serial RETURNING ''",
    );
    run(
        &env,
        "UPDATE sign_certificates SET serial = 'ee' || serial RETURNING ''",
    );
    enrol_sato(&env, &c).await;
    assert_eq!(count(&env, "subjects"), "2");
    env.shutdown().await;
}
