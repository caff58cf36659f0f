//! Two registers on one terminal, each with its client certificate (mutual TLS on loopback),
//! against the headless driver serving the POS API (`madoguchi-counter serve-pos`, killed
//! with SIGKILL where a test needs it):
//!
//! - the register's mark: a sale captured by a terminal killed before anyone saw the
//!   outcome is journaled as shown (`counter_core::payment::shown::shown_to_register`) once
//!   its own register reads it approved, and not when another register asks for it (that
//!   register is told nothing of it);
//! - sale and refund keys are each register's own: both registers send the same sale key,
//!   each for its own order, and both sales are made; then the same refund key, each for its
//!   own sale, and both are refunded; each retry is answered with its own sale or refund.

use counter_core::payment::PaymentState;
use counter_core::pos::PosOrderState;
use counter_store::Store;
use serde_json::json;

use crate::counter_env::{CounterEnv, js, links, staff};
use crate::counter_links::enrol;
use crate::pos::at_acquirer;
use crate::pos_killed::Driver;
use crate::register::{Register, tls};
use crate::support::card_in_vpcd;

const PERSONA: &str = "sato-hanako";
const REGISTER_1: &str = "cert:CN=register-1";
const REGISTER_2: &str = "cert:CN=register-2";

/// A cashier terminal with the persona enrolled, its `[pos]` on loopback behind mutual
/// TLS; the PKI of the registers' certificates.
async fn terminal(reader: &str) -> (CounterEnv, backend_kit::devpki::DevPki) {
    let env = CounterEnv::start(reader, "cashier", true).await;
    {
        let c = env.counter().await;
        let mut rx = c.screens();
        let s = enrol(&c, &mut rx, links()).await;
        assert_eq!(js(&s)["staff"]["view"]["step"], "enrolled", "{:#}", js(&s));
        staff(&c, counter_runtime::counter::StaffAction::Finish).await;
        c.close().await;
    }
    let pki = backend_kit::devpki::DevPki::generate(&["localhost"]).unwrap();
    let dir = env.dir.path();
    std::fs::write(dir.join("pos.pem"), &pki.server_cert_pem).unwrap();
    std::fs::write(dir.join("pos-key.pem"), &pki.server_key_pem).unwrap();
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
    (env, pki)
}

/// The register with the certificate of `cn`, talking HTTPS to `driver`.
fn register(driver: &Driver, pki: &backend_kit::devpki::DevPki, cn: &str) -> Register {
    let addr: std::net::SocketAddr = driver.first["listening"].as_str().unwrap().parse().unwrap();
    let (cert, key) = pki.terminal_identity(cn).unwrap();
    Register::new(
        format!("https://localhost:{}", addr.port()),
        tls(Some(&pki.server_ca_pem), Some((&cert, &key))),
    )
}

