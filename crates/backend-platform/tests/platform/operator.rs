//! The operator's commands, run as the built `madoguchi-platform` beside a running node on
//! the suite's storage: `terminals add|disable|list|enroll` and `crl publish` write the
//! storage, and the node honours them within one poll, without a restart or a reload of
//! its own. `roots add` checks a J-LIS root and puts it in the configuration's folder,
//! and a certificate under a root compiled in nowhere is accepted only once it is added.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use backend_platform::config::Database;
use backend_platform::operator::{Enrollment, OperatorError, enroll_terminal};
use counter_api::platform::{ChallengePurpose, ChallengeRequest, ChallengeResponse};

use crate::node_support::*;
use crate::support::*;

const NEW: &str = "clinic-b-desk-9";

/// A configuration file in `dir` for `env`'s storage, roots and CRL folder (TLS and keys
/// of its own: the commands read the file whole, and use its storage, roots and folder).
pub fn write_config(env: &Env, dir: &Path) -> std::path::PathBuf {
    let s = &env.settings;
    let database = match &s.database {
        Database::Sqlite(path) => format!("[database]\nsqlite = {:?}\npoll_seconds = 1\n", path),
        Database::Postgres(pg) => format!(
            "[database]\npostgres = {:?}\nschema = {:?}\npoll_seconds = 1\n",
            pg.connection,
            pg.schema.clone().unwrap_or_default()
        ),
    };
    let tls = Tls {
        certificate: &s.tls_certificate_pem,
        key: &s.tls_private_key_pem,
        terminal_ca: &s.terminal_ca_pem,
    };
    let crl = format!("crl_dir = {:?}", env.dir.path().join("crl"));
    config_in(dir, &tls, &crl, &database)
}

/// The server's TLS files a configuration names.
struct Tls<'a> {
    certificate: &'a [u8],
    key: &'a [u8],
    terminal_ca: &'a [u8],
}

