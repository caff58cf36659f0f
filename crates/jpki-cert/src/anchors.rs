//! Pinned trust anchors: one [`TrustStore`] per purpose and environment, holding every
//! root generation of that purpose (docs/domain/jpki.md §2.1: self-signed, one tier, same DN).
//!
//! The production roots are compiled in from `anchors/*.pem`, and each is checked against
//! its SHA-256 fingerprint from docs/domain/jpki.md §2.1 when the store is built.
//!
//! **Generation 2 is missing.** `authca02`/`signca02` (2019-09-14 → 2029-09-14) are not
//! available to the project yet. An operator adds them as configuration: a folder of
//! roots checked against the J-LIS profile ([`crate::jlis_profile`]) and taken with the
//! compiled-in ones ([`TrustStore::production_and`]; `madoguchi-platform roots add`).
//! Once the project has the files, compile them in: put the PEM in `anchors/` and add one
//! line to [`PRODUCTION_ANCHORS`] with its fingerprint from J-LIS's fingerprint PDF.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::cert::{JpkiCertificate, name_environment, name_purpose};
use crate::challenge::{is_f4, minimal_be, rsa_public_key, verify_f4_message, verify_pkcs1_sha256};
use crate::verdict::{Environment, Purpose};

/// A root compiled into the binary.
#[derive(Clone, Copy, Debug)]
pub struct BuiltinAnchor {
    /// Short label, e.g. `authca03`.
    pub label: &'static str,
    /// Purpose of the root.
    pub purpose: Purpose,
    /// The PEM text.
    pub pem: &'static str,
    /// SHA-256 fingerprint of the DER, upper-case hex, from docs/domain/jpki.md §2.1.
    pub sha256: &'static str,
}

/// The production J-LIS roots (docs/domain/jpki.md §2.1). Gen-1 expired on 2025-10-19 and can no longer
/// anchor a valid certificate; it stays so that older signatures can be explained.
pub const PRODUCTION_ANCHORS: &[BuiltinAnchor] = &[
    BuiltinAnchor {
        label: "authca01",
        purpose: Purpose::Auth,
        pem: include_str!("../anchors/authca01-2015-expired.pem"),
        sha256: "4DCFC4CA0AAF9FB2A3081B3F0C991C320B3ACC008667A341EEAEC5AF1D58CA7D",
    },
    BuiltinAnchor {
        label: "authca03",
        purpose: Purpose::Auth,
        pem: include_str!("../anchors/authca03-2023.pem"),
        sha256: "64114F29620C24ED2631D46476A040E7EE740D956089C00B036A6A8118C322B5",
    },
    BuiltinAnchor {
        label: "signca01",
        purpose: Purpose::Sign,
        pem: include_str!("../anchors/signca01-2015-expired.pem"),
        sha256: "19645405A1FE14377434BD55957628AC4038557C542403A2243F21C706FC9355",
    },
    BuiltinAnchor {
        label: "signca03",
        purpose: Purpose::Sign,
        pem: include_str!("../anchors/signca03-2023.pem"),
        sha256: "D227F6CDE11D35C5252178F106F843D24651944975413B539FA2FB68DBFA365F",
    },
];

/// Why a root cannot be pinned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustStoreError {
    /// The certificate does not parse.
    #[error("root {label}: {reason}")]
    Parse {
        /// Which root.
        label: String,
        /// What the root's certificate failed (parse, profile, self-signature).
        reason: crate::verdict::Refusal,
    },
    /// Not a usable JPKI CA certificate (self-signed, CA:TRUE, keyCertSign+cRLSign, SKI).
    #[error("root {label} is not a JPKI CA certificate: {detail}")]
    NotACa {
        /// Which root.
        label: String,
        /// What is missing.
        detail: String,
    },
    /// Its OU names the other purpose, or none.
    #[error("root {label} is not a {expected} root")]
    WrongPurpose {
        /// Which root.
        label: String,
        /// The store's purpose.
        expected: Purpose,
    },
    /// `O=JPKI-TEST` in a production store, or a production root in a test store.
    #[error("root {label} is a {found:?} root; the store is {store:?}")]
    WrongEnvironment {
        /// Which root.
        label: String,
        /// The store's environment.
        store: Environment,
        /// The root's environment.
        found: Environment,
    },
    /// A compiled-in root does not have its pinned fingerprint.
    #[error("root {label}: fingerprint {found} is not the pinned {pinned}")]
    Fingerprint {
        /// Which root.
        label: String,
        /// Computed.
        found: String,
        /// Pinned.
        pinned: String,
    },
    /// A folder could not be read, or held no root of the purpose.
    #[error("trust-anchor folder: {0}")]
    Folder(String),
}

/// One pinned root.
#[derive(Clone, Debug)]
pub struct TrustAnchor {
    label: String,
    cert: JpkiCertificate,
    key: rsa::PublicKey,
    /// For an e = 65537 key, its modulus as `ring` takes it ([`verify_f4_message`]).
    f4_modulus: Option<Vec<u8>>,
    key_hash: [u8; 32],
}

