//! A card pulled while the platform links it, through the reader: our pcscd with vpcd, the
//! platform held at the payment link's confirmation until the card has left. The platform's
//! answer still reaches staff (and the audit), and the customer window is back at the
//! welcome as soon as the card leaves. A card placed while the answer is awaited is not
//! read then, nor when staff leave the answer (a card left lying never starts a check
//! unasked): lifted and placed again, it is read as the next person's.

use counter_runtime::counter::{CustomerAction, ReaderState, StaffAction};
use jpki_card_sim::Faults;

use crate::counter_env::{CounterEnv, INSURER, customer, js, links, staff, until};
use crate::counter_links::audit;
use crate::support::card_in_vpcd;

const PERSONA: &str = "sato-hanako";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_pulled_while_the_platform_links_still_gets_the_answer_to_staff() {
    let (_reader_lock, reader, mut slot) = card_in_vpcd(PERSONA);
    let (env, gate) = CounterEnv::with_links_held(&reader, "reception").await;
    let c = env.counter().await;
    let mut rx = c.screens();
    until(&mut rx, "the identification", |s| {
        js(s)["staff"]["screen"] == "identify"
    })
    .await;
    staff(&c, StaffAction::Cancel).await;

    let p = testkit::load_persona(PERSONA).unwrap();
    staff(&c, StaffAction::StartEnrollment { services: links() }).await;
    until(&mut rx, "the password step", |s| {
        js(s)["customer"]["view"]["step"] == "password_entry"
    })
    .await;
    let text = p.sign_password.clone().unwrap();
    customer(&c, CustomerAction::Password { text }).await;
    until(&mut rx, "the attributes", |s| {
        js(s)["customer"]["view"]["step"] == "confirm_attributes"
    })
    .await;
    let consent = CustomerAction::ConfirmAttributes {
        disclosure_consent: true,
    };
    customer(&c, consent).await;
    until(&mut rx, "the PIN step", |s| {
        js(s)["customer"]["view"]["step"] == "pin_entry"
    })
    .await;
    customer(&c, CustomerAction::Pin { digits: p.auth_pin }).await;
    until(&mut rx, "the application sent", |s| {
        js(s)["staff"]["view"]["step"] == "enrolling"
    })
    .await;

    // The card leaves while the platform waits for the acquirer's confirmation.
    let card = slot.remove().unwrap();
    let s = until(&mut rx, "the card gone and the welcome", |s| {
        s.status.reader == ReaderState::Empty && js(s)["customer"]["screen"] == "welcome"
    })
    .await;
    assert_eq!(
        js(&s)["staff"]["view"]["step"],
        "enrolling",
        "the enrollment waits on for its answer: {:#}",
        js(&s)
    );
    // Staff are told nothing may leave the enrollment now (the counter's hold).
    assert_eq!(js(&s)["hold"], "enrollment_linking", "{:#}", js(&s));

    // A card placed meanwhile (here the same one, as the next person's would be): not
    // read, and the enrollment waits on.
    slot.insert(card, Faults::default()).unwrap();
    let s = until(&mut rx, "the card placed again", |s| {
        s.status.reader == ReaderState::Card
    })
    .await;
    assert_eq!(js(&s)["staff"]["view"]["step"], "enrolling", "{:#}", js(&s));
    assert_eq!(js(&s)["customer"]["screen"], "welcome", "{:#}", js(&s));

    // The platform gets its confirmation and answers: staff read that the card is linked.
    gate.open();
    let s = until(&mut rx, "the platform's answer", |s| {
        js(s)["staff"]["view"]["step"] != "enrolling"
    })
    .await;
    let v = js(&s);
    let view = &v["staff"]["view"];
    assert_eq!(view["step"], "enrolled", "{v:#}");
    assert!(view["enrollment_id"].as_str().is_some(), "{v:#}");
    assert!(
        view["linked"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["service_id"] == INSURER),
        "{v:#}"
    );
    assert_eq!(v["customer"]["screen"], "welcome", "{v:#}");
    assert_eq!(v["hold"], serde_json::Value::Null, "{v:#}");
    assert!(
        audit(&env).iter().any(|r| r.starts_with("enrolled ")),
        "{:#?}",
        audit(&env)
    );
    // Staff have read the answer and finish: the card lying on the reader (the enrollee's
    // own, put back) is not read, and staff are told to have it placed again.
    staff(&c, StaffAction::Finish).await;
    let s = until(&mut rx, "the counter idle, the card not read", |s| {
        js(s)["staff"]["screen"] == "ready"
    })
    .await;
    assert_eq!(s.status.reader, ReaderState::Card);
    assert_eq!(
        js(&s)["status"]["notice"]["code"],
        "card_not_read_place_again",
        "{:#}",
        js(&s)
    );
    assert_eq!(js(&s)["customer"]["screen"], "welcome", "{:#}", js(&s));
    // Lifted and placed again: read as the next person's arrival (a check at reception).
    let card = slot.remove().unwrap();
    until(&mut rx, "the card lifted", |s| {
        s.status.reader == ReaderState::Empty
    })
    .await;
    slot.insert(card, Faults::default()).unwrap();
    let s = until(&mut rx, "the card placed again read for a check", |s| {
        js(s)["staff"]["screen"] == "identify" && js(s)["customer"]["view"]["step"] == "pin_entry"
    })
    .await;
    assert_eq!(s.status.reader, ReaderState::Card);
    staff(&c, StaffAction::Cancel).await;
    c.close().await;
}
