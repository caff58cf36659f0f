//! Links confirmed by their service: the real insurer and acquirer compare their records
//! with the signature certificate's attributes before the platform stores anything; a
//! record of another person is refused naming the attribute, nothing is stored, and every
//! side's audit says so. The platform's notices about a linked signature certificate
//! (revoked since, or not checkable) are never silent.

use counter_api::platform::{
    ChallengePurpose, EnrollmentResponse, IdentificationResponse, InsuranceLink, Notice,
    PaymentLink, ServiceLink,
};
use madoguchi_time::UnixTime;

use crate::support::*;

fn insurance(symbol: &str, number: &str, branch: &str) -> ServiceLink {
    insurance_of("06139999", symbol, number, branch)
}

fn insurance_of(insurer: &str, symbol: &str, number: &str, branch: &str) -> ServiceLink {
    ServiceLink::Insurance(InsuranceLink {
        service_id: INSURER.into(),
        insurer_number: insurer.into(),
        symbol: Some(symbol.into()),
        number: number.into(),
        branch: Some(branch.into()),
    })
}

fn token(card_token_ref: &str) -> ServiceLink {
    ServiceLink::Payment(PaymentLink {
        service_id: ACQUIRER.into(),
        card_token_ref: card_token_ref.into(),
        brand: Some("VISA".into()),
        last4: Some("4242".into()),
    })
}

/// Enrols `card` asking for `services`.
async fn enrol_with(
    env: &Env,
    c: &reqwest::Client,
    card: &Card,
    services: Vec<ServiceLink>,
) -> (reqwest::StatusCode, String, serde_json::Value) {
    let ch = challenge(env, c, ChallengePurpose::Enroll, None).await;
    let mut app = card.application(&ch.challenge_id);
    app.services = services;
    post(c, &env.url("/v1/enrollments"), &card.enrollment(&ch, app)).await
}

/// Identifies `card`; the answer.
async fn identify(
    env: &Env,
    c: &reqwest::Client,
    card: &Card,
) -> (reqwest::StatusCode, String, serde_json::Value) {
    let ch = challenge(env, c, ChallengePurpose::Identify, None).await;
    post(c, &env.url("/v1/identifications"), &card.answer(&ch)).await
}

/// Rows of a table of one of the databases in the test folder.
fn rows(env: &Env, db: &str, sql: &str) -> Vec<String> {
    if db == "platform.sqlite" {
        return env.platform_rows(sql);
    }
    let c = rusqlite::Connection::open(env.dir.path().join(db)).unwrap();
    let mut st = c.prepare(sql).unwrap();
    st.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test]
async fn another_persons_insurance_number_is_refused_and_nothing_is_stored() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let sato = Card::load("sato-hanako");
    // 佐藤 花子 with 鈴木 一郎's insurance number.
    let got = enrol_with(&env, &c, &sato, vec![insurance("大阪", "10002", "01")]).await;
    refused_on_the_name(&got, INSURER);
    // Nothing is stored: the card is linked to nothing.
    assert_nothing_stored(&env, &c, &sato).await;
    // Every side's audit says so.
    env.running.platform().audit.flush();
    let platform = rows(
        &env,
        "platform.sqlite",
        "SELECT action || ':' || outcome FROM audit WHERE action IN ('link_confirm', 'enroll') ORDER BY id",
    );
    assert_eq!(
        platform,
        ["link_confirm:mismatch_name", "enroll:link_refused"]
    );
    let insurer = rows(
        &env,
        "insurer.sqlite",
        "SELECT outcome FROM audit WHERE action = 'link' ORDER BY id",
    );
    assert_eq!(insurer, ["mismatch:name"]);
    env.shutdown().await;
}

#[tokio::test]
async fn same_name_other_birth_date_is_refused_on_the_birth_date() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let mei = Card::load("kobayashi-mei");
    // The register holds another 小林 芽衣, born on another day, under 5550002.
    let other = insurance_of("00140004", "中原", "5550002", "00");
    let v = assert_problem(
        &enrol_with(&env, &c, &mei, vec![other]).await,
        422,
        "link_refused",
    );
    assert_eq!(v["reason"], "mismatch_birth_date");
    // Her own record under 5550001 is confirmed.
    let own = insurance_of("00140004", "中原", "5550001", "00");
    let (s, _, v) = enrol_with(&env, &c, &mei, vec![own]).await;
    assert_eq!(s, 200, "{v}");
    env.shutdown().await;
}

