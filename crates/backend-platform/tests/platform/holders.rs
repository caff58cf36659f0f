//! One card, one holder (`backend_platform::core::holder`): an enrollment whose two
//! certificates the registry links to different holders, or whose new signature certificate
//! names another birth date or sex than its holder's, is refused `409 holder_conflict`
//! before any service is asked, and changes nothing; a card enrolled again, a renewed
//! signature certificate and a re-issued card enrol. The registry's states are made by SQL
//! that means the same on both storages, or by certificates issued here.

use crate::support::*;

/// sato-hanako's card with a new signature certificate for her own signature key, issued
/// here under the same root and municipality with serial `serial` and the birth date
/// `birth` (hers is 1985-04-12), her name, sex and address; the application is entered as
/// the certificate reads.
pub fn renewed_sato(serial: u32, birth: (u16, u8, u8)) -> Card {
    let sex = testkit::load_persona("sato-hanako").unwrap().sex;
    renewed_sato_as(serial, birth, sex)
}

/// [`renewed_sato`] with the sex `sex` on the certificate (and in the application).
pub fn renewed_sato_as(serial: u32, birth: (u16, u8, u8), sex: testkit::Sex) -> Card {
    let mut persona = testkit::load_persona("sato-hanako").unwrap();
    let key =
        testkit::TestKey::from_pkcs8_pem("sign", persona.pem.sign_private_key.as_deref().unwrap())
            .unwrap();
    let mut spec = testkit::CertSpec::sign(testkit::Generation::G3).unwrap();
    spec.serial = serial;
    spec.card_id = testkit::holder::card_id("sato-hanako renewed");
    spec.municipality = testkit::Municipality::new("Tokyo-to", "Chiyoda-ku");
    spec.holder = testkit::Holder::new(
        &persona.name,
        testkit::Date::new(birth.0, birth.1, birth.2).unwrap(),
        sex,
        &persona.address,
    );
    spec.subject_key = Some(key.public_key_info().unwrap());
    let der = spec.issue(pki()).unwrap();
    persona.pem.sign_certificate =
        Some(der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &der).unwrap());
    persona.birth_date = format!("{:04}-{:02}-{:02}", birth.0, birth.1, birth.2);
    persona.sex = sex;
    Card { persona }
}

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

#[tokio::test]
async fn a_new_signature_certificate_joins_its_holder_only_with_the_holders_birth_date_and_sex() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    enrol_sato(&env, &c).await;
    // Renewed (a new certificate and serial, her four attributes): her holder, with both.
    let (s, _, v) = enroll(&env, &c, &renewed_sato(0x0631_A0F1, (1985, 4, 12))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(count(&env, "subjects"), "1");
    assert_eq!(count(&env, "sign_certificates"), "2");
    // A new signature certificate naming another birth date with her authentication
    // certificate: refused before any service is asked, nothing stored.
    let before = link_audit(&env);
    let v = assert_problem(
        &enroll(&env, &c, &renewed_sato(0x0631_A0F2, (1985, 4, 13))).await,
        409,
        "holder_conflict",
    );
    assert_eq!(v["reason"], "signature_of_another_person", "{v}");
    assert_eq!(v["field"], "sign_certificate", "{v}");
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains("names another birth date than that holder's last one")
            && detail.contains("nothing was stored"),
        "{detail}"
    );
    let mut expected = before;
    expected.push("enroll:holder_conflict".into());
    assert_eq!(link_audit(&env), expected, "no service was asked");
    assert_eq!(count(&env, "sign_certificates"), "2");
    assert_eq!(count(&env, "enrollments"), "2");
    // Her own card still enrols (its signature certificate is known under her holder).
    enrol_sato(&env, &c).await;
    assert_eq!(count(&env, "subjects"), "1");
    env.shutdown().await;
}
