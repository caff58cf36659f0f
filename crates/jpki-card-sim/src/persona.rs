//! Personas: who a virtual card belongs to, read from a TOML file.
//!
//! A persona file holds everything a virtual My Number card needs: the holder's
//! four basic attributes (for the demo panel and for tests that compare them with
//! what the signature certificate says), the test PINs, the retry counters the
//! card starts with, and the certificates and private keys in PEM.
//!
//! These are **test cards**: every certificate chains to an `O=JPKI-TEST` root
//! made by `testkit`, and the PINs are test data. The generator that writes the
//! committed persona files is `cargo run -p testkit --bin testkit-gen`.
//!
//! ```toml
//! id = "sato-hanako"
//! label = "佐藤 花子: valid card, both certificates"
//! name = "佐藤　花子"          # 氏 U+3000 名, as in the signature certificate
//! address = "東京都千代田区霞が関２－１－２"
//! birth_date = "1985-04-12"     # Gregorian
//! sex = "female"                # male | female | unknown
//! auth_pin = "1234"              # 4 digits (EF 0018)
//! sign_password = "HANAKO2024"   # 6–16 of [A-Z0-9] (EF 001B)
//!
//! [card]
//! atr = "3BE000FF8131FE4514"
//! auth_pin_tries_left = 3        # of 3
//! sign_password_tries_left = 5   # of 5
//!
//! [pem]
//! auth_certificate = "-----BEGIN CERTIFICATE-----..."
//! auth_private_key = "-----BEGIN PRIVATE KEY-----..."   # PKCS#8
//! auth_ca_certificate = "-----BEGIN CERTIFICATE-----..."
//! sign_certificate = "..."        # absent for cards without one (minors, 顔認証カード)
//! sign_private_key = "..."
//! sign_ca_certificate = "..."
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Sex as the signature certificate's `jpki-pd-gender` attribute codes it
/// (1.2.392.200149.8.5.5.3: `1` male, `2` female, `3` unknown; docs/domain/jpki.md §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// 男, code `1`.
    Male,
    /// 女, code `2`.
    Female,
    /// 不明, code `3`.
    Unknown,
}

impl Sex {
    /// The one-character code used in the certificate.
    pub fn code(self) -> char {
        match self {
            Sex::Male => '1',
            Sex::Female => '2',
            Sex::Unknown => '3',
        }
    }
}

/// One virtual card's holder, secrets and certificates. Its `Debug` output
/// redacts the PIN, the password and the private keys.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Persona {
    /// Short file-safe identifier, e.g. `sato-hanako`.
    pub id: String,
    /// What this persona is for, shown on the demo panel.
    pub label: String,
    /// 氏名 with U+3000 between 氏 and 名.
    pub name: String,
    /// 住所 from the prefecture, no postal code.
    pub address: String,
    /// 生年月日, Gregorian `YYYY-MM-DD`.
    pub birth_date: String,
    /// 性別.
    pub sex: Sex,
    /// The 4-digit user-authentication PIN (test data).
    pub auth_pin: String,
    /// The 6–16 character signature password (test data); absent when the card
    /// has no signature certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_password: Option<String>,
    /// Card-level settings.
    pub card: CardSettings,
    /// Certificates and keys in PEM.
    pub pem: PersonaPem,
}

/// Card-level settings of a persona.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardSettings {
    /// The ATR the card presents, hex (spaces allowed). One of the ATRs real
    /// cards present (docs/domain/jpki.md §1.8).
    pub atr: String,
    /// Tries left on the auth PIN when the card is made (0–3; 0 = blocked).
    pub auth_pin_tries_left: u8,
    /// Tries left on the signature password when the card is made (0–5).
    pub sign_password_tries_left: u8,
}

/// Certificates and private keys of a persona, PEM encoded. `Debug` shows
/// which entries are present, not their contents.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonaPem {
    /// 利用者証明用電子証明書 (EF 000A).
    pub auth_certificate: String,
    /// Its RSA-2048 private key, PKCS#8 (EF 0017).
    pub auth_private_key: String,
    /// 利用者証明用CA証明書 the card carries (EF 000B).
    pub auth_ca_certificate: String,
    /// 署名用電子証明書 (EF 0001); absent on cards without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_certificate: Option<String>,
    /// Its RSA-2048 private key, PKCS#8 (EF 001A).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_private_key: Option<String>,
    /// 署名用CA証明書 the card carries (EF 0002).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_ca_certificate: Option<String>,
}