#[tokio::test]
async fn another_persons_card_token_is_refused_and_the_rest_is_linked() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let sato = Card::load("sato-hanako");
    // Her own insurance, and 鈴木 一郎's card token.
    let got = enrol_with(
        &env,
        &c,
        &sato,
        vec![insurance("千代", "10001", "01"), token("tok_suzuki-ichiro")],
    )
    .await;
    assert_eq!(got.0, 200, "{}", got.2);
    let r: EnrollmentResponse = serde_json::from_value(got.2).unwrap();
    assert_eq!(r.linked.len(), 1);
    assert_eq!(r.linked[0].service_id, INSURER);
    assert_eq!(r.refused.len(), 1);
    assert_eq!(
        (r.refused[0].index, r.refused[0].reason_code()),
        (1, "mismatch_name".into())
    );
    // The menu offers what was confirmed only.
    let (s, _, v) = identify(&env, &c, &sato).await;
    assert_eq!(s, 200, "{v}");
    let menu: IdentificationResponse = serde_json::from_value(v).unwrap();
    let services: Vec<&str> = menu.menu.iter().map(|e| e.service_id.as_str()).collect();
    assert_eq!(services, [INSURER]);
    let owners = rows(
        &env,
        "acquirer.sqlite",
        "SELECT card_token_ref FROM card_tokens WHERE owner_sub IS NOT NULL",
    );
    assert!(owners.is_empty(), "no token is bound: {owners:?}");
    // The platform's audit: each service's answer, and the enrollment stored with the
    // refusal named.
    assert_eq!(
        link_audit(&env),
        [
            format!("link_confirm:confirmed:{INSURER}"),
            format!("link_confirm:mismatch_name:{ACQUIRER}"),
            format!("enroll:ok:{ACQUIRER}:mismatch_name"),
        ]
    );
    // The acquirer's journal: the mismatch on the name, for 鈴木 一郎's token, without
    // either person's attributes.
    assert_eq!(
        acquirer_links(&env),
        ["mismatch:name token=tok_suzuki-ichiro"]
    );
    env.shutdown().await;
}

/// The platform's audit rows of link confirmations and enrollments, in order:
/// `action:outcome:reason`.
fn link_audit(env: &Env) -> Vec<String> {
    rows(
        env,
        "platform.sqlite",
        "SELECT action || ':' || outcome || ':' || coalesce(reason, '') FROM audit \
         WHERE action IN ('link_confirm', 'enroll') ORDER BY id",
    )
}

/// The acquirer's journal rows of link confirmations: `outcome token=…`, after checking
/// that each names its enrollment and subject and holds no attribute.
fn acquirer_links(env: &Env) -> Vec<String> {
    rows(
        env,
        "acquirer.sqlite",
        "SELECT outcome || ' ' || reason FROM journal WHERE action = 'link' ORDER BY id",
    )
    .into_iter()
    .map(|row| {
        assert!(
            row.contains(" enrollment=enr_") && row.contains(" sub="),
            "{row}"
        );
        assert!(!row.contains("佐藤") && !row.contains("鈴木"), "{row}");
        row.split(" enrollment=").next().unwrap().to_owned()
    })
    .collect()
}

#[tokio::test]
async fn another_persons_card_token_alone_is_refused_and_nothing_is_stored() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let sato = Card::load("sato-hanako");
    // 佐藤 花子 with 鈴木 一郎's card token, and nothing else.
    let got = enrol_with(&env, &c, &sato, vec![token("tok_suzuki-ichiro")]).await;
    refused_on_the_name(&got, ACQUIRER);
    // Nothing is stored: no holder, no certificate, no link, no token bound.
    assert_nothing_stored(&env, &c, &sato).await;
    let owners = rows(
        &env,
        "acquirer.sqlite",
        "SELECT card_token_ref FROM card_tokens WHERE owner_sub IS NOT NULL",
    );
    assert!(owners.is_empty(), "no token is bound: {owners:?}");
    // The platform's audit and the acquirer's journal say so.
    assert_eq!(
        link_audit(&env),
        [
            format!("link_confirm:mismatch_name:{ACQUIRER}"),
            format!("enroll:link_refused:{ACQUIRER}:mismatch_name"),
        ]
    );
    assert_eq!(
        acquirer_links(&env),
        ["mismatch:name token=tok_suzuki-ichiro"]
    );
    env.shutdown().await;
}

