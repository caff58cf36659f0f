//! Building a card from a persona: typed errors for bad PEM and keys.

use crate::common::*;
use jpki_card_sim::{SimError, VirtualCard};

#[test]
fn bad_pem_names_the_field() {
    let mut p = persona();
    p.pem.auth_certificate = "garbage".to_owned();
    let e = VirtualCard::from_persona(&p).unwrap_err();
    assert!(
        matches!(
            e,
            SimError::Pem {
                field: "auth_certificate",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("test-taro"));

    let mut p = persona();
    p.pem.sign_private_key = Some(material().sign.cert_pem.clone());
    let e = VirtualCard::from_persona(&p).unwrap_err();
    assert!(
        matches!(
            e,
            SimError::Pem {
                field: "sign_private_key",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn key_of_another_certificate_is_refused() {
    let mut p = persona();
    p.pem.auth_private_key = material().sign.key_pem.clone();
    let e = VirtualCard::from_persona(&p).unwrap_err();
    assert!(
        matches!(
            e,
            SimError::KeyMismatch {
                key_field: "auth_private_key",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn bad_atr_is_refused() {
    let mut p = persona();
    p.card.atr = "not hex".to_owned();
    assert!(matches!(
        VirtualCard::from_persona(&p),
        Err(SimError::Atr { .. })
    ));
}

#[test]
fn persona_round_trips_through_toml() {
    let p = persona();
    let text = p.to_toml().unwrap();
    let back = jpki_card_sim::Persona::from_toml(&text).unwrap();
    let mut card = VirtualCard::from_persona(&back).unwrap();
    assert_eq!(card.power_on(), ATR);
    assert_eq!(card.persona_id(), "test-taro");
}

#[test]
fn invalid_persona_values_are_refused() {
    let mut p = persona();
    p.auth_pin = "12345".to_owned();
    let e = VirtualCard::from_persona(&p).unwrap_err();
    assert!(matches!(e, SimError::Persona(_)), "{e}");
    let mut p = persona();
    p.pem.sign_private_key = None;
    assert!(matches!(
        VirtualCard::from_persona(&p),
        Err(SimError::Persona(_))
    ));
}

#[test]
fn persona_debug_hides_pins_and_keys() {
    let shown = format!("{:?}", persona());
    assert!(!shown.contains(AUTH_PIN), "{shown}");
    assert!(!shown.contains(SIGN_PASSWORD), "{shown}");
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
    assert!(shown.contains("test-taro"));
}
