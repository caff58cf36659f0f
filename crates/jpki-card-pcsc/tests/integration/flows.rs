//! The jpki-card flows through pcscd + vpcd + the virtual card: the card seam's
//! acceptance tests (every flow, every status word that matters, through real parts).

use std::time::{Duration, Instant};

use jpki_card::{
    AuthPin, Authenticate, CardError, CardTransport, CertificateFile, PinEntry, PinKind, PinStatus,
    ReadCertificate, SignDocument, SignPassword, StatusKind, StatusWord, TransportError, sha256,
};
use jpki_card_pcsc::PcscCard;
use jpki_card_sim::Faults;

use crate::harness::{self, Inserted, run_flow};

const CHALLENGE: &[u8] = b"madoguchi test challenge 0001";
const DOCUMENT: &[u8] = "入会申込書 / application form".as_bytes();

fn auth_pin(pin: &str) -> PinEntry {
    PinEntry::Host(AuthPin::new(pin).unwrap())
}

fn auth_tries(reader: &str) -> u8 {
    run_flow(reader, PinStatus::new(PinKind::AuthPin)).unwrap()
}

#[test]
fn authenticate_reads_the_certificate_verifies_the_pin_and_signs_in_14_apdus() {
    let (_lock, env) = harness::setup();
    let persona = harness::persona("sato-hanako");
    let expected_cert = harness::der(&persona.pem.auth_certificate);
    assert_eq!(expected_cert.len(), 1586);
    let inserted = Inserted::new(&env, 0, harness::card("sato-hanako"), Faults::default());

    let cert = run_flow(
        &inserted.reader,
        ReadCertificate::new(CertificateFile::AuthCertificate),
    )
    .unwrap();
    assert_eq!(cert, expected_cert);
    assert_eq!(
        inserted.slot.apdu_count(),
        9,
        "SELECT AP, SELECT EF, 7 READ BINARY"
    );

    assert_eq!(auth_tries(&inserted.reader), 3);

    let before = inserted.slot.apdu_count();
    let flow = Authenticate::new(auth_pin(&persona.auth_pin), sha256(CHALLENGE));
    let auth = run_flow(&inserted.reader, flow).unwrap();
    let apdus = inserted.slot.apdu_count() - before;
    assert_eq!(
        apdus, 14,
        "the authenticate flow takes the APDUs the card needs, no more"
    );
    assert_eq!(auth.certificate, expected_cert);
    assert_eq!(auth.signature.len(), 256);
    assert_eq!(auth.tries_left_before, 3);
    harness::assert_signature_verifies(&auth.certificate, CHALLENGE, &auth.signature);
    assert_eq!(
        auth_tries(&inserted.reader),
        3,
        "a right PIN resets nothing it should not"
    );
}

#[test]
fn sign_an_application_verifies_the_password_reads_the_sign_certificate_and_signs() {
    let (_lock, env) = harness::setup();
    let persona = harness::persona("sato-hanako");
    let inserted = Inserted::new(&env, 0, harness::card("sato-hanako"), Faults::default());
    let password = SignPassword::new(persona.sign_password.as_deref().unwrap()).unwrap();
    let flow = SignDocument::new(password, sha256(DOCUMENT)).read_auth_certificate(true);
    let signed = run_flow(&inserted.reader, flow).unwrap();
    let sign_cert = harness::der(persona.pem.sign_certificate.as_deref().unwrap());
    assert_eq!(signed.sign_certificate, sign_cert);
    assert_eq!(
        signed.auth_certificate,
        Some(harness::der(&persona.pem.auth_certificate))
    );
    assert_eq!(signed.tries_left_before, 5);
    harness::assert_signature_verifies(&sign_cert, DOCUMENT, &signed.signature);
}

#[test]
fn wrong_pins_count_down_the_third_blocks_and_then_even_the_right_pin_is_refused() {
    let (_lock, env) = harness::setup();
    let persona = harness::persona("sato-hanako");
    let mut inserted = Inserted::new(&env, 0, harness::card("sato-hanako"), Faults::default());
    let wrong = if persona.auth_pin == "0000" {
        "1111"
    } else {
        "0000"
    };
    let digest = sha256(CHALLENGE);

    let e = run_flow(&inserted.reader, Authenticate::new(auth_pin(wrong), digest)).unwrap_err();
    assert_eq!(e, CardError::PinIncorrect { tries_left: 2 });
    assert_eq!(auth_tries(&inserted.reader), 2);
    let e = run_flow(&inserted.reader, Authenticate::new(auth_pin(wrong), digest)).unwrap_err();
    assert_eq!(e, CardError::PinIncorrect { tries_left: 1 });
    // The last try needs the operator's confirmation; without it nothing is sent.
    let e = run_flow(&inserted.reader, Authenticate::new(auth_pin(wrong), digest)).unwrap_err();
    assert_eq!(e, CardError::LastTryNeedsConfirmation);
    assert_eq!(auth_tries(&inserted.reader), 1);
    let flow = Authenticate::new(auth_pin(wrong), digest).confirm_last_try(true);
    assert_eq!(
        run_flow(&inserted.reader, flow).unwrap_err(),
        CardError::PinBlocked
    );
    assert_eq!(auth_tries(&inserted.reader), 0);

    let right = || Authenticate::new(auth_pin(&persona.auth_pin), digest).confirm_last_try(true);
    assert_eq!(
        run_flow(&inserted.reader, right()).unwrap_err(),
        CardError::PinBlocked
    );

    // Still blocked after taking the card out and putting it back.
    let card = inserted.remove().unwrap();
    assert_eq!(card.auth_pin_tries_left(), 0);
    drop(inserted);
    let inserted = Inserted::new(&env, 0, card, Faults::default());
    assert_eq!(
        run_flow(&inserted.reader, right()).unwrap_err(),
        CardError::PinBlocked
    );
}

