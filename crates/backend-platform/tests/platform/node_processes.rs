//! Platform nodes as processes: the real `madoguchi-platform serve` binary, two or more on
//! one PostgreSQL schema with the same configuration (each its own port), the acquirer that
//! confirms their enrollments' links in-process, and the real HAProxy in front through
//! `scripts/haproxy.sh` (its folder in the test's own temporary folder).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use backend_kit::devpki::DevPki;
use backend_platform::config::{Database, PostgresSettings};

use crate::support::*;

/// Whether HAProxy is installed. Missing: `false`, with a message saying what is skipped,
/// unless `MADOGUCHI_HAPROXY_REQUIRED=1` (as under `make test`), which fails instead.
pub fn haproxy_available(what: &str) -> bool {
    let found = Command::new("haproxy")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return true;
    }
    if std::env::var("MADOGUCHI_HAPROXY_REQUIRED").as_deref() == Ok("1") {
        panic!(
            "{what} needs HAProxy and MADOGUCHI_HAPROXY_REQUIRED=1, but haproxy is not installed: run make deps (apt package haproxy)"
        );
    }
    eprintln!(
        "SKIPPED: {what} (haproxy is not installed: make deps installs it, apt package haproxy)"
    );
    false
}

/// A free port on loopback (bound, then let go for the process that takes it).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// One node: `madoguchi-platform serve`, its output in `node-N.log`.
pub struct Node {
    child: Child,
    pub port: u16,
}

impl Node {
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }

    /// SIGKILL: the process ends at once, with its connections and what it held.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// HAProxy of `scripts/haproxy.sh`, stopped on drop.
pub struct Haproxy {
    run_dir: PathBuf,
    pub url: String,
    pub stats: PathBuf,
}

impl Haproxy {
    fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/haproxy.sh")
    }

    /// Starts it in front of `nodes` (their ports on loopback), its health checks TLS with
    /// `node_ca`.
    pub fn start(run_dir: &Path, nodes: &[u16], node_ca: &Path) -> Haproxy {
        Self::start_with_idle(run_dir, nodes, node_ca, 60)
    }

    /// [`Haproxy::start`], idle connections kept `idle_secs` seconds.
    pub fn start_with_idle(
        run_dir: &Path,
        nodes: &[u16],
        node_ca: &Path,
        idle_secs: u32,
    ) -> Haproxy {
        let list: Vec<String> = nodes.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let out = Command::new(Self::script())
            .arg("start")
            .env("MADOGUCHI_HAPROXY_IDLE_S", idle_secs.to_string())
            .env("MADOGUCHI_RUN_DIR", run_dir)
            .env("MADOGUCHI_PLATFORM_NODES", list.join(" "))
            .env("MADOGUCHI_HAPROXY_PORT", free_port().to_string())
            .env("MADOGUCHI_HAPROXY_NODE_CA", node_ca)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "haproxy.sh start: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let var = |name: &str| {
            stdout
                .lines()
                .find_map(|l| l.strip_prefix(&format!("export {name}=")))
                .map(|v| v.trim_matches('\'').to_owned())
                .unwrap_or_else(|| panic!("haproxy.sh printed no {name}: {stdout}"))
        };
        Haproxy {
            run_dir: run_dir.to_owned(),
            url: var("MADOGUCHI_HAPROXY_URL"),
            stats: var("MADOGUCHI_HAPROXY_STATS").into(),
        }
    }

    /// `show stat` on the stats socket: (server name, status, sessions in all) of each
    /// server of the nodes' backend.
    pub fn servers(&self) -> Vec<(String, String, u64)> {
        use std::io::{Read, Write};
        let mut s = std::os::unix::net::UnixStream::connect(&self.stats).unwrap();
        s.write_all(b"show stat\n").unwrap();
        let mut csv = String::new();
        s.read_to_string(&mut csv).unwrap();
        let header: Vec<&str> = csv
            .lines()
            .next()
            .unwrap()
            .trim_start_matches("# ")
            .split(',')
            .collect();
        let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
        let (px, sv, status, stot) = (col("pxname"), col("svname"), col("status"), col("stot"));
        csv.lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|f| f.len() > stot && f[px] == "platform_nodes" && f[sv].starts_with("node"))
            .map(|f| {
                (
                    f[sv].to_owned(),
                    f[status].to_owned(),
                    f[stot].parse().unwrap(),
                )
            })
            .collect()
    }

    /// Waits until the server `name` has `status` (UP, DOWN) by HAProxy's health checks.
    pub async fn wait_for(&self, name: &str, status: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let servers = self.servers();
            if servers.iter().any(|(n, s, _)| n == name && s == status) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "HAProxy did not see {name} {status} in 20 s: {servers:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = Command::new(Self::script())
            .arg("stop")
            .env("MADOGUCHI_RUN_DIR", &self.run_dir)
            .status();
    }
}

