//! The reference backends in-process on loopback TLS (system clock), their databases in
//! the demo folder, and the terminal's TLS files and `counter.toml` pointing at them.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use backend_kit::devpki::DevPki;
use backend_platform::config::ServiceConfig;
use backend_platform::server::RunningPlatform;
use counter_api::acquirer::{CardTokenRegistration, Cardholder, FaultPlan};
use counter_api::platform::ServiceKind;
use counter_core::UnixTime;
use counter_runtime::config::CounterMode;
use testkit::{CrlEntry, CrlSpec, Generation, Municipality, Pki};

use crate::error::DemoError;
use crate::personas::{ACQUIRER, ACQUIRER_LABEL, CARD_TOKENS, INSURER, INSURER_LABEL, MOVED};

/// The platform's id (the same as the counter's test bench).
pub const PLATFORM: &str = "pf-tokyo";
/// The demo terminal's id (its client certificate's CN).
pub const TERMINAL: &str = "counter-1";
/// The demo terminal's merchant id at the acquirer.
pub const MERCHANT: &str = "clinic-a";
/// The demo clinic's 医療機関コード (10 digits).
pub const INSTITUTION: &str = "1312345678";
/// The demo clinic's name on receipts.
pub const SHOP_NAME: &str = "みどりクリニック";
/// Per-request timeout of the terminal, in milliseconds.
pub const TIMEOUT_MS: u64 = 3000;
/// The discard port on loopback: nothing listens, so a connection is refused at once.
/// The insurer's URL when the demo runs with the insurer down.
const CLOSED_PORT: u16 = 9;

/// The municipalities (CRL distribution points) and root generations of the personas that
/// are not revoked (testkit's `personas.rs`), and those `backend_platform::test_support`
/// writes. The platform finds a certificate's revocation status unknown, and refuses it,
/// without a current CRL of its municipality; test_support writes only three of these,
/// valid for one day.
const MUNICIPALITIES: [(&str, &str, Generation); 9] = [
    ("Tokyo-to", "Chiyoda-ku", Generation::G3),
    ("Tokyo-to", "Chiyoda-ku", Generation::G2),
    ("Osaka-fu", "Osaka-shi-Kita-ku", Generation::G3),
    ("Fukuoka-ken", "Fukuoka-shi-Chuo-ku", Generation::G3),
    ("Aichi-ken", "Nagoya-shi-Naka-ku", Generation::G3),
    ("Hokkaido", "Sapporo-shi-Chuo-ku", Generation::G3),
    ("Miyagi-ken", "Sendai-shi-Aoba-ku", Generation::G2),
    ("Kanagawa-ken", "Kawasaki-shi-Nakahara-ku", Generation::G2),
    ("Hyogo-ken", "Kobe-shi-Chuo-ku", Generation::G3),
];

/// How long the demo's CRLs stay current: the platform never reloads them while the app
/// runs, so a demo left running for days still checks revocation. Rewritten each start.
const CRL_VALIDITY: Duration = Duration::from_secs(30 * 86_400);

/// The three backends, running.
pub(crate) struct Running {
    pub platform: RunningPlatform,
    pub insurer: backend_insurer::RunningInsurer,
    pub acquirer: backend_acquirer::RunningAcquirer,
    /// Whether the terminal is given the insurer's address (the demo's "insurer down"
    /// gives it a closed port instead; the platform still reaches the insurer, to confirm
    /// the personas' links at enrollment).
    pub insurer_reachable: bool,
    /// Whether the terminal is given the acquirer's address (the demo's "acquirer down"
    /// gives it a closed port instead; the platform still reaches the acquirer, to confirm
    /// the personas' card links at enrollment).
    pub acquirer_reachable: bool,
}

fn now() -> UnixTime {
    backend_kit::Clock::now(&backend_kit::SystemClock)
}

fn backend(backend: &'static str) -> impl Fn(String) -> DemoError {
    move |detail| DemoError::Backend { backend, detail }
}

/// Makes fresh TLS material for the backends and the terminal.
pub(crate) fn pki() -> Result<DevPki, DemoError> {
    DevPki::generate(&["localhost"]).map_err(|e| DemoError::Material {
        what: "TLS certificates",
        detail: e.to_string(),
    })
}

/// The demo terminal's client certificate and key (PEM), made once per start from the
/// terminal CA of the demo's [`DevPki`], and the certificate's SHA-256, which the platform's,
/// the insurer's and the acquirer's `[[terminals]]` entries register (`certificate_sha256`):
/// the demo runs with the terminal's certificate registered, as a production service should.
pub(crate) struct TerminalIdentity {
    certificate_pem: String,
    key_pem: String,
    sha256: [u8; 32],
}

