//! The terminal's TLS client: rustls on `ring`, trusting **only** the configured backend CA
//! (pinned: the system's roots are never consulted), presenting the terminal's client
//! certificate (mutual TLS: the backends know terminals by it).

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::RuntimeError;

/// A rustls client configuration from PEM text: the CA to trust, the terminal's certificate
/// chain and its private key.
pub fn client_config(
    ca_pem: &[u8],
    cert_pem: &[u8],
    key_pem: &[u8],
) -> Result<rustls::ClientConfig, RuntimeError> {
    let bad = |what: &str, e: String| RuntimeError::Config {
        key: what.to_owned(),
        reason: e,
    };
    let mut roots = rustls::RootCertStore::empty();
    let cas: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(ca_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| bad("tls.ca", format!("not PEM certificates: {e}")))?;
    if cas.is_empty() {
        return Err(bad("tls.ca", "no CERTIFICATE block in the file".into()));
    }
    for ca in cas {
        roots
            .add(ca)
            .map_err(|e| bad("tls.ca", format!("not a usable CA certificate: {e}")))?;
    }
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| bad("tls.certificate", format!("not PEM certificates: {e}")))?;
    if chain.is_empty() {
        return Err(bad(
            "tls.certificate",
            "no CERTIFICATE block in the file".into(),
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| bad("tls.key", format!("not a PEM private key: {e}")))?;
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| bad("tls", e.to_string()))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| {
            bad(
                "tls.key",
                format!("the key does not fit the certificate: {e}"),
            )
        })
}
