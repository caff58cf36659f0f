#![allow(clippy::unwrap_used)]
use super::*;
use crate::assertion::{AssertionContext, MemoryReplayGuard};
use crate::platform::{ChallengePurpose, ServiceData};

const fn at(secs: i64) -> UnixTime {
    UnixTime::from_secs(secs)
}

fn signer(seed: u8) -> AssertionSigner {
    let key = SigningKey::from_slice(&[seed; 32]).unwrap();
    AssertionSigner::new(format!("k{seed}"), key).unwrap()
}

fn claims(aud: &str, jti: &str) -> AssertionClaims {
    AssertionClaims {
        iss: "pf-a".into(),
        aud: aud.into(),
        sub: "s".into(),
        jti: jti.into(),
        iat: at(1000),
        exp: at(1120),
        ctx: AssertionContext {
            purpose: ChallengePurpose::Identify,
            terminal_id: "t1".into(),
            challenge_id: "c1".into(),
            merchant_id: None,
            amount_jpy: None,
            federated_from: None,
        },
        svc: ServiceData::Payment {
            card_token_ref: "tok".into(),
        },
    }
}

fn verifier(aud: &str, s: &AssertionSigner) -> AssertionVerifier {
    let mut v = AssertionVerifier::new(aud);
    let set = KeySet::of("pf-a", s);
    let json = serde_json::to_string(&set).unwrap();
    v.trust(&serde_json::from_str(&json).unwrap()).unwrap();
    v
}

#[test]
fn signs_and_verifies_once() {
    let s = signer(1);
    let v = verifier("acq", &s);
    let mut g = MemoryReplayGuard::new();
    let t = s.sign(&claims("acq", "j1")).unwrap();
    assert_eq!(v.verify(&t, at(1001), &mut g).unwrap(), claims("acq", "j1"));
    assert_eq!(
        v.verify(&t, at(1002), &mut g).unwrap_err(),
        AssertionError::Replayed { jti: "j1".into() }
    );
}

#[test]
fn refusals() {
    let s = signer(1);
    let v = verifier("acq", &s);
    let mut g = MemoryReplayGuard::new();
    let wrong_aud = s.sign(&claims("insurer", "j2")).unwrap();
    assert!(matches!(
        v.verify(&wrong_aud, at(1001), &mut g),
        Err(AssertionError::WrongAudience { .. })
    ));
    let t = s.sign(&claims("acq", "j3")).unwrap();
    assert_eq!(
        v.verify(&t, at(1125), &mut g).unwrap_err(),
        AssertionError::Expired { exp: at(1120) }
    );
    assert!(matches!(
        v.verify(&t, at(900), &mut g),
        Err(AssertionError::NotYetValid { .. })
    ));
    // the failed attempts did not use up the jti
    assert!(v.verify(&t, at(1001), &mut g).is_ok());
    // another key with the same kid: bad signature
    let other = AssertionSigner::new("k1", SigningKey::from_slice(&[2; 32]).unwrap()).unwrap();
    let forged = other.sign(&claims("acq", "j4")).unwrap();
    assert_eq!(
        v.verify(&forged, at(1001), &mut g).unwrap_err(),
        AssertionError::BadSignature
    );
    // unknown kid
    let forged = signer(3).sign(&claims("acq", "j5")).unwrap();
    assert!(matches!(
        v.verify(&forged, at(1001), &mut g),
        Err(AssertionError::UntrustedIssuer(_))
    ));
    // tampered payload
    let t = s.sign(&claims("acq", "j6")).unwrap();
    let mut parts: Vec<&str> = t.split('.').collect();
    let mut c = claims("acq", "j6");
    c.svc = ServiceData::Payment {
        card_token_ref: "other".into(),
    };
    let p = crate::b64::encode_url(&serde_json::to_vec(&c).unwrap());
    parts[1] = &p;
    assert_eq!(
        v.verify(&parts.join("."), at(1001), &mut g).unwrap_err(),
        AssertionError::BadSignature
    );
    // alg none / garbage
    for bad in [
        "",
        "a.b",
        "a.b.c.d",
        "eyJhbGciOiJub25lIn0.e30.",
        &"x".repeat(MAX_TOKEN_LEN + 1),
    ] {
        assert!(
            matches!(
                v.verify(bad, at(1001), &mut g),
                Err(AssertionError::Malformed(_))
            ),
            "{bad:.20}"
        );
    }
    // issuer claims another iss than the key's
    let mut c = claims("acq", "j7");
    c.iss = "pf-evil".into();
    let t = s.sign(&c).unwrap();
    assert!(matches!(
        v.verify(&t, at(1001), &mut g),
        Err(AssertionError::UntrustedIssuer(_))
    ));
}

proptest::proptest! {
    #[test]
    fn never_panics_on_garbage(s in ".{0,300}") {
        let sgn = signer(1);
        let v = verifier("acq", &sgn);
        let mut g = MemoryReplayGuard::new();
        let _ = v.verify(&s, at(1001), &mut g);
    }
}
