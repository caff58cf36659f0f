//! The virtual card: a pure, deterministic model of a My Number card's JPKI
//! AP. No I/O, no clock, no sleeping: APDU bytes in, response bytes out.

mod apdu;
mod commands;
pub(crate) mod fs;
mod load;
mod pin;

use std::fmt;

use rsa::PrivateKey;

use crate::error::SimError;
use crate::persona::Persona;
use crate::state::CardState;
use fs::{Df, Ef, Files};
use pin::PinEf;

/// The signature side of a card: absent on cards without a 署名用 certificate.
#[derive(Clone)]
struct SignSide {
    key: PrivateKey,
    password: PinEf,
}

/// A virtual My Number card built from a [`Persona`].
///
/// Behaviour (docs/domain/jpki.md §1; choices where the sources are silent are marked
/// \[C\] and listed in the crate documentation):
/// * After power-up the GlobalPlatform ISD is current; SELECT by DF name
///   (`00 A4 04 0C`) reaches the JPKI AP and the card's other applications.
/// * EFs are selected with `00 A4 02 0C 02 <FID>` inside the JPKI AP only.
/// * READ BINARY, VERIFY and COMPUTE DIGITAL SIGNATURE follow the access
///   rules of docs/domain/jpki.md §1.2 with the status words of §1.4.
/// * Retry counters live in the card and survive power cycles and removal;
///   a successful VERIFY lasts until [`VirtualCard::power_off`] (§1.8).
///
/// [`VirtualCard::process`] never panics, whatever bytes it is given.
#[derive(Clone)]
pub struct VirtualCard {
    persona_id: String,
    atr: Vec<u8>,
    files: Files,
    auth_key: PrivateKey,
    auth_pin: PinEf,
    sign: Option<SignSide>,
    df: Df,
    ef: Option<Ef>,
}

impl fmt::Debug for VirtualCard {
    /// Shows the card's identity and counters, never a PIN or a key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VirtualCard")
            .field("persona_id", &self.persona_id)
            .field("auth_pin", &self.auth_pin)
            .field("sign_password", &self.sign.as_ref().map(|s| &s.password))
            .field("df", &self.df)
            .field("ef", &self.ef)
            .finish_non_exhaustive()
    }
}

impl VirtualCard {
    /// Builds the card: checks the persona ([`Persona::validate`]), parses its
    /// ATR, certificates and PKCS#8 keys, and checks that each key is RSA-2048
    /// and belongs to its certificate.
    /// The card starts powered down, with the counters the persona gives.
    pub fn from_persona(persona: &Persona) -> Result<VirtualCard, SimError> {
        persona.validate()?;
        let id = persona.id.as_str();
        let pem = &persona.pem;
        let atr = load::atr(id, &persona.card.atr)?;
        let auth_cert = load::certificate(id, "auth_certificate", &pem.auth_certificate)?;
        let auth_key = load::private_key(
            id,
            "auth_private_key",
            &pem.auth_private_key,
            "auth_certificate",
            &auth_cert,
        )?;
        let auth_ca = load::certificate(id, "auth_ca_certificate", &pem.auth_ca_certificate)?;
        let sign_parts = match (
            &pem.sign_certificate,
            &pem.sign_private_key,
            &pem.sign_ca_certificate,
            &persona.sign_password,
        ) {
            (Some(cert), Some(key), Some(ca), Some(password)) => {
                let cert = load::certificate(id, "sign_certificate", cert)?;
                let key =
                    load::private_key(id, "sign_private_key", key, "sign_certificate", &cert)?;
                let ca = load::certificate(id, "sign_ca_certificate", ca)?;
                let password = PinEf::sign(password, persona.card.sign_password_tries_left);
                Some((cert.der, ca.der, SignSide { key, password }))
            }
            (None, None, None, None) => None,
            _ => {
                return Err(SimError::Persona(crate::persona::PersonaError::Invalid {
                    id: id.to_owned(),
                    field: "sign_*",
                    problem: "sign_password, sign_certificate, sign_private_key and \
                              sign_ca_certificate must be all present or all absent"
                        .to_owned(),
                }));
            }
        };
        let files = Files::new(
            &auth_cert.der,
            &auth_ca.der,
            sign_parts
                .as_ref()
                .map(|(cert, ca, _)| (cert.as_slice(), ca.as_slice())),
        );
        Ok(VirtualCard {
            persona_id: id.to_owned(),
            atr,
            files,
            auth_key,
            auth_pin: PinEf::auth(&persona.auth_pin, persona.card.auth_pin_tries_left),
            sign: sign_parts.map(|(_, _, side)| side),
            df: Df::Isd,
            ef: None,
        })
    }

