//! An authentication certificate re-issued alone: the card's enrollment is refused
//! `holder_conflict` (`signature_linked_elsewhere`), and the operator's
//! `madoguchi-platform holders attach-auth`, run as the built binary on the suite's
//! storage, attaches it to the holder its refusal named once the birth date on the
//! customer's identity document is the one on the holder's signature certificate. The card
//! then identifies with the holder's links and enrols again, and the audit row says who
//! checked which document. Refused, and changing nothing: a date that differs, an operator
//! id that is not one, a certificate no refusal names, one attached already, and one that
//! its refusal named for one holder but that is linked to another.

use std::path::Path;

use counter_api::platform::{ChallengePurpose, IdentificationResponse};

use crate::operator::{run, stderr_of_failure, stdout, write_config};
use crate::support::*;

/// sato-hanako's card with its authentication certificate re-issued: her signature
/// certificate and key, and the authentication certificate and key of `other`'s card (an
/// authentication certificate names no one).
pub fn with_auth_of(other: &str) -> Card {
    let mut persona = testkit::load_persona("sato-hanako").unwrap();
    let other = testkit::load_persona(other).unwrap();
    persona.pem.auth_certificate = other.pem.auth_certificate;
    persona.pem.auth_private_key = other.pem.auth_private_key;
    Card { persona }
}

/// Writes `card`'s authentication certificate as `madoguchi-card read-cert auth` prints it
/// (summary lines, then the PEM) into `dir`; its path.
pub fn auth_file(dir: &Path, name: &str, card: &Card) -> std::path::PathBuf {
    let path = dir.join(name);
    let printed = format!(
        "authentication certificate, serial {:08x}\n  verdict:  ACCEPTED\n{}",
        card.auth_serial(),
        card.persona.pem.auth_certificate
    );
    std::fs::write(&path, printed).unwrap();
    path
}

/// `holders attach-auth` for the certificate at `auth` with `birth_date` and `operator`,
/// the My Number card as the document checked.
fn attach(config: &Path, auth: &Path, birth_date: &str, operator: &str) -> std::process::Output {
    run(
        config,
        &[
            "holders",
            "attach-auth",
            "--auth",
            auth.to_str().unwrap(),
            "--birth-date",
            birth_date,
            "--document",
            "my-number-card",
            "--operator",
            operator,
        ],
    )
}

fn one(env: &Env, sql: &str) -> String {
    env.platform_rows(sql).concat()
}

/// The holders and rows of `auth_certificates`: `holders:rows`.
fn auth_rows(env: &Env) -> String {
    one(
        env,
        "SELECT CAST(count(DISTINCT subject_id) AS TEXT) || ':' || CAST(count(*) AS TEXT) \
         FROM auth_certificates",
    )
}

