//! Test environment: a terminal CA and server certificate made with rcgen, a platform
//! signing key, the insurer started in-process, clients per terminal and the platform's
//! client (a certificate of the terminal CA whose CN is the platform id), and the link
//! step every eligibility check now needs (`POST /v1/links` as the platform).

use std::sync::Arc;

use backend_insurer::config::TerminalConfig;
use backend_insurer::{RunningInsurer, Settings};
use backend_kit::{Clock, ManualClock};
use counter_api::assertion::{AssertionClaims, AssertionContext, AssertionSigner, KeySet};
use counter_api::attributes::CertifiedAttributes;
use counter_api::links::LinkRequest;
use counter_api::platform::{ChallengePurpose, ServiceData, Sex};
use madoguchi_time::UnixTime;
use reqwest::StatusCode;
use serde_json::Value;

pub const INSURER: &str = "kenpo-kanto";
pub const PLATFORM: &str = "pf-tokyo";
pub const T1: &str = "clinic-a-desk-1";
pub const T2: &str = "clinic-a-desk-2";
pub const INSTITUTION: &str = "1312345678";
/// The pairwise subject the test assertions carry (and links are confirmed for).
pub const SUB: &str = "pairwise-subject-1";

/// Insurer number, symbol, number, branch.
pub type Linkage<'a> = (&'a str, Option<&'a str>, &'a str, Option<&'a str>);

/// The link of `linkage` as the contract carries it.
pub fn service_data(linkage: Linkage<'_>) -> ServiceData {
    ServiceData::Insurance {
        insurer_number: linkage.0.into(),
        symbol: linkage.1.map(Into::into),
        number: linkage.2.into(),
        branch: linkage.3.map(Into::into),
    }
}

/// A persona's certificate attributes, as the platform would send them.
pub fn persona_holder(id: &str) -> CertifiedAttributes {
    let p = testkit::load_persona(id).unwrap();
    CertifiedAttributes {
        name: p.name.clone(),
        name_substituted: vec![],
        address: p.address.clone(),
        address_substituted: vec![],
        birth_date: p.birth_date.clone(),
        sex: match p.sex {
            testkit::Sex::Male => Sex::Male,
            testkit::Sex::Female => Sex::Female,
            _ => Sex::NotKnown,
        },
    }
}

/// The demo register, read from the crate's `data/` here rather than taken from the
/// library: `cargo test -p backend-insurer` builds it as it ships, without the
/// `demo-register` feature, and the tests give the server this register themselves.
pub const REGISTER: &str = include_str!("../../data/demo-insured.toml");

/// The holder whose card may be linked to `linkage`'s record in the demo register (the
/// first record carrying it: symbol and branch compared when given, so that each member
/// of a family under one number is found by their own 枝番): the persona's certificate
/// for a persona's record, else a certificate with the record's own attributes (and an
/// address that the record does not hold, when it holds none).
pub fn holder_for(linkage: Linkage<'_>) -> CertifiedAttributes {
    let reg = backend_insurer::demo::parse(REGISTER, UnixTime::EPOCH).unwrap();
    let r = reg
        .iter()
        .find(|r| {
            r.result.insurer_number == linkage.0
                && r.result.number == linkage.2
                && linkage
                    .1
                    .is_none_or(|s| r.result.symbol.as_deref() == Some(s))
                && linkage
                    .3
                    .is_none_or(|b| r.result.branch.as_deref().is_none_or(|rb| rb == b))
        })
        .unwrap_or_else(|| panic!("no demo record for {linkage:?}"));
    if testkit::personas::PERSONA_IDS.contains(&r.person.as_str()) {
        return persona_holder(&r.person);
    }
    let q = &r.result;
    CertifiedAttributes {
        name: q.name.clone(),
        name_substituted: vec![],
        address: q.address.clone().unwrap_or_else(|| "東京都港区".into()),
        address_substituted: vec![],
        birth_date: format!(
            "{}-{}-{}",
            &q.birth_date[..4],
            &q.birth_date[4..6],
            &q.birth_date[6..]
        ),
        sex: match q.sex1.as_str() {
            "1" => Sex::Male,
            "2" => Sex::Female,
            _ => Sex::NotKnown,
        },
    }
}

/// A link request of `linkage` for `sub` and `holder`.
pub fn link_request(linkage: Linkage<'_>, sub: &str, holder: CertifiedAttributes) -> LinkRequest {
    LinkRequest {
        enrollment_id: "enr_test".into(),
        sub: sub.into(),
        link: service_data(linkage),
        holder,
        consented_at: UnixTime::from_secs(1_795_500_000),
    }
}

/// A CA made with rcgen: the servers' and terminals' CAs of a test, or a rogue one.
pub use backend_kit::devpki::DevCa as Ca;

pub fn signer(seed: u8) -> AssertionSigner {
    AssertionSigner::new(
        format!("{PLATFORM}-k{seed}"),
        p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap(),
    )
    .unwrap()
}

pub struct Env {
    pub dir: tempfile::TempDir,
    pub running: RunningInsurer,
    pub clock: ManualClock,
    pub base: String,
    pub terminal_ca: Ca,
    pub server_ca: Ca,
    pub signer: AssertionSigner,
    pub settings: Settings,
}

