//! ReadSignCertificate: the sign password's counter and VERIFY, then EF `0001`
//! (docs/domain/jpki.md §1.2, §1.3), byte for byte.

use jpki_card::{CardError, ReadSignCertificate, SignPassword, TransportError};

use crate::fixture::{SIGN_CERT_LEN, fixture};
use crate::script::*;

fn flow(confirm: bool) -> ReadSignCertificate {
    ReadSignCertificate::new(SignPassword::new("abc123").unwrap()).confirm_last_try(confirm)
}

/// The whole exchange: 12 APDUs for a 1,764-byte certificate.
fn read_sign_script(tries: u8) -> Vec<Expect> {
    let mut s = vec![select_ap(), select(0x001B), counter(tries)];
    s.push(verify(SIGN_PASSWORD, 0x9000));
    s.push(select(0x0001));
    s.extend(read_file(&fixture().sign_cert));
    s
}

fn verify_index(script: &[Expect]) -> usize {
    index_of(script, &h("00 20 00 80 06 41 42 43 31 32 33"))
}

#[test]
fn reads_the_sign_certificate_after_the_password_in_12_apdus() {
    let f = fixture();
    let script = read_sign_script(5);
    let expected: Vec<Vec<u8>> = script.iter().map(|e| e.command().to_vec()).collect();
    let (result, card) = run_script(script, flow(false));
    let read = result.unwrap();
    assert_eq!(card.sent, expected);
    assert_eq!(card.sent.len(), 12);
    assert_eq!(card.sent[0], h(SELECT_AP));
    assert_eq!(card.sent[1], h("00 A4 02 0C 02 00 1B"));
    assert_eq!(card.sent[2], h("00 20 00 80"));
    assert_eq!(card.sent[3], h("00 20 00 80 06 41 42 43 31 32 33"));
    assert_eq!(card.sent[4], h("00 A4 02 0C 02 00 01"));
    assert_eq!(card.sent[5], h("00 B0 00 00 00"));
    assert_eq!(card.sent[11], h("00 B0 06 00 E4"));
    assert_eq!(read.certificate.len(), SIGN_CERT_LEN);
    assert_eq!(read.certificate, f.sign_cert);
    assert_eq!(read.tries_left_before, 5);
    assert_eq!(
        format!("{read:?}"),
        "SignCertificate { certificate: <1764 bytes>, tries_left_before: 5 }"
    );
}

#[test]
fn a_wrong_password_reports_tries_left_and_stops() {
    for (reply, tries_left) in [(0x63C4, 4), (0x63C2, 2), (0x63C1, 1)] {
        let s = read_sign_script(5);
        let at = verify_index(&s);
        let (result, card) = run_script(cut_at(s, at, sw(reply)), flow(false));
        assert_eq!(result.unwrap_err(), CardError::PinIncorrect { tries_left });
        assert_eq!(
            card.sent.len(),
            at + 1,
            "no retry, no read after the VERIFY"
        );
    }
    for blocked in [0x63C0, 0x6983, 0x6984] {
        let s = read_sign_script(5);
        let at = verify_index(&s);
        let (result, _) = run_script(cut_at(s, at, sw(blocked)), flow(false));
        assert_eq!(result.unwrap_err(), CardError::PinBlocked, "{blocked:04X}");
    }
}

#[test]
fn the_last_try_needs_confirmation_and_a_blocked_counter_gets_no_verify() {
    let s = read_sign_script(1);
    let at = index_of(&s, &h(EMPTY_VERIFY));
    let (result, card) = run_script(s[..=at].to_vec(), flow(false));
    assert_eq!(result.unwrap_err(), CardError::LastTryNeedsConfirmation);
    assert!(!card.sent_verify_with_data());

    let (result, _) = run_script(read_sign_script(1), flow(true));
    assert_eq!(result.unwrap().tries_left_before, 1);

    for confirm in [false, true] {
        let s = read_sign_script(5);
        let at = index_of(&s, &h(EMPTY_VERIFY));
        let (result, card) = run_script(cut_at(s, at, sw(0x63C0)), flow(confirm));
        assert_eq!(result.unwrap_err(), CardError::PinBlocked);
        assert!(!card.sent_verify_with_data());
    }
}

#[test]
fn signature_certificate_absent() {
    // 6A 82 on the password EF: no VERIFY at all; on EF 0001 after the VERIFY.
    for fid in [0x001B, 0x0001] {
        let s = read_sign_script(5);
        let at = index_of(&s, &select_cmd(fid));
        let (result, card) = run_script(cut_at(s, at, sw(0x6A82)), flow(false));
        assert_eq!(
            result.unwrap_err(),
            CardError::SignatureCertificateAbsent,
            "{fid:04X}"
        );
        assert_eq!(card.sent_verify_with_data(), fid == 0x0001);
    }
}

#[test]
fn refusals_and_garbage_while_reading() {
    // 69 82: the card did not count the password as verified (docs/domain/jpki.md §1.4).
    let s = read_sign_script(5);
    let at = index_of(&s, &select_cmd(0x0001)) + 1;
    let (result, _) = run_script(cut_at(s, at, sw(0x6982)), flow(false));
    assert_eq!(result.unwrap_err(), CardError::SecurityStatusNotSatisfied);

    // A DER header over garbage is refused, not handed out.
    let mut garbage = h("30 82 06 E0");
    garbage.resize(SIGN_CERT_LEN, 0x42);
    let mut s = read_sign_script(5);
    let at = index_of(&s, &select_cmd(0x0001));
    s.truncate(at + 1);
    s.extend(read_file(&garbage));
    let (result, _) = run_script(s, flow(false));
    assert!(matches!(
        result,
        Err(CardError::MalformedResponse {
            step: "READ BINARY",
            ..
        })
    ));
}

#[test]
fn the_card_leaves_during_the_read() {
    let mut s = read_sign_script(5);
    let at = index_of(&s, &select_cmd(0x0001)) + 2;
    s.truncate(at + 1);
    let last = s.pop().unwrap();
    s.push(last.failing(TransportError::CardRemoved));
    let (result, _) = run_script(s, flow(false));
    assert_eq!(
        result.unwrap_err(),
        CardError::Transport(TransportError::CardRemoved)
    );
}
