//! Happy paths with the exact APDU sequence and count.

use jpki_card::{
    AuthPin, Authenticate, CertificateFile, PinEntry, PinKind, PinStatus, ReadCertificate,
    SignDocument, SignPassword,
};

use crate::fixture::{AUTH_CERT_LEN, SIGN_CERT_LEN, digest, fixture};
use crate::script::*;

fn pin() -> PinEntry {
    PinEntry::Host(AuthPin::new(AUTH_PIN).unwrap())
}

#[test]
fn read_auth_certificate_of_1586_bytes_takes_7_read_binary() {
    let f = fixture();
    assert_eq!(f.auth_cert.len(), AUTH_CERT_LEN);
    let mut script = vec![select_ap(), select(0x000A)];
    script.extend(read_file(&f.auth_cert));
    let (result, card) = run_script(
        script,
        ReadCertificate::new(CertificateFile::AuthCertificate),
    );
    assert_eq!(result.unwrap(), f.auth_cert);
    let reads: Vec<_> = card.sent.iter().filter(|c| c[1] == 0xB0).collect();
    assert_eq!(reads.len(), 7);
    assert_eq!(
        reads,
        [
            &h("00 B0 00 00 00"),
            &h("00 B0 01 00 00"),
            &h("00 B0 02 00 00"),
            &h("00 B0 03 00 00"),
            &h("00 B0 04 00 00"),
            &h("00 B0 05 00 00"),
            &h("00 B0 06 00 32"),
        ]
    );
    assert_eq!(card.sent.len(), 9);
}

#[test]
fn read_ca_certificates() {
    let f = fixture();
    for (which, fid, der) in [
        (CertificateFile::AuthCaCertificate, 0x000B, &f.sign_cert),
        (CertificateFile::SignCaCertificate, 0x0002, &f.auth_cert),
    ] {
        let mut script = vec![select_ap(), select(fid)];
        script.extend(read_file(der));
        let (result, _) = run_script(script, ReadCertificate::new(which));
        assert_eq!(&result.unwrap(), der);
    }
}

#[test]
fn a_certificate_shorter_than_256_bytes_takes_one_read() {
    let mut der = h("30 81 90");
    der.resize(0x93, 0xAB);
    let script = vec![
        select_ap(),
        select(0x000A),
        apdu(
            h("00 B0 00 00 00"),
            ok(&[der.clone(), vec![0xFF; 256 - 0x93]].concat()),
        ),
    ];
    let (result, _) = run_script(
        script,
        ReadCertificate::new(CertificateFile::AuthCertificate),
    );
    assert_eq!(result.unwrap(), der);
}

#[test]
fn pin_status_of_both_pins() {
    let (result, card) = run_script(
        vec![select_ap(), select(0x0018), counter(3)],
        PinStatus::new(PinKind::AuthPin),
    );
    assert_eq!(result.unwrap(), 3);
    assert_eq!(card.sent.len(), 3);
    let (result, _) = run_script(
        vec![select_ap(), select(0x001B), counter(5)],
        PinStatus::new(PinKind::SignPassword),
    );
    assert_eq!(result.unwrap(), 5);
    assert_eq!(PinKind::AuthPin.max_tries(), 3);
    assert_eq!(PinKind::SignPassword.max_tries(), 5);
}

#[test]
fn authenticate_with_a_host_pin_takes_14_apdus() {
    let f = fixture();
    let script = authenticate_script(3);
    let expected: Vec<Vec<u8>> = script.iter().map(|e| e.command().to_vec()).collect();
    let (result, card) = run_script(script, Authenticate::new(pin(), digest()));
    let auth = result.unwrap();
    assert_eq!(card.sent.len(), 14);
    assert_eq!(card.sent, expected);
    assert_eq!(card.sent[0], h(SELECT_AP));
    assert_eq!(card.sent[1], h("00 A4 02 0C 02 00 0A"));
    assert_eq!(card.sent[9], h("00 A4 02 0C 02 00 18"));
    assert_eq!(card.sent[10], h("00 20 00 80"));
    assert_eq!(card.sent[11], h("00 20 00 80 04 31 32 33 34"));
    assert_eq!(card.sent[12], h("00 A4 02 0C 02 00 17"));
    assert_eq!(card.sent[13], pso_cmd());
    assert_eq!(card.sent[13].len(), 5 + 51 + 1);
    assert_eq!(auth.certificate, f.auth_cert);
    assert_eq!(auth.signature, f.auth_signature);
    assert_eq!(auth.signature.len(), 256);
    assert_eq!(auth.tries_left_before, 3);
    let debug = format!("{auth:?}");
    assert!(debug.contains("<1586 bytes>"), "{debug}");
}

#[test]
fn authenticate_with_the_pin_pad() {
    let (result, card) = run_script(
        authenticate_pin_pad_script([0x90, 0x00]),
        Authenticate::new(PinEntry::PinPad { timeout_secs: 30 }, digest()),
    );
    assert_eq!(result.unwrap().tries_left_before, 3);
    assert_eq!(card.sent.len(), 13);
    assert_eq!(card.pin_pad, vec![h(PIN_PAD_STRUCTURE)]);
    assert!(!card.sent.iter().any(|c| c.len() > 4 && c[1] == 0x20));
}

#[test]
fn sign_document_without_and_with_the_auth_certificate() {
    let f = fixture();
    for read_auth in [false, true] {
        let script = sign_script(5, read_auth);
        let expected: Vec<Vec<u8>> = script.iter().map(|e| e.command().to_vec()).collect();
        let flow = SignDocument::new(SignPassword::new("abc123").unwrap(), digest())
            .read_auth_certificate(read_auth);
        let (result, card) = run_script(script, flow);
        let signed = result.unwrap();
        assert_eq!(card.sent, expected);
        // SELECT AP, [SELECT + 7 READ], SELECT 001B, counter, VERIFY, SELECT 0001,
        // 7 READ (1,764 bytes), SELECT 001A, PSO.
        assert_eq!(card.sent.len(), if read_auth { 22 } else { 14 });
        assert!(card.sent.contains(&h("00 20 00 80 06 41 42 43 31 32 33")));
        assert_eq!(f.sign_cert.len(), SIGN_CERT_LEN);
        assert_eq!(signed.sign_certificate, f.sign_cert);
        assert_eq!(signed.signature, f.sign_signature);
        assert_eq!(signed.tries_left_before, 5);
        assert_eq!(signed.auth_certificate.is_some(), read_auth);
        if read_auth {
            assert_eq!(signed.auth_certificate.as_ref().unwrap(), &f.auth_cert);
        }
        let debug = format!("{signed:?}");
        let auth = if read_auth {
            "Some(<1586 bytes>)"
        } else {
            "None"
        };
        assert_eq!(
            debug,
            format!(
                "DocumentSignature {{ sign_certificate: <1764 bytes>, signature: <256 bytes>, \
                 auth_certificate: {auth}, tries_left_before: 5 }}"
            )
        );
    }
}
