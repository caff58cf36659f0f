//! The one client certificate a terminal is registered with: a `[[terminals]]` entry's
//! `certificate_sha256` (the SHA-256 of the DER certificate), read by every server alike
//! ([`sha256_hex`]); at the insurer and the acquirer, the check that the certificate a
//! terminal connects with is that one ([`check_registered`]) and the start-up warning that
//! names the terminals without one ([`warn_unregistered`]); at every server, the refusal of
//! a certificate that is not the one an entry names, its log line and its audit reason
//! ([`not_registered`], [`NOT_REGISTERED`]).
//!
//! The terminals' CA issues a new certificate with the same CN when a PC is replaced (or
//! stolen, and replaced); the CA and the CN alone accept the old PC's certificate too until
//! it expires. An entry that names its certificate accepts that one only, as the platform
//! accepts only the certificate of a terminal's last enrollment.

use counter_api::{Problem, ProblemCode};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::http::ApiError;
use crate::serve::ClientIdentity;
use crate::tls::TlsError;

/// The audit reason of a refused certificate that is not the registered one, followed by
/// a space and the refused certificate's SHA-256.
pub const NOT_REGISTERED: &str = "certificate_not_registered";

/// Reads `certificate_sha256` (for `#[serde(default, deserialize_with = ...)]` on an
/// `Option<[u8; 32]>`): 64 hex digits, colons, spaces and case ignored, as `openssl x509
/// -noout -fingerprint -sha256` prints them. Anything else is a deserialisation error
/// that says what to write, which the TOML loader reports with the key, line and column.
pub fn sha256_hex<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
    let text = String::deserialize(d)?;
    parse_sha256(&text).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "certificate_sha256 {text:?} is not a SHA-256: give the certificate's 64 hex \
             digits (colons allowed), as `openssl x509 -noout -fingerprint -sha256 -in \
             CERT` prints them"
        ))
    })
}

/// The SHA-256 of the certificate a terminal connects with (the first of the PEM `pem`,
/// `what` naming it in the error), as its entry's `certificate_sha256` registers it and
/// `openssl x509 -noout -fingerprint -sha256` prints it: for set-ups that make the
/// terminal's certificate themselves (the desktop demo, tests).
pub fn pem_sha256(what: &'static str, pem: &[u8]) -> Result<[u8; 32], TlsError> {
    let chain = crate::tls::certificates(what, pem)?;
    let leaf = chain.first().ok_or_else(|| TlsError::Pem {
        what,
        detail: "no CERTIFICATE block".into(),
    })?;
    Ok(Sha256::digest(leaf).into())
}

/// A SHA-256 written as 64 hex digits, colons, spaces and case ignored.
pub fn parse_sha256(text: &str) -> Option<[u8; 32]> {
    let digits: String = text.chars().filter(|c| *c != ':' && *c != ' ').collect();
    hex::decode(digits)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
}

/// Whether `identity`, the client certificate of a connection whose CN names the listed
/// terminal `terminal`, is the certificate the terminal's entry registers (`registered`:
/// its `certificate_sha256`; `None` accepts any certificate of the terminals' CA). A
/// certificate that is not is refused as [`not_registered`] says, with the next step of a
/// server that re-reads its `[[terminals]]` on reload (the insurer's, the acquirer's).
pub fn check_registered(
    service: &str,
    terminal: &str,
    registered: Option<&[u8; 32]>,
    identity: &ClientIdentity,
) -> Result<(), ApiError> {
    let Some(registered) = registered else {
        return Ok(());
    };
    // `ClientIdentity::sha256` is lower-case hex, as `hex::encode` writes it.
    if hex::encode(registered) == identity.sha256 {
        return Ok(());
    }
    Err(not_registered(
        service,
        terminal,
        identity,
        &format!(
            "if this PC legitimately replaced the terminal, ask the {service}'s operator to \
             put this certificate's SHA-256 ({}) in the entry's certificate_sha256 and reload \
             the configuration",
            identity.sha256
        ),
    ))
}

