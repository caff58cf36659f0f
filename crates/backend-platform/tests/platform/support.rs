//! Test environment: a terminal CA and server certificate made with rcgen in a temp dir,
//! CRLs from testkit, the real insurer (its demo register) and acquirer (a card token per
//! persona, `tok_<persona id>`, held by that persona) in-process, which confirm the links
//! enrollments ask for, the platform started in-process with their URLs, and clients per
//! terminal.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use backend_kit::ManualClock;
use backend_platform::config::{
    CrlFrom, Database, LinkClientSettings, PostgresSettings, ServiceConfig, TerminalConfig,
};
use backend_platform::{RunningPlatform, Settings};
use counter_api::acquirer::{CardTokenRegistration, Cardholder};
use counter_api::assertion::KeySet;
use counter_api::platform::{
    Application, ChallengeContext, ChallengePurpose, ChallengeRequest, ChallengeResponse,
    EnrollmentRequest, IdentificationRequest, InsuranceLink, PaymentLink, ServiceKind, ServiceLink,
    Sex, SignedApplication,
};
use jpki_cert::{Environment, JpkiCertificate, Purpose, TrustStore};
use reqwest::StatusCode;
use serde_json::Value;
use testkit::{CrlEntry, CrlSpec, Generation, Municipality, Persona, Pki, TestKey};

pub const INSURER: &str = "kenpo-kanto";
pub const ACQUIRER: &str = "acq-visa";
pub const T1: &str = "clinic-a-desk-1";
pub const T2: &str = "clinic-a-desk-2";

pub fn pki() -> &'static Pki {
    static P: OnceLock<Pki> = OnceLock::new();
    P.get_or_init(|| Pki::load().unwrap())
}

/// Every persona's municipality and root generation (testkit's persona table).
const MUNICIPALITIES: &[(&str, &str, Generation)] = &[
    ("Tokyo-to", "Chiyoda-ku", Generation::G3),
    ("Osaka-fu", "Osaka-shi-Kita-ku", Generation::G3),
    ("Fukuoka-ken", "Fukuoka-shi-Chuo-ku", Generation::G3),
    ("Aichi-ken", "Nagoya-shi-Naka-ku", Generation::G3),
    ("Hokkaido", "Sapporo-shi-Chuo-ku", Generation::G3),
    ("Miyagi-ken", "Sendai-shi-Aoba-ku", Generation::G2),
    ("Kanagawa-ken", "Kawasaki-shi-Nakahara-ku", Generation::G2),
];

pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn der_time(t: i64) -> der::DateTime {
    der::DateTime::from_unix_duration(std::time::Duration::from_secs(t as u64)).unwrap()
}

/// A fresh CRL of `municipality` valid from an hour ago for a day, revoking `serials`.
pub fn crl(
    purpose: testkit::Purpose,
    prefecture: &str,
    city: &str,
    g: Generation,
    serials: &[u32],
) -> Vec<u8> {
    crl_at(purpose, prefecture, city, g, serials, now_secs() - 3600)
}

/// [`crl`] with thisUpdate at `this_update` (Unix seconds; nextUpdate one day later).
pub fn crl_at(
    purpose: testkit::Purpose,
    prefecture: &str,
    city: &str,
    g: Generation,
    serials: &[u32],
    this_update: i64,
) -> Vec<u8> {
    let mut spec = CrlSpec::new(
        purpose,
        g,
        Municipality::new(prefecture, city),
        der_time(this_update),
    )
    .unwrap();
    for s in serials {
        spec.entries.push(CrlEntry {
            serial: *s,
            revocation_date: der_time(this_update + 1800),
            reason: Some(x509_cert::ext::pkix::CrlReason::AffiliationChanged),
        });
    }
    spec.build(pki()).unwrap()
}

pub fn write_crls(dir: &Path) {
    for purpose in testkit::Purpose::ALL {
        for (p, c, g) in MUNICIPALITIES {
            let name = format!("{}-{}-{}.crl", purpose.short(), p, c);
            std::fs::write(dir.join(name), crl(purpose, p, c, *g, &[])).unwrap();
        }
        std::fs::write(
            dir.join(format!("{}-committed.crl", purpose.short())),
            testkit::committed_crl(purpose).unwrap(),
        )
        .unwrap();
    }
}