/// When the journal's sale of order `order_ref` was marked shown.
fn shown_at(env: &CounterEnv, order_ref: &str) -> Option<counter_core::UnixTime> {
    let j = Store::open(env.db())
        .unwrap()
        .pos_journal(order_ref)
        .unwrap()
        .unwrap();
    j.payment.unwrap().shown_at
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_register_marks_the_charge_it_reads_and_keeps_its_refund_keys_to_itself() {
    let (_reader_lock, reader, _slot) = card_in_vpcd(PERSONA);
    let (env, pki) = terminal(&reader).await;

    // Register 1's sale, captured and journaled; the terminal dies before anyone sees it.
    let mut driver = Driver::start(&env, Some("after_captured_journal")).await;
    let reg1 = register(&driver, &pki, "register-1");
    let r = reg1.create("S-0001", 1_500, "0001").await;
    assert_eq!(
        (r.status, r.state()),
        (201, "waiting_for_customer"),
        "{:#}",
        r.body
    );
    driver.type_pin();
    assert_eq!(driver.died().await, Some(9), "killed at its crash point");
    let store = Store::open(env.db()).unwrap();
    let j = store.pos_journal("S-0001").unwrap().unwrap();
    assert_eq!(j.order.state, PosOrderState::Paying);
    let sale = j.payment.unwrap();
    assert_eq!(
        (sale.state, sale.shown_at),
        (PaymentState::Captured, None),
        "charged, and nobody saw it"
    );
    assert_eq!(
        store
            .captured_not_shown(&sale.business_date)
            .unwrap()
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>(),
        [sale.id.as_str()],
        "the status bar's list has it"
    );
    drop(store);

    // Restarted: nothing to recover (the sale is final), still not shown.
    let mut driver = Driver::start(&env, None).await;
    assert_eq!(driver.first["recovered"], json!([]), "{}", driver.first);
    let reg1 = register(&driver, &pki, "register-1");
    let reg2 = register(&driver, &pki, "register-2");
    assert_eq!(shown_at(&env, "S-0001"), None);

    // Register 2 asks for it: no such sale for register 2, and so nothing shown. The loop
    // takes one request at a time, so once the second is answered anything the first
    // journaled is journaled.
    for _ in 0..2 {
        let r = reg2.status("S-0001").await;
        assert_eq!(
            (r.status, r.state()),
            (404, "pos_order_unknown"),
            "{:#}",
            r.body
        );
    }
    assert_eq!(
        shown_at(&env, "S-0001"),
        None,
        "register 2 was shown nothing"
    );

    // Register 1 reads it: approved, with its sale and receipt; that is the charge shown.
    let r = reg1.status("S-0001").await;
    assert_eq!((r.status, r.state()), (200, "approved"), "{:#}", r.body);
    assert_eq!(r.body["code"], "payment_approved");
    assert_eq!(r.body["sale_id"], sale.id.as_str());
    assert_eq!(r.body["receipt"]["amount_jpy"], 1_500);
    assert_eq!(reg2.status("S-0001").await.status, 404);
    let marked = shown_at(&env, "S-0001").expect("journaled as shown once register 1 read it");
    assert!(marked >= sale.created_at, "{marked:?}");
    let store = Store::open(env.db()).unwrap();
    assert!(
        store
            .captured_not_shown(&sale.business_date)
            .unwrap()
            .is_empty(),
        "off the status bar's list"
    );
    drop(store);

    // Register 2's own sale under the key register 1 used for S-0001 (each numbers its keys
    // itself): a sale of its own (the customer pays), then both registers refund their sale
    // under the same key, which each made itself.
    let r = reg2.create("T-0001", 700, "0001").await;
    assert_eq!(r.status, 201, "register 2's key is its own: {:#}", r.body);
    driver.type_pin();
    let r = reg2
        .status_until("T-0001", "register 2's sale outcome", |r| {
            r.state() != "waiting_for_customer" && r.state() != "paying"
        })
        .await;
    assert_eq!(r.state(), "approved", "{:#}", r.body);
    let t_sale = r.body["sale_id"].clone();
    assert_ne!(t_sale, json!(sale.id), "two sales");
    // Each register's retry under `0001` is answered with its own sale, never made again.
    for (reg, order, amount, sale_id) in [
        (&reg1, "S-0001", 1_500, json!(sale.id)),
        (&reg2, "T-0001", 700, t_sale),
    ] {
        let r = reg.create(order, amount, "0001").await;
        assert_eq!(
            (r.status, r.state(), r.body["sale_id"].clone()),
            (200, "approved", sale_id),
            "{:#}",
            r.body
        );
    }
    let r = reg1.refund("S-0001", 100, "rk-0001").await;
    assert_eq!(
        (
            r.status,
            r.body["code"].as_str(),
            r.body["refunded_jpy"].clone()
        ),
        (200, Some("refund_done"), json!(100)),
        "{:#}",
        r.body
    );
    let r = reg2.refund("T-0001", 200, "rk-0001").await;
    assert_eq!(
        (
            r.status,
            r.body["code"].as_str(),
            r.body["refunded_jpy"].clone()
        ),
        (200, Some("refund_done"), json!(200)),
        "register 2's key is its own: {:#}",
        r.body
    );
    // Each retry is answered with its own register's refund, never made twice.
    for (reg, order, amount) in [(&reg1, "S-0001", 100), (&reg2, "T-0001", 200)] {
        let r = reg.refund(order, amount, "rk-0001").await;
        assert_eq!(
            (r.status, r.body["refunded_jpy"].clone()),
            (200, json!(amount)),
            "{:#}",
            r.body
        );
        assert_eq!(
            r.body["refunds"].as_array().unwrap().len(),
            1,
            "{:#}",
            r.body
        );
    }
    // Within a register a key is still one request: another body is refused.
    let r = reg2.refund("T-0001", 300, "rk-0001").await;
    assert_eq!(
        (r.status, r.state()),
        (422, "pos_idempotency_mismatch"),
        "{:#}",
        r.body
    );
    assert_eq!(
        at_acquirer(env.dir.path(), "S-0001"),
        vec![("partially_refunded".to_owned(), 1_500, 100)]
    );
    assert_eq!(
        at_acquirer(env.dir.path(), "T-0001"),
        vec![("partially_refunded".to_owned(), 700, 200)]
    );
    driver.kill().await;
    let store = Store::open(env.db()).unwrap();
    for (register, order) in [(REGISTER_1, "S-0001"), (REGISTER_2, "T-0001")] {
        let k = store.pos_refund_key(register, "rk-0001").unwrap().unwrap();
        assert_eq!(
            (k.register.as_deref(), k.order_ref.as_str()),
            (Some(register), order)
        );
    }
}
