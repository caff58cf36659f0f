//! No PIN or password in any log or trace: flows with every kind of secret
//! run with APDU tracing on and a TRACE-level subscriber writing to a file;
//! then that file and pcscd's log are searched for each secret as text, hex
//! and spaced hex (how an APDU trace would show it).

use jpki_card::{AuthPin, Authenticate, CardError, PinEntry, SignDocument, SignPassword, sha256};
use jpki_card_sim::Faults;

use crate::harness::{self, Inserted, run_flow};

/// Whether `needle` occurs in `hay` as a word of its own (pcscd's log has
/// 8-digit timestamps, which contain every 4-digit string).
fn contains_word(hay: &str, needle: &str) -> bool {
    hay.match_indices(needle).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

pub fn forms(secret: &str) -> Vec<String> {
    let hex: Vec<String> = secret.bytes().map(|b| format!("{b:02x}")).collect();
    let joined = hex.concat();
    let spaced = hex.join(" ");
    vec![
        joined.clone(),
        joined.to_uppercase(),
        spaced.clone(),
        spaced.to_uppercase(),
    ]
}

pub fn assert_no_secret(name: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !contains_word(text, secret),
            "{name} contains a secret as text"
        );
        for form in forms(secret) {
            assert!(
                !text.contains(&form),
                "{name} contains a secret as hex ({} chars)",
                form.len()
            );
        }
    }
}

#[test]
fn no_pin_or_password_appears_in_any_log_or_trace() {
    let (_lock, env) = harness::setup();
    let persona = harness::persona("sato-hanako");
    let password = persona.sign_password.clone().unwrap();
    let (wrong_pin, wrong_password) = ("9137", "ZZTOP999");
    let inserted = Inserted::new(&env, 0, harness::card("sato-hanako"), Faults::default());
    let challenge = sha256(b"log test");

    let right = Authenticate::new(
        PinEntry::Host(AuthPin::new(&persona.auth_pin).unwrap()),
        challenge,
    );
    run_flow(&inserted.reader, right).unwrap();
    let wrong = Authenticate::new(PinEntry::Host(AuthPin::new(wrong_pin).unwrap()), challenge);
    assert_eq!(
        run_flow(&inserted.reader, wrong).unwrap_err(),
        CardError::PinIncorrect { tries_left: 2 }
    );
    let sign = SignDocument::new(SignPassword::new(&password).unwrap(), challenge);
    run_flow(&inserted.reader, sign).unwrap();
    let sign_wrong = SignDocument::new(SignPassword::new(wrong_password).unwrap(), challenge);
    assert_eq!(
        run_flow(&inserted.reader, sign_wrong).unwrap_err(),
        CardError::PinIncorrect { tries_left: 4 }
    );

    let trace = std::fs::read_to_string(harness::trace_file(&env)).unwrap();
    // The traces are there, masked: otherwise this test would prove nothing.
    assert!(
        trace.contains("> 00 20 00 80 04 ** ** ** **"),
        "masked auth VERIFY traced by the transport"
    );
    let masked_password = format!(
        "> 00 20 00 80 {:02X} {}",
        password.len(),
        vec!["**"; password.len()].join(" ")
    );
    assert!(
        trace.contains(&masked_password),
        "masked password VERIFY traced"
    );
    assert!(trace.contains("80 2A 00 80 33"), "PSO traced");
    let pcscd_log = std::fs::read_to_string(&env.pcscd_log).unwrap();
    assert!(!pcscd_log.is_empty(), "pcscd logged something");

    let secrets = [
        persona.auth_pin.as_str(),
        password.as_str(),
        wrong_pin,
        wrong_password,
    ];
    assert_no_secret("the TRACE log", &trace, &secrets);
    assert_no_secret("pcscd's log", &pcscd_log, &secrets);
}
