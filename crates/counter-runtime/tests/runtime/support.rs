//! The test counter: platform and acquirer in-process (dev PKI, system clock), a terminal
//! configuration file, a persona enrolled with a payment card token.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use backend_kit::devpki::DevPki;
use backend_platform::config::ServiceConfig;
use counter_api::acquirer::{CardTokenRegistration, Cardholder, FaultPlan};
use counter_api::platform::{PaymentLink, ServiceKind, ServiceLink, Sex};
use counter_core::UnixTime;
use counter_runtime::config::Config;
use counter_runtime::http::Backends;
use jpki_card_sim::{Faults, VirtualCard};

pub const PLATFORM: &str = "pf-tokyo";
pub const ACQUIRER: &str = "acq-visa";
pub const TERMINAL: &str = "till-1";
pub const MERCHANT: &str = "shop-a";
pub const TOKEN: &str = "tok_visa_4242";
/// A card token of another holder than the test personas the tests enrol.
pub const OTHER_TOKEN: &str = "tok_jcb_0005";

pub struct Env {
    pub dir: tempfile::TempDir,
    /// The platform's client identity at the services (cert, key PEM) and their CA.
    pub platform_identity: (String, String, String),
    /// Kept running for the test's life.
    pub _platform: backend_platform::server::RunningPlatform,
    pub acquirer: backend_acquirer::RunningAcquirer,
    pub config_path: PathBuf,
    /// The backends' TLS material (the terminals' CA with its key).
    pub pki: DevPki,
}

fn now() -> UnixTime {
    backend_kit::Clock::now(&backend_kit::SystemClock)
}

impl Env {
    pub async fn start() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let pki = DevPki::generate(&["localhost"]).unwrap();
        let acquirer = start_acquirer(dir.path(), &pki, platform_keys(), TERMINAL, MERCHANT).await;
        let services = vec![ServiceConfig {
            id: ACQUIRER.into(),
            kind: ServiceKind::Payment,
            label: "クレジットカード".into(),
            url: Some(format!("https://localhost:{}", acquirer.addr().port())),
        }];
        let platform = start_platform(dir.path(), &pki, services, TERMINAL).await;
        let config_path = write_config(
            dir.path(),
            &pki,
            TERMINAL,
            MERCHANT,
            1500,
            [platform.addr().port(), 9, acquirer.addr().port()],
            "",
        );
        let (cert, key) = pki.terminal_identity(PLATFORM).unwrap();
        Env {
            platform_identity: (cert, key, pki.server_ca_pem.clone()),
            dir,
            _platform: platform,
            acquirer,
            config_path,
            pki,
        }
    }

    pub fn config(&self) -> Config {
        Config::load(&self.config_path).unwrap()
    }

    pub fn backends(&self) -> Backends {
        self.config().backends().unwrap()
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("counter.sqlite")
    }

    pub fn set_faults(&self, plan: FaultPlan) {
        self.acquirer.acquirer().set_faults(plan);
    }

    /// Links the card token [`TOKEN`] to `sub` at the acquirer, as the platform does when it
    /// enrols a card (for tests that mint their own payment assertions for `sub`).
    pub async fn link_token(&self, sub: &str) {
        let (cert, key, ca) = &self.platform_identity;
        let tls =
            counter_runtime::tls::client_config(ca.as_bytes(), cert.as_bytes(), key.as_bytes())
                .unwrap();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .build()
            .unwrap();
        let request = counter_api::links::LinkRequest {
            enrollment_id: "enr_test".into(),
            sub: sub.into(),
            link: counter_api::platform::ServiceData::Payment {
                card_token_ref: TOKEN.into(),
            },
            holder: counter_api::attributes::CertifiedAttributes {
                name: "佐藤　花子".into(),
                name_substituted: vec![],
                address: "東京都千代田区丸の内九丁目９番９９号".into(),
                address_substituted: vec![],
                birth_date: "1985-04-12".into(),
                sex: Sex::Female,
            },
            consented_at: now(),
        };
        let url = format!("https://localhost:{}/v1/links", self.acquirer.addr().port());
        let answer: serde_json::Value = client
            .post(url)
            .json(&request)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["outcome"], "confirmed", "{answer}");
    }

    /// Enrols `persona` with the payment token, through the virtual card in-process.
    pub async fn enrol(&self, persona: &str) {
        enrol_with_token(&self.backends(), persona, TOKEN, "4242").await;
    }

    /// Runs the headless driver with `args`, `env` and `stdin`.
    pub async fn driver(&self, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
        driver(&self.config_path, args, env, stdin).await
    }
}