fn store(purpose: Purpose) -> TrustStore {
    let tk = match purpose {
        Purpose::Auth => testkit::Purpose::Auth,
        Purpose::Sign => testkit::Purpose::Sign,
    };
    let roots = Generation::ALL.iter().map(|g| {
        (
            format!("test-{purpose}-{}", g.short()),
            pki().root(tk, *g).der().to_vec(),
        )
    });
    TrustStore::new(purpose, Environment::Test, roots).unwrap()
}

/// A CA made with rcgen: the servers' and terminals' CAs of a test, or a rogue one.
pub use backend_kit::devpki::DevCa as Ca;

/// The PostgreSQL server of the tests (`scripts/postgres.sh run` sets it), if any. Unset:
/// `None`, with a message saying what is skipped, unless `MADOGUCHI_PG_REQUIRED=1` (as under
/// `make test` and CI), which fails instead.
#[allow(clippy::panic)] // the benches include this file without the suite's allowances
pub fn pg_url(what: &str) -> Option<String> {
    match std::env::var("MADOGUCHI_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("MADOGUCHI_PG_REQUIRED").as_deref() == Ok("1") => panic!(
            "{what} needs PostgreSQL and MADOGUCHI_PG_REQUIRED=1, but MADOGUCHI_PG_URL is unset: run it under scripts/postgres.sh run"
        ),
        _ => {
            eprintln!(
                "SKIPPED on PostgreSQL: {what} (MADOGUCHI_PG_URL is unset; run under scripts/postgres.sh run, as make test does)"
            );
            None
        }
    }
}

/// A fresh schema on the tests' PostgreSQL server: one per platform (or pair of nodes).
pub fn pg_database(url: &str) -> Database {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    Database::Postgres(PostgresSettings {
        connection: url.to_owned(),
        password: None,
        schema: Some(format!("t_{}", hex::encode(b))),
        pool_size: 8,
    })
}

/// Runs the built `madoguchi-platform keygen` for `dir/assertion.pem` and
/// `dir/pseudonym.secret` (the signing key and pseudonym secret a configuration names), and
/// fails the test with its error when it does not succeed.
pub fn keygen_in(dir: &Path) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_madoguchi-platform"))
        .args(["keygen", "--key"])
        .arg(dir.join("assertion.pem"))
        .arg("--secret")
        .arg(dir.join("pseudonym.secret"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "keygen: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The storage the suite runs on: SQLite in `dir`, or PostgreSQL (a fresh schema) when
/// `MADOGUCHI_PLATFORM_STORAGE=postgres`, as `make test` runs the suite a second time.
#[allow(clippy::expect_used)] // as above
pub fn suite_database(dir: &Path) -> Database {
    match std::env::var("MADOGUCHI_PLATFORM_STORAGE").as_deref() {
        Ok("postgres") => {
            let url = std::env::var("MADOGUCHI_PG_URL").expect(
                "MADOGUCHI_PLATFORM_STORAGE=postgres needs MADOGUCHI_PG_URL: run under scripts/postgres.sh run",
            );
            pg_database(&url)
        }
        _ => Database::Sqlite(dir.join("platform.sqlite")),
    }
}

/// The first column of every row of `sql` (text) on the platform's storage `db`: the
/// SQLite file, or the PostgreSQL schema (the statements the tests use mean the same on
/// both).
pub fn platform_rows(db: &Database, sql: &str) -> Vec<String> {
    match db {
        Database::Sqlite(path) => {
            let c = rusqlite::Connection::open(path).unwrap();
            let mut st = c.prepare(sql).unwrap();
            st.query_map([], |r| r.get::<_, String>(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        }
        Database::Postgres(pg) => {
            let (conn, schema, sql) = (
                pg.connection.clone(),
                pg.schema.clone().unwrap(),
                sql.to_owned(),
            );
            // A thread of its own: the callers run on a current-thread runtime.
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    let (client, connection) =
                        tokio_postgres::connect(&conn, tokio_postgres::NoTls)
                            .await
                            .unwrap();
                    tokio::spawn(connection);
                    client
                        .batch_execute(&format!("SET search_path = {schema}"))
                        .await
                        .unwrap();
                    client
                        .query(&sql, &[])
                        .await
                        .unwrap()
                        .iter()
                        .map(|r| r.get::<_, String>(0))
                        .collect()
                })
            })
            .join()
            .unwrap()
        }
    }
}

