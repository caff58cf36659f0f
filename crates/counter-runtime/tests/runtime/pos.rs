//! The register plays the POS against the interactive counter: the persona's virtual card in
//! our pcscd's vpcd reader, the platform, insurer and acquirer on loopback TLS, the journal
//! in a SQLite file, the POS API on loopback HTTP. The test is the register (HTTP, every
//! answer checked against the OpenAPI document) and the customer (the PIN and the payment
//! choice on the customer window).

use counter_runtime::counter::{Counter, CustomerAction, CustomerScreen, Screens, StaffAction};
use counter_runtime::pos::{self, ApiKey, PosSettings};
use serde_json::json;
use tokio::sync::watch;

use crate::counter_env::{ACQUIRER, CounterEnv, customer, js, links, staff, until};
use crate::counter_links::enrol;
use crate::register::{Register, tls};
use crate::support::card_in_vpcd;

const PERSONA: &str = "sato-hanako";

/// What the acquirer holds for `order_ref`: (status, captured, refunded) of each payment.
pub(crate) fn at_acquirer(dir: &std::path::Path, order_ref: &str) -> Vec<(String, i64, i64)> {
    let c = rusqlite::Connection::open(dir.join("acquirer.sqlite")).unwrap();
    let mut st = c
        .prepare("SELECT status, captured_jpy, refunded_jpy FROM payments WHERE order_ref = ?1")
        .unwrap();
    st.query_map([order_ref], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The customer at the till: the PIN once asked, then the linked card for `amount_jpy`,
/// which the customer window must show.
pub(crate) async fn customer_pays(c: &Counter, rx: &mut watch::Receiver<Screens>, amount_jpy: u64) {
    until(rx, "the PIN step of the register's sale", |s| {
        matches!(&s.customer, CustomerScreen::Identify { view } if format!("{:?}", view.step) == "PinEntry")
    })
    .await;
    let v = js(&rx.borrow());
    assert_eq!(
        v["customer"]["view"]["payment"]["amount_jpy"], amount_jpy,
        "the customer sees the register's amount before the PIN: {v:#}"
    );
    let p = testkit::load_persona(PERSONA).unwrap();
    customer(c, CustomerAction::Pin { digits: p.auth_pin }).await;
    let s = until(rx, "the payment choice", |s| {
        matches!(s.customer, CustomerScreen::Pay { .. })
    })
    .await;
    assert!(
        matches!(s.customer, CustomerScreen::Pay { amount_jpy: a, .. } if a == amount_jpy),
        "{:#}",
        js(&s)
    );
    customer(
        c,
        CustomerAction::Pay {
            service_id: ACQUIRER.into(),
            amount_jpy,
        },
    )
    .await;
}

/// Waits until the counter shows the sale's end.
async fn sale_done(rx: &mut watch::Receiver<Screens>) -> Screens {
    until(rx, "the sale's end", |s| {
        js(s)["staff"]["view"]["step"]["step"] == "done"
    })
    .await
}

/// A cashier counter with sato-hanako enrolled (her card stays on the reader) and the POS
/// API on loopback.
async fn till(
    reader: &str,
) -> (
    CounterEnv,
    Counter,
    watch::Receiver<Screens>,
    pos::PosServer,
    Register,
) {
    let env = CounterEnv::start(reader, "cashier", true).await;
    let c = env.counter().await;
    let mut rx = c.screens();
    let s = enrol(&c, &mut rx, links()).await;
    assert_eq!(js(&s)["staff"]["view"]["step"], "enrolled", "{:#}", js(&s));
    staff(&c, StaffAction::Finish).await;
    let server = pos::start(
        c.clone(),
        PosSettings::loopback("127.0.0.1:0".parse().unwrap()),
    )
    .await
    .unwrap();
    let register = Register::new(format!("http://{}", server.addr()), tls(None, None));
    (env, c, rx, server, register)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_register_sells_refunds_and_voids_through_the_counter() {
    let (_reader_lock, reader, _slot) = card_in_vpcd(PERSONA);
    let (env, c, mut rx, _server, reg) = till(&reader).await;

    // Create: journaled before anything else, the customer window shows the amount.
    let r = reg.create("R-0001", 1_200, "k-0001").await;
    assert_eq!(
        (r.status, r.state()),
        (201, "waiting_for_customer"),
        "{:#}",
        r.body
    );
    assert_eq!(r.body["code"], "pos_waiting_for_customer");
    let journaled = counter_store::Store::open(env.db())
        .unwrap()
        .pos_order("R-0001")
        .unwrap();
    assert_eq!(
        journaled.and_then(|o| o.register).as_deref(),
        Some("anonymous"),
        "the order is in the journal, with the register that sent it"
    );
    assert_eq!(reg.status("R-0001").await.state(), "waiting_for_customer");

    // Another sale while the customer is at the till: refused politely.
    let busy = reg.create("R-0002", 500, "k-0002").await;
    assert_eq!(
        (busy.status, busy.state()),
        (409, "counter_busy"),
        "{:#}",
        busy.body
    );
    assert_eq!(busy.body["retryable"], true);
    assert!(
        busy.body["message"]["ja"]
            .as_str()
            .unwrap()
            .contains("対応中")
    );
    // The same key with another body: refused; the same order under another key: refused.
    let r = reg.create("R-0001", 1_300, "k-0001").await;
    assert_eq!((r.status, r.state()), (422, "pos_idempotency_mismatch"));
    let r = reg.create("R-0001", 1_200, "k-other").await;
    assert_eq!((r.status, r.state()), (409, "pos_order_ref_taken"));

    // The customer pays with the card.
    customer_pays(&c, &mut rx, 1_200).await;
    sale_done(&mut rx).await;
    let r = reg.status("R-0001").await;
    assert_eq!((r.status, r.state()), (200, "approved"), "{:#}", r.body);
    assert_eq!(r.body["code"], "payment_approved");
    let receipt = &r.body["receipt"];
    assert_eq!(receipt["brand"], "VISA");
    assert_eq!(receipt["last4"], "4242");
    assert_eq!(receipt["amount_jpy"], 1_200);
    assert_eq!(receipt["order_ref"], "R-0001");
    assert_eq!(receipt["merchant_name"], "みどりクリニック");
    assert!(
        receipt["approval_code"]
            .as_str()
            .is_some_and(|a| !a.is_empty())
    );
    assert!(receipt["authorised_at_jst"].as_str().is_some());
    let sale_id = r.body["sale_id"].clone();

    // An idempotent retry of the create (a lost answer): the same sale, not a second one.
    let again = reg.create("R-0001", 1_200, "k-0001").await;
    assert_eq!((again.status, again.state()), (200, "approved"));
    assert_eq!(again.body["sale_id"], sale_id);
    assert_eq!(at_acquirer(env.dir.path(), "R-0001").len(), 1);
    // Too late to cancel once paid.
    let r = reg.cancel("R-0001").await;
    assert_eq!((r.status, r.state()), (409, "pos_cancel_too_late"));

    // A refund, and its retry under the same key: refunded once.
    let r = reg.refund("R-0001", 200, "rk-0001").await;
    assert_eq!((r.status, r.state()), (200, "approved"), "{:#}", r.body);
    assert_eq!(
        (r.body["refunded_jpy"].clone(), r.body["code"].clone()),
        (json!(200), json!("refund_done"))
    );
    let r = reg.refund("R-0001", 200, "rk-0001").await;
    assert_eq!(
        (r.status, r.body["refunded_jpy"].clone()),
        (200, json!(200))
    );
    assert_eq!(r.body["refunds"].as_array().unwrap().len(), 1);
    let r = reg.refund("R-0001", 300, "rk-0001").await;
    assert_eq!((r.status, r.state()), (422, "pos_idempotency_mismatch"));
    let r = reg.refund("R-0001", 5_000, "rk-0002").await;
    assert_eq!((r.status, r.state()), (409, "refund_exceeds_captured"));
    assert_eq!(
        at_acquirer(env.dir.path(), "R-0001"),
        vec![("partially_refunded".to_owned(), 1_200, 200)]
    );
    // A refunded sale cannot be voided.
    let r = reg.void("R-0001").await;
    assert_eq!((r.status, r.state()), (409, "invalid_payment_state"));

    // Cancel before the card step: the next sale, cancelled while the customer identifies.
    let r = reg.create("R-0002", 500, "k-0002").await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let r = reg.cancel("R-0002").await;
    assert_eq!((r.status, r.state()), (200, "cancelled"), "{:#}", r.body);
    let r = reg.cancel("R-0002").await;
    assert_eq!(
        (r.status, r.state()),
        (200, "cancelled"),
        "cancel again: the same"
    );
    assert_eq!(reg.status("R-0002").await.state(), "cancelled");
    assert!(
        at_acquirer(env.dir.path(), "R-0002").is_empty(),
        "nothing charged"
    );
    until(&mut rx, "the counter free again", |s| {
        js(s)["staff"]["screen"] == "ready"
    })
    .await;

    // A sale voided on its day.
    let r = reg.create("R-0003", 800, "k-0003").await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    customer_pays(&c, &mut rx, 800).await;
    sale_done(&mut rx).await;
    assert_eq!(reg.status("R-0003").await.state(), "approved");
    let r = reg.void("R-0003").await;
    assert_eq!((r.status, r.state()), (200, "voided"), "{:#}", r.body);
    assert_eq!(r.body["code"], "payment_voided");
    assert!(
        r.body["receipt"].is_object(),
        "the void's slip names the sale"
    );
    let r = reg.void("R-0003").await;
    assert_eq!(
        (r.status, r.state()),
        (200, "voided"),
        "void again: the same"
    );
    assert_eq!(
        at_acquirer(env.dir.path(), "R-0003"),
        vec![("voided".to_owned(), 800, 0)]
    );

    // What is not a request is refused naming the field.
    let bad = |r: &crate::register::Reply, field: &str| {
        assert_eq!(
            (r.status, r.state(), r.body["field"].as_str()),
            (400, "pos_request_invalid", Some(field)),
            "{:#}",
            r.body
        );
    };
    let body = json!({"amount_jpy": 100, "order_ref": "R-0009"});
    bad(
        &reg.call("POST", "/v1/sales", "", None, Some(body.clone()))
            .await,
        "Idempotency-Key",
    );
    let zero = json!({"amount_jpy": 0, "order_ref": "R-0009"});
    bad(
        &reg.call("POST", "/v1/sales", "", Some("k-9"), Some(zero))
            .await,
        "amount_jpy",
    );
    let typed = json!({"amount_jpy": "100", "order_ref": "R-0009"});
    bad(
        &reg.call("POST", "/v1/sales", "", Some("k-9"), Some(typed))
            .await,
        "amount_jpy",
    );
    let extra = json!({"amount_jpy": 100, "order_ref": "R-0009", "tip": 1});
    bad(
        &reg.call("POST", "/v1/sales", "", Some("k-9"), Some(extra))
            .await,
        "tip",
    );
    let missing = json!({"amount_jpy": 100});
    bad(
        &reg.call("POST", "/v1/sales", "", Some("k-9"), Some(missing))
            .await,
        "order_ref",
    );
    let spaced = json!({"amount_jpy": 100, "order_ref": "R 9"});
    bad(
        &reg.call("POST", "/v1/sales", "", Some("k-9"), Some(spaced))
            .await,
        "order_ref",
    );
    let r = reg.status("R-9999").await;
    assert_eq!((r.status, r.state()), (404, "pos_order_unknown"));

    // The journal and the acquirer agree on every order.
    let store = counter_store::Store::open(env.db()).unwrap();
    for (order, state) in [("R-0001", "captured"), ("R-0003", "voided")] {
        let j = store.pos_journal(order).unwrap().unwrap();
        assert_eq!(j.payment.unwrap().state.as_str(), state, "{order}");
    }
    drop(store);
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_register_presents_its_key_or_its_certificate() {
    let env = CounterEnv::start("Madoguchi Absent Reader 00 00", "cashier", true).await;
    let c = env.counter().await;

    // An API key: without it or with another one, 401; with it, the request is served.
    let settings = PosSettings {
        api_key: Some(ApiKey::new("k3y-0123456789-abcdef", "test").unwrap()),
        ..PosSettings::loopback("127.0.0.1:0".parse().unwrap())
    };
    let server = pos::start(c.clone(), settings).await.unwrap();
    let mut reg = Register::new(format!("http://{}", server.addr()), tls(None, None));
    let r = reg.status("R-0001").await;
    assert_eq!((r.status, r.state()), (401, "pos_unauthorised"));
    reg.key = Some("k3y-0123456789-abcdeF".into());
    assert_eq!(reg.status("R-0001").await.status, 401);
    reg.key = Some("k3y-0123456789-abcdef".into());
    let r = reg.status("R-0001").await;
    assert_eq!((r.status, r.state()), (404, "pos_order_unknown"));
    server.stop().await;

    // Mutual TLS from the configuration file: a register with a certificate of the
    // configured CA is served, one without fails the handshake.
    let pki = backend_kit::devpki::DevPki::generate(&["localhost"]).unwrap();
    let dir = env.dir.path();
    std::fs::write(dir.join("pos.pem"), &pki.server_cert_pem).unwrap();
    std::fs::write(dir.join("pos-key.pem"), &pki.server_key_pem).unwrap();
    // The group's at most: a key every user may read is refused.
    std::fs::set_permissions(
        dir.join("pos-key.pem"),
        std::os::unix::fs::PermissionsExt::from_mode(0o640),
    )
    .unwrap();
    std::fs::write(dir.join("pos-ca.pem"), &pki.terminal_ca_pem).unwrap();
    let config = std::fs::read_to_string(&env.config_path).unwrap();
    std::fs::write(
        &env.config_path,
        format!(
            "{config}[pos]\nlisten = \"127.0.0.1:0\"\n[pos.tls]\ncertificate = \"pos.pem\"\n\
             key = \"pos-key.pem\"\nclient_ca = \"pos-ca.pem\"\n"
        ),
    )
    .unwrap();
    let settings = PosSettings::from_config(&env.config()).unwrap().unwrap();
    let server = pos::start(c.clone(), settings).await.unwrap();
    let base = format!("https://localhost:{}", server.addr().port());
    let (cert, key) = pki.terminal_identity("register-1").unwrap();
    let reg = Register::new(
        base.clone(),
        tls(Some(&pki.server_ca_pem), Some((&cert, &key))),
    );
    let r = reg.status("R-0001").await;
    assert_eq!((r.status, r.state()), (404, "pos_order_unknown"));

    // Two registers with colliding numbering: register 1's sale is journaled with its
    // certificate's subject, and register 2 is never answered with it.
    let (cert2, key2) = pki.terminal_identity("register-2").unwrap();
    let reg2 = Register::new(
        base.clone(),
        tls(Some(&pki.server_ca_pem), Some((&cert2, &key2))),
    );
    let r = reg.create("0001", 500, "0001").await;
    assert_eq!(
        (r.status, r.state()),
        (201, "waiting_for_customer"),
        "{:#}",
        r.body
    );
    let order = counter_store::Store::open(env.db())
        .unwrap()
        .pos_order("0001")
        .unwrap()
        .unwrap();
    assert_eq!(order.register.as_deref(), Some("cert:CN=register-1"));
    for r in [
        reg2.status("0001").await,
        reg2.cancel("0001").await,
        reg2.void("0001").await,
        reg2.refund("0001", 100, "r-0001").await,
    ] {
        assert_eq!(
            (r.status, r.state()),
            (404, "pos_order_unknown"),
            "{:#}",
            r.body
        );
    }
    let r = reg2.create("0001", 500, "0001").await;
    assert_eq!(
        (r.status, r.state()),
        (409, "pos_order_ref_taken"),
        "{:#}",
        r.body
    );
    assert!(
        r.body.get("amount_jpy").is_none(),
        "nothing of the sale: {:#}",
        r.body
    );
    // Register 1 reads and cancels its own.
    assert_eq!(reg.status("0001").await.state(), "waiting_for_customer");
    let r = reg.cancel("0001").await;
    assert_eq!((r.status, r.state()), (200, "cancelled"), "{:#}", r.body);
    let anonymous = Register::new(base, tls(Some(&pki.server_ca_pem), None));
    assert!(
        anonymous
            .try_call("GET", "/v1/sales/{order_ref}", "R-0001", None, None)
            .await
            .is_err(),
        "no certificate, no answer"
    );
    server.stop().await;
    c.close().await;
}
