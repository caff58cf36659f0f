//! A reader unplugged while the terminal waits: vpcd's readers cannot be
//! unplugged, so this stops our pcscd (`scripts/pcscd.sh stop`) while the
//! monitor waits for a card, checks the monitor says so instead of hanging,
//! then starts pcscd again and checks the monitor sees it come back.
//!
//! Its own test binary, named to run after `integration` (cargo runs test
//! binaries one at a time, in name order), because it disturbs every other
//! pcscd user; pcscd is started again even when the test fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)]
#[path = "integration/harness.rs"]
mod harness;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use jpki_card::{CardTransport, TransportError};
use jpki_card_pcsc::{Monitor, PcscCard, ReaderEvent, list_readers};
use jpki_card_sim::Faults;

fn pcscd_script(action: &str) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pcscd.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(action)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "scripts/pcscd.sh {action}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts pcscd again however the test ends.
struct Restart;
impl Drop for Restart {
    fn drop(&mut self) {
        pcscd_script("start");
    }
}

#[test]
fn zz_monitor_reports_pcscd_stopping_and_coming_back() {
    let (_lock, env) = harness::setup();
    let wait = Duration::from_secs(10);
    let monitor = Monitor::start().unwrap();
    for i in 0..2 {
        let name = env.reader(i);
        assert!(
            monitor
                .wait_for(
                    wait,
                    |e| matches!(e, ReaderEvent::ReaderAttached { name: n } if *n == name)
                )
                .is_some()
        );
    }
    // A card session open while the service goes away.
    let inserted = harness::Inserted::new(&env, 0, harness::card("sato-hanako"), Faults::default());
    let mut card = PcscCard::connect(&inserted.reader).unwrap();

    let restart = Restart;
    pcscd_script("stop");
    let removed = monitor.wait_for(
        wait,
        |e| matches!(e, ReaderEvent::ReaderRemoved { name } if *name == env.reader(0)),
    );
    assert!(removed.is_some(), "no ReaderRemoved after pcscd stopped");
    assert_eq!(
        monitor.wait_for(wait, |e| *e == ReaderEvent::ServiceStopped),
        Some(ReaderEvent::ServiceStopped)
    );
    assert!(matches!(
        list_readers(),
        Err(TransportError::ReaderUnavailable(_))
    ));
    let err = card.transmit(&[0x00, 0xA4, 0x04, 0x0C, 0x00]).unwrap_err();
    assert!(
        matches!(
            err,
            TransportError::ReaderUnavailable(_)
                | TransportError::CardRemoved
                | TransportError::Other(_)
        ),
        "{err:?}"
    );
    card.power_down().unwrap();
    drop(card);
    drop(inserted);

    drop(restart); // pcscd starts again
    assert_eq!(
        monitor.wait_for(wait, |e| *e == ReaderEvent::ServiceRestored),
        Some(ReaderEvent::ServiceRestored)
    );
    let name = env.reader(0);
    assert!(
        monitor
            .wait_for(
                wait,
                |e| matches!(e, ReaderEvent::ReaderAttached { name: n } if *n == name)
            )
            .is_some(),
        "the reader is back"
    );
    let _inserted =
        harness::Inserted::new(&env, 0, harness::card("sato-hanako"), Faults::default());
    assert!(
        monitor
            .wait_for(
                wait,
                |e| matches!(e, ReaderEvent::CardInserted { reader, .. } if *reader == name)
            )
            .is_some(),
        "a card inserted after the restart is seen"
    );
}