pub struct Env {
    pub dir: tempfile::TempDir,
    /// The settings the platform started with.
    pub settings: Settings,
    pub running: RunningPlatform,
    /// `None` once stopped ([`Env::stop_insurer`]).
    pub insurer: Option<backend_insurer::RunningInsurer>,
    pub acquirer: backend_acquirer::RunningAcquirer,
    pub clock: ManualClock,
    pub base: String,
    pub terminal_ca: Ca,
    pub server_ca: Ca,
}

pub struct EnvOptions {
    pub platform_id: &'static str,
    pub signing_seed: u8,
    pub peers: Vec<KeySet>,
    pub extra_services: Vec<ServiceConfig>,
    pub challenge_ttl_secs: i64,
    pub challenges_per_terminal: usize,
    pub connections: backend_kit::ServeLimits,
    /// The storage (`None`: [`suite_database`]).
    pub database: Option<Database>,
    /// How often the node polls the generation numbers.
    pub poll_interval: std::time::Duration,
    /// Terminals beside [`T1`] and [`T2`] in the node's configuration.
    pub extra_terminals: Vec<TerminalConfig>,
}

impl Default for EnvOptions {
    fn default() -> Self {
        EnvOptions {
            platform_id: "pf-tokyo",
            signing_seed: 7,
            peers: vec![],
            extra_services: vec![],
            challenge_ttl_secs: 60,
            challenges_per_terminal: backend_platform::core::challenges::DEFAULT_PER_TERMINAL,
            connections: backend_kit::ServeLimits::default(),
            database: None,
            poll_interval: std::time::Duration::from_secs(
                backend_platform::config::DEFAULT_POLL_SECONDS,
            ),
            extra_terminals: vec![],
        }
    }
}

impl Env {
    pub async fn start() -> Env {
        Env::start_with(EnvOptions::default()).await
    }

