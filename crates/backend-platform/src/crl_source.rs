//! Revocation for the platform: every DER CRL in the configured folder, verified against
//! the auth and sign roots, built into one in-memory [`CrlIndex`] that is swapped
//! atomically on reload (SIGHUP, the admin call, the interval), so lookups never stop. A
//! reload that fails (a CRL that does not verify, an unreadable file) keeps the old index.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jpki_cert::TrustStore;
use jpki_cert::crl::{CrlError, CrlIndex, CrlIndexBuilder, SharedCrlIndex};

/// Why the CRL folder cannot be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CrlLoadError {
    /// The folder cannot be listed.
    #[error("CRL folder {dir}: {source}")]
    Folder {
        /// The folder.
        dir: PathBuf,
        /// The I/O error reading the folder.
        source: std::io::Error,
    },
    /// A CRL is refused (unreadable, malformed, not signed by a configured root).
    #[error("CRL {file}: {source}")]
    Crl {
        /// The file.
        file: PathBuf,
        /// What the CRL reader or its verification refused.
        source: CrlError,
    },
}

/// What a load read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrlLoadSummary {
    /// CRL files read.
    pub files: u64,
    /// Revocation entries in the index.
    pub entries: u64,
}

/// The live revocation index and where it comes from.
#[derive(Debug)]
pub struct CrlSource {
    dir: PathBuf,
    auth: TrustStore,
    sign: TrustStore,
    shared: Arc<SharedCrlIndex>,
}

impl CrlSource {
    /// Loads `dir` once; an error here stops the server from starting.
    pub fn load(
        dir: &Path,
        auth: TrustStore,
        sign: TrustStore,
    ) -> Result<(Self, CrlLoadSummary), CrlLoadError> {
        let (index, summary) = build(dir, &auth, &sign)?;
        let source = Self {
            dir: dir.to_owned(),
            auth,
            sign,
            shared: Arc::new(SharedCrlIndex::new(index)),
        };
        Ok((source, summary))
    }

    /// Rebuilds from the folder and swaps the new index in; on error the old one stays.
    pub fn reload(&self) -> Result<CrlLoadSummary, CrlLoadError> {
        let (index, summary) = build(&self.dir, &self.auth, &self.sign)?;
        self.shared.replace(index);
        Ok(summary)
    }

    /// The live index (a revocation check for `jpki-cert`).
    pub fn index(&self) -> &SharedCrlIndex {
        &self.shared
    }
}

fn build(
    dir: &Path,
    auth: &TrustStore,
    sign: &TrustStore,
) -> Result<(CrlIndex, CrlLoadSummary), CrlLoadError> {
    let folder = |source| CrlLoadError::Folder {
        dir: dir.to_owned(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(folder)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| matches!(x, "crl" | "der"))
        })
        .collect();
    files.sort();
    let mut builder = CrlIndexBuilder::new();
    for f in &files {
        builder
            .add_crl_file(f, &[auth, sign])
            .map_err(|source| CrlLoadError::Crl {
                file: f.clone(),
                source,
            })?;
    }
    let mut bytes = Vec::new();
    let crl = |source| CrlLoadError::Crl {
        file: dir.to_owned(),
        source,
    };
    builder.write_to(&mut bytes).map_err(crl)?;
    let index = CrlIndex::from_bytes(bytes).map_err(crl)?;
    let summary = CrlLoadSummary {
        files: files.len() as u64,
        entries: index.len() as u64,
    };
    Ok((index, summary))
}
