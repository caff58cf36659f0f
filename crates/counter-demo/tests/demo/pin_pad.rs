//! The demo on the virtual PIN-pad reader that `scripts/pcscd.sh` loads beside the plain
//! one: the counter's configuration names it, and the persona cards go into it, where
//! pcscd reports a reader with a PIN pad.

use std::time::Duration;

use counter_demo::PINPAD_READER_VAR;
use jpki_card::CardTransport;
use jpki_card_pcsc::{Monitor, PcscCard, ReaderEvent};

use crate::support::{config, start_on};

#[tokio::test]
async fn the_demo_on_the_pin_pad_reader_configures_it_and_places_the_cards_there() {
    let prefix = std::env::var(PINPAD_READER_VAR).unwrap_or_else(|_| {
        panic!(
            "{PINPAD_READER_VAR} is not set: build the PIN-pad driver (cargo build -p \
             ifd-pinpad) and run under scripts/pcscd.sh run"
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let demo = start_on(dir.path(), true, true).await;
    let reader = format!("{prefix} 00 00");
    assert_eq!(demo.reader_name(), reader);
    let counter = config(&demo)
        .file
        .counter
        .expect("the demo's counter section");
    assert_eq!(
        counter.reader,
        counter_runtime::config::ReaderNames::One(reader.clone())
    );
    assert_ne!(
        reader,
        format!(
            "{} 00 00",
            std::env::var(counter_demo::READER_VAR).unwrap_or_default()
        ),
        "the pad reader is not the plain one"
    );

    let cards = demo.cards();
    let monitor = Monitor::start().unwrap();
    cards.place("sato-hanako").unwrap();
    let seen = monitor.wait_for(
        Duration::from_secs(10),
        |e| matches!(e, ReaderEvent::CardInserted { reader: r, .. } if *r == reader),
    );
    assert!(seen.is_some(), "no card in {reader:?}");
    {
        let mut card = PcscCard::connect(&reader).unwrap();
        assert!(
            card.has_pin_pad(),
            "{reader:?} does not announce its PIN pad"
        );
    }
    cards.remove().unwrap();
    monitor.stop();
    demo.shutdown().await;
}