    pub async fn start_with(o: EnvOptions) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let crl_dir = dir.path().join("crl");
        std::fs::create_dir(&crl_dir).unwrap();
        write_crls(&crl_dir);
        let server_ca = Ca::new("Madoguchi test server CA").unwrap();
        let terminal_ca = Ca::new("Madoguchi test terminal CA").unwrap();
        let (cert, key) = server_ca.issue("localhost", &["localhost"]).unwrap();
        let signer = backend_platform::signing::signer(
            &format!("{}-k1", o.platform_id),
            &p256::ecdsa::SigningKey::from_slice(&[o.signing_seed; 32]).unwrap(),
        )
        .unwrap();
        let keys = KeySet::of(o.platform_id, &signer);
        let insurer = start_insurer(dir.path(), &server_ca, &terminal_ca, keys.clone()).await;
        let acquirer = start_acquirer(dir.path(), &server_ca, &terminal_ca, keys).await;
        let url = |port: u16| Some(format!("https://localhost:{port}"));
        let (insurer_url, acquirer_url) = (url(insurer.addr().port()), url(acquirer.addr().port()));
        let (client_cert, client_key) = terminal_ca.issue(o.platform_id, &[]).unwrap();
        let settings = Settings {
            platform_id: o.platform_id.into(),
            listen: "127.0.0.1:0".parse().unwrap(),
            database: o.database.unwrap_or_else(|| suite_database(dir.path())),
            poll_interval: o.poll_interval,
            challenge_ttl_secs: o.challenge_ttl_secs,
            assertion_ttl_secs: 120,
            challenges_per_terminal: o.challenges_per_terminal,
            connections: o.connections,
            tls_certificate_pem: cert.into_bytes(),
            tls_private_key_pem: key.into_bytes(),
            terminal_ca_pem: terminal_ca.pem.clone().into_bytes(),
            auth_store: store(Purpose::Auth),
            sign_store: store(Purpose::Sign),
            crl_from: CrlFrom::Folder,
            crl_dir,
            crl_reload_secs: 0,
            crl_warn_secs: 6 * 3600,
            signer,
            pseudonym_secret: vec![o.signing_seed.wrapping_add(1); 32],
            services: vec![
                ServiceConfig {
                    id: INSURER.into(),
                    kind: ServiceKind::Insurance,
                    label: "関東健康保険組合".into(),
                    url: insurer_url.clone(),
                },
                ServiceConfig {
                    id: ACQUIRER.into(),
                    kind: ServiceKind::Payment,
                    label: "クレジットカード".into(),
                    url: acquirer_url.clone(),
                },
            ]
            .into_iter()
            .chain(o.extra_services.into_iter().map(|mut s| {
                // Extra services of these kinds are confirmed by the same servers.
                s.url = match s.kind {
                    ServiceKind::Insurance => insurer_url.clone(),
                    ServiceKind::Payment => acquirer_url.clone(),
                    _ => None,
                };
                s
            }))
            .collect(),
            terminals: vec![
                TerminalConfig {
                    id: T1.into(),
                    admin: true,
                    certificate_sha256: None,
                },
                TerminalConfig {
                    id: T2.into(),
                    admin: false,
                    certificate_sha256: None,
                },
            ]
            .into_iter()
            .chain(o.extra_terminals)
            .collect(),
            federation_peers: o.peers,
            links: Some(LinkClientSettings {
                certificate_pem: client_cert.into_bytes(),
                private_key_pem: client_key.into_bytes(),
                service_ca_pem: server_ca.pem.clone().into_bytes(),
                timeout_ms: 5000,
            }),
        };
        let clock = ManualClock::new();
        let running = backend_platform::start_in_process(settings.clone(), Arc::new(clock.clone()))
            .await
            .unwrap();
        let base = format!("https://localhost:{}", running.addr().port());
        Env {
            dir,
            settings,
            running,
            insurer: Some(insurer),
            acquirer,
            clock,
            base,
            terminal_ca,
            server_ca,
        }
    }

    /// Stops the servers (the platform's audit flushed).
    pub async fn shutdown(self) {
        self.running.shutdown().await;
        if let Some(i) = self.insurer {
            i.shutdown().await;
        }
        self.acquirer.shutdown().await;
    }

    /// Stops the insurer: the platform can no longer reach it.
    pub async fn stop_insurer(&mut self) {
        if let Some(i) = self.insurer.take() {
            i.shutdown().await;
        }
    }

    /// A client with `terminal`'s certificate (None: no client certificate).
    pub fn client(&self, terminal: Option<&str>) -> reqwest::Client {
        let identity = terminal.map(|t| self.terminal_ca.issue(t, &[]).unwrap());
        client_with(&self.server_ca, identity)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// [`platform_rows`] of this platform's storage (its audit flushed first).
    pub fn platform_rows(&self, sql: &str) -> Vec<String> {
        self.running.platform().audit.flush();
        platform_rows(&self.settings.database, sql)
    }
}