#[test]
fn one_try_left_needs_confirmation_and_a_blocked_card_gets_no_verify() {
    let (_lock, env) = harness::setup();
    let yuki = harness::persona("tanaka-yuki");
    let inserted = Inserted::new(&env, 0, harness::card("tanaka-yuki"), Faults::default());
    let flow = || Authenticate::new(auth_pin(&yuki.auth_pin), sha256(CHALLENGE));
    assert_eq!(
        run_flow(&inserted.reader, flow()).unwrap_err(),
        CardError::LastTryNeedsConfirmation
    );
    let auth = run_flow(&inserted.reader, flow().confirm_last_try(true)).unwrap();
    assert_eq!(auth.tries_left_before, 1);
    assert_eq!(
        auth_tries(&inserted.reader),
        3,
        "a right PIN resets the counter"
    );
    drop(inserted);

    let jiro = harness::persona("watanabe-jiro");
    let inserted = Inserted::new(&env, 1, harness::card("watanabe-jiro"), Faults::default());
    let before = inserted.slot.apdu_count();
    let flow =
        Authenticate::new(auth_pin(&jiro.auth_pin), sha256(CHALLENGE)).confirm_last_try(true);
    assert_eq!(
        run_flow(&inserted.reader, flow).unwrap_err(),
        CardError::PinBlocked
    );
    // SELECT AP, SELECT 000A, 7 READ BINARY, SELECT 0018, empty VERIFY: no VERIFY with data.
    assert_eq!(inserted.slot.apdu_count() - before, 11);
}

#[test]
fn the_signature_certificate_is_refused_before_the_password() {
    let (_lock, env) = harness::setup();
    let inserted = Inserted::new(&env, 0, harness::card("sato-hanako"), Faults::default());
    let mut card = PcscCard::connect(&inserted.reader).unwrap();
    let select_ap = [
        0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
    ];
    assert_eq!(card.transmit(&select_ap).unwrap(), [0x90, 0x00]);
    assert_eq!(
        card.transmit(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x01])
            .unwrap(),
        [0x90, 0x00]
    );
    let read = card.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x00]).unwrap();
    assert_eq!(
        read,
        [0x69, 0x82],
        "READ BINARY of EF 0001 before the password"
    );
    assert_eq!(
        StatusWord::from_bytes(read[0], read[1]).kind(),
        StatusKind::SecurityStatusNotSatisfied
    );
    card.power_down().unwrap();
}

#[test]
fn a_card_without_a_signature_certificate_gets_a_clear_error() {
    let (_lock, env) = harness::setup();
    let inserted = Inserted::new(&env, 0, harness::card("takahashi-ken"), Faults::default());
    let flow = SignDocument::new(SignPassword::new("ABC123").unwrap(), sha256(DOCUMENT));
    assert_eq!(
        run_flow(&inserted.reader, flow).unwrap_err(),
        CardError::SignatureCertificateAbsent
    );
    assert_eq!(
        run_flow(&inserted.reader, PinStatus::new(PinKind::SignPassword)).unwrap_err(),
        CardError::SignatureCertificateAbsent
    );
}

fn assert_removed_quickly(result: Result<jpki_card::Authentication, CardError>, started: Instant) {
    assert_eq!(
        result.unwrap_err(),
        CardError::Transport(TransportError::CardRemoved)
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_card_pulled_out_in_the_middle_of_a_read_is_card_removed() {
    let (_lock, env) = harness::setup();
    let persona = harness::persona("sato-hanako");
    // SELECT AP, SELECT 000A, 2 READ BINARY answered; the third READ BINARY is not.
    let inserted = Inserted::new(
        &env,
        0,
        harness::card("sato-hanako"),
        Faults::default().remove_after(4),
    );
    let t = Instant::now();
    let flow = Authenticate::new(auth_pin(&persona.auth_pin), sha256(CHALLENGE));
    assert_removed_quickly(run_flow(&inserted.reader, flow), t);
    assert_eq!(inserted.slot.apdu_count(), 4);
}

#[test]
fn a_card_pulled_out_at_the_signature_is_card_removed() {
    let (_lock, env) = harness::setup();
    let persona = harness::persona("sato-hanako");
    // 13 APDUs answered; the card leaves at COMPUTE DIGITAL SIGNATURE.
    let mut inserted = Inserted::new(
        &env,
        0,
        harness::card("sato-hanako"),
        Faults::default().remove_after(13),
    );
    let t = Instant::now();
    let flow = Authenticate::new(auth_pin(&persona.auth_pin), sha256(CHALLENGE));
    assert_removed_quickly(run_flow(&inserted.reader, flow), t);
    let card = inserted.remove().unwrap();
    assert_eq!(
        card.auth_pin_tries_left(),
        3,
        "the VERIFY before the PSO went through"
    );
}
