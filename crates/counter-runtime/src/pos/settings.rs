//! The register's API as configured (`[pos]`): where it listens, the API key (read from its
//! file, never logged) and the TLS server (with client certificates when a client CA is
//! given).

use std::net::SocketAddr;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;

use crate::config::{Config, PosTlsFile, read_named};
use crate::error::RuntimeError;

/// The shortest API key taken (16 characters of a random key are 96 bits or more).
const MIN_KEY: usize = 16;
/// The longest API key taken.
const MAX_KEY: usize = 256;

/// The register's API key. `Debug` never shows it; compared in constant time.
#[derive(Clone)]
pub struct ApiKey(Arc<zeroize::Zeroizing<String>>);

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl ApiKey {
    /// A key of 16 to 256 visible ASCII characters (`what` names it in the error).
    pub fn new(text: &str, what: &str) -> Result<Self, RuntimeError> {
        let key = text.trim_end_matches(['\r', '\n']);
        if !(MIN_KEY..=MAX_KEY).contains(&key.len()) || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(RuntimeError::Config {
                key: what.to_owned(),
                reason: format!(
                    "the API key must be one line of {MIN_KEY} to {MAX_KEY} visible ASCII \
                     characters (e.g. 32 random letters and digits)"
                ),
            });
        }
        Ok(Self(Arc::new(zeroize::Zeroizing::new(key.to_owned()))))
    }

    /// Whether `presented` is the key (constant time in the key's contents).
    pub fn matches(&self, presented: &[u8]) -> bool {
        let key = self.0.as_bytes();
        if key.len() != presented.len() {
            return false;
        }
        key.iter()
            .zip(presented)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

/// What the server needs.
#[derive(Clone, Debug)]
pub struct PosSettings {
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The key the register must present, if any.
    pub api_key: Option<ApiKey>,
    /// HTTPS (with client certificates when configured).
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl PosSettings {
    /// On loopback, no key, no TLS (tests and a register on the same machine).
    pub fn loopback(listen: SocketAddr) -> Self {
        Self {
            listen,
            api_key: None,
            tls: None,
        }
    }

    /// The settings of `config`'s `[pos]` section (`None` without one): reads the key file
    /// and the TLS files; an error names the key and the file.
    pub fn from_config(config: &Config) -> Result<Option<Self>, RuntimeError> {
        let Some(pos) = &config.file.pos else {
            return Ok(None);
        };
        let listen = pos.listen.parse().map_err(|_| RuntimeError::Config {
            key: "pos.listen".into(),
            reason: format!("{:?} is not an address and port", pos.listen),
        })?;
        let api_key = match &pos.api_key_file {
            Some(path) => {
                crate::config::refuse_exposed("pos.api_key_file", path)?;
                let text = read_text("pos.api_key_file", path)?;
                let key = ApiKey::new(&text, "pos.api_key_file").map_err(|e| in_file(e, path));
                Some(key?)
            }
            None => None,
        };
        if let Some(t) = &pos.tls {
            crate::config::refuse_exposed("pos.tls.key", &t.key)?;
        }
        let tls = pos.tls.as_ref().map(server_config).transpose()?;
        Ok(Some(Self {
            listen,
            api_key,
            tls,
        }))
    }
}

fn in_file(e: RuntimeError, path: &std::path::Path) -> RuntimeError {
    match e {
        RuntimeError::Config { key, reason } => RuntimeError::Config {
            key,
            reason: format!("{reason} (in {})", path.display()),
        },
        other => other,
    }
}

fn read_text(key: &str, path: &std::path::Path) -> Result<String, RuntimeError> {
    String::from_utf8(read_named(key, path)?).map_err(|_| RuntimeError::Config {
        key: key.to_owned(),
        reason: format!("{} is not text", path.display()),
    })
}

/// The TLS server of `[pos.tls]`: its certificate, and the registers' CA when given (a
/// register without a certificate of it fails the handshake).
fn server_config(t: &PosTlsFile) -> Result<Arc<rustls::ServerConfig>, RuntimeError> {
    let bad = |key: &str, path: &std::path::Path, reason: String| RuntimeError::Config {
        key: key.to_owned(),
        reason: format!("{reason} (in {})", path.display()),
    };
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&read_named("pos.tls.certificate", &t.certificate)?)
            .collect::<Result<_, _>>()
            .map_err(|e| {
                bad(
                    "pos.tls.certificate",
                    &t.certificate,
                    format!("not PEM: {e}"),
                )
            })?;
    if chain.is_empty() {
        return Err(bad(
            "pos.tls.certificate",
            &t.certificate,
            "no CERTIFICATE block".into(),
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(&read_named("pos.tls.key", &t.key)?)
        .map_err(|e| bad("pos.tls.key", &t.key, format!("not a PEM private key: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| bad("pos.tls", &t.certificate, e.to_string()))?;
    let builder = match &t.client_ca {
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            for ca in CertificateDer::pem_slice_iter(&read_named("pos.tls.client_ca", path)?) {
                let ca = ca.map_err(|e| bad("pos.tls.client_ca", path, format!("not PEM: {e}")))?;
                roots.add(ca).map_err(|e| {
                    bad(
                        "pos.tls.client_ca",
                        path,
                        format!("not a CA certificate: {e}"),
                    )
                })?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| bad("pos.tls.client_ca", path, e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(chain, key).map_err(|e| {
        bad(
            "pos.tls.key",
            &t.key,
            format!("the key does not fit the certificate: {e}"),
        )
    })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_key_is_checked_compared_whole_and_never_shown() {
        let k = ApiKey::new("0123456789abcdefXYZ\n", "pos.api_key_file").unwrap();
        assert!(k.matches(b"0123456789abcdefXYZ"));
        assert!(!k.matches(b"0123456789abcdefXYz"));
        assert!(!k.matches(b"0123456789abcdefXY"));
        assert_eq!(format!("{k:?}"), "ApiKey(<redacted>)");
        for bad in ["short", "has a space in it here", &"k".repeat(257)] {
            let e = ApiKey::new(bad, "pos.api_key_file")
                .unwrap_err()
                .to_string();
            assert!(e.contains("pos.api_key_file"), "{e}");
            assert!(!e.contains(bad), "the key is not repeated: {e}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_every_user_may_read_is_refused_with_the_chmod_to_run() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("pos-api-key");
        std::fs::write(&key, "0123456789abcdefXYZ\n").unwrap();
        let config = |extra: &str| {
            let text = format!(
                "{}[pos]\nlisten = \"127.0.0.1:0\"\napi_key_file = \"pos-api-key\"\n{extra}",
                crate::config::tests::GOOD
            );
            Config::parse(&text, dir.path()).unwrap()
        };
        let set = |path: &std::path::Path, mode: u32| {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        };

        set(&key, 0o644);
        let e = PosSettings::from_config(&config("")).unwrap_err();
        assert!(
            matches!(e, RuntimeError::ExposedSecret { mode: 0o644, .. }),
            "{e:?}"
        );
        let text = e.to_string();
        let shown = key.display();
        for part in [
            "pos.api_key_file".to_owned(),
            format!("{shown} may be read by every user of this machine (mode 0644)"),
            format!("sudo chown root:madoguchi-counter {shown}"),
            format!("sudo chmod 0640 {shown}"),
        ] {
            assert!(text.contains(&part), "{part:?} in {text}");
        }
        assert!(
            !text.contains("0123456789abcdef"),
            "the key is not shown: {text}"
        );

        // The group's (0640) and the owner's (0600) are taken.
        for mode in [0o640, 0o600] {
            set(&key, mode);
            let settings = PosSettings::from_config(&config("")).unwrap().unwrap();
            assert!(settings.api_key.is_some());
        }

        // The TLS key alike, before it is parsed.
        let tls_key = dir.path().join("pos-key.pem");
        std::fs::write(&tls_key, "not even PEM").unwrap();
        set(&tls_key, 0o604);
        let e = PosSettings::from_config(&config(
            "[pos.tls]\ncertificate = \"pos.pem\"\nkey = \"pos-key.pem\"\n",
        ))
        .unwrap_err();
        assert!(
            matches!(&e, RuntimeError::ExposedSecret { key, mode: 0o604, .. } if key == "pos.tls.key"),
            "{e:?}"
        );
    }
}