/// Settings of a platform offering no service (so it confirms no links), its database in
/// `dir` and its CRLs in `crl_dir`, with fresh TLS material: for tests of starting up.
pub fn minimal_settings(dir: &Path, crl_dir: std::path::PathBuf) -> Settings {
    let server_ca = Ca::new("Madoguchi test server CA").unwrap();
    let terminal_ca = Ca::new("Madoguchi test terminal CA").unwrap();
    let (cert, key) = server_ca.issue("localhost", &["localhost"]).unwrap();
    let signer = backend_platform::signing::signer(
        "pf-min-k1",
        &p256::ecdsa::SigningKey::from_slice(&[9; 32]).unwrap(),
    )
    .unwrap();
    Settings {
        platform_id: "pf-min".into(),
        listen: "127.0.0.1:0".parse().unwrap(),
        database: Database::Sqlite(dir.join("platform.sqlite")),
        poll_interval: std::time::Duration::from_secs(
            backend_platform::config::DEFAULT_POLL_SECONDS,
        ),
        challenge_ttl_secs: 60,
        assertion_ttl_secs: 120,
        challenges_per_terminal: backend_platform::core::challenges::DEFAULT_PER_TERMINAL,
        connections: backend_kit::ServeLimits::default(),
        tls_certificate_pem: cert.into_bytes(),
        tls_private_key_pem: key.into_bytes(),
        terminal_ca_pem: terminal_ca.pem.into_bytes(),
        auth_store: store(Purpose::Auth),
        sign_store: store(Purpose::Sign),
        crl_from: CrlFrom::Folder,
        crl_dir,
        crl_reload_secs: 0,
        crl_warn_secs: 6 * 3600,
        signer,
        pseudonym_secret: vec![10; 32],
        services: vec![],
        terminals: vec![TerminalConfig {
            id: T1.into(),
            admin: true,
            certificate_sha256: None,
        }],
        federation_peers: vec![],
        links: None,
    }
}

/// The insurer of the demo register, trusting the platform's `keys` and its calls.
async fn start_insurer(
    dir: &Path,
    server_ca: &Ca,
    terminal_ca: &Ca,
    keys: KeySet,
) -> backend_insurer::RunningInsurer {
    let (cert, key) = server_ca.issue("localhost", &["localhost"]).unwrap();
    let settings = backend_insurer::Settings {
        insurer_id: INSURER.into(),
        listen: "127.0.0.1:0".parse().unwrap(),
        database: dir.join("insurer.sqlite"),
        connections: backend_kit::ServeLimits::default(),
        bulk_processing_secs: 0,
        seed_toml: backend_insurer::demo::BUILTIN.into(),
        tls_certificate_pem: cert.into_bytes(),
        tls_private_key_pem: key.into_bytes(),
        terminal_ca_pem: terminal_ca.pem.clone().into_bytes(),
        platforms: vec![keys],
        terminals: vec![],
    };
    backend_insurer::start_in_process(settings, Arc::new(backend_kit::SystemClock))
        .await
        .unwrap()
}

/// The acquirer holding one card token per persona (`tok_<id>`, that persona's), trusting
/// the platform's `keys` and its calls.
async fn start_acquirer(
    dir: &Path,
    server_ca: &Ca,
    terminal_ca: &Ca,
    keys: KeySet,
) -> backend_acquirer::RunningAcquirer {
    let (cert, key) = server_ca.issue("localhost", &["localhost"]).unwrap();
    start_acquirer_with(dir, &cert, &key, &terminal_ca.pem, keys).await
}

/// [`start_acquirer`] with its TLS material given (server certificate and key, the CA of
/// its clients).
pub async fn start_acquirer_with(
    dir: &Path,
    cert: &str,
    key: &str,
    client_ca: &str,
    keys: KeySet,
) -> backend_acquirer::RunningAcquirer {
    // sato-hanako holds a second card, to link instead of her first.
    let card_tokens = testkit::personas::PERSONA_IDS
        .iter()
        .map(|id| (*id, format!("tok_{id}")))
        .chain([("sato-hanako", "tok_sato-hanako-2".to_owned())])
        .map(|(id, card_token_ref)| {
            let p = testkit::load_persona(id).unwrap();
            CardTokenRegistration {
                card_token_ref,
                brand: "VISA".into(),
                last4: "4242".into(),
                limit_jpy: None,
                blocked: false,
                holder: Cardholder {
                    sex: Some(sex_of(&p)),
                    name: p.name,
                    birth_date: p.birth_date,
                    address: Some(p.address),
                },
            }
        })
        .collect();
    let settings = backend_acquirer::Settings {
        acquirer_id: ACQUIRER.into(),
        listen: "127.0.0.1:0".parse().unwrap(),
        database: dir.join("acquirer.sqlite"),
        connections: backend_kit::ServeLimits::default(),
        tls_certificate_pem: cert.as_bytes().to_vec(),
        tls_private_key_pem: key.as_bytes().to_vec(),
        terminal_ca_pem: client_ca.as_bytes().to_vec(),
        trusted_platforms: vec![keys],
        terminals: vec![],
        card_tokens,
        faults: Default::default(),
    };
    backend_acquirer::start_in_process(settings, Arc::new(backend_kit::SystemClock))
        .await
        .unwrap()
}

