//! One payment operation at a time at the counter: a Recover pressed while a sale is being
//! paid (the acquirer slow) and a refund pressed while the void of the same sale runs are
//! refused with the reason, not run beside it; afterwards the journal equals the acquirer
//! for the sale and the daily close matches.

use std::time::Duration;

use counter_api::acquirer::{FaultKind, FaultPlan};
use counter_core::Code;
use counter_core::payment::PaymentState;
use counter_runtime::counter::{
    Counter, CustomerAction, CustomerScreen, SaleStep, Screens, StaffAction, StaffScreen,
};
use tokio::sync::watch;

use crate::counter_env::{ACQUIRER, CounterEnv, customer, js, links, staff, until};
use crate::counter_flow::replace_card;
use crate::counter_links::enrol;
use crate::support::card_in_vpcd;

const PERSONA: &str = "sato-hanako";

/// What the acquirer holds for the payments of `order_ref`: (status, captured yen).
fn at_the_acquirer(env: &CounterEnv, order_ref: &str) -> Vec<(String, i64)> {
    let c = rusqlite::Connection::open(env.dir.path().join("acquirer.sqlite")).unwrap();
    let mut st = c
        .prepare("SELECT status, captured_jpy FROM payments WHERE order_ref = ?1")
        .unwrap();
    st.query_map([order_ref], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

async fn refused(c: &Counter, action: StaffAction) -> Code {
    let what = format!("{action:?}");
    c.staff(action)
        .await
        .map(|()| panic!("{what} was taken"))
        .unwrap_err()
        .message
        .code
}

/// The sale's step on the staff window.
pub(crate) fn sale_step(s: &Screens) -> Option<&SaleStep> {
    match &s.staff {
        StaffScreen::Sale { view } => Some(&view.step),
        _ => None,
    }
}

pub(crate) async fn sell(c: &Counter, rx: &mut watch::Receiver<Screens>, order_ref: &str) {
    let p = testkit::load_persona(PERSONA).unwrap();
    staff(
        c,
        StaffAction::NewSale {
            amount_jpy: 2_000,
            order_ref: Some(order_ref.into()),
        },
    )
    .await;
    until(rx, "the PIN step of the sale", |s| {
        js(s)["customer"]["view"]["step"] == "pin_entry"
    })
    .await;
    customer(c, CustomerAction::Pin { digits: p.auth_pin }).await;
    until(rx, "the payment choice", |s| {
        matches!(s.customer, CustomerScreen::Pay { .. })
    })
    .await;
    customer(
        c,
        CustomerAction::Pay {
            service_id: ACQUIRER.into(),
            amount_jpy: 2_000,
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recover_while_paying_and_a_refund_racing_a_void_are_refused_and_the_close_matches() {
    let (_reader_lock, reader, mut slot) = card_in_vpcd(PERSONA);
    let env = CounterEnv::start(&reader, "cashier", true).await;
    let c = env.counter().await;
    let mut rx = c.screens();
    let s = enrol(&c, &mut rx, links()).await;
    assert_eq!(js(&s)["staff"]["view"]["step"], "enrolled", "{:#}", js(&s));
    staff(&c, StaffAction::Finish).await;
    replace_card(&mut slot, &mut rx).await;

    // The acquirer answers the authorisation slowly: the sale is being paid meanwhile.
    env._acquirer.acquirer().set_faults(FaultPlan {
        kind: FaultKind::Delay,
        delay_ms: 1_500,
        times: Some(1),
    });
    sell(&c, &mut rx, "race-1").await;
    until(&mut rx, "the sale being paid", |s| {
        matches!(sale_step(s), Some(SaleStep::Paying))
    })
    .await;
    assert_eq!(refused(&c, StaffAction::Recover).await, Code::PaymentBusy);
    let s = until(&mut rx, "the sale's end", |s| {
        matches!(sale_step(s), Some(SaleStep::Done { .. }))
    })
    .await;
    let Some(SaleStep::Done { record, .. }) = sale_step(&s) else {
        unreachable!()
    };
    assert_eq!(record.state, PaymentState::Captured, "{:#}", js(&s));
    let sale_id = record.id.clone();

    // A void, and a refund of the same sale pressed while the void runs (slow again).
    env._acquirer.acquirer().set_faults(FaultPlan {
        kind: FaultKind::Delay,
        delay_ms: 1_000,
        times: Some(1),
    });
    staff(
        &c,
        StaffAction::Void {
            sale_id: sale_id.clone(),
        },
    )
    .await;
    let racing = StaffAction::Refund {
        sale_id: sale_id.clone(),
        amount_jpy: 500,
    };
    assert_eq!(refused(&c, racing).await, Code::PaymentBusy);
    until(&mut rx, "the void", |s| {
        s.status
            .notice
            .as_ref()
            .is_some_and(|n| n.code == Code::PaymentVoided)
    })
    .await;
    staff(&c, StaffAction::Finish).await;

    // The journal equals the acquirer, and the day closes.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let journal = c
        .journal(&counter_runtime::counter::JournalQuery {
            business_date: None,
            text: Some("race-1".into()),
        })
        .unwrap();
    assert_eq!(journal.len(), 1, "{journal:#?}");
    assert_eq!(journal[0].sale.state, PaymentState::Voided);
    assert!(journal[0].refunds.is_empty(), "the racing refund never ran");
    let theirs = at_the_acquirer(&env, "race-1");
    assert_eq!(theirs.len(), 1, "{theirs:?}");
    assert_eq!(theirs[0].0, "voided", "{theirs:?}");
    let report = c.close_day(&journal[0].sale.business_date).await.unwrap();
    assert_eq!(report.code, Code::CloseMatched, "{report:#?}");
    c.close().await;
}