/// Runs the headless driver on the configuration `config` with `args`, `env` and `stdin`.
pub async fn driver(
    config: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: &str,
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_madoguchi-counter"));
    cmd.arg("--config")
        .arg(config)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        use std::io::Write;
        if let Some(mut i) = child.stdin.take() {
            let _ = i.write_all(stdin.as_bytes());
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

/// The test platform's assertion keys (test_support derives them from a fixed seed), for
/// the services started before it.
pub fn platform_keys() -> counter_api::assertion::KeySet {
    let signer = backend_platform::test_support::assertion_signer(PLATFORM).unwrap();
    counter_api::assertion::KeySet::of(PLATFORM, &signer)
}

/// Starts the platform offering `services` (running already: it confirms links there) to
/// `terminal` (test roots, fresh CRLs).
pub async fn start_platform(
    dir: &std::path::Path,
    pki: &DevPki,
    services: Vec<ServiceConfig>,
    terminal: &str,
) -> backend_platform::server::RunningPlatform {
    let mut settings = backend_platform::test_support::settings(
        PLATFORM,
        dir,
        now(),
        &pki.server_cert_pem,
        &pki.server_key_pem,
        &pki.terminal_ca_pem,
        services,
        &[terminal],
    )
    .unwrap();
    let (certificate, key) = pki.terminal_identity(PLATFORM).unwrap();
    settings.links = Some(backend_platform::test_support::link_client(
        &certificate,
        &key,
        &pki.server_ca_pem,
    ));
    backend_platform::start_in_process(settings, Arc::new(backend_kit::SystemClock))
        .await
        .unwrap()
}

/// Starts the acquirer (the card token [`TOKEN`], VISA 4242) trusting the platform `keys`,
/// with `terminal` at `merchant`.
pub async fn start_acquirer(
    dir: &std::path::Path,
    pki: &DevPki,
    keys: counter_api::assertion::KeySet,
    terminal: &str,
    merchant: &str,
) -> backend_acquirer::RunningAcquirer {
    let settings = backend_acquirer::Settings {
        acquirer_id: ACQUIRER.into(),
        listen: "127.0.0.1:0".parse().unwrap(),
        database: dir.join("acquirer.sqlite"),
        connections: backend_kit::ServeLimits::default(),
        tls_certificate_pem: pki.server_cert_pem.clone().into_bytes(),
        tls_private_key_pem: pki.server_key_pem.clone().into_bytes(),
        terminal_ca_pem: pki.terminal_ca_pem.clone().into_bytes(),
        trusted_platforms: vec![keys],
        terminals: vec![backend_acquirer::config::TerminalConfig {
            id: terminal.into(),
            merchant_id: merchant.into(),
            admin: false,
            certificate_sha256: None,
        }],
        card_tokens: vec![
            CardTokenRegistration {
                card_token_ref: TOKEN.into(),
                brand: "VISA".into(),
                last4: "4242".into(),
                limit_jpy: None,
                blocked: false,
                holder: Cardholder {
                    name: "佐藤　花子".into(),
                    birth_date: "1985-04-12".into(),
                    address: Some("東京都千代田区丸の内九丁目９番９９号".into()),
                    sex: Some(Sex::Female),
                },
            },
            // Another holder's card, which no test persona but 鈴木 一郎 may link.
            CardTokenRegistration {
                card_token_ref: OTHER_TOKEN.into(),
                brand: "JCB".into(),
                last4: "0005".into(),
                limit_jpy: None,
                blocked: false,
                holder: Cardholder {
                    name: "鈴木　一郎".into(),
                    birth_date: "1958-03-03".into(),
                    address: None,
                    sex: Some(Sex::Male),
                },
            },
        ],
        faults: FaultPlan::default(),
    };
    backend_acquirer::start_in_process(settings, Arc::new(backend_kit::SystemClock))
        .await
        .unwrap()
}

/// Writes a secret the configuration names with mode 0600, as the terminal takes it (it
/// refuses a key every user of the machine may read).
pub fn write_private(path: &std::path::Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// Writes the terminal's TLS files and its configuration (`extra` appended: a `[counter]`
/// section) into `dir`; `ports` are the platform's, the insurer's and the acquirer's on
/// loopback. Returns the configuration's path.
#[allow(clippy::too_many_arguments)]
pub fn write_config(
    dir: &std::path::Path,
    pki: &DevPki,
    terminal: &str,
    merchant: &str,
    timeout_ms: u64,
    [platform, insurer, acquirer]: [u16; 3],
    extra: &str,
) -> PathBuf {
    let (cert, key) = pki.terminal_identity(terminal).unwrap();
    std::fs::write(dir.join("ca.pem"), &pki.server_ca_pem).unwrap();
    std::fs::write(dir.join("terminal.pem"), cert).unwrap();
    write_private(&dir.join("terminal-key.pem"), &key);
    let config = format!(
        r#"terminal_id = "{terminal}"
merchant_id = "{merchant}"
database = "counter.sqlite"
timeout_ms = {timeout_ms}
[backends]
platform = "https://localhost:{platform}"
platform_id = "{PLATFORM}"
insurer = "https://localhost:{insurer}"
acquirer = "https://localhost:{acquirer}"
[tls]
ca = "ca.pem"
certificate = "terminal.pem"
key = "terminal-key.pem"
{extra}"#
    );
    let path = dir.join("counter.toml");
    std::fs::write(&path, config).unwrap();
    path
}

pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// What the acquirer holds for `order_ref`: (status, captured yen) of each payment.
pub fn acquirer_payments(env: &Env, order_ref: &str) -> Vec<(String, i64)> {
    let c = rusqlite::Connection::open(env.dir.path().join("acquirer.sqlite")).unwrap();
    let mut st = c
        .prepare("SELECT status, captured_jpy FROM payments WHERE order_ref = ?1")
        .unwrap();
    st.query_map([order_ref], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The tests of this binary share one vpcd slot: each card test holds this lock for its
/// whole run (libtest runs tests in parallel).
pub static READER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The value of `k`, one of what scripts/pcscd.sh exports; fails with what to run when the
/// test is not run under it (`needs`: what the test needs of our pcscd).
pub fn pcscd_var(k: &str, needs: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| {
        panic!(
            "{k} is not set: this test needs our pcscd with {needs}; run it as \
             `scripts/pcscd.sh run cargo test -p counter-runtime` (make test does)"
        )
    })
}

/// The loopback port that `k` (exported by scripts/pcscd.sh) names.
pub fn pcscd_port(k: &str, needs: &str) -> std::net::SocketAddr {
    let port: u16 = pcscd_var(k, needs)
        .parse()
        .unwrap_or_else(|e| panic!("{k} is not a port: {e}"));
    std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, port))
}

/// Both vpcd readers of our pcscd and their cards' ports: "<prefix> 00 00" on
/// `MADOGUCHI_VPCD_PORT` and "<prefix> 00 01" on the port after it (scripts/pcscd.sh).
/// The card tests use the first; a counter that watches two readers, both.
pub fn vpcd_readers() -> [(String, std::net::SocketAddr); 2] {
    const NEEDS: &str = "the vpcd readers";
    let prefix = pcscd_var("MADOGUCHI_VIRTUAL_READER", NEEDS);
    let first = pcscd_port("MADOGUCHI_VPCD_PORT", NEEDS);
    let mut second = first;
    second.set_port(first.port() + 1);
    [
        (format!("{prefix} 00 00"), first),
        (format!("{prefix} 00 01"), second),
    ]
}

/// The vpcd reader the card tests use: the first of [`vpcd_readers`].
pub fn vpcd_reader() -> String {
    let [(reader, _), _] = vpcd_readers();
    reader
}

/// Waits (10 s at most) until pcscd itself says that no card is in `reader`.
///
/// A virtual card taken out is a closed connection, which pcscd notices only when it next
/// polls vpcd (every 400 ms), while the counter may learn it sooner, from a card step that
/// failed. A card placed again before that poll is, to pcscd, the card that never left:
/// no event, for the counter or anyone (a real reader reports its slot's switch at once).
/// So a test that takes a card out and places one waits for this in between.
pub fn pcscd_sees_no_card(reader: &str) {
    use jpki_card_pcsc::pcsc::{Context, ReaderState, Scope, State};
    let ctx = Context::establish(Scope::User).unwrap();
    let name = std::ffi::CString::new(reader).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        // From UNAWARE, pcscd answers at once with the reader's state as it holds it.
        let mut states = [ReaderState::new(name.clone(), State::UNAWARE)];
        ctx.get_status_change(std::time::Duration::from_secs(1), &mut states)
            .unwrap();
        if !states[0].event_state().contains(State::PRESENT) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "pcscd still sees a card in {reader:?} after 10 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// [`pcscd_sees_no_card`] on [`vpcd_reader`], off the async workers.
pub async fn pcscd_lets_go() {
    tokio::task::spawn_blocking(|| pcscd_sees_no_card(&vpcd_reader()))
        .await
        .unwrap();
}

/// The persona's card in the first vpcd slot, seen by our pcscd as a reader; returns the
/// slot's lock (bind it first, so it is released last), the reader's name and the slot
/// (the card stays in while it lives). Fails with instructions when the test is not run
/// under `scripts/pcscd.sh run`.
pub fn card_in_vpcd(
    persona: &str,
) -> (
    std::sync::MutexGuard<'static, ()>,
    String,
    jpki_card_sim::VpcdSlot,
) {
    let lock = READER.lock().unwrap_or_else(|e| e.into_inner());
    let [(reader, port), _] = vpcd_readers();
    let p = testkit::load_persona(persona).unwrap();
    // The previous card test's card may not have left pcscd's view yet; the monitor starts
    // after, so that its first look cannot report that card.
    pcscd_sees_no_card(&reader);
    let monitor = jpki_card_pcsc::Monitor::start().unwrap();
    let mut slot = jpki_card_sim::VpcdSlot::new(port);
    slot.insert(VirtualCard::from_persona(&p).unwrap(), Faults::default())
        .unwrap();
    let seen = monitor.wait_for(std::time::Duration::from_secs(5), |e| {
        matches!(e, jpki_card_pcsc::ReaderEvent::CardInserted { reader: r, .. } if *r == reader)
    });
    assert!(seen.is_some(), "pcscd did not see the card in {reader:?}");
    (lock, reader, slot)
}

/// Enrols `persona` with the payment card token `token` (its last four digits `last4`)
/// through `b`, the card being the persona's virtual card in this process; every link must
/// be confirmed.
pub async fn enrol_with_token(b: &Backends, persona: &str, token: &str, last4: &str) {
    let path = testkit::personas_dir().join(format!("{persona}.toml"));
    let services = vec![ServiceLink::Payment(PaymentLink {
        service_id: ACQUIRER.into(),
        card_token_ref: token.into(),
        brand: Some("VISA".into()),
        last4: Some(last4.into()),
    })];
    let answer = counter_runtime::enrol::enrol_persona(b, &path, services)
        .await
        .unwrap();
    assert!(answer.refused.is_empty(), "{:?}", answer.refused);
}
