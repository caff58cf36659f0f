//! VERIFY, retry counters, blocking and the lifetime of the security state
//! (docs/domain/jpki.md §1.3, §1.4, §1.8).

use crate::common::*;
use jpki_card_sim::{CardState, VirtualCard};

#[test]
fn empty_verify_reports_tries_left_even_after_success() {
    let mut card = card();
    assert_eq!(verify(&mut card, 0x0018, b""), 0x63C3);
    assert_eq!(verify(&mut card, 0x001B, b""), 0x63C5);
    assert_eq!(verify(&mut card, 0x0018, AUTH_PIN.as_bytes()), 0x9000);
    assert!(card.is_auth_pin_verified());
    // The real trace (OpenSC PR #959): 9000, then the empty VERIFY gives 63C3.
    assert_eq!(send(&mut card, &verify_apdu(b"")), 0x63C3);
}

#[test]
fn wrong_pins_count_down_block_and_stay_blocked() {
    let mut card = card();
    assert_eq!(verify(&mut card, 0x0018, b"0000"), 0x63C2);
    assert_eq!(send(&mut card, &verify_apdu(b"1111")), 0x63C1);
    assert_eq!(card.auth_pin_tries_left(), 1);
    assert_eq!(send(&mut card, &verify_apdu(b"2222")), 0x63C0);
    assert_eq!(card.auth_pin_tries_left(), 0);
    assert_eq!(send(&mut card, &verify_apdu(b"")), 0x63C0);
    // Blocked: the right PIN, a wrong one, a wrong length: 6984.
    for attempt in [AUTH_PIN.as_bytes(), b"3333", b"12"] {
        assert_eq!(send(&mut card, &verify_apdu(attempt)), 0x6984);
    }
    assert!(!card.is_auth_pin_verified());
    // The sign password is independent.
    assert_eq!(verify(&mut card, 0x001B, SIGN_PASSWORD.as_bytes()), 0x9000);
}

#[test]
fn success_resets_the_counter() {
    let mut card = card();
    assert_eq!(verify(&mut card, 0x001B, b"WRONG1"), 0x63C4);
    assert_eq!(send(&mut card, &verify_apdu(b"WRONG2")), 0x63C3);
    assert_eq!(
        send(&mut card, &verify_apdu(SIGN_PASSWORD.as_bytes())),
        0x9000
    );
    assert_eq!(card.sign_password_tries_left(), Some(5));
    assert_eq!(send(&mut card, &verify_apdu(b"")), 0x63C5);
}

#[test]
fn sign_password_blocks_after_five() {
    let mut card = card();
    assert_eq!(select(&mut card, 0x001B), 0x9000);
    for expected in [0x63C4, 0x63C3, 0x63C2, 0x63C1, 0x63C0] {
        assert_eq!(send(&mut card, &verify_apdu(b"BADPASS1")), expected);
    }
    assert_eq!(
        send(&mut card, &verify_apdu(SIGN_PASSWORD.as_bytes())),
        0x6984
    );
    assert_eq!(card.sign_password_tries_left(), Some(0));
}

#[test]
fn comparison_is_byte_exact() {
    let mut card = card();
    let lower = SIGN_PASSWORD.to_lowercase();
    assert_eq!(verify(&mut card, 0x001B, lower.as_bytes()), 0x63C4);
    let mut longer = SIGN_PASSWORD.as_bytes().to_vec();
    longer.push(b'0');
    assert_eq!(send(&mut card, &verify_apdu(&longer)), 0x63C3);
}

#[test]
fn wrong_lengths_do_not_count() {
    let mut card = card();
    for bad in [&b"123"[..], b"12345", b"1"] {
        assert_eq!(verify(&mut card, 0x0018, bad), 0x6700);
    }
    assert_eq!(card.auth_pin_tries_left(), 3);
    for bad in [&b"ABCDE"[..], b"ABCDEFGHIJKLMNOPQ"] {
        assert_eq!(verify(&mut card, 0x001B, bad), 0x6700);
    }
    assert_eq!(card.sign_password_tries_left(), Some(5));
}