/// Settings for a test insurer (files in `dir`), trusting `platform_keys`.
pub fn settings(
    dir: &std::path::Path,
    server_ca: &Ca,
    terminal_ca: &Ca,
    platform_keys: Vec<KeySet>,
) -> Settings {
    let (cert, key) = server_ca.issue("localhost", &["localhost"]).unwrap();
    Settings {
        insurer_id: INSURER.into(),
        listen: "127.0.0.1:0".parse().unwrap(),
        database: dir.join("insurer.sqlite"),
        connections: backend_kit::ServeLimits::default(),
        bulk_processing_secs: 30,
        seed_toml: REGISTER.into(),
        tls_certificate_pem: cert.into_bytes(),
        tls_private_key_pem: key.into_bytes(),
        terminal_ca_pem: terminal_ca.pem.clone().into_bytes(),
        platforms: platform_keys,
        terminals: vec![
            TerminalConfig {
                id: T1.into(),
                ..TerminalConfig::default()
            },
            TerminalConfig {
                id: T2.into(),
                ..TerminalConfig::default()
            },
        ],
    }
}

/// The SHA-256 of the certificate `pem` (its first), as `certificate_sha256` registers it.
pub fn sha256_of(pem: &str) -> [u8; 32] {
    backend_kit::terminal_certificate::pem_sha256("terminal", pem.as_bytes()).unwrap()
}

impl Env {
    pub async fn start() -> Env {
        Self::start_with(|_, _| {}).await
    }

    /// [`Env::start`] with settings that `change` alters first (given the terminal CA,
    /// which may issue a terminal's certificate to register).
    pub async fn start_with(change: impl FnOnce(&Ca, &mut Settings)) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let server_ca = Ca::new("Madoguchi test server CA").unwrap();
        let terminal_ca = Ca::new("Madoguchi test terminal CA").unwrap();
        let signer = signer(7);
        let mut s = settings(
            dir.path(),
            &server_ca,
            &terminal_ca,
            vec![KeySet::of(PLATFORM, &signer)],
        );
        change(&terminal_ca, &mut s);
        let clock = ManualClock::new();
        let running = backend_insurer::start_in_process(s.clone(), Arc::new(clock.clone()))
            .await
            .unwrap();
        let base = format!("https://localhost:{}", running.addr().port());
        Env {
            dir,
            running,
            clock,
            base,
            terminal_ca,
            server_ca,
            signer,
            settings: s,
        }
    }

    /// Stops the server, then starts a new one on the same settings and database (and the
    /// same clock): whatever the old one kept only in memory is gone.
    pub async fn restart(self) -> Env {
        let Env {
            dir,
            running,
            clock,
            terminal_ca,
            server_ca,
            signer,
            settings,
            ..
        } = self;
        running.shutdown().await;
        let running = backend_insurer::start_in_process(settings.clone(), Arc::new(clock.clone()))
            .await
            .unwrap();
        let base = format!("https://localhost:{}", running.addr().port());
        Env {
            dir,
            running,
            clock,
            base,
            terminal_ca,
            server_ca,
            signer,
            settings,
        }
    }

    /// The platform's client: a certificate of the terminal CA whose CN is the platform id.
    pub fn platform_client(&self) -> reqwest::Client {
        self.client(Some(PLATFORM))
    }

    /// `POST /v1/links` as the platform.
    pub async fn link_as(
        &self,
        linkage: Linkage<'_>,
        sub: &str,
        holder: CertifiedAttributes,
    ) -> (StatusCode, String, Value) {
        post(
            &self.platform_client(),
            &self.url("/v1/links"),
            &link_request(linkage, sub, holder),
        )
        .await
    }

    /// Links `linkage` to [`SUB`] as the platform would at enrollment, for the holder of
    /// its record ([`holder_for`]); asserts that the insurer confirms it.
    pub async fn link(&self, linkage: Linkage<'_>) {
        let got = self.link_as(linkage, SUB, holder_for(linkage)).await;
        assert_eq!(got.0, 200, "{}", got.2);
        assert_eq!(got.2["outcome"], "confirmed", "{linkage:?}: {}", got.2);
    }

    /// A client with `terminal`'s certificate (None: no client certificate).
    pub fn client(&self, terminal: Option<&str>) -> reqwest::Client {
        client_for(
            self.server_ca.der.clone(),
            terminal.map(|t| self.terminal_ca.issue(t, &[]).unwrap()),
        )
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn now(&self) -> madoguchi_time::UnixTime {
        self.clock.now()
    }

    /// Claims as the platform would issue them for this insurer, linking `linkage`.
    pub fn claims(&self, linkage: Linkage<'_>) -> AssertionClaims {
        let now = self.now();
        AssertionClaims {
            iss: PLATFORM.into(),
            aud: INSURER.into(),
            sub: SUB.into(),
            jti: format!("jti-{}", rand_suffix()),
            iat: now,
            exp: now.plus_secs(120),
            ctx: AssertionContext {
                purpose: ChallengePurpose::Identify,
                terminal_id: T1.into(),
                challenge_id: "chl_test".into(),
                merchant_id: None,
                amount_jpy: None,
                federated_from: None,
            },
            svc: service_data(linkage),
        }
    }

    /// A signed assertion for `linkage`.
    pub fn assertion(&self, linkage: Linkage<'_>) -> String {
        self.signer.sign(&self.claims(linkage)).unwrap()
    }
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// An eligibility request carrying `assertion`, as of the insurer's today.
pub fn request(env: &Env, assertion: String) -> Value {
    serde_json::json!({
        "assertion": assertion,
        "qualification_confirmation_date": backend_insurer::core::dates::jst_date(env.now()),
        "medical_institution_code": INSTITUTION,
        "arbitrary_identifier": "corr-1",
    })
}

pub fn client_for(ca_der: Vec<u8>, identity: Option<(String, String)>) -> reqwest::Client {
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
    read(c.post(url).json(body).send().await.unwrap()).await
}

/// GETs; returns status, content type and body.
pub async fn get(c: &reqwest::Client, url: &str) -> (StatusCode, String, Value) {
    read(c.get(url).send().await.unwrap()).await
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
    assert_eq!(v["type"], format!("urn:madoguchi:problem:{code}"));
    v.clone()
}