/// A new client certificate of the terminal CA of `pki` for [`TERMINAL`].
pub(crate) fn terminal_identity(pki: &DevPki) -> Result<TerminalIdentity, DemoError> {
    let fail = |detail: String| DemoError::Material {
        what: "TLS certificates",
        detail,
    };
    let (certificate_pem, key_pem) = pki
        .terminal_identity(TERMINAL)
        .map_err(|e| fail(e.to_string()))?;
    let sha256 = backend_kit::terminal_certificate::pem_sha256(
        "terminal certificate",
        certificate_pem.as_bytes(),
    )
    .map_err(|e| fail(e.to_string()))?;
    Ok(TerminalIdentity {
        certificate_pem,
        key_pem,
        sha256,
    })
}

/// Starts the insurer and the acquirer (trusting the platform's keys, which the test
/// platform derives from a fixed seed, and `terminal`'s certificate alone for
/// [`TERMINAL`]), then the platform with their addresses (accepting that certificate alone
/// too), the databases in `dir`. With `insurer_up` (`acquirer_up`) false the terminal will be given
/// a closed port for the insurer (the acquirer).
pub(crate) async fn start(
    dir: &Path,
    pki: &DevPki,
    terminal: &TerminalIdentity,
    insurer_up: bool,
    acquirer_up: bool,
) -> Result<Running, DemoError> {
    let signer = backend_platform::test_support::assertion_signer(PLATFORM)
        .map_err(|e| backend("platform")(e.to_string()))?;
    let keys = counter_api::assertion::KeySet::of(PLATFORM, &signer);
    let insurer = start_insurer(dir, pki, terminal, keys.clone()).await?;
    let acquirer = start_acquirer(dir, pki, terminal, keys).await?;
    let platform = start_platform(
        dir,
        pki,
        terminal,
        insurer.addr().port(),
        acquirer.addr().port(),
    )
    .await?;
    Ok(Running {
        platform,
        insurer,
        acquirer,
        insurer_reachable: insurer_up,
        acquirer_reachable: acquirer_up,
    })
}

async fn start_platform(
    dir: &Path,
    pki: &DevPki,
    terminal: &TerminalIdentity,
    insurer_port: u16,
    acquirer_port: u16,
) -> Result<RunningPlatform, DemoError> {
    let fail = backend("platform");
    let services = vec![
        ServiceConfig {
            id: INSURER.into(),
            kind: ServiceKind::Insurance,
            label: INSURER_LABEL.into(),
            url: Some(format!("https://localhost:{insurer_port}")),
        },
        ServiceConfig {
            id: ACQUIRER.into(),
            kind: ServiceKind::Payment,
            label: ACQUIRER_LABEL.into(),
            url: Some(format!("https://localhost:{acquirer_port}")),
        },
    ];
    let now = now();
    let mut settings = backend_platform::test_support::settings(
        PLATFORM,
        dir,
        now,
        &pki.server_cert_pem,
        &pki.server_key_pem,
        &pki.terminal_ca_pem,
        services,
        &[TERMINAL],
    )
    .map_err(|e| fail(e.to_string()))?;
    for t in &mut settings.terminals {
        t.certificate_sha256 = Some(terminal.sha256);
    }
    // The platform's client certificate, from the CA the services take client certificates
    // of (its CN is the platform id the services trust).
    let (certificate, key) = pki
        .terminal_identity(PLATFORM)
        .map_err(|e| fail(e.to_string()))?;
    settings.links = Some(backend_platform::test_support::link_client(
        &certificate,
        &key,
        &pki.server_ca_pem,
    ));
    write_crls(&settings.crl_dir, now)?;
    let listener = crate::listen::loopback_listener()
        .await
        .map_err(|e| fail(e.to_string()))?;
    backend_platform::start(settings, Arc::new(backend_kit::SystemClock), listener)
        .await
        .map_err(|e| fail(e.to_string()))
}

