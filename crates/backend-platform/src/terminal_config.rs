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
    #[serde(
        default,
        deserialize_with = "backend_kit::terminal_certificate::sha256_hex"
    )]
    pub certificate_sha256: Option<[u8; 32]>,
}

/// The insurer's and the acquirer's reading of an entry: the platform checks its list with
/// their rule ([`backend_kit::terminals::listed_twice`]).
impl backend_kit::terminals::ListedTerminal for TerminalConfig {
    fn id(&self) -> &str {
        &self.id
    }

    fn certificate_sha256(&self) -> Option<&[u8; 32]> {
        self.certificate_sha256.as_ref()
    }
}