    /// Cold reset: powers the card up and returns its ATR. The ISD becomes the
    /// current application, nothing is selected, and no PIN is verified.
    pub fn power_on(&mut self) -> Vec<u8> {
        self.power_off();
        self.atr.clone()
    }

    /// Removes power: forgets the selection and the security state of both
    /// PINs (docs/domain/jpki.md §1.8). Retry counters are kept.
    pub fn power_off(&mut self) {
        self.auth_pin.log_out();
        if let Some(sign) = &mut self.sign {
            sign.password.log_out();
        }
        self.df = Df::Isd;
        self.ef = None;
    }

    /// Warm reset (vpcd's `reset`, PC/SC `SCARD_RESET_CARD`): the selection
    /// returns to the ISD, but a verified PIN stays verified, as MC observed on
    /// real cards (docs/domain/jpki.md §1.8 \[B\]). Returns the ATR.
    pub fn warm_reset(&mut self) -> Vec<u8> {
        self.df = Df::Isd;
        self.ef = None;
        self.atr.clone()
    }

    /// The ATR the card presents (from the persona's `card.atr`).
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    /// The persona this card was made from.
    pub fn persona_id(&self) -> &str {
        &self.persona_id
    }

    /// Whether the card holds a 署名用 certificate (EFs `0001`, `0002`,
    /// `001A`, `001B`).
    pub fn has_sign_certificate(&self) -> bool {
        self.sign.is_some()
    }

    /// Tries left on the auth PIN (`0018`), 0–3; 0 means blocked.
    pub fn auth_pin_tries_left(&self) -> u8 {
        self.auth_pin.tries_left()
    }

    /// Tries left on the sign password (`001B`), 0–5; `None` on a card
    /// without a signature certificate.
    pub fn sign_password_tries_left(&self) -> Option<u8> {
        self.sign.as_ref().map(|s| s.password.tries_left())
    }

    /// Whether the auth PIN was verified since the last power-up.
    pub fn is_auth_pin_verified(&self) -> bool {
        self.auth_pin.is_verified()
    }

    /// Whether the sign password was verified since the last power-up.
    pub fn is_sign_password_verified(&self) -> bool {
        self.sign.as_ref().is_some_and(|s| s.password.is_verified())
    }

    /// The card's persistent state (retry counters), to save across bridge
    /// restarts.
    pub fn state(&self) -> CardState {
        CardState {
            persona_id: self.persona_id.clone(),
            auth_pin_tries_left: self.auth_pin_tries_left(),
            sign_password_tries_left: self.sign_password_tries_left(),
        }
    }

    /// Restores saved retry counters. The state must be this persona's, with
    /// counters in range and a sign counter exactly when the card has a
    /// signature certificate; otherwise nothing changes.
    pub fn restore_state(&mut self, state: &CardState) -> Result<(), SimError> {
        if state.persona_id != self.persona_id {
            return Err(SimError::StateForOtherCard {
                expected: self.persona_id.clone(),
                found: state.persona_id.clone(),
            });
        }
        let invalid = |problem: String| Err(SimError::StateInvalid { problem });
        if state.auth_pin_tries_left > self.auth_pin.max_tries() {
            return invalid(format!(
                "auth_pin_tries_left is {}, at most {}",
                state.auth_pin_tries_left,
                self.auth_pin.max_tries()
            ));
        }
        match (&mut self.sign, state.sign_password_tries_left) {
            (Some(sign), Some(tries)) if tries <= sign.password.max_tries() => {
                sign.password.set_tries_left(tries);
            }
            (Some(sign), Some(tries)) => {
                return invalid(format!(
                    "sign_password_tries_left is {tries}, at most {}",
                    sign.password.max_tries()
                ));
            }
            (None, None) => {}
            (Some(_), None) => return invalid("sign_password_tries_left is missing".to_owned()),
            (None, Some(_)) => {
                return invalid(
                    "sign_password_tries_left is set, but the card has no signature certificate"
                        .to_owned(),
                );
            }
        }
        self.auth_pin.set_tries_left(state.auth_pin_tries_left);
        Ok(())
    }
}
