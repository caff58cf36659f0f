//! The hot-plug monitor against pcscd's real status changes.

use std::time::{Duration, Instant};

use jpki_card_pcsc::{Monitor, ReaderEvent};
use jpki_card_sim::Faults;

use crate::harness::{self, CARD_EVENT, Inserted};

fn attached(m: &Monitor, name: &str) {
    let got = m.wait_for(
        CARD_EVENT,
        |e| matches!(e, ReaderEvent::ReaderAttached { name: n } if n == name),
    );
    assert!(got.is_some(), "no ReaderAttached for {name}");
}

#[test]
fn monitor_reports_readers_then_card_insertion_and_removal() {
    let (_lock, env) = harness::setup();
    let monitor = Monitor::start().unwrap();
    attached(&monitor, &env.reader(0));
    attached(&monitor, &env.reader(1));

    let card = harness::card("sato-hanako");
    let atr = card.atr().to_vec();
    let mut inserted = Inserted::new(&env, 0, card, Faults::default());
    let event = monitor.wait_for(CARD_EVENT, |e| {
        matches!(e, ReaderEvent::CardInserted { .. })
    });
    assert_eq!(
        event,
        Some(ReaderEvent::CardInserted {
            reader: env.reader(0),
            atr
        })
    );

    inserted.remove();
    let event = monitor.wait_for(CARD_EVENT, |e| {
        !matches!(e, ReaderEvent::ReaderAttached { .. })
    });
    assert_eq!(
        event,
        Some(ReaderEvent::CardRemoved {
            reader: env.reader(0)
        })
    );

    let t = Instant::now();
    monitor.stop();
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "stop took {:?}",
        t.elapsed()
    );
}

#[test]
fn monitor_reports_a_card_already_present_at_start() {
    let (_lock, env) = harness::setup();
    let _inserted = Inserted::new(&env, 1, harness::card("sato-hanako"), Faults::default());
    let monitor = Monitor::start().unwrap();
    let event = monitor.wait_for(CARD_EVENT, |e| {
        matches!(e, ReaderEvent::CardInserted { .. })
    });
    assert!(
        matches!(&event, Some(ReaderEvent::CardInserted { reader, .. }) if *reader == env.reader(1)),
        "{event:?}"
    );
    // Dropping a monitor that waits in SCardGetStatusChange cancels the wait.
    let t = Instant::now();
    drop(monitor);
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "drop took {:?}",
        t.elapsed()
    );
}