#[tokio::test]
async fn the_operator_attaches_a_reissued_authentication_certificate_to_the_holder_its_refusal_named()
 {
    let env = Env::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&env, dir.path());
    let c = env.client(Some(T1));
    let (s, _, v) = enroll(&env, &c, &Card::load("sato-hanako")).await;
    assert_eq!(s, 200, "{v}");
    let sato = one(&env, "SELECT subject_id FROM subjects");

    // Her card with a new authentication certificate: refused, the operator named.
    let reissued = with_auth_of("tanaka-yuki");
    let v = assert_problem(&enroll(&env, &c, &reissued).await, 409, "holder_conflict");
    assert_eq!(v["reason"], "signature_linked_elsewhere", "{v}");
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("madoguchi-platform holders attach-auth"),
        "{v}"
    );
    let new_auth = auth_file(dir.path(), "auth.pem", &reissued);

    // Refused, nothing changed: a birth date that is not hers, an operator id that is not
    // one, a certificate no refused enrollment names.
    let err = stderr_of_failure(&attach(&config, &new_auth, "1985-04-13", "op-yamada"));
    assert!(
        err.contains("the birth date on the identity document is not the one"),
        "{err}"
    );
    let err = stderr_of_failure(&attach(&config, &new_auth, "1985-04-12", "yamada taro"));
    assert!(err.contains("is not an operator id"), "{err}");
    let never = auth_file(dir.path(), "never.pem", &Card::load("suzuki-ichiro"));
    let err = stderr_of_failure(&attach(&config, &never, "1985-04-12", "op-yamada"));
    assert!(
        err.contains("no enrollment of this authentication certificate was refused"),
        "{err}"
    );
    assert_eq!(auth_rows(&env), "1:1");
    assert_eq!(
        one(
            &env,
            "SELECT CAST(count(*) AS TEXT) FROM audit WHERE action = 'attach_auth'"
        ),
        "0"
    );

    // Attached: her holder has both authentication certificates, and the audit row says
    // who checked which document.
    let said = stdout(&attach(&config, &new_auth, "1985-04-12", "op-yamada"));
    assert!(
        said.starts_with("attached authentication certificate ")
            && said.contains(&format!(" to holder {sato} (att_"))
            && said.contains("checked by op-yamada against the my-number-card"),
        "{said}"
    );
    assert_eq!(auth_rows(&env), "1:2");
    let serial = format!("{:08x}", reissued.auth_serial());
    let row = one(
        &env,
        "SELECT outcome || '|' || subject_id || '|' || cert_serial || '|' || reason \
         FROM audit WHERE action = 'attach_auth'",
    );
    let (head, reason) = row.rsplit_once('|').unwrap();
    assert_eq!(head, format!("ok|{sato}|{serial}"), "{row}");
    assert!(
        reason.starts_with("att_")
            && reason.ends_with(": operator op-yamada checked the my-number-card"),
        "{row}"
    );

    // The card identifies with her links, and enrols again under her holder.
    let ch = challenge(&env, &c, ChallengePurpose::Identify, None).await;
    let (s, _, v) = post(&c, &env.url("/v1/identifications"), &reissued.answer(&ch)).await;
    assert_eq!(s, 200, "{v}");
    let menu: IdentificationResponse = serde_json::from_value(v).unwrap();
    let mut services: Vec<&str> = menu.menu.iter().map(|e| e.service_id.as_str()).collect();
    services.sort_unstable();
    assert_eq!(services, [ACQUIRER, INSURER]);
    let (s, _, v) = enroll(&env, &c, &reissued).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        one(&env, "SELECT CAST(count(*) AS TEXT) FROM subjects"),
        "1"
    );

    // Attached already: refused, nothing written.
    let err = stderr_of_failure(&attach(&config, &new_auth, "1985-04-12", "op-yamada"));
    assert!(err.contains("linked to its holder already"), "{err}");
    assert_eq!(auth_rows(&env), "1:2");

    // A certificate refused with her signature certificate, then enrolled as its own
    // card's (another holder): the two are under two holders, refused.
    let mixed = with_auth_of("kobayashi-mei");
    let v = assert_problem(&enroll(&env, &c, &mixed).await, 409, "holder_conflict");
    assert_eq!(v["reason"], "signature_linked_elsewhere", "{v}");
    let (s, _, v) = enroll(&env, &c, &Card::load("kobayashi-mei")).await;
    assert_eq!(s, 200, "{v}");
    let hers = auth_file(dir.path(), "kobayashi.pem", &mixed);
    let err = stderr_of_failure(&attach(&config, &hers, "1985-04-12", "op-yamada"));
    assert!(
        err.contains("linked to another holder than the one its refused enrollment names"),
        "{err}"
    );
    assert_eq!(auth_rows(&env), "2:3");
    assert_eq!(
        one(
            &env,
            "SELECT CAST(count(*) AS TEXT) FROM audit WHERE action = 'attach_auth'"
        ),
        "1"
    );
    env.shutdown().await;
}