pub fn sex_of(p: &Persona) -> Sex {
    match p.sex {
        testkit::Sex::Male => Sex::Male,
        testkit::Sex::Female => Sex::Female,
        _ => Sex::NotKnown,
    }
}

/// A client trusting `server_ca`, presenting `identity` (cert PEM, key PEM) if any.
pub fn client_with(server_ca: &Ca, identity: Option<(String, String)>) -> reqwest::Client {
    client_for(server_ca.der.clone(), identity)
}

/// A client trusting the CA certificate `der`, presenting `identity`.
pub fn client_with_identity(der: Vec<u8>, identity: (String, String)) -> reqwest::Client {
    client_for(der, Some(identity))
}

/// A client trusting the CA certificate `der`, without a client certificate.
pub fn client_with_ca_der(der: Vec<u8>) -> reqwest::Client {
    client_for(der, None)
}

fn client_for(ca_der: Vec<u8>, identity: Option<(String, String)>) -> reqwest::Client {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(ca_der)).unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match identity {
        Some((cert, key)) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()],
                PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .build()
        .unwrap()
}

/// POSTs JSON; returns status, content type and body.
pub async fn post(
    c: &reqwest::Client,
    url: &str,
    body: &impl serde::Serialize,
) -> (StatusCode, String, Value) {
    let r = c.post(url).json(body).send().await.unwrap();
    read(r).await
}

pub async fn read(r: reqwest::Response) -> (StatusCode, String, Value) {
    let status = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = r.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, ct, v)
}

/// Asserts a problem document with `code` and `status`; returns it.
pub fn assert_problem(got: &(StatusCode, String, Value), status: u16, code: &str) -> Value {
    let (s, ct, v) = got;
    assert_eq!(
        (s.as_u16(), v["code"].as_str().unwrap_or("")),
        (status, code),
        "{v}"
    );
    assert_eq!(ct, "application/problem+json", "{v}");
    assert_eq!(v["status"], status);
    assert_eq!(v["type"], format!("urn:madoguchi:problem:{code}"));
    v.clone()
}