#[test]
fn verify_parameter_errors() {
    let mut card = card();
    // No PIN EF selected: in the ISD, in the AP, on a certificate EF.
    assert_eq!(send(&mut card, &verify_apdu(b"")), 0x6986);
    assert_eq!(send(&mut card, &SELECT_JPKI), 0x9000);
    assert_eq!(send(&mut card, &verify_apdu(AUTH_PIN.as_bytes())), 0x6986);
    assert_eq!(select(&mut card, 0x000A), 0x9000);
    assert_eq!(send(&mut card, &verify_apdu(AUTH_PIN.as_bytes())), 0x6986);
    assert_eq!(select(&mut card, 0x0017), 0x9000);
    assert_eq!(send(&mut card, &verify_apdu(b"")), 0x6986);
    // P2 other than 80, P1 other than 00.
    assert_eq!(select(&mut card, 0x0018), 0x9000);
    assert_eq!(
        send(
            &mut card,
            &[0x00, 0x20, 0x00, 0x81, 0x04, 0x31, 0x32, 0x33, 0x34]
        ),
        0x6A86
    );
    assert_eq!(send(&mut card, &[0x00, 0x20, 0x00, 0x00]), 0x6A86);
    assert_eq!(send(&mut card, &[0x00, 0x20, 0x01, 0x80]), 0x6A86);
    // With Le.
    assert_eq!(send(&mut card, &[0x00, 0x20, 0x00, 0x80, 0x00]), 0x6700);
    assert_eq!(card.auth_pin_tries_left(), 3);
}

#[test]
fn security_state_lasts_until_power_off() {
    let mut card = card();
    assert_eq!(verify(&mut card, 0x0018, AUTH_PIN.as_bytes()), 0x9000);
    // Re-selecting the AP and a warm reset keep it (MC, docs/domain/jpki.md §1.8).
    assert_eq!(send(&mut card, &SELECT_JPKI), 0x9000);
    card.warm_reset();
    assert!(card.is_auth_pin_verified());
    card.power_off();
    assert!(!card.is_auth_pin_verified());
    assert_eq!(verify(&mut card, 0x001B, SIGN_PASSWORD.as_bytes()), 0x9000);
    card.power_on();
    assert!(!card.is_sign_password_verified());
}

#[test]
fn a_wrong_pin_clears_an_earlier_success() {
    let mut card = card();
    assert_eq!(verify(&mut card, 0x0018, AUTH_PIN.as_bytes()), 0x9000);
    assert_eq!(send(&mut card, &verify_apdu(b"9999")), 0x63C2);
    assert!(!card.is_auth_pin_verified());
}

#[test]
fn counters_survive_power_cycles_and_a_saved_state() {
    let mut card = card();
    assert_eq!(verify(&mut card, 0x0018, b"0000"), 0x63C2);
    assert_eq!(verify(&mut card, 0x001B, b"NOTIT1"), 0x63C4);
    card.power_off();
    card.power_on();
    assert_eq!(verify(&mut card, 0x0018, b""), 0x63C2);

    let state = card.state();
    assert_eq!(
        state,
        CardState {
            persona_id: "test-taro".to_owned(),
            auth_pin_tries_left: 2,
            sign_password_tries_left: Some(4),
        }
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("card.toml");
    state.save(&path).unwrap();
    let mut fresh = VirtualCard::from_persona(&persona()).unwrap();
    assert_eq!(fresh.auth_pin_tries_left(), 3);
    fresh
        .restore_state(&CardState::load(&path).unwrap())
        .unwrap();
    assert_eq!(fresh.auth_pin_tries_left(), 2);
    assert_eq!(fresh.sign_password_tries_left(), Some(4));
}

#[test]
fn states_of_other_cards_or_out_of_range_are_refused() {
    let mut card = card();
    let mut other = card.state();
    other.persona_id = "someone-else".to_owned();
    assert!(card.restore_state(&other).is_err());
    let mut too_many = card.state();
    too_many.auth_pin_tries_left = 4;
    assert!(card.restore_state(&too_many).is_err());
    let mut no_sign = card.state();
    no_sign.sign_password_tries_left = None;
    assert!(card.restore_state(&no_sign).is_err());
    let mut minor = card_without_sign();
    let mut with_sign = minor.state();
    with_sign.sign_password_tries_left = Some(5);
    assert!(minor.restore_state(&with_sign).is_err());
    assert_eq!(card.auth_pin_tries_left(), 3);
}

#[test]
fn persona_counters_are_the_starting_point() {
    let mut p = persona();
    p.card.auth_pin_tries_left = 0;
    p.card.sign_password_tries_left = 1;
    let mut card = VirtualCard::from_persona(&p).unwrap();
    card.power_on();
    assert_eq!(verify(&mut card, 0x0018, AUTH_PIN.as_bytes()), 0x6984);
    assert_eq!(verify(&mut card, 0x001B, b""), 0x63C1);
}

#[test]
fn debug_shows_no_secrets() {
    let card = card();
    let shown = format!("{card:?}");
    assert!(
        !shown.contains(AUTH_PIN) && !shown.contains(SIGN_PASSWORD),
        "{shown}"
    );
    assert!(!shown.contains("PRIVATE"), "{shown}");
}
