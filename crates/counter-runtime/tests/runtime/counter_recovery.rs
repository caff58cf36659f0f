//! Payments in doubt are resolved in the background: with the acquirer hung (it accepts
//! and never answers) and a sale left in doubt by an earlier run, the counter starts at once, enrolls and checks as
//! usual, and only a new card sale waits, refused with the reason while the sale in doubt
//! is listed on the status bar. When the acquirer comes back the doubt is resolved without
//! anyone pressing a button, and the next card sale is paid.

use counter_core::Code;
use counter_core::UnixTime;
use counter_core::payment::{self, NewSale, PaymentState};
use counter_runtime::counter::{SaleStep, StaffAction};
use counter_store::Store;

use crate::counter_env::{CounterEnv, MERCHANT, TERMINAL, js, links, staff, until, until_within};
use crate::counter_flow::{pin_service_consents, replace_card};
use crate::counter_links::enrol;
use crate::counter_races::{sale_step, sell};
use crate::support::card_in_vpcd;

const PERSONA: &str = "sato-hanako";

/// A sale journaled as sent, whose answer never came (the terminal died): in doubt. Its id
/// comes from the journal's sale sequence, as the payment shell's do, so the next sale
/// gets the next one.
fn leave_a_sale_in_doubt(env: &CounterEnv) -> String {
    let mut store = Store::open(env.db()).unwrap();
    let id = format!("{TERMINAL}-{:06}", store.next_sequence("sale").unwrap());
    let now = UnixTime::from_system_time(std::time::SystemTime::now());
    let record = payment::begin(
        NewSale {
            id: id.clone(),
            idempotency_key: format!("{id}-auth-key"),
            order_ref: "order-in-doubt".into(),
            merchant_id: MERCHANT.into(),
            terminal_id: TERMINAL.into(),
            amount_jpy: 1_500,
            visit_id: None,
        },
        now,
    );
    store.insert_payment(&record).unwrap();
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_sale_in_doubt_and_the_acquirer_down_checks_go_on_and_card_sales_wait() {
    let (_reader_lock, reader, mut slot) = card_in_vpcd(PERSONA);
    let env = CounterEnv::start(&reader, "reception", true).await;
    let route = env.acquirer_silent();
    let in_doubt = leave_a_sale_in_doubt(&env);

    // The counter starts without waiting for the recovery, which cannot finish now: each
    // of its requests waits for the terminal's whole time-out (3 s here, 7 s with the
    // default), and a recovery that ran before the windows would hold them that long at
    // least. The windows get their first screens at once.
    let started = std::time::Instant::now();
    let c = env.counter().await;
    let mut rx = c.screens();
    let s = until(&mut rx, "the sale in doubt listed", |s| {
        s.status.in_doubt == [in_doubt.clone()]
    })
    .await;
    let ready = started.elapsed();
    assert!(
        ready < std::time::Duration::from_secs(3),
        "the screens took {ready:?}: the start waited for the acquirer"
    );
    assert_eq!(s.status.payments_in_doubt, 1, "{:#}", js(&s));

    // Enrollment and the reception check are unaffected (the card on the reader started
    // an identification: staff cancel it to enroll first).
    until(&mut rx, "the identification", |s| {
        js(s)["staff"]["screen"] == "identify"
    })
    .await;
    staff(&c, StaffAction::Cancel).await;
    let s = enrol(&c, &mut rx, links()).await;
    assert_eq!(js(&s)["staff"]["view"]["step"], "enrolled", "{:#}", js(&s));
    staff(&c, StaffAction::Finish).await;
    replace_card(&mut slot, &mut rx).await;
    pin_service_consents(&c, &mut rx).await;
    let s = until(&mut rx, "the result exported", |s| {
        js(s)["staff"]["view"]["export"] == "written"
    })
    .await;
    assert_eq!(
        js(&s)["staff"]["view"]["headline"]["code"],
        "eligibility_valid",
        "{:#}",
        js(&s)
    );
    staff(&c, StaffAction::Finish).await;

    // At the till, a new card sale waits for the sale in doubt, and says so.
    staff(
        &c,
        StaffAction::SetMode {
            mode: counter_runtime::config::CounterMode::Cashier,
        },
    )
    .await;
    let refused = c
        .staff(StaffAction::NewSale {
            amount_jpy: 800,
            order_ref: None,
        })
        .await
        .unwrap_err();
    assert_eq!(refused.message.code, Code::SalesInDoubt);
    let s = until(&mut rx, "the refusal on the status bar", |s| {
        s.status.notice.as_ref().map(|m| m.code) == Some(Code::SalesInDoubt)
    })
    .await;
    assert_eq!(
        s.status.in_doubt,
        std::slice::from_ref(&in_doubt),
        "{:#}",
        js(&s)
    );

    // The daily close is refused too, the sale still listed; a date that is not one never
    // reaches the acquirer's URL.
    let today = madoguchi_time::jst::business_date(UnixTime::from_system_time(
        std::time::SystemTime::now(),
    ));
    let refused = c.close_day(&today).await.unwrap_err();
    assert_eq!(refused.message.code, Code::CloseRefusedInDoubt);
    for bad in ["2026-13-40", "../../admin", "2026-12-06/x"] {
        let refused = c.close_day(bad).await.unwrap_err();
        assert_eq!(refused.message.code, Code::DateInvalid, "{bad}");
    }
    assert_eq!(
        c.screens().borrow().status.in_doubt,
        std::slice::from_ref(&in_doubt)
    );

    // The acquirer comes back. Nobody presses anything: the recovery running in the
    // background (or the next one, every 30 s) asks again and resolves the sale. The
    // acquirer never got its authorisation, so it is reversed: nothing was charged.
    route.restore();
    let s = until_within(
        &mut rx,
        "the doubt resolved in the background",
        std::time::Duration::from_secs(75),
        |s| s.status.in_doubt.is_empty(),
    )
    .await;
    assert_eq!(s.status.payments_in_doubt, 0, "{:#}", js(&s));
    let record = Store::open(env.db())
        .unwrap()
        .payment(&in_doubt)
        .unwrap()
        .unwrap();
    assert_eq!(record.state, PaymentState::Reversed, "{record:?}");

    // Now a new card sale is taken and paid.
    sell(&c, &mut rx, "after-the-doubt").await;
    let s = until(&mut rx, "the sale's end", |s| {
        matches!(sale_step(s), Some(SaleStep::Done { .. }))
    })
    .await;
    let Some(SaleStep::Done { record, .. }) = sale_step(&s) else {
        unreachable!()
    };
    assert_eq!(record.state, PaymentState::Captured, "{:#}", js(&s));
    c.close().await;
}
