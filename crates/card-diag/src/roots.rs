//! The roots the verdicts are checked against: the O=JPKI-TEST roots of `--test-roots DIR`,
//! or the compiled-in J-LIS roots with those added by `--root FILE` (the generation-2
//! `authca02.cer` and `signca02.cer`, which are not compiled in; docs/domain/jpki.md
//! §2.1). An added root is checked against the J-LIS root profile exactly as
//! `madoguchi-platform roots add` checks it ([`jpki_cert::jlis_profile::check_root`]), and
//! its SHA-256 is printed for the technician to compare with J-LIS's published value.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use jpki_cert::jlis_profile::{CheckedRoot, check_root};
use jpki_cert::{Environment, Purpose, TrustStore, TrustStoreError, UnixTime};

/// Where the verdicts' roots come from.
#[derive(Debug)]
pub enum Roots {
    /// The test roots in this folder.
    Test(PathBuf),
    /// The compiled-in J-LIS roots and the added ones (file name, checked root).
    Production(Vec<(PathBuf, CheckedRoot)>),
}

impl Roots {
    /// The roots of the command line: `--test-roots DIR`, else the compiled-in ones with
    /// each `--root FILE` checked at `now` (clap keeps the two options apart). The error
    /// names the file and what does not fit.
    pub fn from_args(
        test_roots: Option<&Path>,
        added: &[PathBuf],
        now: UnixTime,
    ) -> Result<Self, String> {
        if let Some(dir) = test_roots {
            return Ok(Self::Test(dir.to_owned()));
        }
        let mut checked = Vec::with_capacity(added.len());
        for file in added {
            let bytes = std::fs::read(file)
                .map_err(|e| format!("--root {}: cannot read it: {e}", file.display()))?;
            let root = check_root(&bytes, now).map_err(|e| {
                format!(
                    "--root {}: not added, it does not fit the J-LIS root profile: {e}. An added \
                     root is a J-LIS root certificate as J-LIS publishes it (authca02.cer, \
                     signca02.cer)",
                    file.display()
                )
            })?;
            checked.push((file.clone(), root));
        }
        Ok(Self::Production(checked))
    }

    /// The roots of `purpose` the verdicts use.
    pub fn store(&self, purpose: Purpose) -> Result<TrustStore, TrustStoreError> {
        match self {
            Self::Test(dir) => TrustStore::from_dir(purpose, Environment::Test, dir),
            Self::Production(added) => TrustStore::production_with(
                purpose,
                added.iter().map(|(file, root)| (label(file), root.clone())),
            ),
        }
    }

    /// What the technician reads about each added root: its file, then the root's own
    /// description (kind, validity, SHA-256 and what to compare it with, as
    /// `madoguchi-platform roots add` prints it); empty without `--root`.
    pub fn added_report(&self) -> String {
        let mut out = String::new();
        let Self::Production(added) = self else {
            return out;
        };
        for (file, root) in added {
            // The root's own description, its lines under the file's.
            let _ = writeln!(
                out,
                "added root {}: {}",
                file.display(),
                root.to_string().replace('\n', "\n  ")
            );
        }
        out
    }

    /// Every root the verdicts use, per purpose, with its SHA-256 (`madoguchi-card roots`).
    pub fn listing(&self) -> Result<String, String> {
        let mut out = self.added_report();
        for purpose in [Purpose::Auth, Purpose::Sign] {
            let store = self
                .store(purpose)
                .map_err(|e| format!("the {purpose} roots: {e}"))?;
            let _ = writeln!(out, "{purpose} roots ({:?}):", store.environment());
            for a in store.anchors() {
                let cert = a.certificate();
                let _ = writeln!(
                    out,
                    "  {:<16} valid until {}  SHA-256 {}",
                    a.label(),
                    cert.not_after(),
                    hex::encode_upper(cert.fingerprint())
                );
            }
        }
        Ok(out)
    }
}

/// A root's label in the verdict: its file name without the extension.
fn label(file: &Path) -> String {
    file.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("added root")
        .to_owned()
}
