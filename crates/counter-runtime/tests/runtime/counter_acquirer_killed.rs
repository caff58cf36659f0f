//! The acquirer killed inside a card sale at the counter (issue 14's first acceptance
//! point with the terminal whole: the card on our pcscd's vpcd reader, the PIN typed on
//! the customer window, the platform's payment assertion). The acquirer runs in a
//! process of its own and is killed with SIGKILL while it holds the authorisation's
//! claim; the sale stays "being paid" (never declined) meanwhile, and once the acquirer
//! is back the counter resolves it within the lease plus one status round, without
//! staff: reversed, nothing charged. The next sale is captured, the journal equals the
//! acquirer and the day closes.

use std::time::{Duration, Instant};

use counter_api::acquirer::{FaultKind, FaultPlan};
use counter_core::Code;
use counter_core::payment::PaymentState;
use counter_runtime::counter::{CustomerScreen, SaleStep, StaffAction};
use counter_store::Store;

use crate::counter_env::{CounterEnv, TERMINAL, js, links, staff};
use crate::counter_flow::replace_card;
use crate::counter_links::enrol;
use crate::counter_races::{sale_end, sale_step, sell};
use crate::support::card_in_vpcd;
use crate::till::{AcquirerAdmin, AcquirerProcess, assert_journal_is_the_acquirers};

const PERSONA: &str = "sato-hanako";
/// The acquirer's claim lease (s).
const LEASE: u64 = 3;
/// One status round of the counter: its request time-out (3 s in [`CounterEnv`]) and the
/// default retry policy's longest backoff (2 s).
const STATUS_ROUND: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_acquirer_killed_inside_a_card_sale_at_the_counter() {
    let (_reader_lock, reader, mut slot) = card_in_vpcd(PERSONA);
    let (env, acquirer) = CounterEnv::with_acquirer_process(&reader, "cashier", LEASE as i64).await;
    let c = env.counter().await;
    let mut rx = c.screens();
    let s = enrol(&c, &mut rx, links()).await;
    assert_eq!(js(&s)["staff"]["view"]["step"], "enrolled", "{:#}", js(&s));
    staff(&c, StaffAction::Finish).await;
    replace_card(&mut slot, &mut rx).await;

    // The authorisation is held inside the acquirer (its key claimed, nothing committed)
    // when the acquirer is killed.
    env.set_faults(FaultPlan {
        kind: FaultKind::Delay,
        delay_ms: 30_000,
        times: Some(1),
    })
    .await;
    sell(&c, &mut rx, "killed-at-the-counter").await;
    env.wait_for_claim(&format!("{TERMINAL}-%-auth-%")).await;
    acquirer.kill();

    // While the acquirer is gone the sale is being paid: neither window says declined.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let s = c.screens().borrow().clone();
    assert!(
        matches!(sale_step(&s), Some(SaleStep::Paying)),
        "{:#}",
        js(&s)
    );
    assert!(
        !js(&s).to_string().contains("payment_declined"),
        "{:#}",
        js(&s)
    );

    // Back on the same port and database: resolved without staff, within the lease plus
    // one status round.
    let acquirer = AcquirerProcess::spawn(&env.dir.path().join("acquirer.toml"));
    env.wait_ready().await;
    let back = Instant::now();
    let (s, record, message) = sale_end(&mut rx, "the sale resolved").await;
    let took = back.elapsed();
    assert_eq!(record.state, PaymentState::Reversed, "{:#}", js(&s));
    assert_eq!(message.code, Code::PaymentReversed, "{:#}", js(&s));
    let bound = Duration::from_secs(LEASE) + STATUS_ROUND;
    assert!(
        took <= bound,
        "resolved {took:?} after the restart, more than the lease plus one status round \
         ({bound:?})"
    );
    assert!(
        !matches!(&s.customer, CustomerScreen::Paying { message: Some(m) } if m.code == Code::PaymentDeclined),
        "{:#}",
        js(&s)
    );
    staff(&c, StaffAction::Finish).await;

    // The next sale is captured.
    replace_card(&mut slot, &mut rx).await;
    sell(&c, &mut rx, "after-the-kill").await;
    let (s, record, _) = sale_end(&mut rx, "the next sale's end").await;
    assert_eq!(record.state, PaymentState::Captured, "{:#}", js(&s));
    staff(&c, StaffAction::Finish).await;

    // The journal equals the acquirer (one charge, the killed sale nowhere charged), and
    // the day closes.
    let sales =
        assert_journal_is_the_acquirers(&Store::open(env.db()).unwrap(), &env.acquirer_db());
    assert_eq!(sales.len(), 2, "{sales:#?}");
    let today = madoguchi_time::jst::business_date(counter_core::UnixTime::from_system_time(
        std::time::SystemTime::now(),
    ));
    let report = c.close_day(&today).await.unwrap();
    assert_eq!(report.code, Code::CloseMatched, "{report:#?}");
    c.close().await;
    acquirer.kill();
}
