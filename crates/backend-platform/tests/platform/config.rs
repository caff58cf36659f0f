//! The configuration file: clear errors naming the key, and the one command that starts the
//! server (`madoguchi-platform serve --config FILE`).

use std::path::Path;
use std::process::{Child, Command, Stdio};

use backend_platform::Settings;

use crate::support::*;

/// Writes a complete configuration in `dir` (TLS files from rcgen, keys from `keygen`).
fn write_config_pki(
    dir: &Path,
    port: u16,
    extra: &str,
) -> (std::path::PathBuf, backend_kit::devpki::DevPki) {
    // The desktop demo's throwaway TLS material (backend-kit feature `dev-pki`).
    let pki = backend_kit::devpki::DevPki::generate(&["localhost", "127.0.0.1"]).unwrap();
    std::fs::write(dir.join("server.pem"), &pki.server_cert_pem).unwrap();
    std::fs::write(dir.join("server.key"), &pki.server_key_pem).unwrap();
    std::fs::write(dir.join("terminal-ca.pem"), &pki.terminal_ca_pem).unwrap();
    std::fs::write(dir.join("server-ca.pem"), &pki.server_ca_pem).unwrap();
    let (client_cert, client_key) = pki.terminal_identity("pf-test").unwrap();
    std::fs::write(dir.join("platform-client.pem"), client_cert).unwrap();
    std::fs::write(dir.join("platform-client.key"), client_key).unwrap();
    std::fs::create_dir_all(dir.join("crl")).unwrap();
    std::fs::write(
        dir.join("crl").join("auth.crl"),
        testkit::committed_crl(testkit::Purpose::Auth).unwrap(),
    )
    .unwrap();
    if !dir.join("assertion.pem").exists() {
        keygen_in(dir);
    }
    let roots = testkit::fixtures_dir().join("roots");
    // The suite's storage: the file, or (MADOGUCHI_PLATFORM_STORAGE=postgres) a fresh schema.
    let (database, database_table) = match suite_database(dir) {
        backend_platform::config::Database::Postgres(pg) => (
            String::new(),
            format!(
                "\n[database]\npostgres = {:?}\nschema = {:?}\n",
                pg.connection,
                pg.schema.unwrap_or_default()
            ),
        ),
        _ => ("database = \"platform.sqlite\"\n".to_owned(), String::new()),
    };
    let text = format!(
        r#"platform_id = "pf-test"
listen = "127.0.0.1:{port}"
{database}{extra}
[tls]
certificate = "server.pem"
private_key = "server.key"
terminal_ca = "terminal-ca.pem"

[jpki]
environment = "test"
trust_anchors = "{roots}"
crl_dir = "crl"

[signing]
private_key = "assertion.pem"
key_id = "pf-test-1"
pseudonym_secret = "pseudonym.secret"

[links]
certificate = "platform-client.pem"
private_key = "platform-client.key"
service_ca = "server-ca.pem"

[[services]]
id = "kenpo"
kind = "insurance"
label = "健保"
url = "https://localhost:8444"

[[services]]
id = "acq-visa"
kind = "payment"
label = "カード"
url = "https://localhost:8445"

[[terminals]]
id = "t1"
{database_table}"#,
        roots = roots.display()
    );
    let path = dir.join("platform.toml");
    std::fs::write(&path, text).unwrap();
    (path, pki)
}

fn write_config(dir: &Path, port: u16, extra: &str) -> std::path::PathBuf {
    write_config_pki(dir, port, extra).0
}

fn load_error(dir: &Path, extra: &str) -> String {
    Settings::load(&write_config(dir, 8443, extra))
        .unwrap_err()
        .to_string()
}

