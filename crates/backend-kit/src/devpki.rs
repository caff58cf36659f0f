//! Throwaway TLS material for the desktop demo and local runs (feature `dev-pki`): a server
//! CA with one server certificate, and a terminal CA that issues terminal client
//! certificates (CN = terminal id); and [`DevCa`], one such CA alone, for the tests' second
//! or rogue CAs. ECDSA P-256 keys made by rcgen on `ring`, in memory.
//! Never for production: the keys are not protected and nothing revokes them.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

/// Why the material cannot be made.
#[derive(Debug, thiserror::Error)]
#[error("dev PKI: {0}")]
pub struct DevPkiError(String);

fn err(e: rcgen::Error) -> DevPkiError {
    DevPkiError(e.to_string())
}

/// A server certificate and a terminal CA.
pub struct DevPki {
    /// The server CA certificate (PEM): what clients trust.
    pub server_ca_pem: String,
    /// The server certificate (PEM).
    pub server_cert_pem: String,
    /// The server's private key (PEM, PKCS#8).
    pub server_key_pem: String,
    /// The terminal CA certificate (PEM): what the server trusts for client certificates.
    pub terminal_ca_pem: String,
    terminal_ca: DevCa,
}

impl std::fmt::Debug for DevPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevPki").finish_non_exhaustive()
    }
}

/// A CA of its own (ECDSA P-256, made now), for local runs and tests that need a second
/// or a rogue CA: its certificate in PEM and DER, and the leaves it signs.
pub struct DevCa {
    /// The CA certificate (PEM).
    pub pem: String,
    /// The CA certificate (DER).
    pub der: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
}

impl std::fmt::Debug for DevCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevCa").finish_non_exhaustive()
    }
}

impl DevCa {
    /// A new self-signed CA with common name `name`.
    pub fn new(name: &str) -> Result<Self, DevPkiError> {
        let key = KeyPair::generate().map_err(err)?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key).map_err(err)?;
        Ok(Self {
            pem: cert.pem(),
            der: cert.der().to_vec(),
            issuer: Issuer::new(params, key),
        })
    }

    /// The CA's private key (PKCS#8 PEM, P-256), as an operator keeps it.
    pub fn key_pem(&self) -> String {
        self.issuer.key().serialize_pem()
    }

    /// A certificate for `cn` with `sans` as its subject alternative names (DNS names or
    /// IP addresses), signed by this CA, and its new key: (certificate PEM, key PEM, PKCS#8).
    pub fn issue(&self, cn: &str, sans: &[&str]) -> Result<(String, String), DevPkiError> {
        let key = KeyPair::generate().map_err(err)?;
        let mut params =
            CertificateParams::new(sans.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
                .map_err(err)?;
        params.distinguished_name.push(DnType::CommonName, cn);
        let cert = params.signed_by(&key, &self.issuer).map_err(err)?;
        Ok((cert.pem(), key.serialize_pem()))
    }
}

impl DevPki {
    /// New CAs and a server certificate for `server_names` (DNS names or IP addresses, e.g.
    /// `localhost`, `127.0.0.1`).
    pub fn generate(server_names: &[&str]) -> Result<Self, DevPkiError> {
        let server_ca = DevCa::new("Madoguchi dev server CA")?;
        let terminal_ca = DevCa::new("Madoguchi dev terminal CA")?;
        let first = server_names.first().copied().unwrap_or("localhost");
        let (server_cert_pem, server_key_pem) = server_ca.issue(first, server_names)?;
        Ok(Self {
            server_ca_pem: server_ca.pem,
            server_cert_pem,
            server_key_pem,
            terminal_ca_pem: terminal_ca.pem.clone(),
            terminal_ca,
        })
    }

    /// The terminal CA's private key (PKCS#8 PEM, P-256): what an operator signs
    /// terminals' certificate requests with (`madoguchi-platform terminals enroll`).
    pub fn terminal_ca_key_pem(&self) -> String {
        self.terminal_ca.key_pem()
    }

    /// A client certificate and key (PEM) for terminal `terminal_id`.
    pub fn terminal_identity(&self, terminal_id: &str) -> Result<(String, String), DevPkiError> {
        self.terminal_ca.issue(terminal_id, &[])
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn material_builds_a_server_config_and_names_the_terminal() {
        let pki = DevPki::generate(&["localhost", "127.0.0.1"]).unwrap();
        crate::tls::server_config(
            pki.server_cert_pem.as_bytes(),
            pki.server_key_pem.as_bytes(),
            Some(pki.terminal_ca_pem.as_bytes()),
        )
        .unwrap();
        let (cert, _) = pki.terminal_identity("desk-1").unwrap();
        let der = crate::tls::certificates("terminal", cert.as_bytes()).unwrap();
        let id = crate::serve::ClientIdentity::from_der(&der[0]);
        assert_eq!(id.common_name.as_deref(), Some("desk-1"));
        assert_eq!(id.sha256.len(), 64);
    }
}