/// Writes current, empty CRLs of `MUNICIPALITIES` and testkit's committed CRLs (横浜市中区,
/// revoking yamamoto-shota) into the platform's CRL folder (the demo's, and the install
/// test's platform as installed).
pub fn write_crls(crl_dir: &Path, now: UnixTime) -> Result<(), DemoError> {
    let fail = |detail: String| DemoError::Material {
        what: "CRLs",
        detail,
    };
    let pki = Pki::load().map_err(|e| fail(e.to_string()))?;
    // An hour back, as test_support does, so that a clock a little behind still accepts it.
    let from = u64::try_from(now.minus_secs(3600).as_secs()).map_err(|e| fail(e.to_string()))?;
    let this_update = der::DateTime::from_unix_duration(Duration::from_secs(from))
        .map_err(|e| fail(e.to_string()))?;
    let next_update = der::DateTime::from_unix_duration(Duration::from_secs(from) + CRL_VALIDITY)
        .map_err(|e| fail(e.to_string()))?;
    let write = |name: String, der: Vec<u8>| {
        let path = crl_dir.join(name);
        std::fs::write(&path, der).map_err(|source| DemoError::Io {
            action: "write",
            path,
            source,
        })
    };
    for purpose in testkit::Purpose::ALL {
        for (p, c, g) in MUNICIPALITIES {
            let mut spec = CrlSpec::new(purpose, g, Municipality::new(p, c), this_update)
                .map_err(|e| fail(e.to_string()))?;
            spec.next_update = Some(next_update);
            let der = spec.build(&pki).map_err(|e| fail(e.to_string()))?;
            // The name test_support gives the same CRL, so ours replaces its one-day one.
            write(
                format!("{}-{p}-{c}-{}.crl", purpose.short(), g.short()),
                der,
            )?;
        }
        let committed = testkit::committed_crl(purpose).map_err(|e| fail(e.to_string()))?;
        write(format!("{}-committed.crl", purpose.short()), committed)?;
    }
    Ok(())
}

/// The signature CRL of the municipality of the persona who moved ([`MOVED`]), once she is
/// enrolled: current and revoking her signature certificate (affiliationChanged: 記載内容に
/// 変更), or out of date when `stale` (the platform then cannot tell, and says so). The
/// platform reloads its CRLs.
pub(crate) async fn moved_after_enrolment(running: &Running, stale: bool) -> Result<(), DemoError> {
    let fail = |detail: String| DemoError::Material {
        what: "CRLs",
        detail,
    };
    let (_, serial) =
        testkit::personas::serials(MOVED).ok_or_else(|| fail(format!("no persona {MOVED}")))?;
    let (municipality, generation) = testkit::personas::municipality(MOVED)
        .ok_or_else(|| fail(format!("no persona {MOVED}")))?;
    let now = u64::try_from(now().as_secs()).map_err(|e| fail(e.to_string()))?;
    let at = |secs: u64| {
        der::DateTime::from_unix_duration(Duration::from_secs(secs))
            .map_err(|e| fail(e.to_string()))
    };
    let day = 86_400;
    let pki = Pki::load().map_err(|e| fail(e.to_string()))?;
    let (from, until) = if stale {
        (now.saturating_sub(3 * day), now.saturating_sub(2 * day))
    } else {
        (
            now.saturating_sub(3600),
            now.saturating_add(CRL_VALIDITY.as_secs()),
        )
    };
    let mut spec = CrlSpec::new(testkit::Purpose::Sign, generation, municipality, at(from)?)
        .map_err(|e| fail(e.to_string()))?;
    spec.next_update = Some(at(until)?);
    if !stale {
        spec.entries.push(CrlEntry {
            serial,
            revocation_date: at(now.saturating_sub(1800))?,
            reason: Some(x509_cert::ext::pkix::CrlReason::AffiliationChanged),
        });
    }
    let der = spec.build(&pki).map_err(|e| fail(e.to_string()))?;
    let platform = running.platform.platform().clone();
    let (p, c) = ("Hyogo-ken", "Kobe-shi-Chuo-ku");
    let path = platform
        .settings
        .crl_dir
        .join(format!("sign-{p}-{c}-{}.crl", generation.short()));
    let reload = |platform: Arc<backend_platform::Platform>| async move {
        tokio::task::spawn_blocking(move || platform.crl.reload())
            .await
            .map_err(|e| fail(e.to_string()))?
            .map_err(|e| fail(e.to_string()))
    };
    if stale {
        // The platform refuses a CRL older than the one it uses for a scope (a feed gone
        // back): the scope's current CRL leaves first, as when the feed lost it, and the
        // out-of-date one comes after.
        std::fs::remove_file(&path).map_err(|source| DemoError::Io {
            action: "remove",
            path: path.clone(),
            source,
        })?;
        reload(platform.clone()).await?;
    }
    std::fs::write(&path, der).map_err(|source| DemoError::Io {
        action: "write",
        path,
        source,
    })?;
    reload(platform).await?;
    Ok(())
}

