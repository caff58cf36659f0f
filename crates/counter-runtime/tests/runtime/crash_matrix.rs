//! The crash matrix: the headless driver, reading the virtual card through our pcscd +
//! vpcd, is killed with SIGKILL at every step of a payment
//! (the steps are enumerated from `counter_runtime::crash::PAYMENT_STEPS`, not sampled),
//! then restarted. In every case: no double charge, nothing left in doubt, and the journal
//! says what the acquirer says. An approval the killed counter never showed (the crash
//! came before the sale was journaled captured) is found by the recovery and reversed,
//! with the code that tells staff so: never lost from the record, never silently
//! captured (the customer may have paid another way meanwhile).

use std::os::unix::process::ExitStatusExt;

use counter_core::payment::PaymentState;
use counter_runtime::crash::{CRASH_ENV, PAYMENT_STEPS};
use counter_store::{PaymentQuery, Store};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_every_step_of_a_payment_then_restarted() {
    let env = Env::start().await;
    env.enrol("sato-hanako").await;
    let (_reader_lock, reader, _slot) = card_in_vpcd("sato-hanako");
    for (i, step) in PAYMENT_STEPS.iter().enumerate() {
        let order = format!("crash-{step}");
        let amount = (1_000 + i).to_string();
        let out = env
            .driver(
                &[
                    "pay",
                    "--amount",
                    &amount,
                    "--order",
                    &order,
                    "--reader",
                    &reader,
                    "--pin-stdin",
                ],
                &[(CRASH_ENV, step)],
                "1234\n",
            )
            .await;
        assert_eq!(
            out.status.signal(),
            Some(9),
            "{step}: the driver was not killed at its crash point; stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // Restart: recovery on start resolves whatever the crash left.
        let out = env.driver(&["recover"], &[], "").await;
        let report = json(&out);
        assert!(out.status.success(), "{step}: recover failed: {report}");
        let codes: Vec<&str> = report["recovered"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["code"].as_str().unwrap())
            .collect();

        let store = Store::open(env.db()).unwrap();
        assert!(
            store.unfinished_payments().unwrap().is_empty(),
            "{step}: left in doubt"
        );
        let sales = store
            .search_payments(&PaymentQuery {
                text: Some(order.clone()),
                ..PaymentQuery::default()
            })
            .unwrap();
        let at_acquirer = acquirer_payments(&env, &order);
        assert!(
            at_acquirer.len() <= 1,
            "{step}: charged twice: {at_acquirer:?}"
        );
        if *step == "before_journal" {
            assert!(
                sales.is_empty(),
                "{step}: journaled before the journal step"
            );
            assert!(
                at_acquirer.is_empty(),
                "{step}: a request left before the journal"
            );
            continue;
        }
        assert_eq!(sales.len(), 1, "{step}: {sales:?}");
        let sale = &sales[0];
        match *step {
            // Journaled before anything was sent: nothing reached the acquirer but the
            // reversal's tombstone.
            "after_journal" => {
                assert_eq!(sale.state, PaymentState::Reversed, "{step}");
                assert!(at_acquirer.is_empty(), "{step}: {at_acquirer:?}");
                assert_eq!(codes, ["payment_reversed"], "{step}");
            }
            // The approval (and for the last one the capture) reached the acquirer, but the
            // counter died before it showed the sale as paid: recovery reverses it.
            "authorise_response_arrived"
            | "after_authorised_journal"
            | "after_capture_journal"
            | "capture_response_arrived" => {
                assert_eq!(sale.state, PaymentState::Reversed, "{step}: {sale:?}");
                assert_eq!(
                    at_acquirer,
                    vec![("reversed".to_string(), sale.captured_jpy as i64)],
                    "{step}"
                );
                assert!(
                    sale.approval_code.is_some(),
                    "{step}: the approval is in the record"
                );
                assert_eq!(codes, ["approval_reversed_on_recovery"], "{step}");
            }
            // Journaled captured: the sale is final, recovery has nothing to do.
            "after_captured_journal" => {
                assert_eq!(sale.state, PaymentState::Captured, "{step}");
                assert_eq!(
                    at_acquirer,
                    vec![("captured".to_string(), sale.amount_jpy as i64)],
                    "{step}"
                );
                assert!(codes.is_empty(), "{step}: {codes:?}");
            }
            other => panic!("{other}: a crash point this test does not know"),
        }
    }
    // One sale without a crash, so that two captured sales exist.
    let out = env
        .driver(
            &[
                "pay",
                "--amount",
                "2000",
                "--order",
                "no-crash",
                "--reader",
                &reader,
                "--pin-stdin",
            ],
            &[],
            "1234\n",
        )
        .await;
    let v = json(&out);
    assert_eq!(v["sale"]["record"]["state"], "captured", "{v}");
    // Staff void one captured sale and refund part of another, through the driver.
    let captured: Vec<_> = Store::open(env.db())
        .unwrap()
        .search_payments(&PaymentQuery::default())
        .unwrap()
        .into_iter()
        .filter(|s| s.state == PaymentState::Captured)
        .collect();
    assert!(captured.len() >= 2, "{captured:?}");
    let out = env
        .driver(&["void", "--sale", &captured[0].id], &[], "")
        .await;
    let v = json(&out);
    assert_eq!(v["sale"]["record"]["state"], "voided", "{v}");
    assert_eq!(v["sale"]["code"], "payment_voided", "{v}");
    let out = env
        .driver(
            &["refund", "--sale", &captured[1].id, "--amount", "100"],
            &[],
            "",
        )
        .await;
    let v = json(&out);
    assert_eq!(v["refund"]["state"], "refunded", "{v}");
    assert_eq!(v["code"], "refund_done", "{v}");
    assert_eq!(
        acquirer_payments(&env, &captured[0].order_ref)[0].0,
        "voided"
    );
    // A refund larger than what is left is refused, and nothing moves.
    let left = (captured[1].amount_jpy - 100 + 1).to_string();
    let out = env
        .driver(
            &["refund", "--sale", &captured[1].id, "--amount", &left],
            &[],
            "",
        )
        .await;
    assert_eq!(json(&out)["code"], "refund_exceeds_captured");
    // The acquirer's settlement agrees with the journal (the daily close).
    let date =
        madoguchi_time::jst::business_date(backend_kit::Clock::now(&backend_kit::SystemClock));
    let out = env.driver(&["close", "--date", &date], &[], "").await;
    let v = json(&out);
    assert!(out.status.success(), "{v}");
    assert_eq!(v["close"]["code"], "close_matched", "{v}");
}
