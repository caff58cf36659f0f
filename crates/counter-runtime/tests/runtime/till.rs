//! A till without card or platform, for the payment tests that need the acquirer's
//! process or its key rules: the acquirer is configured by a TOML file (as `serve --config`
//! reads it) and runs either in this process ([`Rig::start_in_process`]) or in a process
//! of its own that the test kills with SIGKILL ([`AcquirerProcess`]); the terminal's
//! [`Payments`] sells with payment assertions minted for a subject the acquirer's token is
//! linked to (as `faults.rs` does), over mutual TLS on loopback, journaling to SQLite.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backend_kit::devpki::DevPki;
use counter_api::acquirer::FaultPlan;
use counter_api::assertion::{AssertionClaims, AssertionContext, AssertionSigner};
use counter_api::platform::{ChallengePurpose, ServiceData};
use counter_runtime::RuntimeError;
use counter_runtime::clock::{Clock, SystemClock};
use counter_runtime::payments::{Payments, RetryPolicy, SaleReport};
use counter_store::Store;

use crate::support::*;

/// An administration terminal of the acquirer (sets its faults).
pub const ADMIN: &str = "admin-1";
/// The subject the till's assertions are minted for.
pub const SUB: &str = "sub-till";
/// A second card token of the same holder, for a persona enrolled through the platform
/// beside the till's minted subject (the soak bench's headless sales).
pub const PERSONA_TOKEN: &str = "tok_visa_0077";
/// The variable naming the configuration the acquirer's process serves.
const CHILD_ENV: &str = "MADOGUCHI_TEST_ACQUIRER_CONFIG";

/// Files of one test: the acquirer's configuration and database, the terminal's.
pub struct Rig {
    pub dir: tempfile::TempDir,
    pub pki: DevPki,
    pub acquirer_port: u16,
    pub acquirer_config: PathBuf,
    pub terminal_config: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Writes an acquirer's files into `d`: its TLS material from `pki`, the platform's keys,
/// and its configuration (listening on loopback `port`, claims leased for `lease_secs`,
/// `terminal` at `merchant` and [`ADMIN`], the test tokens of 佐藤 花子). Returns the
/// configuration's path.
pub fn write_acquirer_config(
    d: &Path,
    pki: &DevPki,
    port: u16,
    lease_secs: i64,
    terminal: &str,
    merchant: &str,
) -> PathBuf {
    std::fs::write(d.join("acq-server.pem"), &pki.server_cert_pem).unwrap();
    std::fs::write(d.join("acq-server.key"), &pki.server_key_pem).unwrap();
    std::fs::write(d.join("acq-terminal-ca.pem"), &pki.terminal_ca_pem).unwrap();
    std::fs::write(
        d.join("pf-keys.json"),
        serde_json::to_vec(&platform_keys()).unwrap(),
    )
    .unwrap();
    let acquirer_config = d.join("acquirer.toml");
    std::fs::write(
        &acquirer_config,
        format!(
            r#"acquirer_id = "{ACQUIRER}"
listen = "127.0.0.1:{port}"
database = "acquirer.sqlite"

[idempotency]
claim_lease_secs = {lease_secs}

[tls]
certificate = "acq-server.pem"
private_key = "acq-server.key"
terminal_ca = "acq-terminal-ca.pem"

[[trusted_platforms]]
issuer = "{PLATFORM}"
keys = "pf-keys.json"

[[terminals]]
id = "{terminal}"
merchant_id = "{merchant}"

[[terminals]]
id = "{ADMIN}"
merchant_id = "{merchant}"
admin = true

[[card_tokens]]
card_token_ref = "{TOKEN}"
brand = "VISA"
last4 = "4242"
[card_tokens.holder]
name = "佐藤　花子"
birth_date = "1985-04-12"
address = "東京都千代田区丸の内九丁目９番９９号"
sex = "female"

[[card_tokens]]
card_token_ref = "{PERSONA_TOKEN}"
brand = "VISA"
last4 = "0077"
[card_tokens.holder]
name = "佐藤　花子"
birth_date = "1985-04-12"
address = "東京都千代田区丸の内九丁目９番９９号"
sex = "female"
"#
        ),
    )
    .unwrap();
    acquirer_config
}

/// What a test does with a running acquirer of [`write_acquirer_config`]'s files, wherever
/// it runs: call it as a terminal, an administrator or the platform, wait until it
/// answers, set its faults, watch its claims, read its database.
pub trait AcquirerAdmin {
    /// The TLS material its files were written from.
    fn acquirer_pki(&self) -> &DevPki;
    /// Its port on loopback.
    fn acquirer_port(&self) -> u16;
    /// The folder of its files (and of its database).
    fn acquirer_dir(&self) -> &Path;
    /// The sales terminal its configuration names.
    fn acquirer_terminal(&self) -> &str;