#[tokio::test]
async fn a_service_that_cannot_be_reached_links_nothing_of_it() {
    let mut env = Env::start().await;
    let c = env.client(Some(T1));
    let sato = Card::load("sato-hanako");
    env.stop_insurer().await;
    let (s, _, v) = enrol_with(
        &env,
        &c,
        &sato,
        vec![insurance("千代", "10001", "01"), token("tok_sato-hanako")],
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let r: EnrollmentResponse = serde_json::from_value(v).unwrap();
    assert_eq!(r.linked.len(), 1, "the acquirer's link is made");
    assert_eq!(r.linked[0].service_id, ACQUIRER);
    assert_eq!(r.refused[0].reason_code(), "service_unavailable");
    env.shutdown().await;
}

#[tokio::test]
async fn a_link_replaced_by_another_is_released_at_its_service() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let sato = Card::load("sato-hanako");
    let (s, _, v) = enrol_with(&env, &c, &sato, vec![token("tok_sato-hanako")]).await;
    assert_eq!(s, 200, "{v}");
    let owned = "SELECT card_token_ref FROM card_tokens WHERE owner_sub IS NOT NULL ORDER BY 1";
    assert_eq!(rows(&env, "acquirer.sqlite", owned), ["tok_sato-hanako"]);
    // She links her second card instead: the first is released at the acquirer.
    let (s, _, v) = enrol_with(&env, &c, &sato, vec![token("tok_sato-hanako-2")]).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(rows(&env, "acquirer.sqlite", owned), ["tok_sato-hanako-2"]);
    env.running.platform().audit.flush();
    let released = rows(
        &env,
        "platform.sqlite",
        "SELECT outcome FROM audit WHERE action = 'link_release'",
    );
    assert_eq!(released, ["released"]);
    env.shutdown().await;
}

/// Makes every store of an enrollment fail on the platform's storage (a trigger refusing its
/// row), while challenges and audit rows are still written: the store fails after the
/// services confirmed, whatever the timing. (A writer holding the SQLite file would fail
/// the challenge's step too, before the services are asked.)
fn refuse_enrollments(env: &Env) {
    let sql = match &env.settings.database {
        backend_platform::config::Database::Sqlite(_) => {
            "CREATE TRIGGER refuse_enrollments BEFORE INSERT ON enrollments
             BEGIN SELECT RAISE(ABORT, 'the test refuses enrollments'); END;"
        }
        backend_platform::config::Database::Postgres(_) => {
            "CREATE FUNCTION refuse_enrollment() RETURNS trigger LANGUAGE plpgsql AS
                 $$ BEGIN RAISE EXCEPTION 'the test refuses enrollments'; END $$;
             CREATE TRIGGER refuse_enrollments BEFORE INSERT ON enrollments
                 FOR EACH ROW EXECUTE FUNCTION refuse_enrollment();"
        }
    };
    crate::node_support::exec(&env.settings.database, sql);
}

#[tokio::test]
async fn a_failed_store_releases_only_the_links_it_bound() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let sato = Card::load("sato-hanako");
    let (s, _, v) = enrol_with(&env, &c, &sato, vec![token("tok_sato-hanako")]).await;
    assert_eq!(s, 200, "{v}");
    refuse_enrollments(&env);
    // She enrols again with the same card token (held already) and her insurance (new):
    // both are confirmed, then the store fails.
    let got = enrol_with(
        &env,
        &c,
        &sato,
        vec![insurance("千代", "10001", "01"), token("tok_sato-hanako")],
    )
    .await;
    assert_problem(&got, 503, "unavailable");
    // The card token the registry still names stays bound at the acquirer; only the
    // insurance this enrollment bound is released.
    let owned = "SELECT card_token_ref FROM card_tokens WHERE owner_sub IS NOT NULL ORDER BY 1";
    assert_eq!(rows(&env, "acquirer.sqlite", owned), ["tok_sato-hanako"]);
    let released = rows(
        &env,
        "platform.sqlite",
        "SELECT outcome || ':' || reason FROM audit WHERE action = 'link_release'",
    );
    assert_eq!(released, [format!("released:{INSURER}")]);
    // And the registry still offers it.
    let (s, _, v) = identify(&env, &c, &sato).await;
    assert_eq!(s, 200, "{v}");
    let menu: IdentificationResponse = serde_json::from_value(v).unwrap();
    let services: Vec<&str> = menu.menu.iter().map(|e| e.service_id.as_str()).collect();
    assert_eq!(services, [ACQUIRER]);
    env.shutdown().await;
}

