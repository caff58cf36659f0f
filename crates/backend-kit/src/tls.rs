//! rustls server configuration from PEM files, with the `ring` provider.
//!
//! With a client CA, client certificates are *requested* and verified against it but not
//! required at the handshake: a connection without one reaches the HTTP layer, where
//! public endpoints (`GET /v1/keys`) answer and terminal endpoints refuse with `401
//! terminal_unauthenticated`, a clearer answer than a failed handshake. A certificate from
//! another CA fails the handshake.

use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;

/// Why TLS cannot be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A PEM file holds no usable item of the kind needed.
    #[error("{what}: {detail}")]
    Pem {
        /// Which file (certificate chain, private key, client CA).
        what: &'static str,
        /// What the PEM reader or rustls refused (no PEM block, wrong key type, unreadable file).
        detail: String,
    },
    /// rustls refused the combination.
    #[error("TLS configuration: {0}")]
    Rustls(String),
}

/// The `ring` crypto provider, the only one this workspace builds.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Parses a PEM certificate chain (leaf first).
pub fn certificates(
    what: &'static str,
    pem: &[u8],
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError::Pem {
            what,
            detail: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Pem {
            what,
            detail: "no CERTIFICATE block".into(),
        });
    }
    Ok(certs)
}

/// Parses a PEM private key (PKCS#8, SEC1 or PKCS#1).
pub fn private_key(pem: &[u8]) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| TlsError::Pem {
        what: "private key",
        detail: e.to_string(),
    })
}

/// A server configuration: `cert_chain_pem` + `key_pem`, and with `client_ca_pem`, client
/// certificates verified against that CA (optional at the handshake, see the module doc).
/// ALPN offers HTTP/1.1.
pub fn server_config(
    cert_chain_pem: &[u8],
    key_pem: &[u8],
    client_ca_pem: Option<&[u8]>,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let provider = provider();
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Rustls(e.to_string()))?;
    let builder = match client_ca_pem {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for c in certificates("client CA", ca)? {
                roots
                    .add(c)
                    .map_err(|e| TlsError::Rustls(format!("client CA: {e}")))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .allow_unauthenticated()
                .build()
                .map_err(|e| TlsError::Rustls(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(
            certificates("certificate chain", cert_chain_pem)?,
            private_key(key_pem)?,
        )
        .map_err(|e| TlsError::Rustls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A client configuration for one server calling another over mutual TLS (the platform
/// calling a service): trusts only `ca_pem` (never the system's roots) and presents
/// `cert_chain_pem` + `key_pem`. ALPN offers HTTP/1.1.
pub fn client_config(
    ca_pem: &[u8],
    cert_chain_pem: &[u8],
    key_pem: &[u8],
) -> Result<rustls::ClientConfig, TlsError> {
    let mut roots = RootCertStore::empty();
    for c in certificates("server CA", ca_pem)? {
        roots
            .add(c)
            .map_err(|e| TlsError::Rustls(format!("server CA: {e}")))?;
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Rustls(e.to_string()))?
        .with_root_certificates(roots)
        .with_client_auth_cert(
            certificates("client certificate chain", cert_chain_pem)?,
            private_key(key_pem)?,
        )
        .map_err(|e| TlsError::Rustls(format!("the key does not fit the certificate: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
