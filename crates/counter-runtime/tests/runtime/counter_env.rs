//! The interactive counter's test bench: platform (insurance and payment services),
//! insurer (built-in demo insured) and acquirer in-process on loopback TLS (or the
//! acquirer in a process of its own, to be killed: [`CounterEnv::with_acquirer_process`]), a terminal
//! configuration with a `[counter]` section on our pcscd's vpcd reader, and helpers that
//! wait for the screens.

use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backend_kit::devpki::DevPki;
use backend_platform::config::ServiceConfig;
use counter_api::platform::{InsuranceLink, PaymentLink, ServiceKind, ServiceLink};
use counter_runtime::config::Config;
use counter_runtime::counter::{Counter, CustomerAction, Screens, StaffAction};
use tokio::sync::watch;

pub use crate::support::{ACQUIRER, TOKEN};
use crate::support::{platform_keys, start_acquirer, start_platform, write_config};
use crate::till::{AcquirerAdmin, AcquirerProcess, write_acquirer_config};
pub const INSURER: &str = "ins-kanto";
pub const TERMINAL: &str = "counter-1";
pub const MERCHANT: &str = "clinic-a";
pub const INSTITUTION: &str = "1312345678";

pub struct CounterEnv {
    pub dir: tempfile::TempDir,
    pub _platform: backend_platform::server::RunningPlatform,
    pub _insurer: backend_insurer::RunningInsurer,
    /// The acquirer, when it runs in this process.
    pub _acquirer: Option<backend_acquirer::RunningAcquirer>,
    /// Where the acquirer listens.
    pub acquirer_port: u16,
    /// The TLS material of the backends and the terminal.
    pub pki: DevPki,
    pub config_path: PathBuf,
}

impl CounterEnv {
    /// Starts the backends and writes a configuration for `mode` on `reader` (with a closed
    /// port for the insurer unless `insurer_up`).
    pub async fn start(reader: &str, mode: &str, insurer_up: bool) -> CounterEnv {
        let dir = tempfile::tempdir().unwrap();
        let pki = DevPki::generate(&["localhost"]).unwrap();
        let acquirer = start_acquirer(dir.path(), &pki, platform_keys(), TERMINAL, MERCHANT).await;
        let port = acquirer.addr().port();
        let route = Route {
            links_port: port,
            timeout_ms: 3000,
        };
        Self::start_with(
            dir,
            pki,
            (Some(acquirer), port),
            reader,
            mode,
            insurer_up,
            route,
        )
        .await
    }

    /// [`CounterEnv::start`] with the insurer up, the terminal waiting up to 20 s for an
    /// answer, and the platform's route to the acquirer (the payment link's confirmation at
    /// enrollment) held shut until [`LinkGate::open`]: an enrollment's answer waits there
    /// for the test.
    pub async fn with_links_held(reader: &str, mode: &str) -> (CounterEnv, LinkGate) {
        let dir = tempfile::tempdir().unwrap();
        let pki = DevPki::generate(&["localhost"]).unwrap();
        let acquirer = start_acquirer(dir.path(), &pki, platform_keys(), TERMINAL, MERCHANT).await;
        let port = acquirer.addr().port();
        let gate = LinkGate::start(port);
        let route = Route {
            links_port: gate.port,
            timeout_ms: 20_000,
        };
        let acquirer = (Some(acquirer), port);
        let env = Self::start_with(dir, pki, acquirer, reader, mode, true, route).await;
        (env, gate)
    }

    /// [`CounterEnv::start`] with the insurer up and the acquirer in a process of its own
    /// (`till.rs`'s [`AcquirerProcess`], on [`write_acquirer_config`]'s files: claims
    /// leased for `lease_secs`), so that a test can kill it with SIGKILL and start it again
    /// on the same port and database.
    pub async fn with_acquirer_process(
        reader: &str,
        mode: &str,
        lease_secs: i64,
    ) -> (CounterEnv, AcquirerProcess) {
        let dir = tempfile::tempdir().unwrap();
        let pki = DevPki::generate(&["localhost"]).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = write_acquirer_config(dir.path(), &pki, port, lease_secs, TERMINAL, MERCHANT);
        let process = AcquirerProcess::spawn(&config);
        let route = Route {
            links_port: port,
            timeout_ms: 3000,
        };
        let env = Self::start_with(dir, pki, (None, port), reader, mode, true, route).await;
        env.wait_ready().await;
        (env, process)
    }