#[tokio::test]
async fn a_stale_signature_crl_gives_the_notice_that_it_could_not_be_checked() {
    let env = Env::start().await;
    let admin = env.client(Some(T1));
    let sato = Card::load("sato-hanako");
    assert_eq!(
        enrol_with(&env, &admin, &sato, vec![token("tok_sato-hanako")])
            .await
            .0,
        200
    );
    let (s, _, v) = identify(&env, &admin, &sato).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["notices"].as_array().is_none_or(Vec::is_empty), "{v}");

    // The signature CRL of her municipality went out of date (nextUpdate two days ago);
    // the authentication CRL is current, so she still identifies.
    let day = 86_400;
    let now = env.clock_now();
    let at = |t: UnixTime| {
        der::DateTime::from_unix_duration(std::time::Duration::from_secs(t.as_secs() as u64))
    };
    let mut spec = testkit::CrlSpec::new(
        testkit::Purpose::Sign,
        testkit::Generation::G3,
        testkit::Municipality::new("Tokyo-to", "Chiyoda-ku"),
        at(now.minus_secs(3 * day)).unwrap(),
    )
    .unwrap();
    spec.next_update = Some(at(now.minus_secs(2 * day)).unwrap());
    // A CRL older than the one in use is refused, so the scope's current CRL goes first
    // (a set without it is taken), and the out-of-date one comes with the next reload.
    let file = env
        .dir
        .path()
        .join("crl")
        .join("sign-Tokyo-to-Chiyoda-ku.crl");
    let reload = || async {
        read(
            admin
                .post(env.url("/v1/admin/crl/reload"))
                .send()
                .await
                .unwrap(),
        )
        .await
    };
    std::fs::remove_file(&file).unwrap();
    let (s, _, v) = reload().await;
    assert_eq!(s, 200, "{v}");
    std::fs::write(&file, spec.build(pki()).unwrap()).unwrap();
    let (s, _, v) = reload().await;
    assert_eq!(s, 200, "{v}");
    let (s, _, v) = identify(&env, &admin, &sato).await;
    assert_eq!(s, 200, "{v}");
    let r: IdentificationResponse = serde_json::from_value(v).unwrap();
    assert!(
        matches!(&r.notices[..], [Notice::SignCertificateUnchecked { detail }] if detail.contains("not current")),
        "{:?}",
        r.notices
    );
    env.shutdown().await;
}

#[tokio::test]
async fn a_missing_signature_crl_gives_the_notice_that_it_could_not_be_checked() {
    let env = Env::start().await;
    let admin = env.client(Some(T1));
    let sato = Card::load("sato-hanako");
    assert_eq!(
        enrol_with(&env, &admin, &sato, vec![token("tok_sato-hanako")])
            .await
            .0,
        200
    );
    let (s, _, v) = identify(&env, &admin, &sato).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["notices"].as_array().is_none_or(Vec::is_empty), "{v}");

    // The signature CRL of her municipality is gone from the folder (a failed download,
    // a file deleted by mistake); the authentication CRL is there, so she still
    // identifies. No other CRL covers her signature certificate.
    std::fs::remove_file(
        env.dir
            .path()
            .join("crl")
            .join("sign-Tokyo-to-Chiyoda-ku.crl"),
    )
    .unwrap();
    let (s, _, v) = read(
        admin
            .post(env.url("/v1/admin/crl/reload"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, _, v) = identify(&env, &admin, &sato).await;
    assert_eq!(s, 200, "{v}");
    let r: IdentificationResponse = serde_json::from_value(v).unwrap();
    assert!(
        matches!(&r.notices[..], [Notice::SignCertificateUnchecked { detail }] if detail.contains("no CRL")),
        "{:?}",
        r.notices
    );
    // The menu is still offered: the notice informs, it does not refuse.
    assert_eq!(r.menu.len(), 1, "{:?}", r.menu);
    env.shutdown().await;
}

/// A refused link: 422 `link_refused` on the first service, on the name, naming `service`
/// and the attribute, never the record's value (鈴木 一郎's).
fn refused_on_the_name(got: &(reqwest::StatusCode, String, serde_json::Value), service: &str) {
    let v = assert_problem(got, 422, "link_refused");
    assert_eq!(v["field"], "application.services[0]");
    assert_eq!(v["reason"], "mismatch_name");
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains(service) && detail.contains("name") && !detail.contains("鈴木"),
        "names the service and the attribute, never the record's value: {detail}"
    );
}

/// Nothing of `card` is stored: not enrolled, and no holder, certificate or link at all.
async fn assert_nothing_stored(env: &Env, c: &reqwest::Client, card: &Card) {
    assert_problem(&identify(env, c, card).await, 404, "not_enrolled");
    for table in [
        "subjects",
        "auth_certificates",
        "sign_certificates",
        "service_links",
    ] {
        let n = rows(
            env,
            "platform.sqlite",
            &format!("SELECT CAST(count(*) AS TEXT) FROM {table}"),
        );
        assert_eq!(n, ["0"], "{table}");
    }
}