    /// Its SQLite file.
    fn acquirer_db(&self) -> PathBuf {
        self.acquirer_dir().join("acquirer.sqlite")
    }

    /// A client of the acquirer with `cn`'s certificate.
    fn client(&self, cn: &str) -> reqwest::Client {
        let (cert, key) = self.acquirer_pki().terminal_identity(cn).unwrap();
        let tls = counter_runtime::tls::client_config(
            self.acquirer_pki().server_ca_pem.as_bytes(),
            cert.as_bytes(),
            key.as_bytes(),
        )
        .unwrap();
        reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .build()
            .unwrap()
    }

    fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.acquirer_port())
    }

    /// Waits until the acquirer answers (a status query of an unknown key: 404).
    async fn wait_ready(&self) {
        let c = self.client(self.acquirer_terminal());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let probe = c
                .get(self.url("/v1/payments/by-idempotency-key/ready-probe"))
                .send()
                .await;
            if probe.is_ok_and(|r| r.status() == 404) {
                return;
            }
            assert!(Instant::now() < deadline, "the acquirer never answered");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sets the acquirer's fault plan through its administration endpoint.
    async fn set_faults(&self, plan: FaultPlan) {
        let r = self
            .client(ADMIN)
            .put(self.url("/v1/admin/faults"))
            .json(&plan)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }

    /// Waits (at most 10 s) until the acquirer holds a claim on a key `LIKE pattern`: the
    /// request is inside the acquirer, before its work commits.
    async fn wait_for_claim(&self, pattern: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if count(
                &self.acquirer_db(),
                &format!(
                    "SELECT COUNT(*) FROM idempotency WHERE state = 'in_progress' \
                     AND idempotency_key LIKE '{pattern}'"
                ),
            ) > 0
            {
                return;
            }
            assert!(Instant::now() < deadline, "no claim on {pattern} appeared");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl AcquirerAdmin for Rig {
    fn acquirer_pki(&self) -> &DevPki {
        &self.pki
    }
    fn acquirer_port(&self) -> u16 {
        self.acquirer_port
    }
    fn acquirer_dir(&self) -> &Path {
        self.dir.path()
    }
    fn acquirer_terminal(&self) -> &str {
        TERMINAL
    }
}

impl Rig {
    /// Writes the acquirer's configuration (the test token, [`TERMINAL`] at [`MERCHANT`],
    /// [`ADMIN`], claims leased for `lease_secs`) and the terminal's (requests time out
    /// after `timeout_ms`; the platform and the insurer are closed ports: payments need
    /// neither).
    pub fn new(lease_secs: i64, timeout_ms: u64) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let pki = DevPki::generate(&["localhost"]).unwrap();
        let d = dir.path();
        let acquirer_port = free_port();
        let acquirer_config =
            write_acquirer_config(d, &pki, acquirer_port, lease_secs, TERMINAL, MERCHANT);
        let terminal_config = write_config(
            d,
            &pki,
            TERMINAL,
            MERCHANT,
            timeout_ms,
            [9, 9, acquirer_port],
            "",
        );
        Rig {
            dir,
            pki,
            acquirer_port,
            acquirer_config,
            terminal_config,
        }
    }

    pub fn terminal_db(&self) -> PathBuf {
        self.dir.path().join("counter.sqlite")
    }

    /// The acquirer of this rig in this process, on its configured port, with its file's
    /// key rules.
    pub async fn start_in_process(&self) -> backend_acquirer::RunningAcquirer {
        let (settings, rules) = backend_acquirer::config::load(&self.acquirer_config).unwrap();
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.acquirer_port))
            .await
            .unwrap();
        backend_acquirer::start_with(
            settings,
            rules,
            Arc::new(backend_kit::SystemClock),
            listener,
        )
        .await
        .unwrap()
    }

    /// Links the card token to [`SUB`], as the platform does at enrollment.
    pub async fn link_token(&self) {
        let request = counter_api::links::LinkRequest {
            enrollment_id: "enr_till".into(),
            sub: SUB.into(),
            link: ServiceData::Payment {
                card_token_ref: TOKEN.into(),
            },
            holder: counter_api::attributes::CertifiedAttributes {
                name: "佐藤　花子".into(),
                name_substituted: vec![],
                address: "東京都千代田区丸の内九丁目９番９９号".into(),
                address_substituted: vec![],
                birth_date: "1985-04-12".into(),
                sex: counter_api::platform::Sex::Female,
            },
            consented_at: SystemClock.now(),
        };
        let answer: serde_json::Value = self
            .client(PLATFORM)
            .post(self.url("/v1/links"))
            .json(&request)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["outcome"], "confirmed", "{answer}");
    }

    /// The terminal's payment shell on its own store (a fresh process would open the same
    /// file), with `policy`.
    pub fn till(&self, policy: RetryPolicy) -> Till {
        let store = Arc::new(Mutex::new(Store::open(self.terminal_db()).unwrap()));
        let config = counter_runtime::config::Config::load(&self.terminal_config).unwrap();
        let payments = Payments::new(
            store.clone(),
            config.backends().unwrap(),
            Arc::new(SystemClock),
            TERMINAL,
            MERCHANT,
        )
        .with_policy(policy);
        Till {
            payments,
            store,
            signer: backend_platform::test_support::assertion_signer(PLATFORM).unwrap(),
        }
    }
}