async fn start_insurer(
    dir: &Path,
    pki: &DevPki,
    terminal: &TerminalIdentity,
    keys: counter_api::assertion::KeySet,
) -> Result<backend_insurer::RunningInsurer, DemoError> {
    let settings = backend_insurer::Settings {
        insurer_id: INSURER.into(),
        listen: std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0)),
        database: dir.join("insurer.sqlite"),
        connections: backend_kit::ServeLimits::default(),
        bulk_processing_secs: 0,
        // Seeds an empty database only: a restart keeps the register as it was.
        seed_toml: backend_insurer::demo::BUILTIN.into(),
        tls_certificate_pem: pki.server_cert_pem.clone().into_bytes(),
        tls_private_key_pem: pki.server_key_pem.clone().into_bytes(),
        terminal_ca_pem: pki.terminal_ca_pem.clone().into_bytes(),
        platforms: vec![keys],
        terminals: vec![backend_insurer::config::TerminalConfig {
            id: TERMINAL.into(),
            certificate_sha256: Some(terminal.sha256),
        }],
    };
    let listener = crate::listen::loopback_listener()
        .await
        .map_err(|e| backend("insurer")(e.to_string()))?;
    backend_insurer::start(settings, Arc::new(backend_kit::SystemClock), listener)
        .await
        .map_err(|e| backend("insurer")(e.to_string()))
}

async fn start_acquirer(
    dir: &Path,
    pki: &DevPki,
    terminal: &TerminalIdentity,
    keys: counter_api::assertion::KeySet,
) -> Result<backend_acquirer::RunningAcquirer, DemoError> {
    let settings = backend_acquirer::Settings {
        acquirer_id: ACQUIRER.into(),
        listen: std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0)),
        database: dir.join("acquirer.sqlite"),
        connections: backend_kit::ServeLimits::default(),
        tls_certificate_pem: pki.server_cert_pem.clone().into_bytes(),
        tls_private_key_pem: pki.server_key_pem.clone().into_bytes(),
        terminal_ca_pem: pki.terminal_ca_pem.clone().into_bytes(),
        trusted_platforms: vec![keys],
        terminals: vec![backend_acquirer::config::TerminalConfig {
            id: TERMINAL.into(),
            merchant_id: MERCHANT.into(),
            admin: false,
            certificate_sha256: Some(terminal.sha256),
        }],
        // Registered with an upsert: a restart on the same database keeps the payments.
        card_tokens: CARD_TOKENS
            .iter()
            .map(|t| {
                Ok(CardTokenRegistration {
                    card_token_ref: t.token.into(),
                    brand: t.brand.into(),
                    last4: t.last4.into(),
                    limit_jpy: None,
                    blocked: false,
                    holder: cardholder(t.holder)?,
                })
            })
            .collect::<Result<_, DemoError>>()?,
        faults: FaultPlan::default(),
    };
    let listener = crate::listen::loopback_listener()
        .await
        .map_err(|e| backend("acquirer")(e.to_string()))?;
    backend_acquirer::start(settings, Arc::new(backend_kit::SystemClock), listener)
        .await
        .map_err(|e| backend("acquirer")(e.to_string()))
}

/// The acquirer's record of the testkit persona `id` who holds a demo card.
fn cardholder(id: &str) -> Result<Cardholder, DemoError> {
    let p = crate::enrol::load(id)?;
    Ok(Cardholder {
        sex: Some(counter_runtime::enrol::sex_of(&p)),
        name: p.name,
        birth_date: p.birth_date,
        address: Some(p.address),
    })
}

/// Writes the secret `text` to `path` readable by its owner only (0600, also when a
/// file of an earlier run is there), and syncs it: the terminal refuses a TLS key every
/// user of the machine may read (counter-runtime's `config::refuse_exposed`).
fn write_private(path: &Path, text: &str) -> Result<(), DemoError> {
    let mut file = private_files::rewrite_private(path)?;
    Ok(private_files::write_whole(
        &mut file,
        path,
        text.as_bytes(),
    )?)
}

