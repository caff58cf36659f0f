//! A crafted CRL (a length of 2⁶⁴ − 1) in the CRL folder: the admin reload answers a
//! problem without any panic text and keeps the index in use; a platform started with it
//! refuses to start and names the file.

use std::sync::Arc;

use counter_api::platform::ChallengePurpose;

use crate::support::*;

/// `30 88 FF…FF`: an outer length no reader can add to its position.
fn crafted_crl() -> Vec<u8> {
    let mut crl = vec![0x30, 0x88];
    crl.extend([0xff; 8]);
    crl.extend([0x30, 0x03, 0x02, 0x01, 0x01]);
    crl
}

#[tokio::test]
async fn a_reload_with_a_crafted_crl_answers_without_panic_text_and_keeps_the_index() {
    let env = Env::start().await;
    let admin = env.client(Some(T1));
    let card = Card::load("sato-hanako");
    assert_eq!(enroll(&env, &admin, &card).await.0, 200);
    let before = env.running.platform().crl.index().snapshot();
    std::fs::write(
        env.dir.path().join("crl").join("zz-crafted.crl"),
        crafted_crl(),
    )
    .unwrap();
    let got = read(
        admin
            .post(env.url("/v1/admin/crl/reload"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let body = got.2.to_string();
    for leak in ["panicked", "attempt to add", "reader.rs", "task "] {
        assert!(!body.contains(leak), "{leak} in {body}");
    }
    let v = assert_problem(&got, 503, "unavailable");
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains("zz-crafted.crl") && detail.contains("malformed"),
        "{v}"
    );
    let after = env.running.platform().crl.index().snapshot();
    assert!(
        Arc::ptr_eq(&before, &after),
        "the index in use was replaced"
    );
    // Identifications go on against the previous CRLs.
    let ch = challenge(&env, &admin, ChallengePurpose::Identify, None).await;
    let (s, _, v) = post(&admin, &env.url("/v1/identifications"), &card.answer(&ch)).await;
    assert_eq!(s, 200, "{v}");

    // The reload of SIGHUP and of crl_reload_secs fails alike, and is audited as the
    // admin call's failure is, without a terminal and with the reason.
    let p = env.running.platform().clone();
    let e = tokio::task::spawn_blocking(move || p.reload_crls_scheduled())
        .await
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(e.contains("zz-crafted.crl"), "{e}");
    env.running.platform().audit.flush();
    let rows = env.platform_rows(
        "SELECT COALESCE(terminal_id, '-') || ' ' || reason FROM audit \
         WHERE action = 'crl_reload' AND outcome = 'unavailable' AND reason IS NOT NULL",
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0].starts_with("- CRL ") && rows[0].contains("zz-crafted.crl"),
        "{rows:?}"
    );
    env.shutdown().await;
}

/// The earliest nextUpdate among the CRLs of `dir`, read here with the CRL reader alone.
fn earliest_next_update(dir: &std::path::Path) -> i64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "crl"))
        .map(|p| {
            let der = std::fs::read(p).unwrap();
            let info = jpki_cert::crl::read_crl(der.as_slice(), |_| Ok(())).unwrap();
            info.next_update.unwrap().as_secs()
        })
        .min()
        .unwrap()
}

#[tokio::test]
async fn the_admin_reload_answers_the_earliest_next_update_of_the_set() {
    let env = Env::start().await;
    let admin = env.client(Some(T1));
    let got = read(
        admin
            .post(env.url("/v1/admin/crl/reload"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(got.0, 200, "{}", got.2);
    let expected = earliest_next_update(&env.dir.path().join("crl"));
    assert_eq!(
        got.2["earliest_next_update"].as_i64(),
        Some(expected),
        "{}",
        got.2
    );
    let summary = env.running.platform().crl.status();
    assert_eq!(summary.refused, None);
    env.shutdown().await;
}

#[tokio::test]
async fn a_platform_started_with_a_crafted_crl_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let crl_dir = dir.path().join("crl");
    std::fs::create_dir(&crl_dir).unwrap();
    write_crls(&crl_dir);
    std::fs::write(crl_dir.join("zz-crafted.crl"), crafted_crl()).unwrap();
    let settings = minimal_settings(dir.path(), crl_dir);
    let clock = Arc::new(backend_kit::ManualClock::new());
    let e = backend_platform::start_in_process(settings, clock)
        .await
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("zz-crafted.crl") && e.contains("malformed") && !e.contains("panicked"),
        "{e}"
    );
}
