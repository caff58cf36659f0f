//! A terminal enrolled with the two commands identifies a card at once:
//! `madoguchi-terminal-cert` (the built binary the app's package ships) makes its key and
//! request, the platform
//! operator's enrollment (the library calls `madoguchi-platform terminals enroll` makes:
//! the request checked and signed with the terminals' CA, the terminal registered in a
//! storage opened apart from the node's) lets it in, and the running node, which was not
//! restarted, accepts it within one poll; the terminal then identifies a persona's card
//! in our pcscd's vpcd reader over mutual TLS with the new certificate.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use backend_platform::config::Database;
use counter_api::platform::{ChallengePurpose, ChallengeRequest};
use counter_runtime::card::CardAccess;
use counter_runtime::config::Config;

use crate::support::{Env, PLATFORM, card_in_vpcd, json};

const PERSONA: &str = "sato-hanako";
const NEW: &str = "desk-enrolled-1";

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_enrolled_with_the_two_commands_identifies_a_card_at_once() {
    let (_reader_lock, reader, _slot) = card_in_vpcd(PERSONA);
    let env = Env::start().await;
    env.enrol(PERSONA).await;
    let dir = env.dir.path();

    // The new terminal's configuration: its own id, and TLS files it does not have yet.
    let text = std::fs::read_to_string(&env.config_path)
        .unwrap()
        .replace(
            "terminal_id = \"till-1\"",
            &format!("terminal_id = \"{NEW}\""),
        )
        .replace("database = \"counter.sqlite\"", "database = \"new.sqlite\"")
        .replace(
            "certificate = \"terminal.pem\"",
            "certificate = \"tls/new.pem\"",
        )
        .replace("key = \"terminal-key.pem\"", "key = \"tls/new-key.pem\"");
    let config = dir.join("new.toml");
    std::fs::write(&config, text).unwrap();
    assert!(
        Config::load(&config).unwrap().backends().is_err(),
        "no certificate yet"
    );

    // 1. The terminal: its key (0600, in a new 0700 folder) and its request.
    let csr = dir.join("new.csr");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_madoguchi-terminal-cert"));
    cmd.arg("--config").arg(&config).arg("--out").arg(&csr);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let said = json(&out);
    assert_eq!(said["ok"], true, "{said}");
    assert!(
        said["next"].as_str().unwrap().contains("tls/new.pem"),
        "{said}"
    );
    assert_eq!(mode(&dir.join("tls/new-key.pem")), 0o600);
    assert_eq!(mode(&dir.join("tls")), 0o700);

    // 2. The operator: the request checked and signed with the terminals' CA, the
    //    terminal registered in the platform's storage (not through the running node).
    let ca = backend_platform::terminal_certs::TerminalCa::load(
        &env.pki.terminal_ca_key_pem(),
        env.pki.terminal_ca_pem.as_bytes(),
    )
    .unwrap();
    let request =
        backend_platform::terminal_certs::check_request(&std::fs::read(&csr).unwrap(), NEW)
            .unwrap();
    let now = backend_kit::Clock::now(&backend_kit::SystemClock);
    // Any bytes make a serial; the operator's command draws them from the OS.
    let serial = [0x5A; backend_platform::terminal_certs::SERIAL_LEN];
    let issued = backend_platform::terminal_certs::issue(&ca, &request, 30, now, serial).unwrap();
    std::fs::write(dir.join("tls/new.pem"), &issued.pem).unwrap();
    let storage =
        backend_platform::storage::open(&Database::Sqlite(dir.join("platform.sqlite"))).unwrap();
    let written = backend_platform::terminals::register(&*storage, NEW, false, now).unwrap();

    // 3. The running node takes it with its next poll, without a restart (waited for on
    //    the node's own report of what it applied)...
    let mut applied = env._platform.platform().watch_applied();
    tokio::time::timeout(
        std::time::Duration::from_secs(2 * backend_platform::config::DEFAULT_POLL_SECONDS + 5),
        applied.wait_for(|a| a.terminals >= written.generation),
    )
    .await
    .expect("the node did not take the enrolled terminal within two polls")
    .unwrap();

    // ...and the new terminal identifies the card in the reader with its new certificate.
    let config = Config::load(&config).unwrap();
    let backends = config.backends().unwrap();
    let pin = jpki_card::AuthPin::new(&testkit::load_persona(PERSONA).unwrap().auth_pin).unwrap();
    let identified = counter_runtime::ident::identify(
        &backends,
        &CardAccess::Reader(reader),
        pin,
        &ChallengeRequest {
            purpose: ChallengePurpose::Identify,
            context: None,
        },
        PLATFORM,
        NEW,
        &counter_runtime::clock::SystemClock,
    )
    .await
    .unwrap();
    assert!(!identified.menu.is_empty(), "{identified:?}");
}

/// A terminal's configuration in `dir` whose `[tls] key` is `tls/key.pem` (not there yet).
fn enrollment_config(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("counter.toml");
    std::fs::write(
        &path,
        r#"terminal_id = "desk-full-1"
merchant_id = "shop-a"
database = "counter.sqlite"
[backends]
platform = "https://localhost:1"
platform_id = "pf"
insurer = "https://localhost:2"
acquirer = "https://localhost:3"
[tls]
ca = "ca.pem"
certificate = "tls/terminal.pem"
key = "tls/key.pem"
"#,
    )
    .unwrap();
    path
}

/// `madoguchi-terminal-cert` run by `sh`, after `limits` (shell commands).
fn terminal_cert(limits: &str, config: &Path, out: &Path) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(r#"{limits} exec "$0" --config "$1" --out "$2""#))
        .arg(env!("CARGO_BIN_EXE_madoguchi-terminal-cert"))
        .arg(config)
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn a_request_that_cannot_be_written_leaves_no_file_and_the_next_run_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let config = enrollment_config(dir.path());
    let csr = dir.path().join("desk.csr");
    let key = dir.path().join("tls/key.pem");
    // A file size limit of 0: creating the request works, writing a byte into it fails
    // (EFBIG; SIGXFSZ ignored, as the shell passes it on, so the write returns the error
    // instead of killing the process) — a write that fails, not an open.
    let out = terminal_cert("trap '' XFSZ; ulimit -f 0;", &config, &csr);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let said = json(&out);
    assert_eq!(said["ok"], false, "{said}");
    let detail = said["detail"].as_str().unwrap();
    assert!(detail.contains("cannot write"), "{said}");
    assert!(detail.contains("desk.csr"), "{said}");
    assert!(!csr.exists(), "the empty request stayed: {said}");
    assert!(!key.exists(), "a key was made without its request: {said}");

    // Run again without the limit: nothing of the first run is in the way.
    let out = terminal_cert("", &config, &csr);
    let said = json(&out);
    assert_eq!(said["ok"], true, "{said}");
    assert_eq!(mode(&key), 0o600);
    assert!(
        std::fs::read_to_string(&csr)
            .unwrap()
            .contains("CERTIFICATE REQUEST")
    );
}
