//! Reloading the configuration without a restart: SIGHUP to the real `madoguchi-acquirer
//! serve` (what `systemctl reload` sends) puts a terminal added to `[[terminals]]` in
//! force with its merchant and admin flag, as after `madoguchi-platform terminals enroll`;
//! a file that does not validate is refused with the key and the file in the log, and the
//! server keeps serving on the lists it had. In process,
//! [`backend_acquirer::acquirer::Acquirer::reload`] reports what it applied and what needs
//! a restart.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use backend_kit::reload::in_force::ServiceSettings;
use counter_api::acquirer::{
    CaptureMode, CaptureRequest, FaultPlan, RefundRequest, SettlementTotals,
};

use crate::config::{config, write_material};
use crate::served::{Served, free_port};
use crate::support::*;

/// The terminal enrolled at the platform while the acquirer runs.
const NEW: &str = "shop-b-till-9";

fn with_terminal(text: &str, id: &str, merchant: &str, admin: bool) -> String {
    format!("{text}\n[[terminals]]\nid = \"{id}\"\nmerchant_id = \"{merchant}\"\nadmin = {admin}\n")
}

/// A terminal's settlement of a day: its merchant, or the problem code.
async fn merchant_of(c: &reqwest::Client, base: &str) -> String {
    let got = get(c, &format!("{base}/v1/settlements/2026-01-05")).await;
    match got.2["merchant_id"].as_str() {
        Some(m) => m.to_owned(),
        None => got.2["code"].as_str().unwrap_or_default().to_owned(),
    }
}

