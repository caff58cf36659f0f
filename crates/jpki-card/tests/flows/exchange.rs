//! The shared exchange layer under every flow: 61xx and 6Cxx (docs/domain/jpki.md §1.7).

use jpki_card::{
    AuthPin, Authenticate, CardError, CertificateFile, PinEntry, ReadCertificate, StatusWord,
};

use crate::fixture::{digest, fixture};
use crate::script::*;

fn authenticate() -> Authenticate {
    Authenticate::new(PinEntry::Host(AuthPin::new(AUTH_PIN).unwrap()), digest())
}

#[test]
fn signature_behind_61_00_is_fetched_with_get_response() {
    let f = fixture();
    let mut s = authenticate_script(3);
    let last = s.pop().unwrap();
    s.push(last.answering(sw(0x6100)));
    s.push(apdu(h("00 C0 00 00 00"), ok(&f.auth_signature)));
    let (result, card) = run_script(s, authenticate());
    assert_eq!(result.unwrap().signature, f.auth_signature);
    assert_eq!(card.sent.len(), 15);
}

#[test]
fn data_before_61_xx_is_kept_and_concatenated() {
    let f = fixture();
    let mut s = vec![select_ap(), select(0x000A)];
    let mut reads = read_file(&f.auth_cert);
    // The first chunk comes in two halves: 128 bytes + 61 80, then GET RESPONSE.
    reads[0] = apdu(
        h("00 B0 00 00 00"),
        [&f.auth_cert[..128], &[0x61, 0x80][..]].concat(),
    );
    s.push(reads.remove(0));
    s.push(apdu(h("00 C0 00 00 80"), ok(&f.auth_cert[128..256])));
    s.extend(reads);
    let (result, card) = run_script(s, ReadCertificate::new(CertificateFile::AuthCertificate));
    assert_eq!(result.unwrap(), f.auth_cert);
    assert_eq!(card.sent.len(), 10);
}

#[test]
fn wrong_le_resends_with_the_card_s_le() {
    // An EF of 200 bytes: the card answers 6C C8 to Le = 256.
    let mut der = h("30 81 C5");
    der.resize(200, 0x11);
    let s = vec![
        select_ap(),
        select(0x000B),
        apdu(h("00 B0 00 00 00"), sw(0x6CC8)),
        apdu(h("00 B0 00 00 C8"), ok(&der)),
    ];
    let (result, _) = run_script(s, ReadCertificate::new(CertificateFile::AuthCaCertificate));
    assert_eq!(result.unwrap(), der);
}

#[test]
fn wrong_le_twice_is_an_error() {
    let s = vec![
        select_ap(),
        select(0x000B),
        apdu(h("00 B0 00 00 00"), sw(0x6CC8)),
        apdu(h("00 B0 00 00 C8"), sw(0x6CC0)),
    ];
    let (result, _) = run_script(s, ReadCertificate::new(CertificateFile::AuthCaCertificate));
    assert_eq!(
        result.unwrap_err(),
        CardError::UnexpectedStatus {
            step: "READ BINARY",
            sw: StatusWord(0x6CC0)
        }
    );
}

#[test]
fn a_verify_is_never_resent() {
    let s = authenticate_script(3);
    let at = s
        .iter()
        .position(|e| e.command().len() > 5 && e.command()[1] == 0x20)
        .unwrap();
    let (result, card) = run_script(cut_at(s, at, sw(0x6C04)), authenticate());
    assert_eq!(
        result.unwrap_err(),
        CardError::UnexpectedStatus {
            step: "VERIFY",
            sw: StatusWord(0x6C04)
        }
    );
    assert_eq!(
        card.sent
            .iter()
            .filter(|c| c.len() > 5 && c[1] == 0x20)
            .count(),
        1
    );
}

#[test]
fn wrong_le_on_a_select_is_unexpected() {
    let s = vec![select_ap(), apdu(select_cmd(0x000A), sw(0x6C02))];
    let (result, _) = run_script(s, ReadCertificate::new(CertificateFile::AuthCertificate));
    assert!(matches!(
        result,
        Err(CardError::UnexpectedStatus {
            step: "SELECT FILE",
            ..
        })
    ));
}

#[test]
fn endless_61_xx_is_cut_off() {
    let mut s = vec![
        select_ap(),
        select(0x000A),
        apdu(h("00 B0 00 00 00"), vec![0x30, 0x61, 0x01]),
    ];
    for _ in 0..8 {
        s.push(apdu(h("00 C0 00 00 01"), vec![0x00, 0x61, 0x01]));
    }
    let (result, card) = run_script(s, ReadCertificate::new(CertificateFile::AuthCertificate));
    assert!(matches!(
        result,
        Err(CardError::MalformedResponse {
            step: "READ BINARY",
            ..
        })
    ));
    assert_eq!(card.sent.len(), 11);
}