/// `keygen` writes its two secrets readable by their owner only, and writes neither when
/// either exists (the one already there is left as it was).
#[test]
fn keygen_writes_secrets_only_their_owner_reads_and_overwrites_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let keygen = |key: &Path, secret: &Path| {
        Command::new(env!("CARGO_BIN_EXE_madoguchi-platform"))
            .args(["keygen", "--key"])
            .arg(key)
            .arg("--secret")
            .arg(secret)
            .output()
            .unwrap()
    };
    let (key, secret) = (
        dir.path().join("assertion.pem"),
        dir.path().join("pseudonym.secret"),
    );
    assert!(keygen(&key, &secret).status.success());
    for path in [&key, &secret] {
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
    }
    assert_eq!(std::fs::read(&secret).unwrap().len(), 32);

    // The secret is there already: no new key beside it, the secret untouched.
    let before = std::fs::read(&secret).unwrap();
    let other_key = dir.path().join("other.pem");
    let out = keygen(&other_key, &secret);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to overwrite"));
    assert!(!other_key.exists());
    assert_eq!(std::fs::read(&secret).unwrap(), before);
}

#[test]
fn the_database_is_a_sqlite_file_or_a_postgresql_connection() {
    use backend_platform::config::Database;
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), 8443, "");
    // Whichever storage the suite runs on, the file without it.
    let written = std::fs::read_to_string(&path).unwrap();
    let text = written
        .split("\n[database]\n")
        .next()
        .unwrap()
        .replace("database = \"platform.sqlite\"\n", "");
    std::fs::write(&path, format!("database = \"platform.sqlite\"\n{text}")).unwrap();
    let ok = Settings::load(&path).unwrap();
    assert_eq!(
        ok.database,
        Database::Sqlite(dir.path().join("platform.sqlite"))
    );
    std::fs::write(dir.path().join("pg.password"), "s3cret-pw\n").unwrap();
    let with = |table: &str| {
        std::fs::write(&path, format!("{text}\n[database]\n{table}")).unwrap();
        Settings::load(&path)
    };
    let s = with(
        "postgres = \"host=/run/postgresql dbname=madoguchi user=platform\"\npassword_file = \"pg.password\"\nschema = \"madoguchi\"\n",
    )
    .unwrap();
    let Database::Postgres(pg) = &s.database else {
        panic!("{:?}", s.database)
    };
    assert_eq!(
        (pg.password.as_deref(), pg.schema.as_deref(), pg.pool_size),
        (Some("s3cret-pw"), Some("madoguchi"), 16)
    );
    // The connection string and the password are never printed.
    let shown = format!("{s:?}");
    assert!(!shown.contains("s3cret-pw") && !shown.contains("user=platform"));
    let e = with("postgres = \"host=x\"\npool_size = 0\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("database.pool_size") && e.contains("1 to 256"),
        "{e}"
    );
    let e = with("postgres = \"host=x\"\nschema = \"x; DROP TABLE audit\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("database.schema"), "{e}");
    let e = with("postgres = \"host=x\"\npassword_file = \"missing.password\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("database.password_file"), "{e}");
}

#[test]
fn bad_values_are_named_with_what_is_expected() {
    let dir = tempfile::tempdir().unwrap();
    let ok = Settings::load(&write_config(dir.path(), 8443, "")).unwrap();
    assert_eq!(
        (ok.platform_id.as_str(), ok.challenge_ttl_secs),
        ("pf-test", 60)
    );

    let e = load_error(dir.path(), "challenge_ttl_secs = 3600\n");
    assert!(
        e.contains("challenge_ttl_secs") && e.contains("10 to 300 seconds"),
        "{e}"
    );
    let e = load_error(dir.path(), "assertion_ttl_secs = \"two minutes\"\n");
    assert!(
        e.contains("assertion_ttl_secs") && e.contains("platform.toml"),
        "{e}"
    );
    let e = load_error(dir.path(), "typo_key = 1\n");
    assert!(e.contains("typo_key"), "{e}");
    // The limits: the defaults, values set in the file, and values out of range.
    assert_eq!(ok.challenges_per_terminal, 100);
    assert_eq!(ok.connections, backend_kit::ServeLimits::default());
    let set = Settings::load(&write_config(
        dir.path(),
        8443,
        "challenges_per_terminal = 7\n[connections]\nmax = 64\nhandshake_timeout_ms = 2000\n",
    ))
    .unwrap();
    assert_eq!(set.challenges_per_terminal, 7);
    assert_eq!(set.connections.max_connections, 64);
    assert_eq!(set.connections.handshake_timeout.as_millis(), 2000);
    for (extra, key) in [
        ("challenges_per_terminal = 0\n", "challenges_per_terminal"),
        ("[connections]\nmax = 0\n", "connections.max"),
        (
            "[connections]\nheader_timeout_ms = 1\n",
            "connections.header_timeout_ms",
        ),
        ("[connections]\nbacklog = 1\n", "backlog"),
    ] {
        let e = load_error(dir.path(), extra);
        assert!(e.contains(key), "{key}: {e}");
    }

    let path = write_config(dir.path(), 8443, "");
    let text = std::fs::read_to_string(&path).unwrap();
    for (from, to, key) in [
        (
            "environment = \"test\"",
            "environment = \"staging\"",
            "jpki.environment",
        ),
        (
            "listen = \"127.0.0.1:8443\"",
            "listen = \"localhost\"",
            "listen",
        ),
        (
            "private_key = \"server.key\"",
            "private_key = \"missing.key\"",
            "tls.private_key",
        ),
        ("kind = \"insurance\"", "kind = \"pharmacy\"", "kind"),
        ("id = \"kenpo\"", "id = \"ken po\"", "services[0].id"),
        // An insurance or payment service says where it confirms links, over https.
        ("url = \"https://localhost:8444\"\n", "", "services[0].url"),
        (
            "url = \"https://localhost:8444\"",
            "url = \"http://localhost:8444\"",
            "services[0].url",
        ),
        (
            "[links]\ncertificate = \"platform-client.pem\"\nprivate_key = \"platform-client.key\"\nservice_ca = \"server-ca.pem\"\n",
            "",
            "links",
        ),
        (
            "service_ca = \"server-ca.pem\"",
            "service_ca = \"server-ca.pem\"\ntimeout_ms = 0",
            "links.timeout_ms",
        ),
    ] {
        std::fs::write(&path, text.replace(from, to)).unwrap();
        let e = Settings::load(&path).unwrap_err().to_string();
        assert!(e.contains(key), "{key}: {e}");
    }
    std::fs::write(dir.path().join("pseudonym.secret"), b"short").unwrap();
    std::fs::write(&path, &text).unwrap();
    let e = Settings::load(&path).unwrap_err().to_string();
    assert!(
        e.contains("signing.pseudonym_secret") && e.contains("at least 32"),
        "{e}"
    );
}

/// Where the JPKI roots come from: `trust_anchors`, or in production the compiled-in J-LIS
/// roots, with the folder of `added_roots` if named; every other combination is refused
/// with the key to fix.
#[test]
fn the_roots_come_from_trust_anchors_or_the_compiled_in_ones_with_added_roots() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), 8443, "");
    let text = std::fs::read_to_string(&path).unwrap();
    let anchors = text
        .lines()
        .find(|l| l.starts_with("trust_anchors"))
        .unwrap()
        .to_owned();
    let base = format!("environment = \"test\"\n{anchors}\n");
    assert!(text.contains(&base), "{text}");
    // A folder of added roots that holds none yet, as before the first `roots add`.
    let added = format!("added_roots = {:?}\n", dir.path().join("added-roots"));
    let load = |jpki: &str| {
        std::fs::write(&path, text.replace(&base, jpki)).unwrap();
        Settings::load(&path)
    };
    let test_roots = load(&base).unwrap().auth_store.anchors().len();
    assert!(test_roots > 0);
    let compiled = load("environment = \"production\"\n").unwrap();
    let with_added = load(&format!("environment = \"production\"\n{added}")).unwrap();
    assert_eq!(
        with_added.auth_store.anchors().len(),
        compiled.auth_store.anchors().len()
    );
    for (jpki, key, expected) in [
        (
            "environment = \"test\"\n".to_owned(),
            "`jpki.trust_anchors`",
            "O=JPKI-TEST roots",
        ),
        (
            format!("environment = \"test\"\n{added}"),
            "`jpki.added_roots`",
            "only with environment = \"production\" and no trust_anchors",
        ),
        (
            format!("{base}{added}"),
            "`jpki.added_roots`",
            "only with environment = \"production\" and no trust_anchors",
        ),
        (
            format!("environment = \"production\"\n{anchors}\n{added}"),
            "`jpki.added_roots`",
            "only with environment = \"production\" and no trust_anchors",
        ),
    ] {
        let e = load(&jpki).unwrap_err().to_string();
        assert!(
            e.contains(key) && e.contains(expected) && e.contains("platform.toml"),
            "{jpki}: {e}"
        );
    }
}