/// The refusal of `identity`, a certificate with the CN of terminal `terminal` that is not
/// the one its `[[terminals]]` entry's `certificate_sha256` names at `service`: logged (a
/// warning naming the terminal and the certificate's SHA-256), and answered `403
/// terminal_unknown`, reason [`NOT_REGISTERED`], with a message that says so and then
/// `next_step` (what the service's operator does: how a server applies its entries differs).
pub fn not_registered(
    service: &str,
    terminal: &str,
    identity: &ClientIdentity,
    next_step: &str,
) -> ApiError {
    tracing::warn!(
        terminal = %terminal,
        certificate_sha256 = %identity.sha256,
        "{service}: refused a certificate of terminal {terminal}: its [[terminals]] entry \
         registers another certificate_sha256 (a replaced or stolen PC's certificate?)"
    );
    ApiError::from(
        Problem::new(
            ProblemCode::TerminalUnknown,
            format!(
                "this certificate is not the one this terminal is registered with at the \
                 {service} (its [[terminals]] entry's certificate_sha256), so it is not \
                 accepted; {next_step}"
            ),
        )
        .with_reason(NOT_REGISTERED),
    )
}

/// The audit reason of a certificate [`check_registered`] refused.
pub fn not_registered_reason(identity: &ClientIdentity) -> String {
    format!("{NOT_REGISTERED} {}", identity.sha256)
}

/// Logs a warning, when any of `terminals` (id, registered certificate) registers none,
/// that names them and says that they accept any certificate of the terminals' CA with
/// their id, a stolen PC's too; `service` names the server. Returns the ids named.
pub fn warn_unregistered<'a>(
    service: &str,
    terminals: impl IntoIterator<Item = (&'a str, Option<&'a [u8; 32]>)>,
) -> Vec<&'a str> {
    let unregistered: Vec<&str> = terminals
        .into_iter()
        .filter(|(_, registered)| registered.is_none())
        .map(|(id, _)| id)
        .collect();
    if !unregistered.is_empty() {
        tracing::warn!(
            "{service}: {} terminal(s) without certificate_sha256 accept any certificate of the \
             terminals' CA with their id as CN, a replaced or stolen PC's too: {}; put each \
             one's certificate SHA-256 in its [[terminals]] entry",
            unregistered.len(),
            unregistered.join(", ")
        );
    }
    unregistered
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn identity(sha256: &str) -> ClientIdentity {
        ClientIdentity {
            common_name: Some("desk-1".into()),
            sha256: sha256.into(),
        }
    }

    #[test]
    fn hex_with_colons_and_either_case_reads_and_anything_else_is_refused() {
        let colons = ["AB"; 32].join(":");
        assert_eq!(parse_sha256(&colons), Some([0xab; 32]));
        assert_eq!(parse_sha256(&"ab".repeat(32)), Some([0xab; 32]));
        assert_eq!(parse_sha256(&"ab".repeat(31)), None);
        assert_eq!(parse_sha256(&"zz".repeat(32)), None);
        assert_eq!(parse_sha256(""), None);
    }

    #[test]
    fn a_pem_certificates_sha256_is_the_one_its_connection_shows() {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["desk-1".into()]).unwrap();
        let cert = params.self_signed(&key).unwrap();
        let shown = ClientIdentity::from_der(cert.der()).sha256;
        let pin = pem_sha256("terminal", cert.pem().as_bytes()).unwrap();
        assert_eq!(hex::encode(pin), shown);
        assert!(pem_sha256("terminal", b"no certificate here").is_err());
    }

    #[test]
    fn only_the_registered_certificate_passes() {
        let pin = [0xab; 32];
        let good = identity(&"ab".repeat(32));
        let other = identity(&"cd".repeat(32));
        assert!(check_registered("insurer", "desk-1", Some(&pin), &good).is_ok());
        assert!(check_registered("insurer", "desk-1", None, &other).is_ok());
        let e = check_registered("insurer", "desk-1", Some(&pin), &other).unwrap_err();
        assert_eq!(e.problem().code, ProblemCode::TerminalUnknown);
        assert_eq!(e.problem().reason.as_deref(), Some(NOT_REGISTERED));
        let detail = e.problem().detail.clone().unwrap_or_default();
        assert!(
            detail.contains(&other.sha256) && detail.contains("operator"),
            "{detail}"
        );
        assert_eq!(
            not_registered_reason(&other),
            format!("certificate_not_registered {}", other.sha256)
        );
    }

    #[test]
    fn the_warning_names_the_terminals_without_a_certificate() {
        let pin = [1; 32];
        let named = warn_unregistered("acquirer", [("a", None), ("b", Some(&pin)), ("c", None)]);
        assert_eq!(named, ["a", "c"]);
        assert!(warn_unregistered("acquirer", [("b", Some(&pin))]).is_empty());
    }
}
