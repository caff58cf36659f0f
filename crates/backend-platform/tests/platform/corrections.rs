//! A holder's sex legally changed (a gender recognition): the municipal office issues a new
//! signature certificate carrying it, the card keeps its authentication certificate, and
//! the card's enrollment is refused `holder_conflict` (`signature_of_another_person`). The
//! operator's `madoguchi-platform holders accept-correction`, run as the built binary on
//! the suite's storage, records the document they saw and accepts the new certificate for
//! the holder the refusal named; the next enrollment with the card then joins that holder
//! and keeps their links. Refused, and changing nothing: a reference that is not one, a card
//! whose refusal is not this conflict, a card of another holder, and the same acceptance
//! twice; and once the card is enrolled, there is nothing left to accept.

use std::path::Path;

use counter_api::platform::{ChallengePurpose, EnrollmentResponse, IdentificationResponse};

use crate::holders::renewed_sato_as;
use crate::operator::{run, stderr_of_failure, stdout, write_config};
use crate::reissued_auth::{auth_file, with_auth_of};
use crate::support::*;

/// The document the operator saw: the family court's decision of the gender recognition,
/// by its kind only (no number reaches the audit trail).
const EVIDENCE: &str = "court-decision";

/// `holders accept-correction` for the certificate at `auth` with `evidence`.
fn accept(config: &Path, auth: &Path, evidence: &str) -> std::process::Output {
    run(
        config,
        &[
            "holders",
            "accept-correction",
            "--auth",
            auth.to_str().unwrap(),
            "--evidence",
            evidence,
            "--operator",
            "op-yamada",
        ],
    )
}

fn one(env: &Env, sql: &str) -> String {
    env.platform_rows(sql).concat()
}

fn acceptances(env: &Env) -> String {
    one(
        env,
        "SELECT CAST(count(*) AS TEXT) FROM audit WHERE action = 'accept_correction'",
    )
}

