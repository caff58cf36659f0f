//! The local signature check and what the flows refuse in certificates and
//! signatures.

use jpki_card::{
    AuthPin, Authenticate, CardError, PinEntry, SignDocument, SignPassword, digest_info_sha256,
};
use rsa::Pkcs1v15Sign;
use sha2::Sha256;

use crate::fixture::{digest, fixture};
use crate::script::*;

fn authenticate() -> Authenticate {
    Authenticate::new(PinEntry::Host(AuthPin::new(AUTH_PIN).unwrap()), digest())
}

fn sign() -> SignDocument {
    SignDocument::new(SignPassword::new(SIGN_PASSWORD).unwrap(), digest())
}

fn with_signature(mut script: Vec<Expect>, signature: &[u8]) -> Vec<Expect> {
    let last = script.pop().unwrap();
    script.push(last.answering(ok(signature)));
    script
}

#[test]
fn the_card_s_signature_is_standard_pkcs1_sha256() {
    // Independent of the crate: the DigestInfo prefix is RFC 8017's, so a
    // standard verifier (the platform's) accepts what the card signs.
    let f = fixture();
    let key = f.auth_key.to_public_key();
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &digest(), &f.auth_signature)
        .unwrap();
    let key = f.sign_key.to_public_key();
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &digest(), &f.sign_signature)
        .unwrap();
    assert_eq!(digest_info_sha256(&digest())[19..], digest());
}

#[test]
fn a_signature_that_does_not_verify() {
    let f = fixture();
    let mut flipped = f.auth_signature.clone();
    flipped[100] ^= 1;
    for bad in [&flipped, &f.sign_signature, &vec![0u8; 256]] {
        let (result, _) = run_script(with_signature(authenticate_script(3), bad), authenticate());
        assert_eq!(result.unwrap_err(), CardError::SignatureInvalid);
    }
    // The sign flow checks against the sign certificate, not the auth one.
    let (result, _) = run_script(
        with_signature(sign_script(5, true), &f.auth_signature),
        sign().read_auth_certificate(true),
    );
    assert_eq!(result.unwrap_err(), CardError::SignatureInvalid);
}

#[test]
fn a_signature_of_the_wrong_length() {
    let f = fixture();
    for bad in [
        &f.auth_signature[..255],
        &[][..],
        &[f.auth_signature.as_slice(), &[0]].concat(),
    ] {
        let (result, _) = run_script(with_signature(authenticate_script(3), bad), authenticate());
        assert!(matches!(
            result,
            Err(CardError::MalformedResponse {
                step: "COMPUTE DIGITAL SIGNATURE",
                ..
            })
        ));
    }
}

#[test]
fn a_certificate_that_is_not_x509_costs_no_pin_try() {
    // A plausible DER header over garbage: the header passes, X.509 does not.
    let mut garbage = h("30 82 06 2E");
    garbage.resize(1586, 0x42);
    let mut script = vec![select_ap(), select(0x000A)];
    script.extend(read_file(&garbage));
    let (result, card) = run_script(script, authenticate());
    assert!(matches!(
        result,
        Err(CardError::MalformedResponse {
            step: "READ BINARY",
            ..
        })
    ));
    assert!(!card.sent_verify_with_data());

    let mut script = vec![select_ap(), select(0x000A)];
    script.extend(read_file(&garbage));
    let (result, card) = run_script(script, sign().read_auth_certificate(true));
    assert!(matches!(result, Err(CardError::MalformedResponse { .. })));
    assert!(!card.sent_verify_with_data());
}

#[test]
fn signing_without_verify_is_refused_by_the_card() {
    let s = authenticate_script(3);
    let at = s.len() - 1;
    let (result, _) = run_script(cut_at(s, at, sw(0x6982)), authenticate());
    assert_eq!(result.unwrap_err(), CardError::SecurityStatusNotSatisfied);
}
