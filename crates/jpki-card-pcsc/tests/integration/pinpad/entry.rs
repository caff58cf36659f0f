//! Feature discovery, the structure byte by byte, and every answer of the pad
//! (right PIN, wrong PIN, the last try, Cancel, time-out, a refused
//! structure), each mapped to the same `CardError` as with the PIN typed on the
//! terminal.

use std::time::{Duration, Instant};

use jpki_card::{CardError, CardTransport, TransportError, pinpad};
use jpki_card_pcsc::{PcscCard, list_readers};
use madoguchi_ifd_pinpad::codes::{CM_IOCTL_GET_FEATURE_REQUEST, IOCTL_VERIFY_PIN_DIRECT};
use madoguchi_ifd_pinpad::record::hex;

use super::{CHALLENGE, Customer, PadCard, assert_no_verify_with_data, customer, pad_flow};
use crate::harness::{self, run_flow};
use crate::pinpad_double::EXPECTED_STRUCTURE;

#[test]
fn the_pad_reader_announces_verify_pin_direct_through_pcscd() {
    let (_lock, _env) = harness::setup();
    let mut pad = PadCard::new("sato-hanako");
    assert!(list_readers().unwrap().contains(&pad.reader().to_owned()));
    let mut card = PcscCard::connect(pad.reader()).unwrap();
    assert!(card.has_pin_pad());
    // The code as the reader gave it, not libccid's 0x42330006: nothing assumed.
    assert_eq!(
        card.pin_pad_features().verify_pin_direct,
        Some(IOCTL_VERIFY_PIN_DIRECT)
    );
    card.power_down().unwrap();
    let record = pad.record();
    let asked = format!("control {CM_IOCTL_GET_FEATURE_REQUEST:08X} 0 bytes");
    assert!(record.contains(&asked), "{record:?}");
}

#[test]
fn right_pin_on_the_pad_signs_with_the_structure_byte_for_byte() {
    let (_lock, _env) = harness::setup();
    let persona = harness::persona("sato-hanako");
    let mut pad = PadCard::new("sato-hanako");
    let fingers = customer(&pad.env, Customer::Types(persona.auth_pin.clone()));
    let auth = run_flow(pad.reader(), pad_flow(30)).unwrap();
    let prompt = fingers.join().unwrap();
    assert_eq!((prompt.min, prompt.max, prompt.timeout_secs), (4, 4, 30));
    harness::assert_signature_verifies(&auth.certificate, CHALLENGE, &auth.signature);
    assert_eq!(auth.tries_left_before, 3);

    let record = pad.record();
    // The structure our code built, as the reader received it through pcscd:
    // docs/domain/jpki.md §5.2 byte for byte.
    let structures: Vec<&String> = record
        .iter()
        .filter(|l| l.starts_with("structure "))
        .collect();
    assert_eq!(
        structures,
        [&format!("structure {}", hex(&EXPECTED_STRUCTURE))]
    );
    assert_eq!(
        EXPECTED_STRUCTURE.to_vec(),
        pinpad::auth_pin_verify_structure(30)
    );
    // The VERIFY the pad built is the one the card expects: 90 00.
    let verified = record
        .iter()
        .position(|l| l == "verify 0020008004******** sw=9000")
        .unwrap_or_else(|| panic!("no VERIFY built by the pad: {record:?}"));
    assert_no_verify_with_data(&record);
    assert!(
        record[verified..].iter().any(|l| l == "power down"),
        "the flow ends unpowered: {record:?}"
    );
}

#[test]
fn wrong_pins_cost_tries_and_the_last_one_must_be_confirmed_first() {
    let (_lock, _env) = harness::setup();
    let persona = harness::persona("sato-hanako");
    let mut pad = PadCard::new("sato-hanako");
    for tries_left in [2, 1] {
        let fingers = customer(&pad.env, Customer::Types("9137".to_owned()));
        assert_eq!(
            run_flow(pad.reader(), pad_flow(30)).unwrap_err(),
            CardError::PinIncorrect { tries_left }
        );
        fingers.join().unwrap();
        assert_eq!(pad.tries(), tries_left);
    }
    // One try left: refused before the pad is asked, as with the host PIN.
    pad.keys.clear_log().unwrap();
    assert_eq!(
        run_flow(pad.reader(), pad_flow(30)).unwrap_err(),
        CardError::LastTryNeedsConfirmation
    );
    let record = pad.record();
    assert!(
        !record.iter().any(|l| l.starts_with("structure ")),
        "the pad never prompted: {record:?}"
    );
    // Confirmed: the right PIN on the pad, and the counter is full again.
    let fingers = customer(&pad.env, Customer::Types(persona.auth_pin.clone()));
    let auth = run_flow(pad.reader(), pad_flow(30).confirm_last_try(true)).unwrap();
    fingers.join().unwrap();
    assert_eq!(auth.tries_left_before, 1);
    assert_eq!(pad.tries(), 3);
}

#[test]
fn cancel_on_the_pad_and_the_pads_time_out_cost_no_try() {
    let (_lock, _env) = harness::setup();
    let mut pad = PadCard::new("sato-hanako");
    let fingers = customer(&pad.env, Customer::TypesThenCancels("12".to_owned()));
    assert_eq!(
        run_flow(pad.reader(), pad_flow(30)).unwrap_err(),
        CardError::PinEntryCancelled
    );
    fingers.join().unwrap();

    // bTimerOut as our code sets it: the pad waits 2 s, then answers 64 00.
    let fingers = customer(&pad.env, Customer::Waits);
    let started = Instant::now();
    assert_eq!(
        run_flow(pad.reader(), pad_flow(2)).unwrap_err(),
        CardError::PinEntryTimeout
    );
    let took = started.elapsed();
    assert_eq!(fingers.join().unwrap().timeout_secs, 2);
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(10),
        "{took:?}"
    );
    let record = pad.record();
    for outcome in ["entry cancelled", "entry timeout"] {
        assert!(
            record.contains(&outcome.to_owned()),
            "{outcome}: {record:?}"
        );
    }
    assert!(
        !record.iter().any(|l| l.starts_with("verify ")),
        "{record:?}"
    );
    assert_eq!(pad.tries(), 3);
}

#[test]
fn structures_the_pad_refuses_through_pcscd() {
    let (_lock, _env) = harness::setup();
    let pad = PadCard::new("sato-hanako");
    let mut card = PcscCard::connect(pad.reader()).unwrap();
    // Framing: refused by the driver (IFD_NOT_SUPPORTED, pcscd's
    // SCARD_E_UNSUPPORTED_FEATURE), as libccid refuses it.
    match card.verify_on_pin_pad(&EXPECTED_STRUCTURE[..20]) {
        Err(TransportError::Other(m)) => assert!(m.contains("does not support"), "{m}"),
        other => panic!("{other:?}"),
    }
    // A parameter that does not fit: the pad's own 6B 80, before any prompt.
    let mut bad = EXPECTED_STRUCTURE;
    bad[5] = 0x03; // maximum 3 below minimum 4
    assert_eq!(card.verify_on_pin_pad(&bad).unwrap(), [0x6B, 0x80]);
    card.power_down().unwrap();
    assert_eq!(pad.tries(), 3);
}