#[test]
fn the_keys_of_what_nodes_share_poll_seconds_crl_from_and_terminals() {
    use backend_platform::config::{CrlFrom, Database};
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), 8443, "");
    let ok = Settings::load(&path).unwrap();
    assert_eq!(
        (ok.poll_interval, ok.crl_from, ok.crl_dir.clone()),
        (
            Duration::from_secs(2),
            CrlFrom::Folder,
            dir.path().join("crl")
        )
    );
    // The file without its storage, whichever the suite runs on.
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text
        .split("\n[database]\n")
        .next()
        .unwrap()
        .replace("database = \"platform.sqlite\"\n", "");
    let load = |text: String| {
        std::fs::write(&path, text).unwrap();
        Settings::load(&path)
    };
    let s = load(format!(
        "{text}\n[database]\nsqlite = \"platform.sqlite\"\npoll_seconds = 5\n"
    ))
    .unwrap();
    assert_eq!(
        (s.database, s.poll_interval),
        (
            Database::Sqlite(dir.path().join("platform.sqlite")),
            Duration::from_secs(5)
        )
    );
    let s = load(format!(
        "{text}\n[database]\npostgres = \"host=x\"\npoll_seconds = 7\n"
    ))
    .unwrap();
    assert_eq!(s.poll_interval, Duration::from_secs(7));
    for bad in ["0", "3601"] {
        let e = load(format!(
            "{text}\n[database]\nsqlite = \"platform.sqlite\"\npoll_seconds = {bad}\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("database.poll_seconds") && e.contains("1 to 3600 seconds"),
            "{e}"
        );
    }
    let sqlite = format!("database = \"platform.sqlite\"\n{text}");
    // A node taking its CRLs from the storage needs no folder; one publishing a folder does.
    let s = load(sqlite.replace("crl_dir = \"crl\"", "crl_from = \"storage\"")).unwrap();
    assert_eq!(
        (s.crl_from, s.crl_dir.as_os_str().is_empty()),
        (CrlFrom::Storage, true)
    );
    let e = load(sqlite.replace("crl_dir = \"crl\"", "crl_from = \"folder\""))
        .unwrap_err()
        .to_string();
    assert!(e.contains("jpki.crl_dir") && e.contains("missing"), "{e}");
    let e = load(sqlite.replace("crl_dir = \"crl\"", "crl_from = \"usb\""))
        .unwrap_err()
        .to_string();
    assert!(e.contains("usb") && e.contains("storage"), "{e}");
    // A terminal listed twice.
    let e = load(format!(
        "{sqlite}\n[[terminals]]\nid = \"t1\"\nadmin = true\n"
    ))
    .unwrap_err()
    .to_string();
    // Named as the insurer and the acquirer name it (backend_kit::terminals::listed_twice):
    // the later entry, the first one, and what to do.
    assert!(
        e.contains("terminals[1].id")
            && e.contains("\"t1\" is listed twice (also terminals[0])")
            && e.contains("merge the entries into one"),
        "{e}"
    );
    // A terminal that accepts one certificate alone (its SHA-256 as openssl prints it)...
    let s = load(format!(
        "{sqlite}\n[[terminals]]\nid = \"t9\"\ncertificate_sha256 = \"{}\"\n",
        ["Ab"; 32].join(":")
    ))
    .unwrap();
    let t9 = s.terminals.iter().find(|t| t.id == "t9").unwrap();
    assert_eq!(t9.certificate_sha256, Some([0xAB; 32]));
    // ...and what is not a SHA-256.
    let e = load(format!(
        "{sqlite}\n[[terminals]]\nid = \"t9\"\ncertificate_sha256 = \"AB:CD\"\n"
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("not a SHA-256") && e.contains("64 hex"), "{e}");
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `madoguchi-platform serve` started from a complete configuration in `dir`, with the
/// acquirer it names running, and its open-file limit lowered to `open_files` if given.
struct Started {
    server: Server,
    port: u16,
    base: String,
    pki: backend_kit::devpki::DevPki,
    /// The terminal `t1`'s client.
    terminal: reqwest::Client,
    _acquirer: backend_acquirer::RunningAcquirer,
}

async fn start_binary(dir: &Path, open_files: Option<u32>) -> Started {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (path, pki) = write_config_pki(dir, port, "");
    write_crls(&dir.join("crl"));
    // The acquirer the configuration names, trusting this platform (its keys from the key
    // file keygen wrote): it confirms the card-token links.
    let key_pem = std::fs::read_to_string(dir.join("assertion.pem")).unwrap();
    let signer = backend_platform::signing::signer_from_pem("pf-test-1", &key_pem).unwrap();
    let acquirer = start_acquirer_with(
        dir,
        &pki.server_cert_pem,
        &pki.server_key_pem,
        &pki.terminal_ca_pem,
        counter_api::assertion::KeySet::of("pf-test", &signer),
    )
    .await;
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "https://localhost:8445",
        &format!("https://localhost:{}", acquirer.addr().port()),
    );
    std::fs::write(&path, text).unwrap();
    let bin = env!("CARGO_BIN_EXE_madoguchi-platform");
    let mut command = match open_files {
        // `ulimit -Sn` in a shell that then execs the server: the limit is the server's own.
        Some(n) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!(
                    "ulimit -Sn {n} && exec \"$0\" serve --config \"$1\""
                ))
                .arg(bin)
                .arg(&path);
            c
        }
        None => {
            let mut c = Command::new(bin);
            c.args(["serve", "--config"]).arg(&path);
            c
        }
    };
    let server = Server(
        command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let ca_pem = std::fs::read_to_string(dir.join("server-ca.pem")).unwrap();
    let der = rustls::pki_types::pem::PemObject::from_pem_slice(ca_pem.as_bytes())
        .map(|c: rustls::pki_types::CertificateDer<'static>| c.to_vec())
        .unwrap();
    let client = client_with_ca_der(der.clone());
    let url = format!("https://localhost:{port}/v1/keys");
    // Wait for the listener with a deadline (the server loads CRLs first).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let keys: counter_api::assertion::KeySet = loop {
        match client.get(&url).send().await {
            Ok(r) => break r.json().await.unwrap(),
            Err(e) if std::time::Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(e) => panic!("the server did not come up: {e}"),
        }
    };
    assert_eq!(keys.issuer, "pf-test");
    assert_eq!(keys.keys[0].kid, "pf-test-1");
    let terminal = client_with_identity(der, pki.terminal_identity("t1").unwrap());
    Started {
        server,
        port,
        base: format!("https://localhost:{port}"),
        pki,
        terminal,
        _acquirer: acquirer,
    }
}