/// Writes `dir/platform.toml` and what it names: `tls`, an assertion key and a pseudonym
/// secret made by the built `keygen`, testkit's roots, `crl` (the `[jpki]` line saying
/// where CRLs come from) and `database` (the `[database]` table).
fn config_in(dir: &Path, tls: &Tls<'_>, crl: &str, database: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("server.pem"), tls.certificate).unwrap();
    std::fs::write(dir.join("server.key"), tls.key).unwrap();
    std::fs::write(dir.join("terminal-ca.pem"), tls.terminal_ca).unwrap();
    keygen_in(dir);
    let text = format!(
        r#"platform_id = "pf-tokyo"
listen = "127.0.0.1:8443"

[tls]
certificate = "server.pem"
private_key = "server.key"
terminal_ca = "terminal-ca.pem"

[jpki]
environment = "test"
trust_anchors = {roots:?}
{crl}

[signing]
private_key = "assertion.pem"
key_id = "pf-tokyo-op"
pseudonym_secret = "pseudonym.secret"

{database}"#,
        roots = testkit::fixtures_dir().join("roots"),
    );
    let path = dir.join("platform.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The built `madoguchi-platform` with `args`, `--config config` after the subcommand.
fn command<S: AsRef<std::ffi::OsStr>>(config: &Path, args: &[S]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_madoguchi-platform"));
    cmd.args(&args[..args.len().min(2)])
        .arg("--config")
        .arg(config);
    cmd.args(args.get(2..).unwrap_or_default());
    cmd
}

pub fn run<S: AsRef<std::ffi::OsStr>>(config: &Path, args: &[S]) -> Output {
    command(config, args).output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn stderr_of_failure(o: &Output) -> String {
    assert!(
        !o.status.success(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8(o.stderr.clone()).unwrap()
}

async fn challenge_status(c: &reqwest::Client, env: &Env) -> u16 {
    let req = ChallengeRequest {
        purpose: ChallengePurpose::Identify,
        context: None,
    };
    post(c, &env.url("/v1/challenges"), &req).await.0.as_u16()
}

#[tokio::test]
async fn the_terminals_and_crl_commands_write_the_storage_the_running_node_follows() {
    let env = env_polling().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&env, dir.path());
    let db = env.settings.database.clone();
    let node = &env.running;
    let c = env.client(Some(NEW));
    assert_eq!(challenge_status(&c, &env).await, 403);

    // terminals add: accepted within one poll.
    let out = stdout(&run(&config, &["terminals", "add", "--id", NEW]));
    assert!(
        out.starts_with(&format!(
            "registered terminal {NEW} (admin: no) at generation"
        )),
        "{out}"
    );
    let g = stored_generation(&db, "terminals");
    let before = polls(node);
    let got = wait_until(node, "the node holds the added terminal", |x| {
        x.terminals >= g
    })
    .await;
    assert_within_one_poll("terminals add", before, &got);
    assert_eq!(challenge_status(&c, &env).await, 200);

    // terminals list: every terminal, who manages it.
    let out = stdout(&run(&config, &["terminals", "list"]));
    assert!(
        out.contains(&format!("\n{NEW}\tfalse\ttrue\toperator\t")),
        "{out}"
    );
    assert!(
        out.contains(&format!("\n{T1}\ttrue\ttrue\tconfig\t")),
        "{out}"
    );
    assert!(
        out.starts_with(&format!("# terminals at generation {g}\n")),
        "{out}"
    );

    // terminals disable: refused within one poll.
    let out = stdout(&run(&config, &["terminals", "disable", "--id", NEW]));
    assert!(
        out.starts_with(&format!("disabled terminal {NEW}")),
        "{out}"
    );
    let g = stored_generation(&db, "terminals");
    let before = polls(node);
    let got = wait_until(node, "the node holds the disable", |x| x.terminals >= g).await;
    assert_within_one_poll("terminals disable", before, &got);
    assert_eq!(challenge_status(&c, &env).await, 403);

    // Refusals say what is wrong and change nothing.
    let err = stderr_of_failure(&run(&config, &["terminals", "disable", "--id", "nobody"]));
    assert!(
        err.contains("no terminal \"nobody\" is registered"),
        "{err}"
    );
    let err = stderr_of_failure(&run(&config, &["terminals", "add", "--id", "desk 1"]));
    assert!(err.contains("terminal id \"desk 1\""), "{err}");
    assert_eq!(stored_generation(&db, "terminals"), g);

    // crl publish: a card revoked in the folder is refused once the node polled, though
    // the node itself reloaded nothing.
    let card = Card::load("sato-hanako");
    let t1 = env.client(Some(T1));
    assert_eq!(enroll(&env, &t1, &card).await.0, 200);
    let (m, generation) = testkit::personas::municipality("sato-hanako").unwrap();
    std::fs::write(
        env.dir
            .path()
            .join("crl")
            .join(format!("auth-{}-{}.crl", m.prefecture, m.city)),
        crl(
            testkit::Purpose::Auth,
            &m.prefecture,
            &m.city,
            generation,
            &[card.auth_serial()],
        ),
    )
    .unwrap();
    let out = stdout(&run(&config, &["crl", "publish"]));
    assert!(out.starts_with("published "), "{out}");
    let g = stored_generation(&db, "crls");
    let before = polls(node);
    let got = wait_until(node, "the node takes the published CRLs", |x| x.crls >= g).await;
    assert_within_one_poll("crl publish", before, &got);
    let (s, _, v) = post(
        &t1,
        &env.url("/v1/challenges"),
        &ChallengeRequest {
            purpose: ChallengePurpose::Identify,
            context: None,
        },
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let ch: ChallengeResponse = serde_json::from_value(v).unwrap();
    assert_problem(
        &post(&t1, &env.url("/v1/identifications"), &card.answer(&ch)).await,
        422,
        "certificate_revoked",
    );
    let out = stdout(&run(&config, &["crl", "publish"]));
    assert!(out.contains("nothing changed"), "{out}");
    assert_eq!(stored_generation(&db, "crls"), g);
    // --force publishes the same set again: every node reads and verifies it anew.
    let out = stdout(&run(&config, &["crl", "publish", "--force"]));
    assert!(out.starts_with("published "), "{out}");
    assert_eq!(stored_generation(&db, "crls"), g + 1);
    wait_until(node, "the node takes the republished CRLs", |x| x.crls > g).await;
    env.shutdown().await;
}

/// A client trusting `env`'s server CA, presenting `cert` (PEM) and `key` (PEM).
fn client_of(env: &Env, cert: &str, key: &str) -> reqwest::Client {
    client_with_identity(env.server_ca.der.clone(), (cert.to_owned(), key.to_owned()))
}

#[tokio::test]
async fn terminals_enroll_signs_the_terminals_request_and_the_running_node_accepts_it_within_one_poll()
 {
    let env = env_polling().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&env, dir.path());
    let node = &env.running;
    // The terminal's side: its key and request (what `madoguchi-terminal-cert` writes).
    let key_path = dir.path().join("terminal/key.pem");
    let req_path = dir.path().join("desk-9.csr");
    counter_runtime::certificate_request::make(NEW, &key_path, &req_path).unwrap();
    let ca_key = dir.path().join("terminal-ca.key");
    std::fs::write(&ca_key, env.terminal_ca.key_pem()).unwrap();
    let out = dir.path().join("desk-9.pem");
    let enroll = |id: &str, out: &Path| {
        let mut args = vec!["terminals", "enroll", "--id", id, "--request"];
        let paths = [req_path.clone(), ca_key.clone(), out.to_owned()];
        let strs: Vec<&str> = paths.iter().map(|p| p.to_str().unwrap()).collect();
        args.push(strs[0]);
        args.extend(["--ca-key", strs[1], "--out", strs[2]]);
        run(&config, &args)
    };

    // A request for another terminal than the operator names: nothing signed, nothing
    // registered, no file.
    let g = stored_generation(&env.settings.database, "terminals");
    let err = stderr_of_failure(&enroll("clinic-b-desk-8", &out));
    assert!(err.contains("not \"clinic-b-desk-8\""), "{err}");
    assert!(!out.exists());
    assert_eq!(stored_generation(&env.settings.database, "terminals"), g);

    // Signed (with the configuration's terminal_ca as the CA certificate) and registered.
    let said = stdout(&enroll(NEW, &out));
    assert!(
        said.contains(&format!("for terminal {NEW} to ")) && said.contains("registered"),
        "{said}"
    );
    let g = stored_generation(&env.settings.database, "terminals");
    let before = polls(node);
    let got = wait_until(node, "the node holds the enrolled terminal", |x| {
        x.terminals >= g
    })
    .await;
    assert_within_one_poll("terminals enroll", before, &got);
    let cert = std::fs::read_to_string(&out).unwrap();
    let key = std::fs::read_to_string(&key_path).unwrap();
    assert_eq!(
        challenge_status(&client_of(&env, &cert, &key), &env).await,
        200
    );
    let listed = stdout(&run(&config, &["terminals", "list"]));
    let sha256 = backend_kit::serve::ClientIdentity::from_der(
        &backend_kit::tls::certificates("terminal", cert.as_bytes()).unwrap()[0],
    )
    .sha256;
    assert!(
        listed.contains(&format!("\n{NEW}\tfalse\ttrue\toperator\t"))
            && listed.contains(&format!("\t{sha256}\n")),
        "{listed}"
    );

    // The certificate file is never overwritten.
    let err = stderr_of_failure(&enroll(NEW, &out));
    assert!(err.contains("refusing to overwrite"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), cert);

    // The PC is replaced (the old one stolen): the new PC's request, enrolled under the same
    // id, shuts out the old certificate at the running node within one poll.
    let new_key_path = dir.path().join("replacement/key.pem");
    std::fs::remove_file(&req_path).unwrap();
    counter_runtime::certificate_request::make(NEW, &new_key_path, &req_path).unwrap();
    let new_out = dir.path().join("desk-9-replacement.pem");
    let said = stdout(&enroll(NEW, &new_out));
    assert!(
        said.contains("refuses every certificate issued to"),
        "{said}"
    );
    let g = stored_generation(&env.settings.database, "terminals");
    let before = polls(node);
    let got = wait_until(node, "the node holds the replacement", |x| x.terminals >= g).await;
    assert_within_one_poll("terminals enroll of a replacement", before, &got);
    let new_cert = std::fs::read_to_string(&new_out).unwrap();
    let new_key = std::fs::read_to_string(&new_key_path).unwrap();
    assert_eq!(
        challenge_status(&client_of(&env, &new_cert, &new_key), &env).await,
        200
    );
    assert_eq!(
        challenge_status(&client_of(&env, &cert, &key), &env).await,
        403
    );
    env.shutdown().await;
}

#[tokio::test]
async fn roots_add_prints_the_fingerprint_and_refuses_a_root_outside_the_jlis_profile() {
    let env = env_polling().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&env, dir.path());
    // A production configuration that names a folder of added roots.
    let roots = dir.path().join("added-roots");
    let text: String = std::fs::read_to_string(&config)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("trust_anchors"))
        .map(|l| match l {
            "environment = \"test\"" => {
                format!("environment = \"production\"\nadded_roots = {roots:?}\n")
            }
            l => format!("{l}\n"),
        })
        .collect();
    std::fs::write(&config, text).unwrap();
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("../jpki-cert/anchors/signca03-2023.pem");
    let said = stdout(&run(&config, &["roots", "add", real.to_str().unwrap()]));
    assert!(
        said.contains("SHA-256 D2:27:F6:CD:E1:1D:35:C5:25:21:78:F1:06:F8:43:D2:46:51:94:49:75:41:3B:53:9F:A2:FB:68:DB:FA:36:5F"),
        "{said}"
    );
    assert!(said.contains("signature root"), "{said}");
    assert!(roots.join("signca03-2023.pem").is_file());
    // A file outside the profile: the error names the flaw, nothing is copied.
    let bad = testkit::fixtures_dir().join("bad-roots/authca-1024-bit.pem");
    let err = stderr_of_failure(&run(&config, &["roots", "add", bad.to_str().unwrap()]));
    assert!(err.contains("RSA-1024"), "{err}");
    assert!(!roots.join("authca-1024-bit.pem").exists());
    // A fingerprint given that the file does not have: refused.
    let auth = real.with_file_name("authca03-2023.pem");
    let err = stderr_of_failure(&run(
        &config,
        &["roots", "add", "--sha256", "00:11", auth.to_str().unwrap()],
    ));
    assert!(err.contains("not the 00:11 given with --sha256"), "{err}");
    assert!(!roots.join("authca03-2023.pem").exists());
    // A root compiled in nowhere (testkit's added root) and a certificate issued under
    // it: the platform's roots refuse it until `roots add` puts the root in the folder.
    let added = testkit::AddedRoot::load().unwrap();
    let leaf = testkit::CertSpec::under_added_root()
        .unwrap()
        .issue_under(pki(), &added)
        .unwrap();
    let auth_store = || {
        backend_platform::Settings::load(&config)
            .unwrap()
            .auth_store
    };
    let verify = |store: jpki_cert::TrustStore| {
        jpki_cert::Verifier::new(store).verify(
            &leaf,
            madoguchi_time::UnixTime::from_secs(1_796_083_200), // 2026-12-01
            &jpki_cert::NoRevocationCheck,
        )
    };
    let before = auth_store();
    let verdict = verify(before.clone());
    assert_eq!(
        verdict.refusal(),
        Some(&jpki_cert::Refusal::UntrustedRoot),
        "{verdict:?}"
    );
    let path = testkit::AddedRoot::path();
    let said = stdout(&run(&config, &["roots", "add", path.to_str().unwrap()]));
    for expected in [
        "J-LIS user-authentication root, serial ",
        "compare this fingerprint with the one J-LIS publishes for this root before you trust it",
        "it was added to ",
    ] {
        assert!(said.contains(expected), "missing {expected:?} in:\n{said}");
    }
    assert!(roots.join("authca-added.pem").is_file());
    let after = auth_store();
    assert_eq!(after.anchors().len(), before.anchors().len() + 1);
    let verdict = verify(after);
    let accepted = verdict
        .accepted()
        .unwrap_or_else(|| panic!("refused once added: {verdict:?}"));
    assert_eq!(accepted.root, "authca-added");
    // Added again: the same file, left as it is.
    let said = stdout(&run(&config, &["roots", "add", path.to_str().unwrap()]));
    assert!(said.contains("it is already in "), "{said}");
    // A target that cannot be read (here a folder under the root's name) is reported,
    // not taken as absent and written over.
    let clash = dir.path().join("clash.pem");
    std::fs::copy(&path, &clash).unwrap();
    std::fs::create_dir(roots.join("clash.pem")).unwrap();
    let err = stderr_of_failure(&run(&config, &["roots", "add", clash.to_str().unwrap()]));
    assert!(
        err.contains("cannot read") && err.contains("clash.pem"),
        "{err}"
    );
    assert!(roots.join("clash.pem").is_dir());
    std::fs::remove_dir(roots.join("clash.pem")).unwrap();
    // The platform starts on the folder; a root put there by hand that does not fit
    // stops it, and the error names the key and the file.
    backend_platform::Settings::load(&config).unwrap();
    std::fs::copy(&bad, roots.join("by-hand.pem")).unwrap();
    let err = backend_platform::Settings::load(&config)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("jpki.added_roots") && err.contains("by-hand.pem"),
        "{err}"
    );
    assert!(err.contains("platform.toml"), "{err}");
    env.shutdown().await;
}

/// A platform configuration in `d` (its own development PKI) on a SQLite storage of its
/// own, whatever the suite's (the lock the enrollment tests take is SQLite's). Returns the
/// configuration, the database and the PKI.
fn sqlite_config(d: &Path) -> (PathBuf, PathBuf, backend_kit::devpki::DevPki) {
    let pki = backend_kit::devpki::DevPki::generate(&["localhost"]).unwrap();
    let tls = Tls {
        certificate: pki.server_cert_pem.as_bytes(),
        key: pki.server_key_pem.as_bytes(),
        terminal_ca: pki.terminal_ca_pem.as_bytes(),
    };
    let db = d.join("platform.sqlite");
    let config = config_in(
        d,
        &tls,
        "crl_from = \"storage\"",
        &format!("[database]\nsqlite = {db:?}\n"),
    );
    (config, db, pki)
}

/// [`sqlite_config`] with its storage made and migrated already, so that an enrollment
/// only reads until it registers; and the enrollment of [`NEW`], its certificate to
/// `d/desk-9.pem`. Returns the configuration, the database and the enrollment.
fn sqlite_enrollment(d: &Path) -> (PathBuf, PathBuf, Enrollment) {
    let (config, db, pki) = sqlite_config(d);
    let ca_key = d.join("terminal-ca.key");
    std::fs::write(&ca_key, pki.terminal_ca_key_pem()).unwrap();
    let listed = run(&config, &["terminals", "list"]);
    assert!(listed.status.success(), "{listed:?}");
    let request = d.join("desk-9.csr");
    counter_runtime::certificate_request::make(NEW, &d.join("terminal/key.pem"), &request).unwrap();
    let enrollment = Enrollment {
        request,
        id: NEW.into(),
        ca_key,
        ca_cert: None,
        out: d.join("desk-9.pem"),
        admin: false,
        days: 30,
    };
    (config, db, enrollment)
}

/// The arguments of `terminals enroll` for `e`, as the operator types them.
fn enroll_args(e: &Enrollment) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = ["terminals", "enroll", "--id", &e.id]
        .iter()
        .map(Into::into)
        .collect();
    for (flag, path) in [
        ("--request", &e.request),
        ("--ca-key", &e.ca_key),
        ("--out", &e.out),
    ] {
        args.extend([flag.into(), path.into()]);
    }
    args
}