/// `SELECT COUNT(*) …` in the SQLite file `db`.
pub fn count(db: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// The terminal's journal in `store` equals the acquirer's database `acquirer_db` for
/// every sale: the state of each (captured with the captured and refunded amounts,
/// voided, reversed or nothing charged, declined), no order charged twice; and nothing
/// unfinished. Returns the sales.
pub fn assert_journal_is_the_acquirers(
    store: &Store,
    acquirer_db: &Path,
) -> Vec<counter_core::payment::PaymentRecord> {
    assert!(
        store.unfinished_payments().unwrap().is_empty(),
        "left unfinished"
    );
    assert!(
        store.refunds_in_doubt().unwrap().is_empty(),
        "refund in doubt"
    );
    let sales = store
        .search_payments(&counter_store::PaymentQuery {
            limit: 100_000,
            ..counter_store::PaymentQuery::default()
        })
        .unwrap();
    let c = rusqlite::Connection::open(acquirer_db).unwrap();
    for sale in &sales {
        let theirs: Vec<(String, i64, i64)> = c
            .prepare("SELECT status, captured_jpy, refunded_jpy FROM payments WHERE order_ref = ?1")
            .unwrap()
            .query_map([&sale.order_ref], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(
            theirs.len() <= 1,
            "{}: charged twice: {theirs:?}",
            sale.order_ref
        );
        let ours = (sale.captured_jpy as i64, sale.refunded_jpy as i64);
        use counter_core::payment::PaymentState as S;
        match (sale.state, theirs.first()) {
            (S::Captured, Some((status, captured, refunded))) => {
                assert!(
                    matches!(
                        status.as_str(),
                        "captured" | "partially_refunded" | "refunded"
                    ),
                    "{}: journal captured, acquirer {status}",
                    sale.order_ref
                );
                assert_eq!(ours, (*captured, *refunded), "{}", sale.order_ref);
            }
            (S::Voided, Some((status, ..))) => {
                assert_eq!(status, "voided", "{}", sale.order_ref)
            }
            (S::Reversed, None) => {}
            (S::Reversed, Some((status, ..))) => {
                assert_eq!(status, "reversed", "{}", sale.order_ref)
            }
            (S::Declined, None) => {}
            (S::Declined, Some((status, ..))) => {
                assert_eq!(status, "declined", "{}", sale.order_ref)
            }
            (state, theirs) => {
                panic!("{}: journal {state:?}, acquirer {theirs:?}", sale.order_ref)
            }
        }
    }
    sales
}

/// The terminal's payment shell with a minting platform beside it.
pub struct Till {
    pub payments: Payments,
    pub store: Arc<Mutex<Store>>,
    signer: AssertionSigner,
}

impl Till {
    /// A payment assertion of [`SUB`] for `amount` at this terminal.
    pub fn assertion(&self, amount: u64) -> String {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let now = SystemClock.now();
        let claims = AssertionClaims {
            iss: PLATFORM.into(),
            aud: ACQUIRER.into(),
            sub: SUB.into(),
            jti: format!("jti-till-{}-{n}", std::process::id()),
            iat: now,
            exp: now.plus_secs(120),
            ctx: AssertionContext {
                purpose: ChallengePurpose::Payment,
                terminal_id: TERMINAL.into(),
                challenge_id: format!("chl_till_{n}"),
                merchant_id: Some(MERCHANT.into()),
                amount_jpy: Some(amount),
                federated_from: None,
            },
            svc: ServiceData::Payment {
                card_token_ref: TOKEN.into(),
            },
        };
        self.signer.sign(&claims).unwrap()
    }

    /// Sells `amount` with order reference `order`.
    pub async fn sell(&self, amount: u64, order: &str) -> Result<SaleReport, RuntimeError> {
        self.payments
            .sell(amount, Some(order.to_owned()), self.assertion(amount))
            .await
    }

    /// [`assert_journal_is_the_acquirers`] on this till's journal.
    pub fn assert_journal_is_the_acquirers(
        &self,
        acquirer_db: &Path,
    ) -> Vec<counter_core::payment::PaymentRecord> {
        assert_journal_is_the_acquirers(&self.store.lock().unwrap(), acquirer_db)
    }

    /// The daily close of today matches the acquirer.
    pub async fn assert_close_matches(&self) {
        let date = madoguchi_time::jst::business_date(SystemClock.now());
        let close = self.payments.close_day(&date).await.unwrap();
        assert_eq!(close.code, counter_core::Code::CloseMatched, "{close:?}");
    }
}

/// The acquirer in a process of its own (this test binary, running [`acquirer_process`]:
/// `backend_acquirer::server::serve_file`, what `madoguchi-acquirer serve --config` runs),
/// so that it can be killed with SIGKILL in the middle of a request.
pub struct AcquirerProcess {
    child: Child,
}

impl AcquirerProcess {
    pub fn spawn(config: &Path) -> AcquirerProcess {
        let child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "till::acquirer_process",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        AcquirerProcess { child }
    }

    /// SIGKILL: no destructor, no flush, no transaction rolled back by the process itself.
    pub fn kill(mut self) {
        use std::os::unix::process::ExitStatusExt;
        self.child.kill().unwrap();
        let status = self.child.wait().unwrap();
        assert_eq!(status.signal(), Some(9), "{status:?}");
    }
}

impl Drop for AcquirerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Not a test: the acquirer's process of [`AcquirerProcess`], serving the configuration
/// named by `MADOGUCHI_TEST_ACQUIRER_CONFIG` until it is killed.
#[test]
#[ignore = "the acquirer process the kill tests start; it serves until killed"]
fn acquirer_process() {
    let config = std::env::var_os(CHILD_ENV).unwrap_or_else(|| {
        panic!("{CHILD_ENV} is not set: this is the acquirer process of the kill tests, not a test")
    });
    backend_acquirer::server::serve_file(Path::new(&config)).unwrap();
}
