//! Test environment: CAs made with rcgen, a platform signing key minting payment
//! assertions, the acquirer in-process, clients per terminal and the platform's client
//! (for `/v1/links`). [`Env::start`] links the test tokens to [`SUB`], the subject of
//! the assertions [`Env::claims`] mints, as the platform does at enrollment.

use std::sync::Arc;

use backend_acquirer::config::TerminalConfig;
use backend_acquirer::{RunningAcquirer, Settings};
use backend_kit::ManualClock;
use counter_api::acquirer::{
    AuthoriseRequest, CaptureMode, CardTokenRegistration, Cardholder, FaultPlan,
};
use counter_api::assertion::{AssertionClaims, AssertionContext, AssertionSigner, KeySet};
use counter_api::attributes::CertifiedAttributes;
use counter_api::links::LinkRequest;
use counter_api::platform::{ChallengePurpose, ServiceData, Sex};
use madoguchi_time::UnixTime;
use reqwest::StatusCode;
use serde_json::Value;

pub const ACQUIRER: &str = "acq-visa";
pub const PLATFORM: &str = "pf-tokyo";
/// Admin terminal of shop-a.
pub const T1: &str = "shop-a-till-1";
/// Plain terminal of shop-a.
pub const T2: &str = "shop-a-till-2";
/// Terminal of shop-b.
pub const T3: &str = "shop-b-till-1";
pub const SHOP_A: &str = "shop-a";
pub const SHOP_B: &str = "shop-b";
pub const TOK_VISA: &str = "tok_visa_4242";
pub const TOK_JCB: &str = "tok_jcb_0005";
pub const TOK_BLOCKED: &str = "tok_blocked";
/// The pairwise subject of the assertions [`Env::claims`] mints; [`Env::start`] links the
/// test tokens to it.
pub const SUB: &str = "sub-pairwise-1";
/// The holder of every test token (name and birth date only, as the support registers
/// them).
pub const HOLDER_NAME: &str = "佐藤　花子";
pub const HOLDER_BIRTH: &str = "1985-04-12";

/// A CA made with rcgen: the servers' and terminals' CAs of a test, or a rogue one.
pub use backend_kit::devpki::DevCa as Ca;

pub struct Env {
    pub dir: tempfile::TempDir,
    pub running: RunningAcquirer,
    pub clock: ManualClock,
    pub base: String,
    pub terminal_ca: Ca,
    pub server_ca: Ca,
    pub signer: AssertionSigner,
    pub other_signer: AssertionSigner,
}

pub fn token(
    r: &str,
    brand: &str,
    last4: &str,
    limit: Option<u64>,
    blocked: bool,
) -> CardTokenRegistration {
    CardTokenRegistration {
        card_token_ref: r.into(),
        brand: brand.into(),
        last4: last4.into(),
        limit_jpy: limit,
        blocked,
        holder: Cardholder {
            name: HOLDER_NAME.into(),
            birth_date: HOLDER_BIRTH.into(),
            address: None,
            sex: None,
        },
    }
}

pub fn settings(
    dir: &std::path::Path,
    server_ca: &Ca,
    terminal_ca: &Ca,
    signer: &AssertionSigner,
) -> Settings {
    let (cert, key) = server_ca.issue("localhost", &["localhost"]).unwrap();
    let t = |id: &str, m: &str, admin| TerminalConfig {
        id: id.into(),
        merchant_id: m.into(),
        admin,
        certificate_sha256: None,
    };
    Settings {
        acquirer_id: ACQUIRER.into(),
        listen: "127.0.0.1:0".parse().unwrap(),
        database: dir.join("acquirer.sqlite"),
        connections: backend_kit::ServeLimits::default(),
        tls_certificate_pem: cert.into_bytes(),
        tls_private_key_pem: key.into_bytes(),
        terminal_ca_pem: terminal_ca.pem.clone().into_bytes(),
        trusted_platforms: vec![KeySet::of(PLATFORM, signer)],
        terminals: vec![
            t(T1, SHOP_A, true),
            t(T2, SHOP_A, false),
            t(T3, SHOP_B, false),
        ],
        card_tokens: vec![
            token(TOK_VISA, "VISA", "4242", None, false),
            token(TOK_JCB, "JCB", "0005", Some(5_000), false),
            token(TOK_BLOCKED, "VISA", "0002", None, true),
        ],
        faults: FaultPlan::default(),
    }
}

pub fn signer(seed: u8) -> AssertionSigner {
    AssertionSigner::new(
        format!("k{seed}"),
        p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap(),
    )
    .unwrap()
}

