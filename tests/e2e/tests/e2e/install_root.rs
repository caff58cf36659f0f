//! The install test's root (made by scripts/install-test.sh, our packages installed in it):
//! the test PKI, the insurer's register (the repository's demo register: the package
//! carries none) and the packages' sample configurations adapted to them, written where the
//! packages expect them; the three servers started as their systemd units say (the
//! `ExecStart` line as `User=`, chrooted, since a chroot has no systemd); the terminal's
//! HTTPS clients, for enrolling the persona before the check.

use std::{
    fs,
    net::{Ipv4Addr, SocketAddr, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use backend_kit::devpki::DevPki;
use counter_api::assertion::KeySet;
use madoguchi_e2e::workspace_root;
use testkit::{Generation, Purpose, pki::root_certificate_file};

/// The platform's id in the samples (packaging/config/platform.toml).
pub const PLATFORM: &str = "pf-tokyo";
/// The terminal's id in the samples.
pub const TERMINAL: &str = "clinic-a-desk-1";
/// The signing key's id in the platform's sample.
const KEY_ID: &str = "pf-tokyo-1";
/// The reader the root's pcscd lists for Debian's vpcd entry on its first port (35963).
pub const VPCD_PORT: u16 = 35963;
/// The register the insurer in the root is given (its package carries none), from the
/// repository: copied to `/etc/madoguchi/insurer/insured.toml` and named by `demo_data`.
const REGISTER: &str = "crates/backend-insurer/data/demo-insured.toml";
/// How long a server gets to listen.
const LISTEN_LIMIT: Duration = Duration::from_secs(30);
/// How long a server gets to stop after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// The three servers: package name, listen port (their samples' `listen`).
pub const SERVERS: [(&str, u16); 3] = [
    ("madoguchi-insurer", 8444),
    ("madoguchi-acquirer", 8445),
    ("madoguchi-platform", 8443),
];

/// The root and what the test wrote in it.
pub struct Root {
    path: PathBuf,
}

impl Root {
    /// The root scripts/install-test.sh made (`MADOGUCHI_INSTALL_ROOT`).
    pub fn from_env() -> Root {
        let path = std::env::var_os("MADOGUCHI_INSTALL_ROOT")
            .map(PathBuf::from)
            .expect(
                "MADOGUCHI_INSTALL_ROOT is not set: this test runs inside the root that \
             scripts/install-test.sh makes (make install-test)",
            );
        assert!(
            path.join("usr/bin/madoguchi-app").is_file(),
            "{} has no /usr/bin/madoguchi-app: is the madoguchi-app package installed there?",
            path.display()
        );
        Root { path }
    }

    /// `inside` (an absolute path in the root) as seen from here.
    pub fn at(&self, inside: &str) -> PathBuf {
        self.path.join(inside.trim_start_matches('/'))
    }

    /// Runs `args` inside the root as root; panics with its output if it fails.
    pub fn run(&self, args: &[&str]) {
        self.output(args);
    }

    /// Runs `args` inside the root as root and gives its standard output; panics with its
    /// output if it fails.
    pub fn output(&self, args: &[&str]) -> String {
        let out = Command::new("chroot")
            .arg(&self.path)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "in the root: {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The sample configuration `name` the package installed, with each `(from, to)`
    /// replaced (each `from` must be in it: a sample that changed fails here), written
    /// to `/etc/madoguchi/<name>.toml`.
    fn configure(&self, package: &str, name: &str, edits: &[(&str, &str)]) {
        let sample = self.at(&format!("/usr/share/doc/{package}/examples/{name}.toml"));
        let mut text = fs::read_to_string(&sample)
            .unwrap_or_else(|e| panic!("the sample {}: {e}", sample.display()));
        for (from, to) in edits {
            assert!(
                text.contains(from),
                "the sample {name}.toml has no {from:?}"
            );
            text = text.replace(from, to);
        }
        fs::write(self.at(&format!("/etc/madoguchi/{name}.toml")), text).unwrap();
    }

    /// Writes `files` (path in the root, content) and gives their folder to `group`
    /// (root writes, the group reads, nobody else), as the package's postinst left it.
    fn secrets(&self, folder: &str, group: &str, files: &[(&str, &[u8])]) {
        for (inside, content) in files {
            let path = self.at(&format!("{folder}/{inside}"));
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, content).unwrap();
        }
        self.run(&["chown", "-R", &format!("root:{group}"), folder]);
        self.run(&["chmod", "-R", "u=rwX,g=rX,o=", folder]);
    }

    /// Asserts that `inside` is a folder of `owner`, group `group`, with mode `mode` (octal).
    fn assert_folder(&self, inside: &str, owner: &str, group: &str, mode: &str) {
        let found = self.output(&["stat", "-c", "%F %U %G %a", inside]);
        assert_eq!(
            found.trim(),
            format!("directory {owner} {group} {mode}"),
            "{inside} in the root, as the package's postinst left it"
        );
    }

    /// The test PKI and the four configurations: the samples, with the test's host
    /// (localhost), the O=JPKI-TEST roots, current test CRLs, and the reader `reader`.
    pub fn write_configuration(&self, reader: &str) {
        // The folders the README's steps install into, as the servers' postinst made them.
        for (package, _) in SERVERS {
            let name = package.trim_start_matches("madoguchi-");
            self.assert_folder(
                &format!("/etc/madoguchi/{name}/tls"),
                "root",
                package,
                "750",
            );
        }
        let crl = "/var/lib/madoguchi-platform/crl";
        let platform_user = "madoguchi-platform";
        self.assert_folder(crl, platform_user, platform_user, "750");
        let pki = DevPki::generate(&["localhost"]).unwrap();
        let server: [(&str, &[u8]); 4] = [
            ("tls/server.pem", pki.server_cert_pem.as_bytes()),
            ("tls/server.key", pki.server_key_pem.as_bytes()),
            ("tls/terminal-ca.pem", pki.terminal_ca_pem.as_bytes()),
            ("tls/services-ca.pem", pki.server_ca_pem.as_bytes()),
        ];
        let [platform, insurer, acquirer] = [
            ("https://platform.example:", "https://localhost:"),
            ("https://insurer.example:", "https://localhost:"),
            ("https://acquirer.example:", "https://localhost:"),
        ];

        // The platform: its signing key made by the installed binary, as an operator would.
        let (client, client_key) = pki.terminal_identity(PLATFORM).unwrap();
        let mut files: Vec<(String, Vec<u8>)> = server
            .iter()
            .map(|(p, c)| (p.to_string(), c.to_vec()))
            .collect();
        files.push(("tls/platform-client.pem".into(), client.into_bytes()));
        files.push(("tls/platform-client.key".into(), client_key.into_bytes()));
        let roots = test_roots();
        for (name, pem) in &roots {
            files.push((format!("jpki/roots/{name}"), pem.clone()));
        }
        let borrowed: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_slice()))
            .collect();
        self.secrets("/etc/madoguchi/platform", "madoguchi-platform", &borrowed);
        self.run(&[
            "/usr/bin/madoguchi-platform",
            "keygen",
            "--key",
            "/etc/madoguchi/platform/assertion.pem",
            "--secret",
            "/etc/madoguchi/platform/pseudonym.secret",
        ]);
        self.secrets("/etc/madoguchi/platform", "madoguchi-platform", &[]);
        let now = backend_kit::Clock::now(&backend_kit::SystemClock);
        counter_demo::backends::write_crls(&self.at(crl), now).unwrap();
        self.run(&["chown", "-R", "madoguchi-platform:madoguchi-platform", crl]);
        // The platform names the services it confirms links at.
        let mut edits = vec![insurer, acquirer];
        edits.push(("environment = \"production\"", "environment = \"test\""));
        edits.push((
            "# trust_anchors = \"platform/jpki/roots\"",
            "trust_anchors = \"platform/jpki/roots\"",
        ));
        self.configure("madoguchi-platform", "platform", &edits);

        // The services trust the platform's key set. The insurer's package carries no
        // register of insured persons: it gets the repository's demo register as a file of
        // its own, named by `demo_data`, like an operator's.
        let pem = fs::read_to_string(self.at("/etc/madoguchi/platform/assertion.pem")).unwrap();
        let signer = backend_platform::signing::signer_from_pem(KEY_ID, &pem).unwrap();
        let keys = serde_json::to_vec(&KeySet::of(PLATFORM, &signer)).unwrap();
        let register_path = workspace_root().join(REGISTER);
        let register = fs::read(&register_path)
            .unwrap_or_else(|e| panic!("the register {}: {e}", register_path.display()));
        let register_edit = [(
            "# demo_data = \"insurer/insured.toml\"",
            "demo_data = \"insurer/insured.toml\"",
        )];
        for service in ["insurer", "acquirer"] {
            let mut files: Vec<(&str, &[u8])> = server.to_vec();
            files.push(("platforms/pf-tokyo.json", &keys));
            let mut edits: &[(&str, &str)] = &[];
            if service == "insurer" {
                files.push(("insured.toml", &register));
                edits = &register_edit;
            }
            self.secrets(
                &format!("/etc/madoguchi/{service}"),
                &format!("madoguchi-{service}"),
                &files,
            );
            self.configure(&format!("madoguchi-{service}"), service, edits);
        }

        // The terminal.
        let (certificate, key) = pki.terminal_identity(TERMINAL).unwrap();
        self.secrets(
            "/etc/madoguchi/counter",
            "madoguchi-counter",
            &[
                ("backend-ca.pem", pki.server_ca_pem.as_bytes()),
                ("terminal.pem", certificate.as_bytes()),
                ("terminal-key.pem", key.as_bytes()),
            ],
        );
        let mut edits = vec![platform, insurer, acquirer];
        let reader_line = format!("reader = {reader}");
        edits.push((
            "reader = [\"ACS ACR39U ICC Reader*\", \"*PaSoRi*\"]",
            &reader_line,
        ));
        self.configure("madoguchi-app", "counter", &edits);
    }

    /// The terminal's HTTPS clients, from the configuration written in the root (its
    /// paths seen from here).
    pub fn terminal_backends(&self) -> counter_runtime::http::Backends {
        let mut config =
            counter_runtime::config::Config::load(&self.at("/etc/madoguchi/counter.toml")).unwrap();
        let tls = &mut config.file.tls;
        for path in [&mut tls.ca, &mut tls.certificate, &mut tls.key] {
            *path = self.at(&path.to_string_lossy());
        }
        config.backends().unwrap()
    }

    /// Starts the server `package` as its unit says and waits until it listens on `port`.
    pub fn start_server(&self, package: &str, port: u16) -> Server {
        let unit = fs::read_to_string(self.at(&format!("/lib/systemd/system/{package}.service")))
            .unwrap_or_else(|e| panic!("{package}'s unit: {e}"));
        let key = |name: &str| -> String {
            unit.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}=")))
                .unwrap_or_else(|| panic!("{package}'s unit has no {name}="))
                .to_owned()
        };
        let (user, group, exec) = (key("User"), key("Group"), key("ExecStart"));
        let (umask, dir) = (key("UMask"), key("WorkingDirectory"));
        let logs = workspace_root().join(".run/logs");
        fs::create_dir_all(&logs).unwrap();
        let log_path = logs.join(format!("install-{package}.log"));
        let log = fs::File::create(&log_path).unwrap();
        // As systemd would: the unit's user, umask and working directory, its command.
        let child = Command::new("chroot")
            .arg(format!("--userspec={user}:{group}"))
            .arg(&self.path)
            .args([
                "/bin/sh",
                "-c",
                &format!("umask {umask} && cd {dir} && exec {exec}"),
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut server = Server {
            name: package.to_owned(),
            child,
        };
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + LISTEN_LIMIT;
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!(
                    "{package} exited at start ({status}): {}",
                    fs::read_to_string(&log_path).unwrap_or_default()
                );
            }
            if TcpStream::connect_timeout(&address, Duration::from_millis(100)).is_ok() {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "{package} does not listen on {address} after {LISTEN_LIMIT:?}; see {}",
                log_path.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The O=JPKI-TEST root certificates (not their keys): every purpose and generation's
/// committed file, by file name, and its PEM.
fn test_roots() -> Vec<(String, Vec<u8>)> {
    let fixtures = testkit::fixtures_dir();
    let mut roots = Vec::new();
    for purpose in Purpose::ALL {
        for generation in Generation::ALL {
            let path = fixtures.join(root_certificate_file(purpose, generation));
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let pem = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            roots.push((name, pem));
        }
    }
    roots
}

/// A server process, stopped with SIGTERM when dropped (as systemd stops a unit), killed
/// if it outlives [`STOP_GRACE`] ([`madoguchi_e2e::stop`]).
pub struct Server {
    name: String,
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        madoguchi_e2e::stop(&self.name, &mut self.child, STOP_GRACE);
    }
}

/// A virtual card (`madoguchi-vcard`, built beside this test) in the root's vpcd reader,
/// taken out when dropped.
pub struct Card(Child);

impl Card {
    /// Puts `persona`'s card into the reader on vpcd's port [`VPCD_PORT`].
    pub fn place(persona: &str) -> Card {
        let exe = std::env::current_exe().unwrap();
        let vcard = exe
            .parent()
            .and_then(Path::parent)
            .map(|profile| profile.join("madoguchi-vcard"))
            .unwrap();
        assert!(
            vcard.is_file(),
            "{} is not built (cargo build -p jpki-card-sim)",
            vcard.display()
        );
        let child = Command::new(vcard)
            .arg("--persona")
            .arg(testkit::personas_dir().join(format!("{persona}.toml")))
            .args(["--port", &VPCD_PORT.to_string()])
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        Card(child)
    }
}

impl Drop for Card {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
