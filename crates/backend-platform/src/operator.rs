//! The operator's commands on the storage a platform configuration names, run by
//! `madoguchi-platform terminals …` (`enroll` signs a terminal's certificate request with
//! the terminals' CA, [`crate::terminal_certs`], and registers it in the same step),
//! `madoguchi-platform holders attach-auth` ([`crate::attach_auth`]),
//! `madoguchi-platform holders accept-correction` ([`crate::correction`]) and
//! `madoguchi-platform crl publish` beside (or
//! instead of) a running node: they write the storage directly, and every node applies the
//! change within its poll interval ([`crate::generations`]). Each returns the text to
//! print; none starts a server or needs one running.

use std::fmt::Write as _;
use std::path::Path;

use backend_kit::Clock;
use backend_kit::config::ConfigError;
use private_files::{Access, Leftovers, NewFiles, PrivateFileError};

use crate::Settings;
use crate::crl_source::CrlLoadError;
use crate::storage::{Republish, Storage, StorageError};
use crate::terminal_certs::{self, TerminalCertError};
use crate::terminals::{TerminalError, TerminalWritten};

/// Why an operator command failed. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OperatorError {
    /// The configuration file.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The storage did not answer.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A terminal change refused.
    #[error(transparent)]
    Terminal(#[from] TerminalError),
    /// The CRL folder (nothing was published).
    #[error(transparent)]
    Crl(#[from] CrlLoadError),
    /// The terminal's certificate (nothing was registered or written).
    #[error(transparent)]
    TerminalCert(#[from] TerminalCertError),
    /// A new file (the terminal's certificate, an added root) could not be created or
    /// written; nothing was registered or added, and the file was removed again.
    #[error(transparent)]
    NewFile(#[from] PrivateFileError),
    /// `terminals enroll` or `roots add` failed after it had created its file (the
    /// certificate, the root), and the file could not be removed again: it would block the
    /// next try (a half-written root would also stop the platform's start).
    #[error("{what}: {error}; and {left} could not be removed: remove it before trying again")]
    LeftBehind {
        /// What did not happen ("the terminal was not registered").
        what: &'static str,
        /// Why.
        error: Box<OperatorError>,
        /// The file, with what the system said.
        left: Leftovers,
    },
    /// A file of `terminals enroll` or `roots add` could not be read or written.
    #[error("{action} {}: {reason}", .path.display())]
    File {
        /// What was tried.
        action: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// What the system said.
        reason: String,
    },
    /// The root does not fit the J-LIS profile (nothing was added).
    #[error("the root was not added: {0}")]
    Root(#[from] jpki_cert::jlis_profile::ProfileError),
    /// The root's fingerprint is not the one the operator gave.
    #[error(
        "the root was not added: its SHA-256 is {found}, not the {expected} given with --sha256; get the file again from J-LIS"
    )]
    RootFingerprint {
        /// The file's.
        found: String,
        /// The operator's.
        expected: String,
    },
    /// An authentication certificate not attached to its holder (`holders attach-auth`).
    #[error(transparent)]
    Attach(#[from] crate::attach_auth::AttachError),
    /// A corrected birth date or sex not accepted (`holders accept-correction`).
    #[error(transparent)]
    Correction(#[from] crate::correction::CorrectionError),
    /// `crl publish` without a folder.
    #[error(
        "no CRL folder to publish: the configuration has no [jpki] crl_dir; give one with --dir"
    )]
    NoCrlFolder,
}

/// A terminal change to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TerminalCommand {
    /// Register (or re-enable) a terminal.
    Add {
        /// Its id (the CN of its client certificate).
        id: String,
        /// May call `/v1/admin/*`.
        admin: bool,
    },
    /// Disable a terminal.
    Disable {
        /// Its id.
        id: String,
    },
    /// List every terminal.
    List,
}

/// The storage `settings` name, opened (and migrated).
fn storage_of(settings: &Settings) -> Result<std::sync::Arc<dyn Storage>, OperatorError> {
    Ok(crate::storage::open(&settings.database)?)
}

/// Runs `command` on the storage of the configuration at `config`, at `clock`'s now.
pub fn terminals(
    config: &Path,
    command: &TerminalCommand,
    clock: &dyn Clock,
) -> Result<String, OperatorError> {
    let settings = Settings::load(config)?;
    let store = storage_of(&settings)?;
    let poll = settings.poll_interval.as_secs_f64();
    let written = |w: TerminalWritten, what: &str| {
        format!(
            "{what} terminal {} (admin: {}) at generation {}; every node applies it within {poll} s\n",
            w.terminal.id,
            if w.terminal.admin { "yes" } else { "no" },
            w.generation,
        )
    };
    Ok(match command {
        TerminalCommand::Add { id, admin } => written(
            crate::terminals::register(&*store, id, *admin, clock.now())?,
            "registered",
        ),
        TerminalCommand::Disable { id } => written(
            crate::terminals::disable(&*store, id, clock.now())?,
            "disabled",
        ),
        TerminalCommand::List => {
            let list = crate::terminals::list(&*store)?;
            let mut out = format!(
                "# terminals at generation {}\n# id\tadmin\tenabled\tmanaged_by\tupdated_at (Unix seconds)\tcertificate_sha256 (-: any with the id as CN)\n",
                list.generation
            );
            for t in list.terminals {
                // Writing into a String cannot fail.
                let _ = writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.admin,
                    t.enabled,
                    t.managed_by.as_str(),
                    t.updated_at.as_secs(),
                    t.certificate_sha256
                        .map_or_else(|| "-".to_owned(), hex::encode)
                );
            }
            out
        }
    })
}

