//! The platform's configuration: the TOML file (`serve --config FILE`) and the loaded
//! [`Settings`] the server runs on. Tests and the desktop demo build [`Settings`] directly.
//!
//! ```toml
//! platform_id = "pf-tokyo"               # iss of the assertions; 1-64 of A-Z a-z 0-9 . _ : -
//! listen = "127.0.0.1:8443"
//! database = "platform.sqlite"            # the SQLite storage (one machine); relative paths: relative to this file
//! # or, to set how often this node polls the generation numbers (see below):
//! # [database]
//! # sqlite = "platform.sqlite"
//! # poll_seconds = 2
//! challenge_ttl_secs = 60                 # optional, 10..=300
//! assertion_ttl_secs = 120                # optional, 10..=600
//! challenges_per_terminal = 100           # optional, 1..=200000: unanswered challenges one terminal may hold
//!
//! # or, for several nodes sharing one PostgreSQL database (instead of the line above):
//! # [database]
//! # postgres = "host=/run/postgresql dbname=madoguchi user=platform"  # libpq key=value or postgresql:// URL
//! # password_file = "keys/postgres.password"  # optional: read at start, never logged
//! # schema = "madoguchi"                  # optional: created if missing; default: the user's search_path
//! # pool_size = 16                        # optional, 1..=256: connections of this node
//! # poll_seconds = 2                      # optional, 1..=3600 (default 2), see below
//!
//! [connections]                           # optional: the TLS listener (backend-kit's serve)
//! max = 4096                              # 1..=1000000: connections open at once (lowered to the open-file limit)
//! handshake_timeout_ms = 10000            # 100..=60000: to finish the TLS handshake
//! header_timeout_ms = 30000               # 100..=300000: for a request's headers (and keep-alive idling)
//!
//! [tls]
//! certificate = "tls/server.pem"          # chain, leaf first
//! private_key = "tls/server.key"
//! terminal_ca = "tls/terminal-ca.pem"     # issues the terminals' client certificates
//!
//! [jpki]
//! environment = "production"              # or "test" (O=JPKI-TEST roots, then trust_anchors is required)
//! trust_anchors = "jpki/roots"            # optional for production (compiled-in J-LIS roots)
//! added_roots = "jpki/added-roots"        # production only: J-LIS roots taken with the compiled-in
//!                                         # ones (`madoguchi-platform roots add`)
//! crl_from = "folder"                     # optional: "folder" (default) or "storage", see below
//! crl_dir = "jpki/crl"                    # DER CRL files (*.crl, *.der); required with crl_from = "folder"
//! crl_reload_secs = 3600                  # optional; 0 = no periodic reload
//! crl_warn_secs = 21600                   # optional; warn this long before a CRL's nextUpdate
//!
//! [signing]
//! private_key = "keys/assertion.pem"      # PKCS#8 P-256 (ES256)
//! key_id = "pf-tokyo-1"
//! pseudonym_secret = "keys/pseudonym.secret"  # >= 32 bytes, never shared
//!
//! [links]                                # the platform's client for confirming links at services
//! certificate = "tls/platform-client.pem" # client certificate, CN = platform_id, from the services' client CA
//! private_key = "tls/platform-client.key"
//! service_ca = "tls/services-ca.pem"      # the CA of the services' server certificates
//! timeout_ms = 5000                       # optional, 100..=60000: per confirmation
//!
//! [[services]]
//! id = "kenpo-kanto"
//! kind = "insurance"                      # "insurance", "payment" or "platform" (a federation peer)
//! label = "関東健康保険組合"
//! url = "https://insurer.example:8444"    # insurance and payment: where the service answers POST /v1/links
//!
//! [[terminals]]                           # optional: applied to the storage at start (see below)
//! id = "clinic-a-desk-1"                  # the CN of its client certificate
//! admin = false                           # may call /v1/admin/*
//! # certificate_sha256 = "AB:CD:…"        # optional: accept only this certificate (its SHA-256)
//!
//! [[federation_peers]]
//! issuer = "pf-osaka"
//! keys = "peers/pf-osaka.json"            # its GET /v1/keys answer
//! ```
//!
//! **Terminals and CRLs live in the storage**, so that every node of a platform honours
//! the same ones. Each node keeps a snapshot of both and polls their generation numbers
//! every `[database] poll_seconds` (one small read; never on a request's path): **a change
//! made at one node, or by the `madoguchi-platform terminals` / `crl publish` commands,
//! reaches every node within `poll_seconds`** (while the database answers), and the node
//! that made it applies it at once.
//!
//! - `[[terminals]]` are applied at each start ([`crate::core::terminals`]): a listed
//!   terminal is added or updated, one the file listed before and no longer lists is
//!   disabled. `madoguchi-platform terminals add|disable|list --config FILE` writes the
//!   storage directly; a terminal written by that command is the command's from then on
//!   (the file neither changes nor re-enables it).
//! - `crl_from = "folder"`: this node reads `crl_dir` at start, on SIGHUP, on
//!   `POST /v1/admin/crl/reload` and every `crl_reload_secs`, verifies it and publishes
//!   it when it changed (an empty storage gets it at the first start).
//!   `crl_from = "storage"`: this node reads no folder and uses the published set; it
//!   does not start while none is published. With several nodes, let one node (or
//!   `madoguchi-platform crl publish --config FILE`) feed the CRLs and give the others
//!   `crl_from = "storage"`: two folders that differ would replace each other's set.
//!   Every node verifies a published set against its own roots before using it; a set
//!   that fails keeps the previous one (logged, and audited as `crl_refresh`), and so does
//!   a set with a CRL older than the one in use for its scope.
//! - Each load of a set (start, reload, a set taken from the storage) looks at its earliest
//!   nextUpdate: past, its scope's cards are refused as revocation-unknown and the load
//!   logs it at warn; within `crl_warn_secs` (default 6 h, 0 = only once past) it warns
//!   ahead. J-LIS refreshes its CRLs daily (docs/domain/jpki.md §2.5); 6 h leaves several
//!   hourly reloads for the download job to bring the day's CRL before cards are refused.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use backend_kit::config::{ConfigError, invalid, load_toml, read_file};
use backend_kit::serve::{ConnectionsConfig, ServeLimits};
use counter_api::assertion::{AssertionSigner, KeySet};
use counter_api::ident::check_id;
use counter_api::platform::ServiceKind;
use jpki_cert::{Environment, Purpose, TrustStore, TrustStoreError};
use serde::Deserialize;