/// Another writer holding the SQLite database `db` (`BEGIN IMMEDIATE`) until dropped: a
/// registration waits for its busy timeout, then fails.
fn hold_sqlite(db: &Path) -> rusqlite::Connection {
    let holder = rusqlite::Connection::open(db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    holder
}

/// A registration that fails after `terminals enroll` wrote the certificate (another
/// writer holds the SQLite storage past its busy timeout) takes the certificate back:
/// nothing is registered, and no file blocks the next try, which succeeds.
#[test]
fn terminals_enroll_takes_its_certificate_back_when_the_registration_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (config, db, enrollment) = sqlite_enrollment(dir.path());
    let out = enrollment.out.clone();

    let holder = hold_sqlite(&db);
    let e = enroll_terminal(&config, &enrollment, &backend_kit::SystemClock).unwrap_err();
    assert!(matches!(e, OperatorError::Terminal(_)), "{e:?}");
    assert!(
        !out.exists(),
        "the certificate of an unregistered terminal stayed"
    );
    drop(holder);

    let said = enroll_terminal(&config, &enrollment, &backend_kit::SystemClock).unwrap();
    assert!(said.contains("registered terminal"), "{said}");
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );
}

/// Waits (up to a minute) for `child` to create `file`, then puts a folder with a file in
/// it in its place: `remove_file` cannot take that, even for root, so the command's undo
/// leaves it. The command must still be waiting when the file is replaced (here on a held
/// SQLite lock, whose busy timeout of 5 s is the test's margin).
fn replace_once_created(child: &mut Child, file: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !file.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "the command ended ({status}) before it created {}",
                file.display()
            );
        }
        assert!(
            Instant::now() < deadline,
            "the command did not create {} within a minute",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::fs::remove_file(file).unwrap_or_else(|e| {
        panic!(
            "cannot replace {} ({e}): the command took it back first, more than its 5 s \
             busy timeout after writing it (a stalled machine, not the code under test)",
            file.display()
        )
    });
    std::fs::create_dir(file).unwrap();
    std::fs::write(file.join("inside"), b"").unwrap();
}

