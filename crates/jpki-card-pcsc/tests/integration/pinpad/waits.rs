//! How a PIN-pad wait ends besides the customer's keys: the card taken out,
//! the terminal's Cancel; and what never happens: a PIN crossing the host, a
//! pad port reachable from outside the machine.

use std::time::{Duration, Instant};

use jpki_card::{CardError, TransportError, run};
use jpki_card_pcsc::{PcscCard, PcscCardOptions};
use madoguchi_ifd_pinpad::{KeysError, PadKeys};

use super::{
    Customer, PROMPT_WAIT, PadCard, assert_no_verify_with_data, customer, pad_flow, transmits,
};
use crate::harness::{self, run_flow};
use crate::logs::{assert_no_secret, forms};

#[test]
fn a_card_taken_out_mid_entry_ends_the_wait_as_card_removed() {
    let (_lock, _env) = harness::setup();
    let mut pad = PadCard::new("sato-hanako");
    let mut keys = PadKeys::connect(pad.env.keys).unwrap();
    let reader = pad.reader().to_owned();
    let flow = std::thread::spawn(move || (run_flow(&reader, pad_flow(30)), Instant::now()));
    keys.wait_prompt(PROMPT_WAIT).unwrap();
    keys.type_digits("12").unwrap();
    let removed_at = Instant::now();
    let card = pad.inserted.remove().expect("the card comes back");
    let (result, ended) = flow.join().unwrap();
    assert_eq!(
        result.unwrap_err(),
        CardError::Transport(TransportError::CardRemoved)
    );
    let took = ended - removed_at;
    assert!(
        took < Duration::from_secs(3),
        "the wait ended with the card: {took:?}"
    );
    assert!(pad.record().contains(&"entry removed".to_owned()));
    assert_eq!(card.auth_pin_tries_left(), 3, "two digits cost nothing");
}

#[test]
fn a_cancel_from_the_terminal_ends_the_wait_at_once() {
    let (_lock, _env) = harness::setup();
    let persona = harness::persona("sato-hanako");
    let mut pad = PadCard::new("sato-hanako");
    let mut keys = PadKeys::connect(pad.env.keys).unwrap();
    let options = PcscCardOptions::default().with_trace_apdus(true);
    let mut card = PcscCard::connect_with(pad.reader(), options).unwrap();
    let cancel = card.pin_pad_canceller();
    let flow = std::thread::spawn(move || (run(&mut card, pad_flow(30)), Instant::now()));
    keys.wait_prompt(PROMPT_WAIT).unwrap();
    let cancelled_at = Instant::now();
    cancel.cancel();
    let (result, ended) = flow.join().unwrap();
    assert_eq!(
        result.unwrap_err(),
        CardError::Transport(TransportError::Cancelled)
    );
    let took = ended - cancelled_at;
    assert!(
        took < Duration::from_secs(1),
        "ended by the cancel: {took:?}"
    );

    // pcsc-lite cannot interrupt the reader: the pad still prompts and the
    // reader stays held until it ends (docs/DECISIONS.md).
    assert!(matches!(
        keys.wait_idle(Duration::from_millis(200)),
        Err(KeysError::NotInTime(_))
    ));
    assert_eq!(
        PcscCard::connect(pad.reader()).unwrap_err(),
        TransportError::SharingViolation
    );
    // The customer types the PIN after all: the card takes it, and is
    // unpowered at once; nothing is sent between (the PIN unlocks nothing).
    keys.type_digits(&persona.auth_pin).unwrap();
    keys.wait_log("power down", Duration::from_secs(10))
        .unwrap();
    let record = pad.record();
    let verified = record
        .iter()
        .position(|l| l == "verify 0020008004******** sw=9000")
        .unwrap_or_else(|| panic!("{record:?}"));
    let after = &record[verified + 1..];
    assert!(after.contains(&"power down".to_owned()), "{record:?}");
    assert!(
        transmits(after).is_empty(),
        "a command followed: {record:?}"
    );
    // The reader is free again.
    PcscCard::connect(pad.reader()).unwrap();
}

#[test]
fn no_pin_crosses_the_host_or_reaches_a_log() {
    let (_lock, env) = harness::setup();
    let persona = harness::persona("sato-hanako");
    let wrong = "9137";
    let mut pad = PadCard::new("sato-hanako");
    let fingers = customer(&pad.env, Customer::Types(persona.auth_pin.clone()));
    run_flow(pad.reader(), pad_flow(30)).unwrap();
    fingers.join().unwrap();
    let fingers = customer(&pad.env, Customer::Types(wrong.to_owned()));
    assert_eq!(
        run_flow(pad.reader(), pad_flow(30)).unwrap_err(),
        CardError::PinIncorrect { tries_left: 2 }
    );
    fingers.join().unwrap();

    // SCardTransmit carried no VERIFY with data and no PIN in any form.
    let record = pad.record();
    assert_eq!(
        record
            .iter()
            .filter(|l| l.starts_with("verify 0020008004"))
            .count(),
        2,
        "both VERIFYs built by the pad: {record:?}"
    );
    assert_no_verify_with_data(&record);
    for apdu in transmits(&record) {
        for secret in [persona.auth_pin.as_str(), wrong] {
            assert!(
                forms(secret).iter().all(|f| !apdu.contains(f)),
                "a PIN crossed the host"
            );
        }
    }
    // Neither our trace (on, at TRACE) nor pcscd's log has it.
    let trace = std::fs::read_to_string(harness::trace_file(&env)).unwrap();
    assert!(
        trace.contains("> PIN pad "),
        "the PIN-pad steps were traced"
    );
    let pcscd_log = std::fs::read_to_string(&env.pcscd_log).unwrap();
    for (name, text) in [("the TRACE log", &trace), ("pcscd's log", &pcscd_log)] {
        assert_no_secret(name, text, &[persona.auth_pin.as_str(), wrong]);
    }
}

/// The ports in LISTEN state in a `/proc/<pid>/net/tcp` table, with their
/// local address (hex, as the table shows it).
fn listening(table: &str) -> Vec<(String, u16)> {
    let text = std::fs::read_to_string(table).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (local, state) = (fields.get(1)?, fields.get(3)?);
            let (addr, port) = local.split_once(':')?;
            let port = u16::from_str_radix(port, 16).ok()?;
            (*state == "0A").then(|| (addr.to_owned(), port))
        })
        .collect()
}

#[test]
fn the_pads_ports_listen_on_loopback_only() {
    let (_lock, _env) = harness::setup();
    let env = harness::pad_env();
    let ports = [env.card.port(), env.keys.port()];
    let here = listening("/proc/self/net/tcp");
    for port in ports {
        let addrs: Vec<&String> = here
            .iter()
            .filter(|(_, p)| *p == port)
            .map(|(a, _)| a)
            .collect();
        // 0100007F is 127.0.0.1 as the kernel prints it (little-endian).
        assert_eq!(addrs, [&"0100007F".to_owned()], "port {port}: {here:?}");
    }
    assert!(
        !listening("/proc/self/net/tcp6")
            .iter()
            .any(|(_, p)| ports.contains(p)),
        "no IPv6 listener"
    );
    if std::env::var("MADOGUCHI_VPCD_NETNS").as_deref() != Ok("off") {
        let machine = listening("/proc/1/net/tcp");
        assert!(
            !machine.iter().any(|(_, p)| ports.contains(p)),
            "the pad's ports are in the machine's own namespace: {machine:?}"
        );
    }
}