/// An admin call: `ok`, or the problem code.
async fn admin_call(c: &reqwest::Client, base: &str) -> String {
    let r = c
        .put(format!("{base}/v1/admin/faults"))
        .json(&FaultPlan::default())
        .send()
        .await
        .unwrap();
    let got = read(r).await;
    if got.0.is_success() {
        "ok".into()
    } else {
        got.2["code"].as_str().unwrap_or_default().to_owned()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_puts_an_added_terminal_in_force_and_a_broken_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (server_ca, terminal_ca) = (Ca::new("server CA").unwrap(), Ca::new("t CA").unwrap());
    write_material(dir.path(), (&server_ca, &terminal_ca), &signer(7));
    let port = free_port();
    let base = format!("https://localhost:{port}");
    let path = dir.path().join("acquirer.toml");
    let good = config(&format!("127.0.0.1:{port}"), "");
    std::fs::write(&path, &good).unwrap();
    let mut server = Served::start(env!("CARGO_BIN_EXE_madoguchi-acquirer"), &path);
    let new = client_for_test(&server_ca, &terminal_ca, NEW);
    let t1 = client_for_test(&server_ca, &terminal_ca, T1);
    assert_eq!(merchant_of(&new, &base).await, "terminal_unknown");
    assert_eq!(merchant_of(&t1, &base).await, SHOP_A);

    // The technician adds the enrolled terminal and reloads.
    std::fs::write(&path, with_terminal(&good, NEW, SHOP_B, false)).unwrap();
    server.hangup();
    let line = server.wait_for("reloaded");
    assert!(line.contains("2 terminals, 1 platforms"), "{line}");
    assert!(line.contains("acquirer.toml"), "{line}");
    assert_eq!(merchant_of(&new, &base).await, SHOP_B);
    assert_eq!(admin_call(&new, &base).await, "forbidden");

    // Its admin flag changes on the next reload too.
    std::fs::write(&path, with_terminal(&good, NEW, SHOP_B, true)).unwrap();
    server.hangup();
    server.wait_for("reloaded");
    assert_eq!(admin_call(&new, &base).await, "ok");

    // A broken file (a merchant id with a space), which also drops NEW: refused, logged
    // with the key and the file, and the lists in force stay.
    std::fs::write(&path, with_terminal(&good, "till-10", "shop c", false)).unwrap();
    server.hangup();
    let line = server.wait_for("reload refused");
    assert!(
        line.contains("`terminals[1].merchant_id`") && line.contains("acquirer.toml"),
        "{line}"
    );
    assert!(line.contains("ERROR"), "{line}");
    assert!(server.running());
    assert_eq!(merchant_of(&new, &base).await, SHOP_B);
    assert_eq!(merchant_of(&t1, &base).await, SHOP_A);

    // Keys that apply at start only are named and not applied; the terminals are.
    let other = config(&format!("127.0.0.1:{}", free_port()), "").replace("\"4242\"", "\"1111\"");
    std::fs::write(&path, other).unwrap();
    server.hangup();
    let line = server.wait_for("reloaded");
    assert!(
        line.contains("1 terminals") && line.contains("restart to apply: listen, card_tokens"),
        "{line}"
    );
    assert_eq!(merchant_of(&new, &base).await, "terminal_unknown");
    assert_eq!(merchant_of(&t1, &base).await, SHOP_A);
}

fn write(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("acquirer.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn a_reload_checks_the_lists_against_each_other_and_names_restart_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (server_ca, terminal_ca) = (Ca::new("server CA").unwrap(), Ca::new("t CA").unwrap());
    write_material(dir.path(), (&server_ca, &terminal_ca), &signer(7));
    let good = config("127.0.0.1:0", "");
    let path = write(dir.path(), &good);
    let (settings, keys) = backend_acquirer::config::load(&path).unwrap();
    let running =
        backend_acquirer::start_in_process_with(settings, keys, Arc::new(backend_kit::SystemClock))
            .await
            .unwrap();
    let acq = running.acquirer().clone();
    let reload = move |p: PathBuf| {
        let acq = acq.clone();
        async move {
            tokio::task::spawn_blocking(move || acq.reload(&p))
                .await
                .unwrap()
        }
    };
    let done = reload(write(dir.path(), &with_terminal(&good, NEW, SHOP_B, false)))
        .await
        .unwrap();
    assert_eq!((done.terminals, done.platforms), (2, 1));
    assert!(done.restart.keys().is_empty(), "{:?}", done.restart);
    let now = running.acquirer().in_force();
    assert_eq!(
        now.settings
            .terminals
            .iter()
            .find(|t| t.id == NEW)
            .unwrap()
            .merchant_id,
        SHOP_B
    );

    // Refusals keep what is in force: a terminal named as the platform, a terminal twice,
    // a rule broken elsewhere in the file (validated as at start, though not reloaded).
    for (text, key) in [
        (
            with_terminal(&good, PLATFORM, SHOP_B, false),
            "`terminals[1].id`",
        ),
        // The same terminal twice: the later entry is named, with the first.
        (
            with_terminal(&good, T1, SHOP_B, false),
            "`terminals[1].id`: \"shop-a-till-1\" is listed twice (also terminals[0])",
        ),
        (
            config("127.0.0.1:0", "[idempotency]\nretention_days = 3\n"),
            "retention_days",
        ),
    ] {
        let e = reload(write(dir.path(), &text)).await.unwrap_err();
        let m = e.to_string();
        assert!(m.contains(key) && m.contains("acquirer.toml"), "{key}: {m}");
        assert!(Arc::ptr_eq(&now, &running.acquirer().in_force()));
    }

    // Keys that apply at start only are named and not applied.
    let moved = config("127.0.0.1:1", "[idempotency]\nclaim_lease_secs = 60\n")
        .replace("acquirer.sqlite", "other.sqlite");
    let done = reload(write(dir.path(), &moved)).await.unwrap();
    assert_eq!(done.restart.keys(), ["listen", "database", "idempotency"]);
    let after = running.acquirer().in_force();
    assert_eq!(after.settings.database, now.settings.database);
    assert_eq!(after.settings.terminals.len(), 1);

    // A request runs on the value it was given, never reading the acquirer's again: under
    // `now` the link flow accepts the platform and gets to the body's own problem; under a
    // value that trusts no platform it refuses the caller, though the acquirer's value in
    // force still trusts it.
    let platform = backend_kit::Peer(Some(Arc::new(backend_kit::ClientIdentity {
        common_name: Some(PLATFORM.into()),
        sha256: "00".into(),
    })));
    let no_body = || {
        Err(backend_kit::ApiError::new(
            counter_api::ProblemCode::InvalidField,
            "no body in this test",
        ))
    };
    let acq = running.acquirer().clone();
    let e = backend_acquirer::links::link(acq.clone(), &now, platform.clone(), no_body())
        .await
        .unwrap_err();
    assert_eq!(e.problem().code, counter_api::ProblemCode::InvalidField);
    let mut untrusted = backend_acquirer::in_force::InForce {
        settings: now.settings.clone(),
        verifier: counter_api::assertion::AssertionVerifier::new("acq"),
    };
    untrusted.settings.trusted_platforms.clear();
    assert!(
        running
            .acquirer()
            .in_force()
            .settings
            .platform_ids()
            .any(|p| p == PLATFORM)
    );
    let e = backend_acquirer::links::link(acq, &untrusted, platform, no_body())
        .await
        .unwrap_err();
    assert_eq!(
        e.problem().reason.as_deref(),
        Some("not_a_trusted_platform")
    );
    running.shutdown().await;
}

/// The day's totals of `terminal`'s merchant.
async fn totals_of(env: &Env, terminal: &str) -> SettlementTotals {
    let date = backend_acquirer::core::settlement::business_date(env.now());
    let got = get(
        &env.client(Some(terminal)),
        &env.url(&format!("/v1/settlements/{date}")),
    )
    .await;
    serde_json::from_value(ok(&got)).unwrap()
}

/// A reload that moves a terminal to another merchant leaves it its payments: the status
/// query answers the payment (a `404` there says "nothing was charged", and the counter's
/// recovery of a sale in doubt could never end), and the terminal captures and refunds it
/// under the merchant it was authorised for, whose settlement counts them; that merchant's
/// other terminals still may. The new merchant's other terminals do not see it.
#[tokio::test]
async fn a_terminal_moved_to_another_merchant_keeps_its_payments() {
    let env = Env::start().await;
    let t1 = env.client(Some(T1));
    let key = new_key();
    let manual = env.authorise_req(1_000, TOK_VISA, CaptureMode::Manual);
    let held = ok(&authorise(&env, &key, &manual).await);
    let automatic = env.authorise_req(700, TOK_VISA, CaptureMode::Automatic);
    let paid = ok(&authorise(&env, &new_key(), &automatic).await);

    // The technician moves T1 to shop B and reloads (what SIGHUP runs).
    let dir = tempfile::tempdir().unwrap();
    write_material(dir.path(), (&env.server_ca, &env.terminal_ca), &env.signer);
    let t1_in_b = config("127.0.0.1:0", "").replace(
        &format!("merchant_id = \"{SHOP_A}\""),
        &format!("merchant_id = \"{SHOP_B}\""),
    );
    let text = with_terminal(
        &with_terminal(&t1_in_b, T2, SHOP_A, false),
        T3,
        SHOP_B,
        false,
    );
    let path = write(dir.path(), &text);
    let acq = env.running.acquirer().clone();
    tokio::task::spawn_blocking(move || acq.reload(&path))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(totals_of(&env, T1).await.merchant_id, SHOP_B);

    let status_url = env.url(&format!("/v1/payments/by-idempotency-key/{key}"));
    let status = ok(&get(&t1, &status_url).await);
    assert_eq!(status["payment_id"], held["payment_id"]);
    assert_eq!(
        (status["merchant_id"].as_str(), status["status"].as_str()),
        (Some(SHOP_A), Some("authorised"))
    );

    let capture = env.url(&format!(
        "/v1/payments/{}/capture",
        held["payment_id"].as_str().unwrap()
    ));
    let whole = CaptureRequest { amount_jpy: None };
    let got = post_key(&env.client(Some(T3)), &capture, &new_key(), &whole).await;
    assert_problem(&got, 404, "not_found");
    let captured = ok(&post_key(&t1, &capture, &new_key(), &whole).await);
    assert_eq!(
        (
            captured["status"].as_str(),
            captured["merchant_id"].as_str()
        ),
        (Some("captured"), Some(SHOP_A))
    );
    let refund = env.url(&format!(
        "/v1/payments/{}/refunds",
        paid["payment_id"].as_str().unwrap()
    ));
    let part = RefundRequest { amount_jpy: 200 };
    let refunded = ok(&post_key(&t1, &refund, &new_key(), &part).await);
    assert_eq!(
        (
            refunded["refunded_jpy"].as_u64(),
            refunded["merchant_id"].as_str()
        ),
        (Some(200), Some(SHOP_A))
    );
    // Shop A's other tills still may, as before the move.
    let more = RefundRequest { amount_jpy: 100 };
    let refunded = ok(&post_key(&env.client(Some(T2)), &refund, &new_key(), &more).await);
    assert_eq!(refunded["refunded_jpy"].as_u64(), Some(300));

    // Shop A's day holds all of it; shop B's, though T1 did the work, none.
    let a = totals_of(&env, T2).await;
    let visa: Vec<_> = a
        .brands
        .iter()
        .map(|b| (b.brand.as_str(), b.debit_jpy, b.credit_jpy))
        .collect();
    assert_eq!(visa, vec![("VISA", 1_700, 300)]);
    assert!(totals_of(&env, T3).await.brands.is_empty());
}
