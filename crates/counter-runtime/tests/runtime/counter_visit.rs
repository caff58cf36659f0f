//! One visit end to end through the real card stack: the reception check with the card,
//! then its co-payment with the same card and a new PIN; the receipt names the visit, and
//! the journal lists the check and its co-payment together.

use counter_core::counter::VisitResult;
use counter_core::payment::PaymentState;
use counter_runtime::counter::{
    CustomerAction, CustomerScreen, JournalQuery, SaleStep, Screens, StaffAction, StaffScreen,
};

use crate::counter_env::{ACQUIRER, CounterEnv, customer, js, links, staff, until};
use crate::counter_flow::{pin_service_consents, replace_card};
use crate::counter_links::enrol;
use crate::support::card_in_vpcd;

const PERSONA: &str = "sato-hanako";
const CO_PAYMENT: u64 = 1_530;

fn waits_for_pin(s: &Screens) -> bool {
    matches!(&s.customer, CustomerScreen::Identify { view } if format!("{:?}", view.step) == "PinEntry")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reception_check_then_its_co_payment_with_the_card_again_and_a_new_pin() {
    let (_reader_lock, reader, mut slot) = card_in_vpcd(PERSONA);
    let env = CounterEnv::start(&reader, "reception", true).await;
    let c = env.counter().await;
    let mut rx = c.screens();
    let p = testkit::load_persona(PERSONA).unwrap();

    // The card is linked first (the counter's own enrollment), then placed again.
    until(&mut rx, "the identification", |s| {
        js(s)["staff"]["screen"] == "identify"
    })
    .await;
    staff(&c, StaffAction::Cancel).await;
    let s = enrol(&c, &mut rx, links()).await;
    assert_eq!(js(&s)["staff"]["view"]["step"], "enrolled");
    staff(&c, StaffAction::Finish).await;
    replace_card(&mut slot, &mut rx).await;

    // The reception check: the result on the staff window offers the co-payment.
    pin_service_consents(&c, &mut rx).await;
    let s = until(&mut rx, "the result, with its co-payment", |s| {
        matches!(
            &s.staff,
            StaffScreen::Check {
                co_payment: true,
                ..
            }
        )
    })
    .await;
    let StaffScreen::Check { check_id, .. } = &s.staff else {
        unreachable!()
    };
    let check_id = check_id.clone();

    // The co-payment, the card still on the reader: it is read again, a new PIN asked for.
    staff(
        &c,
        StaffAction::TakeCoPayment {
            check_id: check_id.clone(),
            amount_jpy: CO_PAYMENT,
        },
    )
    .await;
    let s = until(&mut rx, "the PIN step of the co-payment", |s| {
        matches!(s.staff, StaffScreen::Sale { .. }) && waits_for_pin(s)
    })
    .await;
    let v = js(&s);
    let visit = &v["staff"]["view"]["visit"];
    assert_eq!(visit["check_id"], check_id.as_str(), "{v:#}");
    assert_eq!(visit["result"], "valid");
    assert_eq!(visit["ratio_tenths"], 3);
    assert_eq!(visit["insurer_number"], "06139999");
    // The customer window shows the amount, never the visit's eligibility.
    let customer_frame = serde_json::to_string(&s.customer_frame()).unwrap();
    assert!(
        customer_frame.contains(&CO_PAYMENT.to_string()),
        "{customer_frame}"
    );
    for private in [check_id.as_str(), "06139999", "\"visit\""] {
        assert!(
            !customer_frame.contains(private),
            "{private}: {customer_frame}"
        );
    }
    customer(
        &c,
        CustomerAction::Pin {
            digits: p.auth_pin.clone(),
        },
    )
    .await;
    until(&mut rx, "the payment choice", |s| {
        matches!(s.customer, CustomerScreen::Pay { .. })
    })
    .await;
    customer(
        &c,
        CustomerAction::Pay {
            service_id: ACQUIRER.into(),
            amount_jpy: CO_PAYMENT,
        },
    )
    .await;
    let s = until(&mut rx, "the co-payment's end", |s| {
        matches!(&s.staff, StaffScreen::Sale { view } if matches!(view.step, SaleStep::Done { .. }))
    })
    .await;
    let StaffScreen::Sale { view } = &s.staff else {
        unreachable!()
    };
    let SaleStep::Done {
        record, receipt, ..
    } = &view.step
    else {
        unreachable!()
    };
    assert_eq!(record.state, PaymentState::Captured);
    assert_eq!(record.visit_id.as_deref(), Some(check_id.as_str()));
    let visit_line = ("受付番号 / Visit".to_owned(), check_id.clone());
    let receipt = receipt.as_ref().unwrap();
    assert!(receipt.lines.contains(&visit_line), "{}", receipt.text());
    let sale_id = record.id.clone();
    let business_date = record.business_date.clone();
    staff(&c, StaffAction::Finish).await;

    // The journal finds the co-payment by its visit, with the check's summary; its
    // reprints name the visit too.
    let entries = c
        .journal(&JournalQuery {
            business_date: None,
            text: Some(check_id.clone()),
        })
        .unwrap();
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(entry.sale.id, sale_id);
    let visit = entry.visit.as_ref().unwrap();
    assert_eq!(
        (visit.check_id.as_str(), visit.result, visit.ratio_tenths),
        (check_id.as_str(), VisitResult::Valid, Some(3))
    );
    assert!(!entry.receipts.is_empty());
    assert!(entry.receipts.iter().all(|r| r.lines.contains(&visit_line)));
    // The day's visits: the check with its one co-payment, and another may be taken.
    let visits = c.visits(&business_date).unwrap();
    let listed: Vec<(String, bool, Vec<String>)> = visits
        .iter()
        .map(|v| {
            (
                v.check_id.clone(),
                v.co_payment,
                v.payments.iter().map(|p| p.id.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(listed, [(check_id.clone(), true, vec![sale_id])]);
    assert_eq!(
        visits[0].visit.as_ref().map(|v| v.result),
        Some(VisitResult::Valid)
    );
    assert!(c.visits("2026-13-45").is_err());
    c.close().await;
}