/// The acquirer (a card issuer) updates its record of the card token's holder after the
/// change: its own records follow the family register, the platform's do not.
fn acquirer_record_says_male(env: &Env) {
    let c = rusqlite::Connection::open(env.dir.path().join("acquirer.sqlite")).unwrap();
    let n = c
        .execute(
            "UPDATE card_tokens SET holder_sex = 'male' WHERE card_token_ref = 'tok_sato-hanako'",
            [],
        )
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn the_operator_accepts_a_legally_changed_sex_and_the_card_enrols_under_its_holder() {
    let env = Env::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&env, dir.path());
    let c = env.client(Some(T1));
    let (s, _, v) = enroll(&env, &c, &Card::load("sato-hanako")).await;
    assert_eq!(s, 200, "{v}");
    let sato = one(&env, "SELECT subject_id FROM subjects");

    // Her card with a new signature certificate naming her new sex: refused, the operator
    // named.
    let corrected = renewed_sato_as(0x0631_C0F1, (1985, 4, 12), testkit::Sex::Male);
    let v = assert_problem(&enroll(&env, &c, &corrected).await, 409, "holder_conflict");
    assert_eq!(v["reason"], "signature_of_another_person", "{v}");
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("madoguchi-platform holders accept-correction"),
        "{v}"
    );
    let her_auth = auth_file(dir.path(), "auth.pem", &corrected);

    // Refused, nothing written: a document number in place of the document's kind (so
    // that none reaches the audit trail); a card whose refusal is another conflict (a
    // re-issued authentication certificate: no holder to correct); another holder's card,
    // whose holder no such refusal names.
    let err = stderr_of_failure(&accept(&config, &her_auth, "戸籍全部事項証明書 第1234号"));
    assert!(
        err.contains("family-register-full") && err.contains("court-decision"),
        "{err}"
    );
    let reissued = with_auth_of("tanaka-yuki");
    let v = assert_problem(&enroll(&env, &c, &reissued).await, 409, "holder_conflict");
    assert_eq!(v["reason"], "signature_linked_elsewhere", "{v}");
    let other_conflict = auth_file(dir.path(), "reissued.pem", &reissued);
    let err = stderr_of_failure(&accept(&config, &other_conflict, EVIDENCE));
    assert!(
        err.contains("linked to no holder") && err.contains("holders attach-auth"),
        "{err}"
    );
    let (s, _, v) = enroll(&env, &c, &Card::load("kobayashi-mei")).await;
    assert_eq!(s, 200, "{v}");
    let kobayashi = auth_file(dir.path(), "kobayashi.pem", &Card::load("kobayashi-mei"));
    let err = stderr_of_failure(&accept(&config, &kobayashi, EVIDENCE));
    assert!(
        err.contains("no enrollment of this card was refused because its new signature certificate names another birth date or sex"),
        "{err}"
    );
    assert_eq!(acceptances(&env), "0");
    let v = assert_problem(&enroll(&env, &c, &corrected).await, 409, "holder_conflict");
    assert_eq!(v["reason"], "signature_of_another_person", "{v}");

    // Accepted: the audit row names her holder, the new certificate, who checked what.
    let serial = format!("{:08x}", corrected.sign_serial());
    let said = stdout(&accept(&config, &her_auth, EVIDENCE));
    assert!(
        said.starts_with(&format!(
            "accepted signature certificate {serial} for holder {sato} (cor_"
        )) && said.contains(&format!("checked by op-yamada against {EVIDENCE}")),
        "{said}"
    );
    let row = one(
        &env,
        "SELECT outcome || '|' || subject_id || '|' || cert_serial || '|' || reason \
         FROM audit WHERE action = 'accept_correction'",
    );
    let (head, reason) = row.rsplit_once('|').unwrap();
    assert_eq!(head, format!("ok|{sato}|{serial}"), "{row}");
    assert!(
        reason.starts_with("cor_")
            && reason.ends_with(&format!(": operator op-yamada checked {EVIDENCE}")),
        "{row}"
    );
    let err = stderr_of_failure(&accept(&config, &her_auth, EVIDENCE));
    assert!(err.contains("accepted for this holder already"), "{err}");
    assert_eq!(acceptances(&env), "1");

    // Her card enrols under her holder, which keeps its links: the acquirer, which updated
    // its record, confirms; the insurer, whose record still says female, refuses and her
    // insurance link stays as it was.
    acquirer_record_says_male(&env);
    let (s, _, v) = enroll(&env, &c, &corrected).await;
    assert_eq!(s, 200, "{v}");
    let enrolled: EnrollmentResponse = serde_json::from_value(v).unwrap();
    let mut linked: Vec<&str> = enrolled
        .linked
        .iter()
        .map(|e| e.service_id.as_str())
        .collect();
    linked.sort_unstable();
    assert_eq!(linked, [ACQUIRER, INSURER]);
    let refused: Vec<String> = enrolled
        .refused
        .iter()
        .map(|r| format!("{}:{}", r.service_id, r.reason_code()))
        .collect();
    assert_eq!(refused, [format!("{INSURER}:mismatch_sex")]);
    assert_eq!(
        one(&env, "SELECT CAST(count(*) AS TEXT) FROM subjects"),
        "2",
        "hers and kobayashi-mei's"
    );
    assert_eq!(
        one(
            &env,
            &format!("SELECT subject_id FROM sign_certificates WHERE serial = '{serial}'")
        ),
        sato
    );

    // The card identifies with her links; enrolled, there is nothing left to accept.
    let ch = challenge(&env, &c, ChallengePurpose::Identify, None).await;
    let (s, _, v) = post(&c, &env.url("/v1/identifications"), &corrected.answer(&ch)).await;
    assert_eq!(s, 200, "{v}");
    let menu: IdentificationResponse = serde_json::from_value(v).unwrap();
    let mut services: Vec<&str> = menu.menu.iter().map(|e| e.service_id.as_str()).collect();
    services.sort_unstable();
    assert_eq!(services, [ACQUIRER, INSURER]);
    let err = stderr_of_failure(&accept(&config, &her_auth, EVIDENCE));
    assert!(
        err.contains("no enrollment of this card was refused"),
        "{err}"
    );
    assert_eq!(acceptances(&env), "1");
    env.shutdown().await;
}