/// Writes the terminal's TLS files (`terminal`'s certificate and key, the server CA) and
/// `counter.toml` (with a `[counter]` section for `mode` on `reader`, the receipt system's
/// folder `oqs/` (`[folders]`), and a `[pos]` section on loopback `pos_port` when given)
/// into `dir`; returns the configuration's path.
pub(crate) fn write_config(
    dir: &Path,
    pki: &DevPki,
    terminal: &TerminalIdentity,
    running: &Running,
    mode: CounterMode,
    reader: &str,
    pos_port: Option<u16>,
) -> Result<PathBuf, DemoError> {
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|source| DemoError::Io {
            action: "write",
            path,
            source,
        })
    };
    write("ca.pem", &pki.server_ca_pem)?;
    write("terminal.pem", &terminal.certificate_pem)?;
    write_private(&dir.join("terminal-key.pem"), &terminal.key_pem)?;
    let platform = running.platform.addr().port();
    let insurer = if running.insurer_reachable {
        running.insurer.addr().port()
    } else {
        CLOSED_PORT
    };
    let acquirer = if running.acquirer_reachable {
        running.acquirer.addr().port()
    } else {
        CLOSED_PORT
    };
    let mode = toml::Value::try_from(mode).map_err(|e| DemoError::Material {
        what: "terminal configuration",
        detail: e.to_string(),
    })?;
    // TOML strings, quoted and escaped (the reader's name comes from the environment).
    let reader = toml::Value::from(reader);
    let config = format!(
        r#"# Written by the embedded demo (counter-demo) at each start; edits are lost.
terminal_id = "{TERMINAL}"
merchant_id = "{MERCHANT}"
database = "counter.sqlite"
timeout_ms = {TIMEOUT_MS}
[backends]
platform = "https://localhost:{platform}"
platform_id = "{PLATFORM}"
insurer = "https://localhost:{insurer}"
acquirer = "https://localhost:{acquirer}"
[tls]
ca = "ca.pem"
certificate = "terminal.pem"
key = "terminal-key.pem"
[counter]
mode = {mode}
reader = {reader}
export_dir = "exports"
medical_institution_code = "{INSTITUTION}"
shop_name = "{SHOP_NAME}"
[folders]
root = "oqs"
"#
    );
    let pos = pos_port
        .map(|port| format!("[pos]\nlisten = \"127.0.0.1:{port}\"\n"))
        .unwrap_or_default();
    let config = format!("{config}{pos}");
    write("counter.toml", &config)?;
    Ok(dir.join("counter.toml"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_key_of_an_earlier_run_open_to_all_is_rewritten_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("terminal-key.pem");
        std::fs::write(&key, "an earlier, longer key").unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&key, "new key").unwrap();
        assert_eq!(std::fs::read_to_string(&key).unwrap(), "new key");
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_key_that_cannot_be_written_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("terminal-key.pem");
        std::fs::create_dir(&key).unwrap();
        let e = write_private(&key, "key").unwrap_err();
        assert!(matches!(e, DemoError::PrivateFile(_)), "{e:?}");
        assert!(e.to_string().contains("terminal-key.pem"), "{e}");
    }

    /// The platform, the insurer and the acquirer the demo starts accept the demo terminal's
    /// certificate alone: another certificate of the terminals' CA with its CN is refused.
    #[tokio::test]
    async fn every_backend_accepts_the_demo_terminals_certificate_alone() {
        use backend_platform::terminals::Access;
        let dir = tempfile::tempdir().unwrap();
        let pki = pki().unwrap();
        let terminal = terminal_identity(&pki).unwrap();
        let running = start(dir.path(), &pki, &terminal, true, true)
            .await
            .unwrap();
        let mine: String = terminal.sha256.iter().map(|b| format!("{b:02x}")).collect();
        let other = "00".repeat(32);
        let terminals = &running.platform.platform().terminals;
        assert_eq!(
            terminals.check(TERMINAL, &mine),
            Access::Accepted { admin: false }
        );
        assert_eq!(terminals.check(TERMINAL, &other), Access::NotConfigured);
        let insurer = running.insurer.insurer().in_force();
        let pinned = insurer
            .settings
            .terminal(TERMINAL)
            .unwrap()
            .certificate_sha256;
        assert_eq!(pinned, Some(terminal.sha256));
        let acquirer = running.acquirer.acquirer().in_force();
        let pinned = acquirer
            .settings
            .terminals
            .iter()
            .find(|t| t.id == TERMINAL)
            .unwrap()
            .certificate_sha256;
        assert_eq!(pinned, Some(terminal.sha256));
        running.platform.shutdown().await;
        running.insurer.shutdown().await;
        running.acquirer.shutdown().await;
    }
}
