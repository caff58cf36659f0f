//! The configuration's `[[terminals]]` entries ([`crate::config`]), applied to the storage
//! at start ([`crate::core::terminals::from_config`]).

use serde::Deserialize;

/// A terminal allowed to call the platform, as the configuration lists it (applied to the
/// storage at start: [`crate::core::terminals::from_config`]).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TerminalConfig {
    /// Terminal id: the CN of its client certificate.
    pub id: String,
    /// May call `/v1/admin/*`.
    #[serde(default)]
    pub admin: bool,
    /// The SHA-256 of the one certificate accepted for it (hex, colons and case ignored, as
    /// `openssl x509 -noout -fingerprint -sha256` prints it); absent: any certificate of
    /// the terminals' CA with the id as CN.
    #[serde(default, deserialize_with = "sha256_hex")]
    pub certificate_sha256: Option<[u8; 32]>,
}

/// A SHA-256 written as 64 hex digits, colons, spaces and case ignored.
fn sha256_hex<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
    let text = String::deserialize(d)?;
    let digits: String = text.chars().filter(|c| *c != ':' && *c != ' ').collect();
    hex::decode(&digits)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .map(Some)
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "certificate_sha256 {text:?} is not a SHA-256: give the certificate's 64 hex \
                 digits (colons allowed), as `openssl x509 -noout -fingerprint -sha256 -in \
                 CERT` prints them"
            ))
        })
}
