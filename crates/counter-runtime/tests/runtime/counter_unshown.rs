//! A charge nobody saw: the headless driver is killed with SIGKILL right after it journals
//! a sale captured (the crash point `after_captured_journal`), before the outcome reaches
//! anyone. The sale is final, so recovery leaves it alone; the counter started next lists
//! it on the status bar (its number, its amount, what to do) until staff confirm it or void
//! it, and never voids it by itself. A sale whose outcome the customer window says it
//! rendered is journaled as shown and never listed; an acknowledgement older than the
//! outcome marks nothing.

use std::os::unix::process::ExitStatusExt;

use counter_core::Code;
use counter_core::payment::{PaymentRecord, PaymentState};
use counter_runtime::counter::StaffAction;
use counter_runtime::crash::CRASH_ENV;
use counter_store::{PaymentQuery, Store};

use crate::counter_env::{CounterEnv, TOKEN, js, staff, until};
use crate::counter_races::{sale_end, sell};
use crate::support::{card_in_vpcd, driver, enrol_with_token};

const PERSONA: &str = "sato-hanako";

/// The journal's sale of order `order`.
fn sale_of(env: &CounterEnv, order: &str) -> PaymentRecord {
    let sales = Store::open(env.db())
        .unwrap()
        .search_payments(&PaymentQuery {
            text: Some(order.into()),
            ..PaymentQuery::default()
        })
        .unwrap();
    assert_eq!(sales.len(), 1, "{order}: {sales:?}");
    sales.into_iter().next().unwrap()
}

/// Returns once the loop has taken everything sent before: it takes one message at a
/// time, and answers a staff action (here one refused, which changes nothing) in turn.
async fn answered(c: &counter_runtime::counter::Counter) {
    let refused = c
        .staff(StaffAction::ConfirmCardSale {
            sale_id: "no-such-sale".into(),
        })
        .await;
    assert!(refused.is_err(), "{refused:?}");
}

/// A card sale by the headless driver, killed once the capture is journaled.
async fn killed_after_capture(env: &CounterEnv, reader: &str, amount: u64, order: &str) {
    let pin = format!("{}\n", testkit::load_persona(PERSONA).unwrap().auth_pin);
    let amount = amount.to_string();
    let out = driver(
        &env.config_path,
        &[
            "pay",
            "--amount",
            &amount,
            "--order",
            order,
            "--reader",
            reader,
            "--pin-stdin",
        ],
        &[(CRASH_ENV, "after_captured_journal")],
        &pin,
    )
    .await;
    assert_eq!(
        out.status.signal(),
        Some(9),
        "not killed at its crash point; stdout {} stderr {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let sale = sale_of(env, order);
    assert_eq!(sale.state, PaymentState::Captured, "{sale:?}");
    assert_eq!(sale.shown_at, None, "killed before anyone saw it: {sale:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_charge_the_killed_counter_never_showed_is_listed_until_staff_confirm_or_void_it() {
    let (_reader_lock, reader, _slot) = card_in_vpcd(PERSONA);
    let env = CounterEnv::start(&reader, "cashier", true).await;
    enrol_with_token(&env.config().backends().unwrap(), PERSONA, TOKEN, "4242").await;
    killed_after_capture(&env, &reader, 1_500, "unseen-paid-by-card").await;
    killed_after_capture(&env, &reader, 800, "unseen-paid-in-cash").await;
    let by_card = sale_of(&env, "unseen-paid-by-card");
    let in_cash = sale_of(&env, "unseen-paid-in-cash");

    // Restart: the recovery has nothing to do (both are final), and the status bar names
    // both sales with their amounts and what staff do.
    let c = env.counter().await;
    let mut rx = c.screens();
    let s = until(&mut rx, "the unseen charges listed", |s| {
        s.status.unshown.len() == 2
    })
    .await;
    let listed: Vec<(&str, u64)> = s
        .status
        .unshown
        .iter()
        .map(|u| (u.id.as_str(), u.amount_jpy))
        .collect();
    assert_eq!(
        listed,
        [(by_card.id.as_str(), 1_500), (in_cash.id.as_str(), 800)],
        "{:#}",
        js(&s)
    );
    assert_eq!(
        s.status.unshown_notice.as_ref().map(|m| m.code),
        Some(Code::ApprovalNotShown)
    );
    assert_eq!(s.status.payments_in_doubt, 0, "nothing is in doubt");

    // The customer paid by card: staff confirm it; the mark is journaled and the line goes.
    staff(
        &c,
        StaffAction::ConfirmCardSale {
            sale_id: by_card.id.clone(),
        },
    )
    .await;
    let s = until(&mut rx, "the confirmed sale off the list", |s| {
        s.status.unshown.len() == 1
    })
    .await;
    assert_eq!(s.status.unshown[0].id, in_cash.id);
    let confirmed = sale_of(&env, "unseen-paid-by-card");
    assert!(confirmed.shown_at.is_some(), "{confirmed:?}");
    assert_eq!(confirmed.state, PaymentState::Captured);
    // Confirmed once: a second confirmation is refused (the sale is no longer listed).
    let refused = c
        .staff(StaffAction::ConfirmCardSale {
            sale_id: by_card.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.message.code, Code::InvalidPaymentState);

    // The other customer paid in cash: staff void the charge (it is still its day).
    staff(
        &c,
        StaffAction::Void {
            sale_id: in_cash.id.clone(),
        },
    )
    .await;
    let s = until(&mut rx, "the voided sale off the list", |s| {
        s.status.unshown.is_empty()
            && s.status.notice.as_ref().map(|m| m.code) == Some(Code::PaymentVoided)
    })
    .await;
    assert!(s.status.unshown_notice.is_none(), "{:#}", js(&s));
    assert_eq!(
        sale_of(&env, "unseen-paid-in-cash").state,
        PaymentState::Voided
    );

    // A sale whose outcome the customer window rendered is journaled as shown, and never
    // listed; the screens' publication alone marks nothing.
    let before = c.screens().borrow().revision;
    sell(&c, &mut rx, "seen-at-the-till").await;
    let (s, record, message) = sale_end(&mut rx, "the sale's outcome on screen").await;
    assert_eq!(record.state, PaymentState::Captured, "{:#}", js(&s));
    assert_eq!(message.code, Code::PaymentApproved);
    assert!(s.customer.shows_sale_outcome(), "{:#}", js(&s));
    assert!(
        s.status.unshown.is_empty(),
        "on its way to the window: {:#}",
        js(&s)
    );
    // The loop takes one message at a time: once a staff action is answered, what came
    // before it is done.
    c.customer_rendered(before);
    answered(&c).await;
    let unseen = sale_of(&env, "seen-at-the-till");
    assert_eq!(
        unseen.shown_at, None,
        "published, and a stale word: {unseen:?}"
    );
    c.customer_rendered(s.revision);
    answered(&c).await;
    let seen = sale_of(&env, "seen-at-the-till");
    assert!(seen.shown_at.is_some(), "{seen:?}");
    staff(&c, StaffAction::Finish).await;
    assert!(c.screens().borrow().status.unshown.is_empty());
    c.close().await;
}