impl TrustAnchor {
    /// Label (e.g. `authca03`, or the file stem).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The root certificate.
    pub fn certificate(&self) -> &JpkiCertificate {
        &self.cert
    }

    /// SHA-256 of the root's subjectPublicKeyInfo DER: identifies a generation (same DN,
    /// different key). Keys the revocation index ([`crate::crl`]).
    pub fn key_hash(&self) -> &[u8; 32] {
        &self.key_hash
    }

    pub(crate) fn key(&self) -> &rsa::PublicKey {
        &self.key
    }

    /// Whether this root's key verifies `signature` (RSASSA-PKCS1-v1_5, SHA-256) over the
    /// whole `message`: `ring` for e = 65537, `rsa` over the digest otherwise. Same verdict
    /// as [`verify_pkcs1_sha256`] over `SHA-256(message)`.
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.f4_modulus {
            Some(n) => verify_f4_message(n, message, signature),
            None => verify_pkcs1_sha256(&self.key, &Sha256::digest(message), signature),
        }
    }

    /// Whether this root's SKI is `key_id` and its DN is `issuer` (docs/domain/jpki.md §2.1).
    pub fn matches(&self, issuer: &x509_cert::name::Name, key_id: &[u8]) -> bool {
        self.cert.subject_key_id() == Some(key_id) && self.cert.subject() == issuer
    }
}

/// The roots of one purpose and one environment.
#[derive(Clone, Debug)]
pub struct TrustStore {
    purpose: Purpose,
    environment: Environment,
    anchors: Vec<TrustAnchor>,
}

impl TrustStore {
    /// The compiled-in production roots of `purpose`, fingerprints checked.
    pub fn production(purpose: Purpose) -> Result<Self, TrustStoreError> {
        let mut roots = Vec::new();
        for b in PRODUCTION_ANCHORS.iter().filter(|b| b.purpose == purpose) {
            let cert = JpkiCertificate::from_pem_or_der(b.pem.as_bytes()).map_err(|reason| {
                TrustStoreError::Parse {
                    label: b.label.into(),
                    reason,
                }
            })?;
            let found = hex::encode_upper(cert.fingerprint());
            if found != b.sha256 {
                return Err(TrustStoreError::Fingerprint {
                    label: b.label.into(),
                    found,
                    pinned: b.sha256.into(),
                });
            }
            roots.push((b.label.to_owned(), cert.der().to_vec()));
        }
        Self::new(purpose, Environment::Production, roots)
    }

    /// A store from `(label, DER)` pairs. Every root must be a self-signed JPKI CA of
    /// `purpose`, with `O=JPKI-TEST` exactly when `environment` is `Test`.
    pub fn new(
        purpose: Purpose,
        environment: Environment,
        roots: impl IntoIterator<Item = (String, Vec<u8>)>,
    ) -> Result<Self, TrustStoreError> {
        let mut anchors = Vec::new();
        for (label, der) in roots {
            anchors.push(check_root(purpose, environment, label, &der)?);
        }
        if anchors.is_empty() {
            return Err(TrustStoreError::Folder(format!("no {purpose} root given")));
        }
        Ok(Self {
            purpose,
            environment,
            anchors,
        })
    }

    /// Loads every `*.pem`, `*.cer`, `*.crt`, `*.der` file of `dir` whose subject names
    /// `purpose` (files of the other purpose, and PEM files that are not certificates,
    /// are skipped, so one folder can hold both purposes).
    pub fn from_dir(
        purpose: Purpose,
        environment: Environment,
        dir: &Path,
    ) -> Result<Self, TrustStoreError> {
        let io = |e: std::io::Error| TrustStoreError::Folder(format!("{}: {e}", dir.display()));
        let files = certificate_files(dir).map_err(io)?;
        let mut roots = Vec::new();
        for path in files {
            let bytes = std::fs::read(&path).map_err(io)?;
            // Skip PEM files that are not certificates (e.g. test keys kept beside roots).
            if bytes.starts_with(b"-----BEGIN ")
                && !bytes.starts_with(b"-----BEGIN CERTIFICATE-----")
            {
                continue;
            }
            let label = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("root")
                .to_owned();
            let cert = JpkiCertificate::from_pem_or_der(&bytes).map_err(|reason| {
                TrustStoreError::Parse {
                    label: label.clone(),
                    reason,
                }
            })?;
            if name_purpose(cert.subject()) == Some(purpose) {
                roots.push((label, cert.der().to_vec()));
            }
        }
        Self::new(purpose, environment, roots)
    }

    /// The compiled-in production roots of `purpose` and the J-LIS roots the operator
    /// added to `dir` ([`read_added_roots`]; files of the other purpose are skipped). One
    /// that is compiled in already is taken once. An empty or missing folder adds nothing.
    /// To build both purposes' stores, read the folder once with [`read_added_roots`] and
    /// give it to [`TrustStore::production_with`] twice.
    pub fn production_and(purpose: Purpose, dir: &Path) -> Result<Self, TrustStoreError> {
        Self::production_with(purpose, read_added_roots(dir)?)
    }