    async fn start_with(
        dir: tempfile::TempDir,
        pki: DevPki,
        (acquirer, acquirer_port): (Option<backend_acquirer::RunningAcquirer>, u16),
        reader: &str,
        mode: &str,
        insurer_up: bool,
        route: Route,
    ) -> CounterEnv {
        let keys = platform_keys();
        let s = backend_insurer::Settings {
            insurer_id: INSURER.into(),
            listen: "127.0.0.1:0".parse().unwrap(),
            database: dir.path().join("insurer.sqlite"),
            connections: backend_kit::ServeLimits::default(),
            bulk_processing_secs: 0,
            seed_toml: backend_insurer::demo::BUILTIN.into(),
            tls_certificate_pem: pki.server_cert_pem.clone().into_bytes(),
            tls_private_key_pem: pki.server_key_pem.clone().into_bytes(),
            terminal_ca_pem: pki.terminal_ca_pem.clone().into_bytes(),
            platforms: vec![keys.clone()],
            terminals: vec![backend_insurer::config::TerminalConfig {
                id: TERMINAL.into(),
                certificate_sha256: None,
            }],
        };
        let insurer = backend_insurer::start_in_process(s, Arc::new(backend_kit::SystemClock))
            .await
            .unwrap();
        let url = |port: u16| Some(format!("https://localhost:{port}"));
        let services = vec![
            ServiceConfig {
                id: INSURER.into(),
                kind: ServiceKind::Insurance,
                label: "関東健康保険組合".into(),
                url: url(insurer.addr().port()),
            },
            ServiceConfig {
                id: ACQUIRER.into(),
                kind: ServiceKind::Payment,
                label: "クレジットカード".into(),
                url: url(route.links_port),
            },
        ];
        let platform = start_platform(dir.path(), &pki, services, TERMINAL).await;
        // Port 9 (discard) on loopback refuses: the insurer is down for the counter (the
        // platform still reaches it to confirm links at enrollment).
        let insurer_port = if insurer_up { insurer.addr().port() } else { 9 };
        let counter = format!(
            r#"[counter]
mode = "{mode}"
reader = "{reader}"
export_dir = "exports"
medical_institution_code = "{INSTITUTION}"
shop_name = "みどりクリニック"
"#
        );
        let config_path = write_config(
            dir.path(),
            &pki,
            TERMINAL,
            MERCHANT,
            route.timeout_ms,
            [platform.addr().port(), insurer_port, acquirer_port],
            &counter,
        );
        CounterEnv {
            dir,
            _platform: platform,
            _insurer: insurer,
            _acquirer: acquirer,
            acquirer_port,
            pki,
            config_path,
        }
    }

    pub fn config(&self) -> Config {
        Config::load(&self.config_path).unwrap()
    }

    pub async fn counter(&self) -> Counter {
        Counter::start(
            &self.config(),
            Arc::new(counter_runtime::clock::SystemClock),
        )
        .await
        .unwrap()
    }

    /// Points the terminal's configuration at a route to the acquirer that is cut: a peer on
    /// loopback that accepts connections and never says a word, so every acquirer request of
    /// the terminal waits for its whole time-out, the way a hung acquirer or a dropped route
    /// behaves (the platform still reaches the real acquirer to confirm payment links).
    /// [`AcquirerRoute::restore`] brings the acquirer back.
    pub fn acquirer_silent(&self) -> AcquirerRoute {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let route = AcquirerRoute {
            up: Arc::new(AtomicBool::new(false)),
            held: Arc::default(),
        };
        let (up, held) = (route.up.clone(), route.held.clone());
        let acquirer = std::net::SocketAddr::from(([127, 0, 0, 1], self.acquirer_port));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if up.load(Ordering::SeqCst) {
                    relay(stream, acquirer);
                } else {
                    held.lock().unwrap().push(stream);
                }
            }
        });
        self.point_acquirer_at(port);
        route
    }

    fn point_acquirer_at(&self, port: u16) {
        let config = std::fs::read_to_string(&self.config_path).unwrap();
        let line = config
            .lines()
            .find(|l| l.starts_with("acquirer = "))
            .unwrap()
            .to_owned();
        let config = config.replace(&line, &format!("acquirer = \"https://localhost:{port}\""));
        std::fs::write(&self.config_path, config).unwrap();
    }

    pub fn exports(&self) -> PathBuf {
        self.dir.path().join("exports")
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("counter.sqlite")
    }
}

impl AcquirerAdmin for CounterEnv {
    fn acquirer_pki(&self) -> &DevPki {
        &self.pki
    }
    fn acquirer_port(&self) -> u16 {
        self.acquirer_port
    }
    fn acquirer_dir(&self) -> &std::path::Path {
        self.dir.path()
    }
    fn acquirer_terminal(&self) -> &str {
        TERMINAL
    }
}

