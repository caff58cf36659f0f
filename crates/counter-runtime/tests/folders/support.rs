//! The bench: the insurer in-process (built-in demo register, dev PKI), a terminal
//! configuration with a `[folders]` section, and the receipt system's side: request files
//! and an independent reading of the answers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backend_kit::devpki::DevPki;
use counter_core::UnixTime;
use counter_runtime::clock::{Clock, SystemClock};
use counter_runtime::config::Config;
use counter_runtime::folders::{FolderWorker, FoldersFile, Layout, watch};
use counter_store::Store;
use tokio::sync::oneshot;

pub const INSURER: &str = "ins-kanto";
pub const TERMINAL: &str = "counter-1";
pub const INSTITUTION: &str = "1312345678";
const PLATFORM: &str = "pf-tokyo";

pub struct Env {
    pub dir: tempfile::TempDir,
    pub insurer: backend_insurer::RunningInsurer,
    pub config_path: PathBuf,
    pub root: PathBuf,
}

impl Env {
    /// The insurer, and a configuration whose folders poll every `poll_ms`.
    pub async fn start(watcher: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let pki = DevPki::generate(&["localhost"]).unwrap();
        let signer = backend_platform::test_support::assertion_signer(PLATFORM).unwrap();
        // The terminal's certificate, made first: the insurer accepts it alone.
        let (cert, key) = pki.terminal_identity(TERMINAL).unwrap();
        let pin = backend_kit::terminal_certificate::pem_sha256("terminal", cert.as_bytes());
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
            platforms: vec![counter_api::assertion::KeySet::of(PLATFORM, &signer)],
            terminals: vec![backend_insurer::config::TerminalConfig {
                id: TERMINAL.into(),
                certificate_sha256: Some(pin.unwrap()),
            }],
        };
        let insurer = backend_insurer::start_in_process(s, Arc::new(backend_kit::SystemClock))
            .await
            .unwrap();
        std::fs::write(dir.path().join("ca.pem"), &pki.server_ca_pem).unwrap();
        std::fs::write(dir.path().join("terminal.pem"), cert).unwrap();
        // 0600: the terminal refuses a key every user of the machine may read.
        let key_file = dir.path().join("terminal-key.pem");
        std::fs::write(&key_file, key).unwrap();
        let private = std::os::unix::fs::PermissionsExt::from_mode(0o600);
        std::fs::set_permissions(&key_file, private).unwrap();
        let port = insurer.addr().port();
        // Port 9 on loopback refuses: the folder worker needs neither platform nor acquirer.
        let config = format!(
            r#"terminal_id = "{TERMINAL}"
merchant_id = "clinic-a"
database = "counter.sqlite"
timeout_ms = 5000
[backends]
platform = "https://localhost:9"
platform_id = "{PLATFORM}"
insurer = "https://localhost:{port}"
acquirer = "https://localhost:9"
[tls]
ca = "ca.pem"
certificate = "terminal.pem"
key = "terminal-key.pem"
[folders]
root = "oqs"
watcher = "{watcher}"
poll_interval_ms = 100
settle_ms = 50
medical_institution_code = "{INSTITUTION}"
"#
        );
        let config_path = dir.path().join("counter.toml");
        std::fs::write(&config_path, config).unwrap();
        let root = dir.path().join("oqs");
        Env {
            dir,
            insurer,
            config_path,
            root,
        }
    }

    pub fn req(&self) -> PathBuf {
        self.root.join("req")
    }

    pub fn res(&self) -> PathBuf {
        self.root.join("res")
    }
}

/// A check by insurance number, as a receipt system writes it (docs/domain/eligibility.md
/// §2.1, §2.2), declared in `encoding` and with `CharacterCodeIdentifier` `code`.
pub fn single_request(
    file_id: &str,
    encoding: &str,
    code: &str,
    (symbol, number, branch, birth): (&str, &str, &str, &str),
) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"{encoding}\"?>\r\n<XmlMsg>\r\n <MessageHeader>\r\n  \
         <MedicalInstitutionCode>{INSTITUTION}</MedicalInstitutionCode>\r\n  \
         <ArbitraryFileIdentifier>{file_id}</ArbitraryFileIdentifier>\r\n  \
         <ReferenceClassification>2</ReferenceClassification>\r\n  \
         <CharacterCodeIdentifier>{code}</CharacterCodeIdentifier>\r\n </MessageHeader>\r\n \
         <MessageBody>\r\n  <QualificationConfirmSearchInfo>\r\n   \
         <InsurerNumber>06139999</InsurerNumber>\r\n   \
         <InsuredCardSymbol>{symbol}</InsuredCardSymbol>\r\n   \
         <InsuredIdentificationNumber>{number}</InsuredIdentificationNumber>\r\n   \
         <InsuredBranchNumber>{branch}</InsuredBranchNumber>\r\n   \
         <Birthdate>{birth}</Birthdate>\r\n   \
         <LimitApplicationCertificateRelatedConsFlg>1</LimitApplicationCertificateRelatedConsFlg>\r\n  \
         </QualificationConfirmSearchInfo>\r\n </MessageBody>\r\n</XmlMsg>\r\n"
    )
}

