//! COMPUTE DIGITAL SIGNATURE (docs/domain/jpki.md §1.3, §1.6).

use crate::common::*;
use rsa::Pkcs1v15Sign;

fn check_signature(public: &rsa::PublicKey, input: &[u8], signature: &[u8]) {
    assert_eq!(signature.len(), 256);
    public
        .verify(Pkcs1v15Sign::new_unprefixed(), input, signature)
        .expect("PKCS#1 v1.5 type-1 signature over exactly the bytes sent");
}

#[test]
fn auth_key_signs_a_digest_info_after_the_pin() {
    let mut card = card();
    assert_eq!(select(&mut card, 0x0017), 0x9000);
    let input = digest_info(b"challenge");
    assert_eq!(send(&mut card, &sign_apdu(&input)), 0x6982);
    assert_eq!(verify(&mut card, 0x0018, AUTH_PIN.as_bytes()), 0x9000);
    assert_eq!(select(&mut card, 0x0017), 0x9000);
    let r = card.process(&sign_apdu(&input));
    assert_eq!(sw(&r), 0x9000);
    check_signature(&material().auth.public, &input, data(&r));
    // Deterministic, and one VERIFY covers several signatures (§1.6).
    assert_eq!(card.process(&sign_apdu(&input)), r);
    let other = digest_info(b"another");
    let r2 = card.process(&sign_apdu(&other));
    check_signature(&material().auth.public, &other, data(&r2));
}

#[test]
fn sign_key_needs_the_sign_password_not_the_pin() {
    let mut card = card();
    assert_eq!(verify(&mut card, 0x0018, AUTH_PIN.as_bytes()), 0x9000);
    assert_eq!(select(&mut card, 0x001A), 0x9000);
    let input = digest_info(b"application form");
    assert_eq!(send(&mut card, &sign_apdu(&input)), 0x6982);
    assert_eq!(verify(&mut card, 0x001B, SIGN_PASSWORD.as_bytes()), 0x9000);
    assert_eq!(select(&mut card, 0x001A), 0x9000);
    let r = card.process(&sign_apdu(&input));
    assert_eq!(sw(&r), 0x9000);
    check_signature(&material().sign.public, &input, data(&r));
    // After power-off the key is locked again.
    card.power_on();
    assert_eq!(select(&mut card, 0x001A), 0x9000);
    assert_eq!(send(&mut card, &sign_apdu(&input)), 0x6982);
}

#[test]
fn input_length_limits() {
    let mut card = card();
    assert_eq!(verify(&mut card, 0x0018, AUTH_PIN.as_bytes()), 0x9000);
    assert_eq!(select(&mut card, 0x0017), 0x9000);
    for len in [1usize, 245] {
        let input = vec![0x5A; len];
        let r = card.process(&sign_apdu(&input));
        assert_eq!(sw(&r), 0x9000, "{len}");
        check_signature(&material().auth.public, &input, data(&r));
    }
    assert_eq!(send(&mut card, &sign_apdu(&[0x5A; 246])), 0x6700);
    // Lc 0 (case 2), no Le (case 3), Le other than 00.
    assert_eq!(send(&mut card, &[0x80, 0x2A, 0x00, 0x80, 0x00]), 0x6700);
    assert_eq!(
        send(&mut card, &[0x80, 0x2A, 0x00, 0x80, 0x01, 0x5A]),
        0x6700
    );
    assert_eq!(
        send(&mut card, &[0x80, 0x2A, 0x00, 0x80, 0x01, 0x5A, 0x80]),
        0x6700
    );
}

#[test]
fn parameter_and_state_errors() {
    let mut card = card();
    assert_eq!(verify(&mut card, 0x0018, AUTH_PIN.as_bytes()), 0x9000);
    // Not a key EF: the PIN EF is current.
    assert_eq!(send(&mut card, &sign_apdu(&[1; 51])), 0x6986);
    assert_eq!(select(&mut card, 0x000A), 0x9000);
    assert_eq!(send(&mut card, &sign_apdu(&[1; 51])), 0x6986);
    assert_eq!(select(&mut card, 0x0017), 0x9000);
    let mut p1 = sign_apdu(&[1; 32]);
    p1[2] = 0x01;
    assert_eq!(send(&mut card, &p1), 0x6A86);
    let mut p2 = sign_apdu(&[1; 32]);
    p2[3] = 0x97;
    assert_eq!(send(&mut card, &p2), 0x6A86);
    // AP just selected, no EF.
    assert_eq!(send(&mut card, &SELECT_JPKI), 0x9000);
    assert_eq!(send(&mut card, &sign_apdu(&[1; 51])), 0x6986);
}
