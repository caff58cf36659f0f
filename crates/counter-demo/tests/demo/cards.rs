//! The persona cards on our pcscd's vpcd reader, seen through PC/SC as the counter sees
//! them.

use std::time::Duration;

use counter_demo::DemoError;
use jpki_card::{AuthPin, Authenticate, CardError, PinEntry, PinKind, PinStatus, run, sha256};
use jpki_card_pcsc::{Monitor, PcscCard, ReaderEvent};

use crate::support::start;

fn inserted(reader: &str) -> impl Fn(&ReaderEvent) -> bool + '_ {
    move |e| matches!(e, ReaderEvent::CardInserted { reader: r, .. } if r == reader)
}

fn removed(reader: &str) -> impl Fn(&ReaderEvent) -> bool + '_ {
    move |e| matches!(e, ReaderEvent::CardRemoved { reader: r } if r == reader)
}

/// Starts a monitor and waits until it has reported the reader empty (a card of an earlier
/// run may not have left pcscd's view yet).
fn monitor_on_empty(reader: &str) -> Monitor {
    let monitor = Monitor::start().unwrap();
    let mut present = false;
    while let Some(e) = monitor.recv_timeout(Duration::from_millis(300)) {
        if inserted(reader)(&e) {
            present = true;
        } else if removed(reader)(&e) {
            present = false;
        }
    }
    if present {
        let left = monitor.wait_for(Duration::from_secs(10), removed(reader));
        assert!(left.is_some(), "a card never left {reader:?}");
    }
    monitor
}

// The card calls below block; nothing else runs on this test's runtime meanwhile (the
// backends are not used while cards move).
#[tokio::test]
async fn cards_are_placed_swapped_and_removed_on_the_virtual_reader_keeping_their_tries() {
    let dir = tempfile::tempdir().unwrap();
    let demo = start(dir.path(), true).await;
    let cards = demo.cards();
    let reader = demo.reader_name().to_owned();
    assert_eq!(cards.reader_name(), reader);

    let list = cards.list();
    let ids: Vec<&str> = list.iter().map(|c| c.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    let mut expected = testkit::personas::PERSONA_IDS.to_vec();
    expected.sort_unstable();
    assert_eq!(sorted, expected);
    for c in &list {
        let p = testkit::load_persona(&c.id).unwrap();
        // Compared without printing: a failure message must not carry the PIN (make test
        // greps the test output for every persona's PIN).
        assert!(c.name == p.name, "{}: name {:?}", c.id, c.name);
        assert!(c.pin == p.auth_pin, "{}: not the persona's PIN", c.id);
        assert!(!c.note_ja.is_empty() && !c.note_en.is_empty());
        assert!(!c.on_reader);
        let enrolled = [
            "sato-hanako",
            "tanaka-yuki",
            "suzuki-ichiro",
            "nakamura-aoi",
        ]
        .contains(&c.id.as_str());
        assert_eq!(c.enrolled, enrolled, "{}", c.id);
    }
    assert_eq!(cards.on_reader(), None);

    let monitor = monitor_on_empty(&reader);
    let wait = Duration::from_secs(5);

    // Placed: pcscd sees the card.
    cards.place("sato-hanako").unwrap();
    assert!(
        monitor.wait_for(wait, inserted(&reader)).is_some(),
        "no card in {reader:?}"
    );
    assert_eq!(cards.on_reader().as_deref(), Some("sato-hanako"));
    let on: Vec<_> = cards
        .list()
        .into_iter()
        .filter(|c| c.on_reader)
        .map(|c| c.id)
        .collect();
    assert_eq!(on, ["sato-hanako"]);

    // A wrong PIN costs sato-hanako's card a try.
    {
        let mut card = PcscCard::connect(&reader).unwrap();
        let wrong = Authenticate::new(PinEntry::Host(AuthPin::new("0000").unwrap()), sha256(b"x"));
        assert!(matches!(
            run(&mut card, wrong),
            Err(CardError::PinIncorrect { tries_left: 2 })
        ));
    }

    // Swapped: pcscd sees the first card leave before the next one arrives.
    cards.place("tanaka-yuki").unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let Some(e) = monitor.recv_timeout(wait) else {
            break;
        };
        if removed(&reader)(&e) {
            seen.push("removed");
        } else if inserted(&reader)(&e) {
            seen.push("inserted");
        }
    }
    assert_eq!(seen, ["removed", "inserted"]);
    assert_eq!(cards.on_reader().as_deref(), Some("tanaka-yuki"));
    {
        let mut card = PcscCard::connect(&reader).unwrap();
        assert_eq!(run(&mut card, PinStatus::new(PinKind::AuthPin)).unwrap(), 1);
    }

    // Back again: sato-hanako's card kept its tries.
    cards.place("sato-hanako").unwrap();
    assert!(monitor.wait_for(wait, removed(&reader)).is_some());
    assert!(monitor.wait_for(wait, inserted(&reader)).is_some());
    {
        let mut card = PcscCard::connect(&reader).unwrap();
        assert_eq!(run(&mut card, PinStatus::new(PinKind::AuthPin)).unwrap(), 2);
    }

    // Removed.
    cards.remove().unwrap();
    assert!(
        monitor.wait_for(wait, removed(&reader)).is_some(),
        "the card did not leave"
    );
    assert_eq!(cards.on_reader(), None);
    cards.remove().unwrap();

    assert!(matches!(
        cards.place("nobody"),
        Err(DemoError::UnknownPersona { .. })
    ));
    monitor.stop();
    demo.shutdown().await;
}

#[test]
fn without_pcscd_s_environment_the_demo_says_how_to_run_it() {
    let e = DemoError::NoVirtualReader {
        var: counter_demo::PORT_VAR,
    };
    let message = e.to_string();
    assert!(message.contains("scripts/pcscd.sh run"), "{message}");
    assert!(message.contains("make demo"), "{message}");
}

#[test]
fn the_pin_pad_reader_is_found_in_pcscd_s_environment() {
    let reader = counter_demo::VirtualReader::pin_pad_from_env()
        .unwrap()
        .unwrap_or_else(|| {
            panic!(
                "{} is not set: pcscd runs without the virtual PIN-pad reader; build its \
                 driver (make build) and run under scripts/pcscd.sh run",
                counter_demo::PINPAD_READER_VAR
            )
        });
    assert_eq!(reader.name, "Madoguchi PIN Pad Reader 00 00");
    assert_eq!(
        reader.port.to_string(),
        std::env::var(counter_demo::PINPAD_PORT_VAR).unwrap()
    );
}