    /// The compiled-in production roots of `purpose` and `added`: J-LIS roots checked
    /// against the profile already ([`crate::jlis_profile::check_root`] or
    /// [`check_profile`](crate::jlis_profile::check_profile)), each with its label. Added
    /// roots of the other purpose are skipped, and one compiled in already is taken once.
    /// An added root is not checked again: the profile check prepared its anchor.
    pub fn production_with(
        purpose: Purpose,
        added: impl IntoIterator<Item = (String, crate::jlis_profile::CheckedRoot)>,
    ) -> Result<Self, TrustStoreError> {
        let mut store = Self::production(purpose)?;
        for (label, root) in added {
            // The prepared anchor decides, not the root's public fields.
            let anchor = root.anchor;
            if name_purpose(anchor.cert.subject()) == Some(purpose)
                && !store
                    .anchors
                    .iter()
                    .any(|a| a.cert.der() == anchor.cert.der())
            {
                store.anchors.push(TrustAnchor { label, ..anchor });
            }
        }
        Ok(store)
    }

    /// The store's purpose.
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }

    /// The store's environment.
    pub fn environment(&self) -> Environment {
        self.environment
    }

    /// All roots, in the order given.
    pub fn anchors(&self) -> &[TrustAnchor] {
        &self.anchors
    }
}

/// Checks one root for a store of `purpose` in `environment` (purpose, environment,
/// self-issued, CA:TRUE, keyCertSign+cRLSign, SKI, the self-signature) and prepares its key.
pub(crate) fn check_root(
    purpose: Purpose,
    environment: Environment,
    label: String,
    der: &[u8],
) -> Result<TrustAnchor, TrustStoreError> {
    let cert = JpkiCertificate::from_der(der).map_err(|reason| TrustStoreError::Parse {
        label: label.clone(),
        reason,
    })?;
    let not_ca = |d: &str| TrustStoreError::NotACa {
        label: label.clone(),
        detail: d.into(),
    };
    if name_purpose(cert.subject()) != Some(purpose) {
        return Err(TrustStoreError::WrongPurpose {
            label,
            expected: purpose,
        });
    }
    let found = name_environment(cert.subject());
    if found != environment {
        return Err(TrustStoreError::WrongEnvironment {
            label,
            store: environment,
            found,
        });
    }
    if cert.subject() != cert.issuer() {
        return Err(not_ca("not self-issued"));
    }
    match &cert.exts.basic_constraints {
        Some(bc) if bc.ca => {}
        _ => return Err(not_ca("basicConstraints CA:TRUE missing")),
    }
    match &cert.exts.key_usage {
        Some((ku, _)) if ku.key_cert_sign() && ku.crl_sign() => {}
        _ => return Err(not_ca("keyUsage keyCertSign+cRLSign missing")),
    }
    if cert.subject_key_id().is_none() {
        return Err(not_ca("subjectKeyIdentifier missing"));
    }
    let key = rsa_public_key(&cert).map_err(|reason| TrustStoreError::Parse {
        label: label.clone(),
        reason,
    })?;
    if !verify_pkcs1_sha256(&key, &cert.tbs_sha256(), cert.signature()) {
        return Err(not_ca("self-signature does not verify"));
    }
    let spki = der::Encode::to_der(
        cert.certificate()
            .tbs_certificate()
            .subject_public_key_info(),
    )
    .map_err(|e| TrustStoreError::Parse {
        label: label.clone(),
        reason: crate::verdict::Refusal::malformed(e),
    })?;
    let f4_modulus = {
        use rsa::traits::PublicKeyParts;
        is_f4(key.e()).then(|| minimal_be(key.n()))
    };
    Ok(TrustAnchor {
        label,
        key_hash: Sha256::digest(&spki).into(),
        cert,
        key,
        f4_modulus,
    })
}

/// The J-LIS roots an operator added to `dir` (`*.pem`, `*.cer`, `*.crt`, `*.der`, in
/// name order), each checked against the J-LIS profile ([`crate::jlis_profile`], expiry
/// aside: an added root keeps working until it expires, like a compiled-in one) and
/// labelled with its file name without the extension. An empty or missing folder gives
/// none; a file that does not fit stops the whole folder, named in the error.
pub fn read_added_roots(
    dir: &Path,
) -> Result<Vec<(String, crate::jlis_profile::CheckedRoot)>, TrustStoreError> {
    let io = |e: std::io::Error| TrustStoreError::Folder(format!("{}: {e}", dir.display()));
    let files = match certificate_files(dir) {
        Ok(files) => files,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(io(e)),
    };
    let mut added = Vec::with_capacity(files.len());
    for path in files {
        let bytes = std::fs::read(&path).map_err(io)?;
        let label = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("root")
            .to_owned();
        let root = crate::jlis_profile::check_profile(&bytes).map_err(|e| {
            TrustStoreError::Folder(format!(
                "{}: does not fit the J-LIS root profile: {e}",
                path.display()
            ))
        })?;
        added.push((label, root));
    }
    Ok(added)
}

/// The files of `dir` that may hold a certificate (`*.pem`, `*.cer`, `*.crt`, `*.der`), in
/// name order.
fn certificate_files(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)?.flatten() {
        let path = entry.path();
        if path
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| matches!(x, "pem" | "cer" | "crt" | "der"))
        {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