/// The terminal's route to the acquirer, cut by [`CounterEnv::acquirer_silent`].
pub struct AcquirerRoute {
    up: Arc<AtomicBool>,
    held: Arc<Mutex<Vec<TcpStream>>>,
}

impl AcquirerRoute {
    /// The acquirer is back: the connections held silent are closed (the requests on them
    /// fail at once) and every new one is relayed to the acquirer.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
        self.held.lock().unwrap().clear();
    }
}

/// How the backends are reached: the port the platform confirms payment links at (the
/// acquirer's, or a [`LinkGate`]'s), and the terminal's time-out.
struct Route {
    links_port: u16,
    timeout_ms: u64,
}

/// The platform's route to the acquirer, held shut by [`CounterEnv::with_links_held`]: the
/// connections it opens are accepted and wait, unanswered, until [`LinkGate::open`] relays
/// them (and every later one).
pub struct LinkGate {
    port: u16,
    /// Whether it is open, and the connections waiting while it is not (one lock: none is
    /// left behind when it opens).
    state: Arc<Mutex<(bool, Vec<TcpStream>)>>,
    to: std::net::SocketAddr,
}

impl LinkGate {
    fn start(acquirer_port: u16) -> LinkGate {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let gate = LinkGate {
            port: listener.local_addr().unwrap().port(),
            state: Arc::default(),
            to: std::net::SocketAddr::from(([127, 0, 0, 1], acquirer_port)),
        };
        let (state, to) = (gate.state.clone(), gate.to);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut state = state.lock().unwrap();
                if state.0 {
                    relay(stream, to);
                } else {
                    state.1.push(stream);
                }
            }
        });
        gate
    }

    /// Relays the connections waiting, and every later one.
    pub fn open(&self) {
        let mut state = self.state.lock().unwrap();
        state.0 = true;
        for stream in state.1.drain(..) {
            relay(stream, self.to);
        }
    }
}

/// Relays `client` to `to` both ways (TLS passes through untouched) until either side
/// closes.
fn relay(client: TcpStream, to: std::net::SocketAddr) {
    let Ok(server) = TcpStream::connect(to) else {
        return;
    };
    let pipe = |mut from: TcpStream, mut into: TcpStream| {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut from, &mut into);
            let _ = into.shutdown(std::net::Shutdown::Write);
        });
    };
    pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
    pipe(server, client);
}

/// The links sato-hanako's enrollment asks for: her insurance (demo insured data) and the
/// payment token.
pub fn links() -> Vec<ServiceLink> {
    vec![
        ServiceLink::Insurance(InsuranceLink {
            service_id: INSURER.into(),
            insurer_number: "06139999".into(),
            symbol: Some("千代".into()),
            number: "10001".into(),
            branch: Some("01".into()),
        }),
        ServiceLink::Payment(PaymentLink {
            service_id: ACQUIRER.into(),
            card_token_ref: TOKEN.into(),
            brand: Some("VISA".into()),
            last4: Some("4242".into()),
        }),
    ]
}

/// Waits (20 s at most) until the screens satisfy `f`; fails with the last screens.
pub async fn until(
    rx: &mut watch::Receiver<Screens>,
    what: &str,
    f: impl Fn(&Screens) -> bool,
) -> Screens {
    until_within(rx, what, Duration::from_secs(20), f).await
}

/// Waits (`limit` at most) until the screens satisfy `f`; fails with the last screens.
pub async fn until_within(
    rx: &mut watch::Receiver<Screens>,
    what: &str,
    limit: Duration,
    f: impl Fn(&Screens) -> bool,
) -> Screens {
    let wait = async {
        loop {
            {
                let s = rx.borrow_and_update();
                if f(&s) {
                    return s.clone();
                }
            }
            rx.changed().await.unwrap();
        }
    };
    match tokio::time::timeout(limit, wait).await {
        Ok(s) => s,
        Err(_) => panic!(
            "timed out waiting for {what}; last screens: {}",
            serde_json::to_string_pretty(&*rx.borrow()).unwrap()
        ),
    }
}

/// The screens as JSON, for short assertions.
pub fn js(s: &Screens) -> serde_json::Value {
    serde_json::to_value(s).unwrap()
}

pub async fn staff(c: &Counter, a: StaffAction) {
    c.staff(a.clone())
        .await
        .unwrap_or_else(|e| panic!("staff {a:?} refused: {e}"));
}

pub async fn customer(c: &Counter, a: CustomerAction) {
    let name = format!("{a:?}");
    c.customer(a)
        .await
        .unwrap_or_else(|e| panic!("customer {name} refused: {e}"));
}