/// The certified attributes of the test tokens' holder, as the platform reads them from the
/// signature certificate (佐藤 花子 of testkit).
pub fn certified() -> CertifiedAttributes {
    CertifiedAttributes {
        name: HOLDER_NAME.into(),
        name_substituted: vec![],
        address: "東京都千代田区丸の内九丁目９番９９号".into(),
        address_substituted: vec![],
        birth_date: HOLDER_BIRTH.into(),
        sex: Sex::Female,
    }
}

/// A link request of the platform: `token` for `sub`, with `holder`.
pub fn link_request(token: &str, sub: &str, holder: CertifiedAttributes) -> LinkRequest {
    LinkRequest {
        enrollment_id: format!("enr_{}", next_id()),
        sub: sub.into(),
        link: ServiceData::Payment {
            card_token_ref: token.into(),
        },
        holder,
        consented_at: UnixTime::from_secs(1),
    }
}

impl Env {
    /// The acquirer of [`settings`], its test tokens linked to [`SUB`].
    pub async fn start() -> Env {
        Env::start_with(|_| {}).await
    }

    /// The acquirer of [`settings`] changed by `change`, the tokens of the test holder
    /// linked to [`SUB`].
    pub async fn start_with(change: impl FnOnce(&mut Settings)) -> Env {
        Env::start_with_ca(|_, s| change(s)).await
    }