use crate::core::challenges::MAX_PENDING;
pub use crate::terminal_config::TerminalConfig;

/// Shortest pseudonym secret accepted (bytes): HMAC-SHA-256 wants a key of at least its
/// output size (RFC 2104 §3).
pub const MIN_PSEUDONYM_SECRET: usize = 32;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    platform_id: String,
    listen: String,
    database: FileDatabase,
    #[serde(default = "default_challenge_ttl")]
    challenge_ttl_secs: i64,
    #[serde(default = "default_assertion_ttl")]
    assertion_ttl_secs: i64,
    #[serde(default = "default_challenges_per_terminal")]
    challenges_per_terminal: usize,
    #[serde(default)]
    connections: ConnectionsConfig,
    tls: FileTls,
    jpki: FileJpki,
    signing: FileSigning,
    #[serde(default)]
    services: Vec<ServiceConfig>,
    #[serde(default)]
    terminals: Vec<TerminalConfig>,
    #[serde(default)]
    federation_peers: Vec<FilePeer>,
    links: Option<FileLinks>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum FileDatabase {
    Sqlite(PathBuf),
    SqliteTable(FileSqlite),
    Postgres(FilePostgres),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSqlite {
    sqlite: PathBuf,
    #[serde(default = "default_poll_seconds")]
    poll_seconds: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePostgres {
    postgres: String,
    password_file: Option<PathBuf>,
    schema: Option<String>,
    #[serde(default = "default_pool_size")]
    pool_size: usize,
    #[serde(default = "default_poll_seconds")]
    poll_seconds: u64,
}

fn default_pool_size() -> usize {
    16
}

/// How often a node polls the generation numbers by default: a terminal added or disabled,
/// or a CRL set published, reaches every node within 2 s, for one small read per node
/// every 2 s.
pub const DEFAULT_POLL_SECONDS: u64 = 2;

fn default_poll_seconds() -> u64 {
    DEFAULT_POLL_SECONDS
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLinks {
    certificate: PathBuf,
    private_key: PathBuf,
    service_ca: PathBuf,
    #[serde(default = "default_link_timeout")]
    timeout_ms: u64,
}

fn default_link_timeout() -> u64 {
    5000
}

fn default_challenge_ttl() -> i64 {
    60
}
fn default_assertion_ttl() -> i64 {
    120
}
fn default_challenges_per_terminal() -> usize {
    crate::core::challenges::DEFAULT_PER_TERMINAL
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTls {
    certificate: PathBuf,
    private_key: PathBuf,
    terminal_ca: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileJpki {
    environment: String,
    trust_anchors: Option<PathBuf>,
    added_roots: Option<PathBuf>,
    #[serde(default)]
    crl_from: CrlFrom,
    crl_dir: Option<PathBuf>,
    #[serde(default = "default_crl_reload")]
    crl_reload_secs: u64,
    #[serde(default = "default_crl_warn")]
    crl_warn_secs: u64,
}

fn default_crl_reload() -> u64 {
    3600
}

/// 6 h: see the module doc (`crl_warn_secs`).
fn default_crl_warn() -> u64 {
    6 * 3600
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSigning {
    private_key: PathBuf,
    key_id: String,
    pseudonym_secret: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePeer {
    issuer: String,
    keys: PathBuf,
}

/// A service offered on the platform's menu.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// Service id (assertion audience).
    pub id: String,
    /// Insurance or payment.
    pub kind: ServiceKind,
    /// Menu label.
    pub label: String,
    /// For insurance and payment services: the base URL (`https://host:port`) where the
    /// service answers `POST /v1/links` (`counter_api::links`).
    #[serde(default)]
    pub url: Option<String>,
}

/// The platform's client for confirming links at the services (`[links]`).
#[derive(Clone, Debug)]
pub struct LinkClientSettings {
    /// The platform's client certificate chain (PEM): CN = the platform id, issued by a CA
    /// the services accept for client certificates.
    pub certificate_pem: Vec<u8>,
    /// Its private key (PEM).
    pub private_key_pem: Vec<u8>,
    /// The CA of the services' server certificates (PEM).
    pub service_ca_pem: Vec<u8>,
    /// How long one confirmation may take (connect and answer), in milliseconds.
    pub timeout_ms: u64,
}

/// Where the platform keeps its shared state ([`crate::storage`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file: one machine (the default; the demo and the tests).
    Sqlite(PathBuf),
    /// A PostgreSQL database: any number of nodes.
    Postgres(PostgresSettings),
}

/// The PostgreSQL storage's connection (`[database]` with `postgres = ...`).
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresSettings {
    /// libpq connection string (`host=... dbname=... user=...`) or `postgresql://` URL.
    pub connection: String,
    /// The password, when not in `connection` (read from `password_file`).
    pub password: Option<String>,
    /// The schema holding the tables (created if missing); `None`: the user's search path.
    pub schema: Option<String>,
    /// Connections this node keeps open at most.
    pub pool_size: usize,
}

impl std::fmt::Debug for PostgresSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The connection string may hold a password: never printed.
        f.debug_struct("PostgresSettings")
            .field("schema", &self.schema)
            .field("pool_size", &self.pool_size)
            .finish_non_exhaustive()
    }
}

/// Where a node's CRL set comes from (`[jpki] crl_from`; see the module doc and
/// [`crate::crl_source`]).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CrlFrom {
    /// This node reads `crl_dir` and publishes it into the storage when it changed.
    #[default]
    Folder,
    /// This node uses the set published in the storage and reads no folder.
    Storage,
}

/// Everything the platform runs on, loaded and checked.
#[derive(Clone, Debug)]
pub struct Settings {
    /// This platform's id (`iss`).
    pub platform_id: String,
    /// Where `serve` listens (the in-process mode ignores it).
    pub listen: SocketAddr,
    /// The storage of the challenges, replay guard, registry, audit log, terminals and CRLs.
    pub database: Database,
    /// How often this node polls the generation numbers of the terminals and the CRL set
    /// (`[database] poll_seconds`): the bound on how late a change made elsewhere reaches
    /// it. 100 ms to 1 hour; the file takes whole seconds.
    pub poll_interval: Duration,
    /// Challenge lifetime.
    pub challenge_ttl_secs: i64,
    /// Assertion lifetime.
    pub assertion_ttl_secs: i64,
    /// Unanswered challenges one terminal may hold
    /// ([`DEFAULT_PER_TERMINAL`](crate::core::challenges::DEFAULT_PER_TERMINAL) by default).
    pub challenges_per_terminal: usize,
    /// The TLS listener's limits (`[connections]`).
    pub connections: ServeLimits,
    /// Server certificate chain (PEM).
    pub tls_certificate_pem: Vec<u8>,
    /// Server private key (PEM).
    pub tls_private_key_pem: Vec<u8>,
    /// Terminal CA certificate(s) (PEM).
    pub terminal_ca_pem: Vec<u8>,
    /// Authentication-certificate roots.
    pub auth_store: TrustStore,
    /// Signature-certificate roots.
    pub sign_store: TrustStore,
    /// Where this node's CRL set comes from.
    pub crl_from: CrlFrom,
    /// The CRL folder this node publishes (with [`CrlFrom::Folder`]; empty and unused with
    /// [`CrlFrom::Storage`] when the file gives none).
    pub crl_dir: PathBuf,
    /// Periodic CRL reload (0 = off).
    pub crl_reload_secs: u64,
    /// Each load warns when a CRL's nextUpdate is at most this many seconds away (and when
    /// it has passed).
    pub crl_warn_secs: u64,
    /// The assertion signer.
    pub signer: AssertionSigner,
    /// The pseudonym secret.
    pub pseudonym_secret: Vec<u8>,
    /// The menu.
    pub services: Vec<ServiceConfig>,
    /// Terminals applied to the storage at start; the storage, not this list, says which
    /// terminals are accepted (see the module doc).
    pub terminals: Vec<TerminalConfig>,
    /// Peer platforms whose assertions are accepted for federation.
    pub federation_peers: Vec<KeySet>,
    /// The client that asks services to confirm links; required when an insurance or
    /// payment service is offered.
    pub links: Option<LinkClientSettings>,
}

/// The folder of added J-LIS roots the configuration at `path` names (`[jpki]
/// added_roots`, resolved against the file's folder), for `madoguchi-platform roots add`;
/// the rest of the file is not checked.
pub fn added_roots_folder(path: &Path) -> Result<PathBuf, ConfigError> {
    let f: File = load_toml(path)?;
    match f.jpki.added_roots {
        Some(dir) => Ok(backend_kit::config::resolve(path, &dir)),
        None => Err(invalid(
            path,
            "jpki.added_roots",
            "missing",
            "the folder the platform takes added J-LIS roots from, e.g. added_roots = \"jpki/added-roots\"",
        )),
    }
}

impl Settings {
    /// Loads and checks `path`; every error names the file and the key.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let f: File = load_toml(path)?;
        let bad =
            |key: &str, problem: String, expected: &str| invalid(path, key, problem, expected);
        let id_rule = "1 to 64 characters of A-Z a-z 0-9 . _ : -";
        check_id("platform_id", &f.platform_id)
            .map_err(|e| bad("platform_id", e.to_string(), id_rule))?;
        let listen: SocketAddr = f.listen.parse().map_err(|e| {
            bad(
                "listen",
                format!("{:?}: {e}", f.listen),
                "an address and port like 127.0.0.1:8443",
            )
        })?;
        let environment = match f.jpki.environment.as_str() {
            "production" => Environment::Production,
            "test" => Environment::Test,
            other => {
                return Err(bad(
                    "jpki.environment",
                    format!("{other:?} is not an environment"),
                    "\"production\" or \"test\"",
                ));
            }
        };
        let added_roots_expected =
            "a folder of J-LIS roots (`madoguchi-platform roots add` checks them)";
        // The store of each purpose from one source of roots; an error names `key`.
        let both = |store: &dyn Fn(Purpose) -> Result<TrustStore, TrustStoreError>,
                    key: &str,
                    expected: &str| {
            let named = |e: TrustStoreError| bad(key, e.to_string(), expected);
            Ok::<_, ConfigError>((
                store(Purpose::Auth).map_err(named)?,
                store(Purpose::Sign).map_err(named)?,
            ))
        };
        let (auth_store, sign_store) =
            match (&f.jpki.trust_anchors, &f.jpki.added_roots, environment) {
                (None, Some(dir), Environment::Production) => {
                    // Read and each root checked once, for both stores.
                    let added = jpki_cert::anchors::read_added_roots(
                        &backend_kit::config::resolve(path, dir),
                    )
                    .map_err(|e| bad("jpki.added_roots", e.to_string(), added_roots_expected))?;
                    both(
                        &|purpose| TrustStore::production_with(purpose, added.iter().cloned()),
                        "jpki.added_roots",
                        added_roots_expected,
                    )?
                }
                (_, Some(_), _) => {
                    return Err(bad(
                        "jpki.added_roots",
                        "set with trust_anchors or in the test environment".into(),
                        "added_roots only with environment = \"production\" and no trust_anchors",
                    ));
                }
                (Some(dir), None, env) => {
                    let dir = backend_kit::config::resolve(path, dir);
                    both(
                        &|purpose| TrustStore::from_dir(purpose, env, &dir),
                        "jpki.trust_anchors",
                        "a folder of JPKI root certificates (PEM or DER)",
                    )?
                }
                (None, None, Environment::Production) => both(
                    &TrustStore::production,
                    "jpki.environment",
                    "the compiled-in J-LIS roots",
                )?,
                (None, None, _) => {
                    return Err(bad(
                        "jpki.trust_anchors",
                        "missing".into(),
                        "a folder of O=JPKI-TEST roots when environment = \"test\"",
                    ));
                }
            };
        let key_pem = read_file(path, "signing.private_key", &f.signing.private_key)?;
        let key_pem = String::from_utf8(key_pem).map_err(|_| {
            bad(
                "signing.private_key",
                "not UTF-8 text".into(),
                "a PKCS#8 PEM P-256 key",
            )
        })?;
        let signer = crate::signing::signer_from_pem(&f.signing.key_id, &key_pem).map_err(|e| {
            bad(
                "signing.private_key",
                e.to_string(),
                "a PKCS#8 PEM P-256 key",
            )
        })?;
        check_id("signing.key_id", &f.signing.key_id)
            .map_err(|e| bad("signing.key_id", e.to_string(), id_rule))?;
        let pseudonym_secret = read_file(
            path,
            "signing.pseudonym_secret",
            &f.signing.pseudonym_secret,
        )?;
        let mut peers = Vec::new();
        for (i, p) in f.federation_peers.iter().enumerate() {
            let key = format!("federation_peers[{i}].keys");
            let bytes = read_file(path, &key, &p.keys)?;
            let set: KeySet = serde_json::from_slice(&bytes)
                .map_err(|e| bad(&key, e.to_string(), "the peer's GET /v1/keys answer (JSON)"))?;
            if set.issuer != p.issuer {
                return Err(bad(
                    &key,
                    format!("the key set is {:?}'s", set.issuer),
                    &format!("the keys of {:?}", p.issuer),
                ));
            }
            peers.push(set);
        }
        let links = match &f.links {
            Some(l) => Some(LinkClientSettings {
                certificate_pem: read_file(path, "links.certificate", &l.certificate)?,
                private_key_pem: read_file(path, "links.private_key", &l.private_key)?,
                service_ca_pem: read_file(path, "links.service_ca", &l.service_ca)?,
                timeout_ms: l.timeout_ms,
            }),
            None => None,
        };
        let connections = f.connections.limits(path, "connections")?;
        let poll_seconds = match &f.database {
            FileDatabase::Sqlite(_) => DEFAULT_POLL_SECONDS,
            FileDatabase::SqliteTable(t) => t.poll_seconds,
            FileDatabase::Postgres(pg) => pg.poll_seconds,
        };
        if !(1..=3600).contains(&poll_seconds) {
            return Err(bad(
                "database.poll_seconds",
                poll_seconds.to_string(),
                "1 to 3600 seconds",
            ));
        }
        let crl_dir = match (&f.jpki.crl_dir, f.jpki.crl_from) {
            (Some(dir), _) => backend_kit::config::resolve(path, dir),
            (None, CrlFrom::Storage) => PathBuf::new(),
            (None, CrlFrom::Folder) => {
                return Err(bad(
                    "jpki.crl_dir",
                    "missing".into(),
                    "the folder of DER CRLs this node publishes (or crl_from = \"storage\")",
                ));
            }
        };
        let database = match f.database {
            FileDatabase::Sqlite(file)
            | FileDatabase::SqliteTable(FileSqlite { sqlite: file, .. }) => {
                Database::Sqlite(backend_kit::config::resolve(path, &file))
            }
            FileDatabase::Postgres(pg) => {
                let password = match &pg.password_file {
                    Some(file) => {
                        let bytes = read_file(path, "database.password_file", file)?;
                        let text = String::from_utf8(bytes).map_err(|_| {
                            bad(
                                "database.password_file",
                                "not UTF-8 text".into(),
                                "the PostgreSQL password on one line",
                            )
                        })?;
                        Some(text.trim_end_matches(['\r', '\n']).to_owned())
                    }
                    None => None,
                };
                Database::Postgres(PostgresSettings {
                    connection: pg.postgres,
                    password,
                    schema: pg.schema,
                    pool_size: pg.pool_size,
                })
            }
        };
        let settings = Settings {
            platform_id: f.platform_id,
            listen,
            database,
            poll_interval: Duration::from_secs(poll_seconds),
            challenge_ttl_secs: f.challenge_ttl_secs,
            assertion_ttl_secs: f.assertion_ttl_secs,
            challenges_per_terminal: f.challenges_per_terminal,
            connections,
            tls_certificate_pem: read_file(path, "tls.certificate", &f.tls.certificate)?,
            tls_private_key_pem: read_file(path, "tls.private_key", &f.tls.private_key)?,
            terminal_ca_pem: read_file(path, "tls.terminal_ca", &f.tls.terminal_ca)?,
            auth_store,
            sign_store,
            crl_from: f.jpki.crl_from,
            crl_dir,
            crl_reload_secs: f.jpki.crl_reload_secs,
            crl_warn_secs: f.jpki.crl_warn_secs,
            signer,
            pseudonym_secret,
            services: f.services,
            terminals: f.terminals,
            federation_peers: peers,
            links,
        };
        settings
            .check()
            .map_err(|(key, problem, expected)| bad(&key, problem, &expected))?;
        Ok(settings)
    }

    /// The rules on values (shared by [`Self::load`] and settings built in code): returns
    /// (key, problem, expected).
    pub fn check(&self) -> Result<(), (String, String, String)> {
        let e = |k: &str, p: String, x: &str| Err((k.to_owned(), p, x.to_owned()));
        if !(10..=300).contains(&self.challenge_ttl_secs) {
            return e(
                "challenge_ttl_secs",
                format!("{}", self.challenge_ttl_secs),
                "10 to 300 seconds",
            );
        }
        if !(10..=600).contains(&self.assertion_ttl_secs) {
            return e(
                "assertion_ttl_secs",
                format!("{}", self.assertion_ttl_secs),
                "10 to 600 seconds",
            );
        }
        if !(1..=MAX_PENDING).contains(&self.challenges_per_terminal) {
            return e(
                "challenges_per_terminal",
                self.challenges_per_terminal.to_string(),
                "1 to 200000 challenges",
            );
        }
        if let Database::Postgres(pg) = &self.database {
            if !(1..=256).contains(&pg.pool_size) {
                return e(
                    "database.pool_size",
                    pg.pool_size.to_string(),
                    "1 to 256 connections",
                );
            }
            if let Some(schema) = &pg.schema
                && !is_sql_name(schema)
            {
                return e(
                    "database.schema",
                    format!("{schema:?}"),
                    "1 to 63 of a-z 0-9 _, starting with a letter",
                );
            }
            if let Err(err) = pg.connection.parse::<tokio_postgres::Config>() {
                return e(
                    "database.postgres",
                    // The driver's message names the part it could not read, not the value.
                    err.to_string(),
                    "a libpq connection string (host=... dbname=... user=...) or a postgresql:// URL",
                );
            }
        }
        if !(Duration::from_millis(100)..=Duration::from_secs(3600)).contains(&self.poll_interval) {
            return e(
                "database.poll_seconds",
                format!("{:?}", self.poll_interval),
                "1 to 3600 seconds",
            );
        }
        if self.crl_from == CrlFrom::Folder && self.crl_dir.as_os_str().is_empty() {
            return e(
                "jpki.crl_dir",
                "missing".into(),
                "the folder of DER CRLs this node publishes (or crl_from = \"storage\")",
            );
        }
        if let Err((key, problem, expected)) = self.connections.check() {
            return Err((format!("connections.{key}"), problem, expected));
        }
        if self.pseudonym_secret.len() < MIN_PSEUDONYM_SECRET {
            return e(
                "signing.pseudonym_secret",
                format!("{} bytes", self.pseudonym_secret.len()),
                "at least 32 random bytes",
            );
        }
        for (i, s) in self.services.iter().enumerate() {
            if let Err(err) = check_id("id", &s.id) {
                return e(
                    &format!("services[{i}].id"),
                    err.to_string(),
                    "a service id",
                );
            }
            if self.services[..i].iter().any(|o| o.id == s.id) {
                return e(
                    &format!("services[{i}].id"),
                    format!("{:?} is listed twice", s.id),
                    "unique service ids",
                );
            }
            if s.label.is_empty() {
                return e(
                    &format!("services[{i}].label"),
                    "empty".into(),
                    "the menu label",
                );
            }
            let confirms = matches!(s.kind, ServiceKind::Insurance | ServiceKind::Payment);
            match (&s.url, confirms) {
                (Some(url), true) if !url.starts_with("https://") || url.len() <= 8 => {
                    return e(
                        &format!("services[{i}].url"),
                        format!("{url:?}"),
                        "the service's https:// base URL",
                    );
                }
                (None, true) => {
                    return e(
                        &format!("services[{i}].url"),
                        "missing".into(),
                        "the https:// base URL where the service confirms links (POST /v1/links)",
                    );
                }
                (Some(_), false) => {
                    return e(
                        &format!("services[{i}].url"),
                        "a peer platform confirms nothing".into(),
                        "no url for a service of kind \"platform\"",
                    );
                }
                _ => {}
            }
            if confirms && self.links.is_none() {
                return e(
                    "links",
                    "missing".into(),
                    "a [links] section (the platform's client certificate and the services' CA): insurance and payment links are confirmed by their service",
                );
            }
        }
        if let Some(l) = &self.links
            && !(100..=60_000).contains(&l.timeout_ms)
        {
            return e(
                "links.timeout_ms",
                l.timeout_ms.to_string(),
                "100 to 60000 milliseconds",
            );
        }
        for (i, t) in self.terminals.iter().enumerate() {
            if let Err(err) = check_id("id", &t.id) {
                return e(
                    &format!("terminals[{i}].id"),
                    err.to_string(),
                    "the CN of the terminal's certificate",
                );
            }
        }
        // The insurer's and the acquirer's rule for their `[[terminals]]`, and its words.
        if let Some(twice) = backend_kit::terminals::listed_twice(&self.terminals) {
            return e(&twice.key(), twice.problem(), twice.expected());
        }
        Ok(())
    }

    /// The configured service `id`.
    pub fn service(&self, id: &str) -> Option<&ServiceConfig> {
        self.services.iter().find(|s| s.id == id)
    }
}

/// A name PostgreSQL takes unquoted: 1 to 63 of `a-z 0-9 _` (NAMEDATALEN is 64 with the
/// terminating zero), starting with a letter.
pub fn is_sql_name(s: &str) -> bool {
    (1..=63).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