/// Asserts that `o` is the failure of a command that could not take back `file`: exit
/// status 1, and stderr saying `what` did not happen, naming `file` with the system's
/// reason, and telling to remove it before trying again.
fn assert_left_behind(o: &Output, what: &str, file: &Path) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("madoguchi-platform: {what}: ")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "; and {} (Is a directory (os error 21)) could not be removed: remove it before trying again",
            file.display()
        )),
        "{err}"
    );
}

/// `terminals enroll`, run as the operator runs it, whose registration fails after its
/// certificate was written (another writer holds the SQLite storage past its busy
/// timeout) and whose certificate cannot be taken back: it says the terminal was not
/// registered, names the file and says to remove it; once it is removed and the storage
/// free, the next run succeeds.
#[test]
fn terminals_enroll_names_the_certificate_it_could_not_take_back() {
    let dir = tempfile::tempdir().unwrap();
    let (config, db, enrollment) = sqlite_enrollment(dir.path());
    let (out, args) = (enrollment.out.clone(), enroll_args(&enrollment));

    let holder = hold_sqlite(&db);
    let mut child = command(&config, &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    replace_once_created(&mut child, &out);
    let failed = child.wait_with_output().unwrap();
    assert_left_behind(&failed, "the terminal was not registered", &out);
    assert!(
        String::from_utf8_lossy(&failed.stderr).contains("database is locked"),
        "{failed:?}"
    );
    assert!(failed.stdout.is_empty(), "{failed:?}");
    assert!(out.join("inside").is_file(), "the folder was touched");
    let listed = stdout(&run(&config, &["terminals", "list"]));
    assert!(!listed.contains(NEW), "registered after all:\n{listed}");

    // What the message says to do, then the same command again.
    std::fs::remove_dir_all(&out).unwrap();
    drop(holder);
    let said = stdout(&run(&config, &args));
    assert!(
        said.contains(&format!("registered terminal {NEW} (admin: no)")),
        "{said}"
    );
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );
}