/// The nodes' shared configuration and what it names: TLS material, signing key and
/// pseudonym secret (from `keygen`), CRLs, the acquirer, the PostgreSQL schema.
pub struct Cluster {
    pub dir: tempfile::TempDir,
    pub pki: DevPki,
    pub database: Database,
    pub nodes: Vec<Node>,
    _acquirer: backend_acquirer::RunningAcquirer,
}

/// The terminals the nodes know: `t1` … `t8`.
pub const TERMINALS: usize = 8;

impl Cluster {
    /// `nodes` node processes on a fresh schema of the PostgreSQL server `pg_url`, each
    /// serving once this returns.
    pub async fn start(pg_url: &str, nodes: usize) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let pki = DevPki::generate(&["localhost", "127.0.0.1"]).unwrap();
        for (name, pem) in [
            ("server.pem", &pki.server_cert_pem),
            ("server.key", &pki.server_key_pem),
            ("terminal-ca.pem", &pki.terminal_ca_pem),
            ("server-ca.pem", &pki.server_ca_pem),
        ] {
            std::fs::write(d.join(name), pem).unwrap();
        }
        let (client_cert, client_key) = pki.terminal_identity("pf-test").unwrap();
        std::fs::write(d.join("platform-client.pem"), client_cert).unwrap();
        std::fs::write(d.join("platform-client.key"), client_key).unwrap();
        std::fs::create_dir(d.join("crl")).unwrap();
        write_crls(&d.join("crl"));
        keygen_in(d);
        let key_pem = std::fs::read_to_string(d.join("assertion.pem")).unwrap();
        let signer = backend_platform::signing::signer_from_pem("pf-test-1", &key_pem).unwrap();
        let acquirer = start_acquirer_with(
            d,
            &pki.server_cert_pem,
            &pki.server_key_pem,
            &pki.terminal_ca_pem,
            counter_api::assertion::KeySet::of("pf-test", &signer),
        )
        .await;
        let database = pg_database(pg_url);
        let Database::Postgres(pg) = &database else {
            unreachable!()
        };
        let mut started = Vec::new();
        for n in 1..=nodes {
            let port = free_port();
            let config = d.join(format!("node-{n}.toml"));
            std::fs::write(&config, node_config(port, pg, acquirer.addr().port())).unwrap();
            let log = std::fs::File::create(d.join(format!("node-{n}.log"))).unwrap();
            let child = Command::new(env!("CARGO_BIN_EXE_madoguchi-platform"))
                .args(["serve", "--config"])
                .arg(&config)
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .unwrap();
            started.push(Node { child, port });
        }
        let cluster = Cluster {
            dir,
            pki,
            database,
            nodes: started,
            _acquirer: acquirer,
        };
        for node in &cluster.nodes {
            cluster.wait_serving(node).await;
        }
        cluster
    }

    /// Waits (20 s at most) for `node` to answer `GET /v1/keys`.
    async fn wait_serving(&self, node: &Node) {
        let client = client_with_ca_der(self.server_ca_der());
        let url = format!("{}/v1/keys", node.url());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match client.get(&url).send().await {
                Ok(r) if r.status() == 200 => return,
                other => assert!(
                    Instant::now() < deadline,
                    "node on port {} did not come up in 20 s: {other:?}; see {}",
                    node.port,
                    self.dir.path().display()
                ),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn server_ca_der(&self) -> Vec<u8> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        CertificateDer::from_pem_slice(self.pki.server_ca_pem.as_bytes())
            .unwrap()
            .to_vec()
    }

    /// A test client (reqwest) with `terminal`'s certificate.
    pub fn client(&self, terminal: &str) -> reqwest::Client {
        client_with_identity(
            self.server_ca_der(),
            self.pki.terminal_identity(terminal).unwrap(),
        )
    }

    /// The terminal's own platform client ([`counter_runtime::http::Backends`]) for
    /// `terminal`, over `platform` (one URL or the nodes' list).
    pub fn terminal(
        &self,
        terminal: &str,
        platform: Vec<String>,
    ) -> counter_runtime::http::Backends {
        let (cert, key) = self.pki.terminal_identity(terminal).unwrap();
        let tls = counter_runtime::tls::client_config(
            self.pki.server_ca_pem.as_bytes(),
            cert.as_bytes(),
            key.as_bytes(),
        )
        .unwrap();
        counter_runtime::http::Backends::new(
            tls,
            counter_runtime::http::Endpoints {
                platform: platform.clone(),
                insurer: platform[0].clone(),
                acquirer: platform[0].clone(),
                timeout: Duration::from_secs(5),
            },
        )
        .unwrap()
    }

    /// Enrols `card` at `base` from `t1`, linking its card token at the acquirer.
    pub async fn enroll(&self, base: &str, card: &Card) {
        let c = self.client("t1");
        let (s, _, v) = post(
            &c,
            &format!("{base}/v1/challenges"),
            &serde_json::json!({ "purpose": "enroll" }),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let ch: counter_api::platform::ChallengeResponse = serde_json::from_value(v).unwrap();
        let mut app = card.application(&ch.challenge_id);
        app.services
            .retain(|s| matches!(s, counter_api::platform::ServiceLink::Payment(_)));
        let (s, _, v) = post(
            &c,
            &format!("{base}/v1/enrollments"),
            &card.enrollment(&ch, app),
        )
        .await;
        assert_eq!(s, 200, "{v}");
    }

    /// [`platform_rows`] of the nodes' schema.
    pub fn rows(&self, sql: &str) -> Vec<String> {
        platform_rows(&self.database, sql)
    }
}

/// One node's configuration: everything the same but the port.
fn node_config(port: u16, pg: &PostgresSettings, acquirer_port: u16) -> String {
    let roots = testkit::fixtures_dir().join("roots");
    let terminals: String = (1..=TERMINALS)
        .map(|t| format!("\n[[terminals]]\nid = \"t{t}\"\n"))
        .collect();
    format!(
        r#"platform_id = "pf-test"
listen = "127.0.0.1:{port}"

[database]
postgres = {connection:?}
schema = {schema:?}
pool_size = 8

[tls]
certificate = "server.pem"
private_key = "server.key"
terminal_ca = "terminal-ca.pem"

[jpki]
environment = "test"
trust_anchors = "{roots}"
crl_dir = "crl"
crl_reload_secs = 0

[signing]
private_key = "assertion.pem"
key_id = "pf-test-1"
pseudonym_secret = "pseudonym.secret"

[links]
certificate = "platform-client.pem"
private_key = "platform-client.key"
service_ca = "server-ca.pem"

[[services]]
id = "{ACQUIRER}"
kind = "payment"
label = "カード"
url = "https://localhost:{acquirer_port}"
{terminals}"#,
        connection = pg.connection,
        schema = pg.schema.clone().unwrap_or_default(),
        roots = roots.display(),
    )
}

/// The sample in docs/ is a configuration HAProxy takes (its CA file put in a folder of
/// the test's own).
#[test]
fn the_sample_haproxy_configuration_is_valid() {
    if !haproxy_available("the sample HAProxy configuration (docs/platform-haproxy.cfg)") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/platform-haproxy.cfg");
    let text = std::fs::read_to_string(&sample).unwrap();
    let ca = "/etc/haproxy/madoguchi-server-ca.pem";
    assert!(text.contains(ca), "the sample names its CA file {ca}");
    let pki = DevPki::generate(&["localhost"]).unwrap();
    let ca_file = dir.path().join("server-ca.pem");
    std::fs::write(&ca_file, &pki.server_ca_pem).unwrap();
    let cfg = dir.path().join("haproxy.cfg");
    std::fs::write(&cfg, text.replace(ca, &ca_file.display().to_string())).unwrap();
    let out = Command::new("haproxy")
        .arg("-c")
        .arg("-f")
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