/// What `terminals enroll` is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrollment {
    /// The terminal's certificate request (PEM or DER).
    pub request: std::path::PathBuf,
    /// The terminal id the request must name.
    pub id: String,
    /// The terminals' CA key (PKCS#8 PEM P-256).
    pub ca_key: std::path::PathBuf,
    /// The terminals' CA certificate (PEM); default: the configuration's `[tls]
    /// terminal_ca`.
    pub ca_cert: Option<std::path::PathBuf>,
    /// Where to write the terminal's certificate (PEM); must not exist.
    pub out: std::path::PathBuf,
    /// May call `/v1/admin/*`.
    pub admin: bool,
    /// Validity in days.
    pub days: u32,
}

/// The error of a step [`NewFiles::settle`] undid: the step's own, or, when its file could
/// not be removed, [`OperatorError::LeftBehind`] saying `what` did not happen and naming it.
fn left_behind(
    what: &'static str,
) -> impl FnOnce((OperatorError, Option<Leftovers>)) -> OperatorError {
    move |(error, left)| match left {
        None => error,
        Some(left) => OperatorError::LeftBehind {
            what,
            error: Box::new(error),
            left,
        },
    }
}

fn read(path: &Path) -> Result<Vec<u8>, OperatorError> {
    std::fs::read(path).map_err(|e| OperatorError::File {
        action: "cannot read",
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

/// Checks the terminal's certificate request, signs its certificate with the terminals' CA,
/// registers the terminal with that certificate alone in the storage of the configuration at
/// `config` (every node accepts it, and refuses the id's earlier certificates, within its
/// poll interval) and writes the certificate to `e.out`. Nothing is
/// registered or written when the request, the CA or the output file is refused.
pub fn enroll_terminal(
    config: &Path,
    e: &Enrollment,
    clock: &dyn Clock,
) -> Result<String, OperatorError> {
    let settings = Settings::load(config)?;
    if e.out.exists() {
        return Err(OperatorError::File {
            action: "refusing to overwrite",
            path: e.out.clone(),
            reason: "the file exists; give another --out".into(),
        });
    }
    let key = read(&e.ca_key)?;
    let key = String::from_utf8(key)
        .map_err(|_| TerminalCertError::CaKey("the file is not PEM text".into()))?;
    let certs = match &e.ca_cert {
        Some(p) => read(p)?,
        None => settings.terminal_ca_pem.clone(),
    };
    let ca = terminal_certs::TerminalCa::load(&key, &certs)?;
    let request = terminal_certs::check_request(&read(&e.request)?, &e.id)?;
    let now = clock.now();
    let mut serial = [0u8; terminal_certs::SERIAL_LEN];
    getrandom::fill(&mut serial).map_err(|err| TerminalCertError::Random(err.to_string()))?;
    let issued = terminal_certs::issue(&ca, &request, e.days, now, serial)?;
    let store = storage_of(&settings)?;
    // The certificate is written whole first (a file that appeared meanwhile is refused),
    // and the terminal registered after, so that a registered terminal always has its
    // certificate; a write or a registration that fails takes the file back.
    let mut files = NewFiles::new();
    let registered = files
        .write(&e.out, Access::Public, issued.pem.as_bytes())
        .map_err(OperatorError::from)
        .and_then(|()| {
            crate::terminals::enroll(&*store, &request.terminal_id, e.admin, issued.sha256, now)
                .map_err(OperatorError::from)
        });
    let written = files
        .settle(registered)
        .map_err(left_behind("the terminal was not registered"))?;
    Ok(format!(
        "issued certificate {serial} for terminal {id} to {out} (valid until {until}); \
         registered terminal {id} (admin: {admin}) at generation {g}; every node accepts it, \
         and refuses every certificate issued to {id} before, within {poll} s\n",
        serial = issued.serial,
        id = request.terminal_id,
        out = e.out.display(),
        until = issued.not_after,
        admin = if e.admin { "yes" } else { "no" },
        g = written.generation,
        poll = settings.poll_interval.as_secs_f64(),
    ))
}

/// Upper-case hex without separators.
fn plain_hex(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Checks the J-LIS root in `file` (PEM or DER, e.g. J-LIS's `authca02.cer`) against the
/// J-LIS root profile and, when `sha256` is given, against that fingerprint (hex, colons
/// and case ignored); then writes it as PEM into the configuration's `[jpki] added_roots`
/// folder. Every node takes it at its next start. Returns the text that shows the
/// fingerprint to compare with J-LIS's published one.
pub fn add_root(
    config: &Path,
    file: &Path,
    sha256: Option<&str>,
    clock: &dyn Clock,
) -> Result<String, OperatorError> {
    let folder = crate::config::added_roots_folder(config)?;
    let root = jpki_cert::jlis_profile::check_root(&read(file)?, clock.now())?;
    if let Some(expected) = sha256
        && plain_hex(expected) != plain_hex(&root.sha256)
    {
        return Err(OperatorError::RootFingerprint {
            found: root.sha256,
            expected: expected.to_owned(),
        });
    }
    let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &root.der).map_err(
        |e| OperatorError::File {
            action: "cannot encode",
            path: file.to_owned(),
            reason: e.to_string(),
        },
    )?;
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty() && !s.starts_with('.'))
        .unwrap_or("root");
    let target = folder.join(format!("{stem}.pem"));
    let fail = |action: &'static str, path: &Path| {
        let path = path.to_owned();
        move |e: std::io::Error| OperatorError::File {
            action,
            path,
            reason: e.to_string(),
        }
    };
    // Only a missing file is "absent": any other failure to read the target (a folder
    // under that name, no permission) is reported, and nothing is written over it.
    let outcome = match std::fs::read(&target) {
        Ok(existing) if existing == pem.as_bytes() => "is already in",
        Ok(_) => {
            return Err(OperatorError::File {
                action: "refusing to overwrite",
                path: target,
                reason: "another root has this name; rename the file".into(),
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(&folder).map_err(fail("cannot create", &folder))?;
            // Written whole and synced, never over a file that appeared meanwhile; a
            // failed write takes it back (a half root would stop the platform's start).
            let mut files = NewFiles::new();
            let written = files
                .write(&target, Access::Public, pem.as_bytes())
                .map_err(OperatorError::from);
            files
                .settle(written)
                .map_err(left_behind("the root was not added"))?;
            "was added to"
        }
        Err(e) => return Err(fail("cannot read", &target)(e)),
    };
    // The root's own description (as `madoguchi-card --root` prints it).
    let mut out = format!("{root}\n");
    if sha256.is_some() {
        out.push_str("the fingerprint is the one given with --sha256\n");
    }
    let _ = writeln!(
        out,
        "it {outcome} {}; restart every platform node to use it",
        target.display()
    );
    Ok(out)
}

/// Verifies the CRLs of `dir` (default: the configuration's `[jpki] crl_dir`) against the
/// configuration's roots and publishes them into its storage (a new generation, unless
/// `when` is [`Republish::IfChanged`] and the same set is published already).
pub fn publish_crls(
    config: &Path,
    dir: Option<&Path>,
    when: Republish,
    clock: &dyn Clock,
) -> Result<String, OperatorError> {
    let settings = Settings::load(config)?;
    let dir = match dir {
        Some(d) => d.to_owned(),
        None if settings.crl_dir.as_os_str().is_empty() => return Err(OperatorError::NoCrlFolder),
        None => settings.crl_dir.clone(),
    };
    let store = storage_of(&settings)?;
    let (set, p) = crate::crl_set::publish_folder(
        &*store,
        &dir,
        &settings.auth_store,
        &settings.sign_store,
        when,
        clock.now(),
    )?;
    let s = set.summary(p.generation);
    Ok(if p.changed {
        format!(
            "published {} CRLs ({} entries) at generation {}; every node takes them within {} s\n",
            s.files,
            s.entries,
            s.generation,
            settings.poll_interval.as_secs_f64()
        )
    } else {
        format!(
            "the same {} CRLs are published already (generation {}); nothing changed\n",
            s.files, s.generation
        )
    })
}