/// Enrols `card` from `t1`, linking the card token at the acquirer (the one service of
/// this configuration that answers).
async fn enroll_at(started: &Started, card: &Card) {
    let ch = post_challenge(&started.terminal, &started.base, "enroll").await;
    let mut app = card.application(&ch.challenge_id);
    app.services
        .retain(|s| matches!(s, counter_api::platform::ServiceLink::Payment(_)));
    let (s, _, v) = post(
        &started.terminal,
        &format!("{}/v1/enrollments", started.base),
        &card.enrollment(&ch, app),
    )
    .await;
    assert_eq!(s, 200, "{v}");
}

#[tokio::test]
async fn one_command_starts_the_server_from_its_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let started = start_binary(dir.path(), None).await;
    let (server, terminal, base) = (&started.server, &started.terminal, &started.base);
    let hang_up = || {
        let st = Command::new("kill")
            .args(["-HUP", &server.0.id().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
    };
    // A SIGHUP as soon as the server answers (its handler is registered before `start`
    // returns) reloads; it does not end the process, so the enrollment below is answered.
    hang_up();
    // A terminal enrols a card and identifies; then a new CRL revokes the signature
    // certificate and SIGHUP makes the running server reload it.
    let card = Card::load("sato-hanako");
    enroll_at(&started, &card).await;
    let identify = || async {
        let ch = post_challenge(terminal, base, "identify").await;
        let (s, _, v) = post(
            terminal,
            &format!("{base}/v1/identifications"),
            &card.answer(&ch),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        v["notices"].as_array().map(|n| n.len()).unwrap_or(0)
    };
    assert_eq!(identify().await, 0);
    let crl = crl(
        testkit::Purpose::Sign,
        "Tokyo-to",
        "Chiyoda-ku",
        testkit::Generation::G3,
        &[card.sign_serial()],
    );
    let crl_path = dir.path().join("crl").join("sign-Tokyo-to-Chiyoda-ku.crl");
    std::fs::write(&crl_path, crl).unwrap();
    hang_up();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while identify().await == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "SIGHUP did not reload the CRLs"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A server short of file descriptors (a soft limit of 400, a systemd unit's 1024 in
/// small) is flooded with 300 idle TLS connections without a certificate and 300 that never
/// send a ClientHello. Before the connection limit, it took them all until `accept` failed
/// with EMFILE, and a terminal waited in the listen queue until the idle ones timed out
/// (10 s for silent ones, 30 s for idle TLS): no identification within 5 s. Now the limit
/// fits the open-file limit and the terminal pushes the oldest idle connection out.
#[tokio::test]
async fn a_server_short_of_file_descriptors_still_identifies_under_idle_connections() {
    let dir = tempfile::tempdir().unwrap();
    let started = start_binary(dir.path(), Some(400)).await;
    let card = Card::load("sato-hanako");
    enroll_at(&started, &card).await;

    let der =
        rustls::pki_types::pem::PemObject::from_pem_slice(started.pki.server_ca_pem.as_bytes())
            .map(|c: rustls::pki_types::CertificateDer<'static>| c)
            .unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(backend_kit::tls::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let addr = format!("127.0.0.1:{}", started.port);
    let mut idle = Vec::new();
    for _ in 0..300 {
        let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let handshake = connector.connect(name, tcp);
        // A handshake may lose its slot to the next ones; it is idle either way.
        if let Ok(Ok(s)) = tokio::time::timeout(std::time::Duration::from_secs(2), handshake).await
        {
            idle.push(s);
        }
    }
    let mut silent = Vec::new();
    for _ in 0..300 {
        silent.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    let identify = async {
        // A new client: a new connection, which must get a slot.
        let der =
            rustls::pki_types::pem::PemObject::from_pem_slice(started.pki.server_ca_pem.as_bytes())
                .map(|c: rustls::pki_types::CertificateDer<'static>| c.to_vec())
                .unwrap();
        let desk = client_with_identity(der, started.pki.terminal_identity("t1").unwrap());
        let ch = post_challenge(&desk, &started.base, "identify").await;
        post(
            &desk,
            &format!("{}/v1/identifications", started.base),
            &card.answer(&ch),
        )
        .await
    };
    let (s, _, v) = tokio::time::timeout(std::time::Duration::from_secs(5), identify)
        .await
        .expect("no identification within 5 s while idle connections are held");
    assert_eq!(s, 200, "{v}");
    drop((idle, silent, started));
}

async fn post_challenge(
    c: &reqwest::Client,
    base: &str,
    purpose: &str,
) -> counter_api::platform::ChallengeResponse {
    let (s, _, v) = post(
        c,
        &format!("{base}/v1/challenges"),
        &serde_json::json!({ "purpose": purpose }),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    serde_json::from_value(v).unwrap()
}