pub async fn challenge(
    env: &Env,
    c: &reqwest::Client,
    purpose: ChallengePurpose,
    context: Option<ChallengeContext>,
) -> ChallengeResponse {
    let (s, _, v) = post(
        c,
        &env.url("/v1/challenges"),
        &ChallengeRequest { purpose, context },
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let r: ChallengeResponse = serde_json::from_value(v).unwrap();
    r.binding().unwrap();
    r
}

/// A persona's card, signing with its committed keys (the same PKCS#1 v1.5 signatures the
/// virtual card computes).
pub struct Card {
    pub persona: Persona,
}

impl Card {
    pub fn load(id: &str) -> Card {
        Card {
            persona: testkit::load_persona(id).unwrap(),
        }
    }
    pub fn auth_der(&self) -> Vec<u8> {
        JpkiCertificate::from_pem_or_der(self.persona.pem.auth_certificate.as_bytes())
            .unwrap()
            .der()
            .to_vec()
    }
    pub fn sign_der(&self) -> Vec<u8> {
        let pem = self.persona.pem.sign_certificate.as_ref().unwrap();
        JpkiCertificate::from_pem_or_der(pem.as_bytes())
            .unwrap()
            .der()
            .to_vec()
    }
    pub fn auth_serial(&self) -> u32 {
        let c = JpkiCertificate::from_der(&self.auth_der()).unwrap();
        c.serial()
            .iter()
            .fold(0u32, |a, b| (a << 8) | u32::from(*b))
    }
    pub fn sign_serial(&self) -> u32 {
        let c = JpkiCertificate::from_der(&self.sign_der()).unwrap();
        c.serial()
            .iter()
            .fold(0u32, |a, b| (a << 8) | u32::from(*b))
    }
    pub fn auth_sign(&self, msg: &[u8]) -> Vec<u8> {
        TestKey::from_pkcs8_pem("auth", &self.persona.pem.auth_private_key)
            .unwrap()
            .sign(msg)
            .unwrap()
    }
    pub fn sign_sign(&self, msg: &[u8]) -> Vec<u8> {
        let pem = self.persona.pem.sign_private_key.as_ref().unwrap();
        TestKey::from_pkcs8_pem("sign", pem)
            .unwrap()
            .sign(msg)
            .unwrap()
    }
    /// The identification answer to `ch`.
    pub fn answer(&self, ch: &ChallengeResponse) -> IdentificationRequest {
        let tbs = counter_api::b64::decode("tbs", &ch.to_be_signed).unwrap();
        IdentificationRequest {
            challenge_id: ch.challenge_id.clone(),
            auth_certificate: counter_api::b64::encode(&self.auth_der()),
            signature: counter_api::b64::encode(&self.auth_sign(&tbs)),
        }
    }
    /// The application as the persona's data were entered, linking the persona's own
    /// insurance (the insurer's demo register; sato-hanako's numbers for a persona the
    /// register does not hold here) and the persona's card token at the acquirer.
    pub fn application(&self, challenge_id: &str) -> Application {
        let p = &self.persona;
        let (symbol, number, branch) = match p.id.as_str() {
            "suzuki-ichiro" => ("大阪", "10002", "01"),
            _ => ("千代", "10001", "01"),
        };
        Application {
            challenge_id: challenge_id.into(),
            name: p.name.clone(),
            address: p.address.clone(),
            birth_date: p.birth_date.clone(),
            sex: sex_of(p),
            disclosure_consent: true,
            services: vec![
                ServiceLink::Insurance(InsuranceLink {
                    service_id: INSURER.into(),
                    insurer_number: "06139999".into(),
                    symbol: Some(symbol.into()),
                    number: number.into(),
                    branch: Some(branch.into()),
                }),
                ServiceLink::Payment(PaymentLink {
                    service_id: ACQUIRER.into(),
                    card_token_ref: format!("tok_{}", p.id),
                    brand: Some("VISA".into()),
                    last4: Some("4242".into()),
                }),
            ],
        }
    }
    /// A signed enrollment answering `ch` with `app`.
    pub fn enrollment(&self, ch: &ChallengeResponse, app: Application) -> EnrollmentRequest {
        let signed = self.signed(app);
        EnrollmentRequest {
            application: signed.application,
            sign_certificate: signed.sign_certificate,
            application_signature: signed.application_signature,
            identification: self.answer(ch),
        }
    }
    /// `app` signed with the signature certificate.
    pub fn signed(&self, app: Application) -> SignedApplication {
        let sig = self.sign_sign(&app.canonical_bytes());
        SignedApplication {
            application: app,
            sign_certificate: counter_api::b64::encode(&self.sign_der()),
            application_signature: counter_api::b64::encode(&sig),
        }
    }
}

/// Enrolls `card` from `terminal`; returns the response.
pub async fn enroll(env: &Env, c: &reqwest::Client, card: &Card) -> (StatusCode, String, Value) {
    let ch = challenge(env, c, ChallengePurpose::Enroll, None).await;
    let req = card.enrollment(&ch, card.application(&ch.challenge_id));
    post(c, &env.url("/v1/enrollments"), &req).await
}

impl Env {
    /// The server's clock now.
    pub fn clock_now(&self) -> madoguchi_time::UnixTime {
        use backend_kit::Clock;
        self.clock.now()
    }
}