/// `roots add` has no step after its write: once its file exists, the write itself is the
/// one thing that can fail (so no test can make it leave its file behind). Under a file
/// size limit (the shell's `ulimit -f 1`: 512 bytes under dash, 1024 under bash, less than
/// a root's PEM) the write really fails: the half-written root is taken back (a half root
/// would stop the platform's start), and the message gives the system's reason and the
/// advice for it. Without the limit, the same command adds the root.
#[test]
fn roots_add_takes_back_a_root_it_could_not_write_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (config, _, _) = sqlite_config(dir.path());
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "environment = \"test\"\n",
        "environment = \"test\"\nadded_roots = \"added-roots\"\n",
    );
    std::fs::write(&config, text).unwrap();
    let roots = dir.path().join("added-roots");
    let target = roots.join("authca-added.pem");
    let args = [
        "roots".into(),
        "add".into(),
        std::ffi::OsString::from(testkit::AddedRoot::path()),
    ];

    let cmd = command(&config, &args);
    let limited = Command::new("sh")
        .arg("-c")
        // SIGXFSZ ignored (kept across exec): the write past the limit fails with EFBIG
        // instead of ending the command.
        .arg(r#"trap '' XFSZ; ulimit -f 1 && exec "$0" "$@""#)
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&limited.stderr);
    assert_eq!(limited.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "madoguchi-platform: cannot write {}: File too large (os error 27). Free space on \
             that disk (or raise the quota or the file size limit it hit) and try again",
            target.display()
        )),
        "{err}"
    );
    assert!(!target.exists(), "the half-written root stayed");
    assert_eq!(std::fs::read_dir(&roots).unwrap().count(), 0);

    let said = stdout(&run(&config, &args));
    assert!(said.contains("it was added to "), "{said}");
    let pem = std::fs::read_to_string(&target).unwrap();
    assert!(pem.ends_with("-----END CERTIFICATE-----\n"), "{pem}");
    assert!(
        pem.len() > 1024,
        "the root fits under the limit: the test shows nothing"
    );
}
