//! In-process platforms for other crates' end-to-end tests (feature `test-support`): the
//! settings of a platform that trusts testkit's O=JPKI-TEST roots of every generation and
//! holds fresh, empty CRLs of the personas' municipalities. Test use only: the signing key
//! and the pseudonym secret are fixed.

use std::path::Path;
use std::time::Duration;

use jpki_cert::{Environment, Purpose, TrustStore};
use madoguchi_time::UnixTime;
use testkit::{CrlSpec, Generation, Municipality, Pki};

use crate::config::{ServiceConfig, TerminalConfig};
use crate::{Settings, signing};

/// The personas' municipalities and the root generations their certificates chain to.
pub const MUNICIPALITIES: &[(&str, &str, Generation)] = &[
    ("Tokyo-to", "Chiyoda-ku", Generation::G3),
    ("Tokyo-to", "Chiyoda-ku", Generation::G2),
    ("Osaka-fu", "Osaka-shi-Kita-ku", Generation::G3),
];

/// Why test settings could not be made.
#[derive(Debug, thiserror::Error)]
#[error("test platform: {0}")]
pub struct TestSupportError(String);

fn e(x: impl std::fmt::Display) -> TestSupportError {
    TestSupportError(x.to_string())
}

/// A trust store of testkit's roots of every generation for `purpose`.
pub fn trust_store(pki: &Pki, purpose: Purpose) -> Result<TrustStore, TestSupportError> {
    let tk = match purpose {
        Purpose::Auth => testkit::Purpose::Auth,
        Purpose::Sign => testkit::Purpose::Sign,
    };
    let roots = Generation::ALL.iter().map(|g| {
        (
            format!("test-{purpose}-{}", g.short()),
            pki.root(tk, *g).der().to_vec(),
        )
    });
    TrustStore::new(purpose, Environment::Test, roots).map_err(e)
}

/// Writes fresh CRLs (issued an hour before `now`) of [`MUNICIPALITIES`] into `dir`.
pub fn write_fresh_crls(pki: &Pki, dir: &Path, now: UnixTime) -> Result<(), TestSupportError> {
    let secs = u64::try_from(now.minus_secs(3600).as_secs()).map_err(e)?;
    let this_update = der::DateTime::from_unix_duration(Duration::from_secs(secs)).map_err(e)?;
    std::fs::create_dir_all(dir).map_err(e)?;
    for purpose in testkit::Purpose::ALL {
        for (p, c, g) in MUNICIPALITIES {
            let spec =
                CrlSpec::new(purpose, *g, Municipality::new(p, c), this_update).map_err(e)?;
            let name = format!("{}-{p}-{c}-{}.crl", purpose.short(), g.short());
            std::fs::write(dir.join(name), spec.build(pki).map_err(e)?).map_err(e)?;
        }
    }
    Ok(())
}

/// Settings of platform `platform_id` listening on a free loopback port, its database and
/// CRLs under `dir`, offering `services` to `terminals` (none of them admin).
#[allow(clippy::too_many_arguments)]
pub fn settings(
    platform_id: &str,
    dir: &Path,
    now: UnixTime,
    tls_certificate_pem: &str,
    tls_private_key_pem: &str,
    terminal_ca_pem: &str,
    services: Vec<ServiceConfig>,
    terminals: &[&str],
) -> Result<Settings, TestSupportError> {
    let pki = Pki::load().map_err(e)?;
    let crl_dir = dir.join("platform-crl");
    write_fresh_crls(&pki, &crl_dir, now)?;
    let key = p256::ecdsa::SigningKey::from_slice(&[5; 32]).map_err(e)?;
    Ok(Settings {
        platform_id: platform_id.to_owned(),
        listen: "127.0.0.1:0".parse().map_err(e)?,
        database: crate::config::Database::Sqlite(dir.join("platform.sqlite")),
        poll_interval: Duration::from_secs(crate::config::DEFAULT_POLL_SECONDS),
        challenge_ttl_secs: 60,
        assertion_ttl_secs: 120,
        challenges_per_terminal: crate::core::challenges::DEFAULT_PER_TERMINAL,
        connections: backend_kit::ServeLimits::default(),
        tls_certificate_pem: tls_certificate_pem.as_bytes().to_vec(),
        tls_private_key_pem: tls_private_key_pem.as_bytes().to_vec(),
        terminal_ca_pem: terminal_ca_pem.as_bytes().to_vec(),
        auth_store: trust_store(&pki, Purpose::Auth)?,
        sign_store: trust_store(&pki, Purpose::Sign)?,
        crl_from: crate::config::CrlFrom::Folder,
        crl_dir,
        crl_reload_secs: 0,
        crl_warn_secs: 6 * 3600,
        signer: signing::signer(&format!("{platform_id}-test"), &key).map_err(e)?,
        pseudonym_secret: vec![6; 32],
        services,
        terminals: terminals
            .iter()
            .map(|t| TerminalConfig {
                id: (*t).to_owned(),
                admin: false,
                certificate_sha256: None,
            })
            .collect(),
        federation_peers: vec![],
        links: None,
    })
}

/// The link client of a test platform: its client certificate and key (PEM, CN = the
/// platform id, from the CA the services take client certificates of) and the services'
/// server CA.
pub fn link_client(
    certificate_pem: &str,
    key_pem: &str,
    service_ca_pem: &str,
) -> crate::config::LinkClientSettings {
    crate::config::LinkClientSettings {
        certificate_pem: certificate_pem.as_bytes().to_vec(),
        private_key_pem: key_pem.as_bytes().to_vec(),
        service_ca_pem: service_ca_pem.as_bytes().to_vec(),
        timeout_ms: 5000,
    }
}

/// The assertion signer of a test platform made by [`settings`] (same key and key id), for
/// tests that mint assertions without a card.
pub fn assertion_signer(
    platform_id: &str,
) -> Result<counter_api::assertion::AssertionSigner, TestSupportError> {
    let key = p256::ecdsa::SigningKey::from_slice(&[5; 32]).map_err(e)?;
    signing::signer(&format!("{platform_id}-test"), &key).map_err(e)
}