    /// [`Env::start_with`], `change` given the terminal CA too (which may issue a
    /// terminal's certificate to register).
    pub async fn start_with_ca(change: impl FnOnce(&Ca, &mut Settings)) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let server_ca = Ca::new("Madoguchi test server CA").unwrap();
        let terminal_ca = Ca::new("Madoguchi test terminal CA").unwrap();
        let signer = signer(7);
        let mut s = settings(dir.path(), &server_ca, &terminal_ca, &signer);
        change(&terminal_ca, &mut s);
        // The tokens of the test holder, which the platform links to SUB.
        let tokens: Vec<String> = s
            .card_tokens
            .iter()
            .filter(|t| t.holder.name == HOLDER_NAME && t.holder.birth_date == HOLDER_BIRTH)
            .map(|t| t.card_token_ref.clone())
            .collect();
        let clock = ManualClock::new();
        let running = backend_acquirer::start_in_process(s, Arc::new(clock.clone()))
            .await
            .unwrap();
        let base = format!("https://localhost:{}", running.addr().port());
        let env = Env {
            dir,
            running,
            clock,
            base,
            terminal_ca,
            server_ca,
            signer,
            other_signer: self::signer(9),
        };
        for t in &tokens {
            env.link_ok(t, SUB).await;
        }
        env
    }

    /// Restarts the acquirer on the same database with `s`.
    pub async fn restart(&mut self, s: Settings) {
        let running = backend_acquirer::start_in_process(s, Arc::new(self.clock.clone()))
            .await
            .unwrap();
        let old = std::mem::replace(&mut self.running, running);
        old.shutdown().await;
        self.base = format!("https://localhost:{}", self.running.addr().port());
    }

    /// The settings of [`settings`] for this environment (for a restart).
    pub fn settings(&self) -> Settings {
        settings(
            self.dir.path(),
            &self.server_ca,
            &self.terminal_ca,
            &self.signer,
        )
    }

    /// The platform's client: a certificate of the terminal CA whose CN is its id.
    pub fn platform_client(&self) -> reqwest::Client {
        self.client(Some(PLATFORM))
    }

    /// The platform asks to link `token` to `sub` for the test holder.
    pub async fn link(&self, token: &str, sub: &str) -> Got {
        self.link_as(token, sub, certified()).await
    }

    /// The platform asks to link `token` to `sub` for `holder`.
    pub async fn link_as(&self, token: &str, sub: &str, holder: CertifiedAttributes) -> Got {
        post(
            &self.platform_client(),
            &self.url("/v1/links"),
            &link_request(token, sub, holder),
        )
        .await
    }

    /// Links `token` to `sub` and asserts it was confirmed.
    pub async fn link_ok(&self, token: &str, sub: &str) {
        let got = self.link(token, sub).await;
        assert_eq!(ok(&got), serde_json::json!({"outcome": "confirmed"}));
    }

    pub fn client(&self, terminal: Option<&str>) -> reqwest::Client {
        let identity = terminal.map(|t| self.terminal_ca.issue(t, &[]).unwrap());
        client_for(self.server_ca.der.clone(), identity)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn now(&self) -> madoguchi_time::UnixTime {
        use backend_kit::Clock;
        self.clock.now()
    }

    /// Claims of a valid payment assertion for `terminal`, `merchant`, `amount`, `token`.
    pub fn claims(
        &self,
        terminal: &str,
        merchant: &str,
        amount: u64,
        token: &str,
    ) -> AssertionClaims {
        let now = self.now();
        AssertionClaims {
            iss: PLATFORM.into(),
            aud: ACQUIRER.into(),
            sub: SUB.into(),
            jti: format!("jti-{}", next_id()),
            iat: now,
            exp: now.plus_secs(120),
            ctx: AssertionContext {
                purpose: ChallengePurpose::Payment,
                terminal_id: terminal.into(),
                challenge_id: format!("chl_{}", next_id()),
                merchant_id: Some(merchant.into()),
                amount_jpy: Some(amount),
                federated_from: None,
            },
            svc: ServiceData::Payment {
                card_token_ref: token.into(),
            },
        }
    }

    /// A payment assertion of T1 for shop-a, `amount`, `token`, for subject `sub`.
    pub fn assertion_for(&self, sub: &str, amount: u64, token: &str) -> String {
        let mut claims = self.claims(T1, SHOP_A, amount, token);
        claims.sub = sub.into();
        self.signer.sign(&claims).unwrap()
    }

    pub fn assertion(&self, terminal: &str, merchant: &str, amount: u64, token: &str) -> String {
        self.signer
            .sign(&self.claims(terminal, merchant, amount, token))
            .unwrap()
    }

    /// An authorisation request for shop-a on T1 with a fresh assertion.
    pub fn authorise_req(
        &self,
        amount: u64,
        token: &str,
        capture: CaptureMode,
    ) -> AuthoriseRequest {
        AuthoriseRequest {
            assertion: self.assertion(T1, SHOP_A, amount, token),
            merchant_id: SHOP_A.into(),
            amount_jpy: amount,
            order_ref: format!("order-{}", next_id()),
            capture,
        }
    }

    /// Rows of `sql` (a COUNT) in the acquirer's database.
    pub fn count(&self, sql: &str) -> i64 {
        let c = rusqlite_open(&self.dir.path().join("acquirer.sqlite"));
        c.query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

fn rusqlite_open(p: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(p).unwrap()
}

pub fn next_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    N.fetch_add(1, Ordering::SeqCst)
}

pub fn new_key() -> String {
    format!("key-{}-{}", std::process::id(), next_id())
}

/// The SHA-256 of the certificate `pem` (its first), as `certificate_sha256` registers it.
pub fn sha256_of(pem: &str) -> [u8; 32] {
    backend_kit::terminal_certificate::pem_sha256("terminal", pem.as_bytes()).unwrap()
}

/// A client trusting `server_ca` with a certificate of `terminal_ca` for `terminal`.
pub fn client_for_test(server_ca: &Ca, terminal_ca: &Ca, terminal: &str) -> reqwest::Client {
    client_for(
        server_ca.der.clone(),
        Some(terminal_ca.issue(terminal, &[]).unwrap()),
    )
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

pub type Got = (StatusCode, String, Value);

/// POSTs JSON with an idempotency key.
pub async fn post_key(
    c: &reqwest::Client,
    url: &str,
    key: &str,
    body: &impl serde::Serialize,
) -> Got {
    read(
        c.post(url)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// POSTs JSON without an idempotency key (the platform's endpoints).
pub async fn post(c: &reqwest::Client, url: &str, body: &impl serde::Serialize) -> Got {
    read(c.post(url).json(body).send().await.unwrap()).await
}

pub async fn get(c: &reqwest::Client, url: &str) -> Got {
    read(c.get(url).send().await.unwrap()).await
}

pub async fn read(r: reqwest::Response) -> Got {
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
pub fn assert_problem(got: &Got, status: u16, code: &str) -> Value {
    let (s, ct, v) = got;
    assert_eq!(
        (s.as_u16(), v["code"].as_str().unwrap_or("")),
        (status, code),
        "{v}"
    );
    assert_eq!(ct, "application/problem+json", "{v}");
    v.clone()
}

/// Asserts a 200 and returns the body.
pub fn ok(got: &Got) -> Value {
    assert_eq!(got.0, StatusCode::OK, "{}", got.2);
    got.2.clone()
}

/// Authorises `req` on T1 under `key`.
pub async fn authorise(env: &Env, key: &str, req: &AuthoriseRequest) -> Got {
    post_key(&env.client(Some(T1)), &env.url("/v1/payments"), key, req).await
}

pub async fn set_faults(env: &Env, plan: FaultPlan) {
    let r = env
        .client(Some(T1))
        .put(env.url("/v1/admin/faults"))
        .json(&plan)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}