/// 佐藤 花子 of the demo register.
pub const SATO: (&str, &str, &str, &str) = ("千代", "10001", "01", "19850412");

/// Text in Shift_JIS, as a Japanese Windows program writes it.
pub fn shift_jis(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable, "the test text must be Shift_JIS");
    bytes.into_owned()
}

/// Writes a request as receipt systems do: the whole file under a temporary name, then a
/// rename into `req/`.
pub fn drop_request(env: &Env, name: &str, bytes: &[u8]) {
    let tmp = env.dir.path().join(format!("{name}.part"));
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, env.req().join(name)).unwrap();
}

/// An answer file read by the receipt system: the character code from its declaration
/// (Shift_JIS decoded with encoding_rs), then every element's text by path.
#[derive(Debug)]
pub struct Answer {
    pub shift_jis: bool,
    pub fields: BTreeMap<String, Vec<String>>,
}

impl Answer {
    pub fn read(path: &Path) -> Answer {
        let bytes = std::fs::read(path).unwrap();
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(60)]).to_string();
        let shift_jis = head.contains("Shift_JIS");
        let text = if shift_jis {
            let (t, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
            assert!(!bad, "{} is not Shift_JIS", path.display());
            t.into_owned()
        } else {
            String::from_utf8(bytes).unwrap()
        };
        let doc = roxmltree::Document::parse(&text)
            .unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()));
        let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for n in doc.descendants().filter(|n| n.is_element()) {
            if n.children().all(|c| c.is_text()) {
                let mut path: Vec<&str> = n
                    .ancestors()
                    .filter(|a| a.is_element())
                    .map(|a| a.tag_name().name())
                    .collect();
                path.reverse();
                fields
                    .entry(path.join("/"))
                    .or_default()
                    .push(n.text().unwrap_or("").to_owned());
            }
        }
        Answer { shift_jis, fields }
    }

    /// The one value at `path` (`XmlMsg/` is implied).
    pub fn get(&self, path: &str) -> Option<&str> {
        self.fields
            .get(&format!("XmlMsg/{path}"))
            .and_then(|v| v.first())
            .map(String::as_str)
    }
}

/// Waits (up to `limit`) until `path` exists.
pub async fn wait_for(path: &Path, limit: Duration) {
    let start = Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < limit,
            "{} did not appear within {limit:?}",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The terminal's clock, moved by the test (the insurer keeps the system's).
#[derive(Debug)]
pub struct HandClock(AtomicI64);

impl HandClock {
    /// A clock showing `at`.
    pub fn at(at: UnixTime) -> Arc<Self> {
        Arc::new(Self(AtomicI64::new(at.as_secs())))
    }

    /// Moves it on by `secs`.
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for HandClock {
    fn now(&self) -> UnixTime {
        UnixTime::from_secs(self.0.load(Ordering::SeqCst))
    }
}

/// The folder worker of `env`'s configuration on `clock`, its store and its `[folders]`
/// section, not watching: a test may run each pass itself ([`FolderWorker::process`]).
pub fn worker_on(
    env: &Env,
    clock: Arc<dyn Clock>,
) -> (FolderWorker, Arc<Mutex<Store>>, FoldersFile) {
    let config = Config::load(&env.config_path).unwrap();
    let f = config.file.folders.clone().unwrap();
    let store = Arc::new(Mutex::new(Store::open(&config.file.database).unwrap()));
    let worker = FolderWorker::new(
        Layout::under(&f.root),
        store.clone(),
        config.backends().unwrap(),
        clock,
        f.institution(),
        f.face_character_code.code(),
    )
    .unwrap();
    (worker, store, f)
}

/// The worker of `env`'s configuration on the system's clock, watching until the returned
/// sender is dropped.
pub fn start_worker(env: &Env) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (worker, _, f) = worker_on(env, Arc::new(SystemClock));
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        watch::run(
            worker,
            f.watcher,
            f.poll_interval(),
            f.settle(),
            async {
                let _ = stop_rx.await;
            },
            |_| {},
        )
        .await
        .unwrap();
    });
    (stop_tx, task)
}