impl std::fmt::Debug for Persona {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Persona")
            .field("id", &self.id)
            .field("label", &self.label)
            .field("name", &self.name)
            .field("address", &self.address)
            .field("birth_date", &self.birth_date)
            .field("sex", &self.sex)
            .field("auth_pin", &"<redacted>")
            .field(
                "sign_password",
                &self.sign_password.as_ref().map(|_| "<redacted>"),
            )
            .field("card", &self.card)
            .field("pem", &self.pem)
            .finish()
    }
}

impl std::fmt::Debug for PersonaPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let present = |v: Option<&String>| v.map(|_| "<PEM>");
        f.debug_struct("PersonaPem")
            .field("auth_certificate", &"<PEM>")
            .field("auth_private_key", &"<redacted>")
            .field("auth_ca_certificate", &"<PEM>")
            .field("sign_certificate", &present(self.sign_certificate.as_ref()))
            .field(
                "sign_private_key",
                &self.sign_private_key.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "sign_ca_certificate",
                &present(self.sign_ca_certificate.as_ref()),
            )
            .finish()
    }
}

/// A persona file that could not be used, and why.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PersonaError {
    /// The file could not be read.
    #[error("cannot read persona file {path}: {source}")]
    Read {
        /// The file, as it was given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid persona TOML.
    #[error("persona file {path} is not valid: {message}")]
    Parse {
        /// The file, as it was given.
        path: String,
        /// What the TOML parser said.
        message: String,
    },
    /// A value is out of its allowed range or shape.
    #[error("persona {id}: {field} {problem}")]
    Invalid {
        /// The persona's id.
        id: String,
        /// Which field.
        field: &'static str,
        /// What is wrong with it and what is expected.
        problem: String,
    },
}

impl Persona {
    /// Reads and checks a persona file.
    pub fn load(path: &Path) -> Result<Persona, PersonaError> {
        let text = std::fs::read_to_string(path).map_err(|source| PersonaError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Persona::from_toml(&text).map_err(|e| match e {
            PersonaError::Parse { message, .. } => PersonaError::Parse {
                path: path.display().to_string(),
                message,
            },
            other => other,
        })
    }

    /// Parses and checks persona TOML.
    pub fn from_toml(text: &str) -> Result<Persona, PersonaError> {
        let persona: Persona = toml::from_str(text).map_err(|e| PersonaError::Parse {
            path: "<text>".to_owned(),
            message: e.to_string(),
        })?;
        persona.check()?;
        Ok(persona)
    }

    /// Serialises to TOML (what the generator writes).
    pub fn to_toml(&self) -> Result<String, PersonaError> {
        toml::to_string(self).map_err(|e| PersonaError::Parse {
            path: "<serialise>".to_owned(),
            message: e.to_string(),
        })
    }

    /// Checks the values a persona file must respect (PIN shapes, counter
    /// ranges, sign fields all present or all absent). [`Persona::load`] and
    /// [`Persona::from_toml`] do this already; use it for a persona built in
    /// code.
    pub fn validate(&self) -> Result<(), PersonaError> {
        self.check()
    }

    /// Whether the card carries a signature certificate.
    pub fn has_sign_certificate(&self) -> bool {
        self.pem.sign_certificate.is_some()
    }

    fn check(&self) -> Result<(), PersonaError> {
        let invalid = |field: &'static str, problem: &str| PersonaError::Invalid {
            id: self.id.clone(),
            field,
            problem: problem.to_owned(),
        };
        if self.auth_pin.len() != 4 || !self.auth_pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("auth_pin", "must be exactly 4 digits"));
        }
        if let Some(pw) = &self.sign_password {
            let ok_chars = pw
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            if !(6..=16).contains(&pw.len()) || !ok_chars {
                return Err(invalid(
                    "sign_password",
                    "must be 6 to 16 characters of A-Z and 0-9",
                ));
            }
        }
        if self.card.auth_pin_tries_left > 3 {
            return Err(invalid("card.auth_pin_tries_left", "must be 0 to 3"));
        }
        if self.card.sign_password_tries_left > 5 {
            return Err(invalid("card.sign_password_tries_left", "must be 0 to 5"));
        }
        let sign_parts = [
            self.sign_password.is_some(),
            self.pem.sign_certificate.is_some(),
            self.pem.sign_private_key.is_some(),
            self.pem.sign_ca_certificate.is_some(),
        ];
        if sign_parts.iter().any(|p| *p) && !sign_parts.iter().all(|p| *p) {
            return Err(invalid(
                "sign_*",
                "sign_password, sign_certificate, sign_private_key and sign_ca_certificate \
                 must be all present or all absent",
            ));
        }
        Ok(())
    }
}
