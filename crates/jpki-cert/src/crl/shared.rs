//! The live index, swapped atomically: readers take an `Arc` snapshot, an update builds
//! the new index beside the old one and swaps the pointer. Lookups never wait on a build.

use std::path::Path;
use std::sync::{Arc, RwLock};

use super::{CrlError, CrlIndex};
use crate::anchors::TrustAnchor;
use crate::cert::JpkiCertificate;
use crate::time::UnixTime;
use crate::verdict::RevocationStatus;
use crate::verify::RevocationCheck;

/// A [`CrlIndex`] that can be replaced while lookups run.
#[derive(Debug)]
pub struct SharedCrlIndex {
    current: RwLock<Arc<CrlIndex>>,
}

impl SharedCrlIndex {
    /// Starts with `index`.
    pub fn new(index: CrlIndex) -> Self {
        Self {
            current: RwLock::new(Arc::new(index)),
        }
    }

    /// A snapshot: stays valid (and unchanged) however many swaps follow.
    pub fn snapshot(&self) -> Arc<CrlIndex> {
        match self.current.read() {
            Ok(g) => Arc::clone(&g),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Swaps in `index`; returns the previous one.
    pub fn replace(&self, index: CrlIndex) -> Arc<CrlIndex> {
        let new = Arc::new(index);
        match self.current.write() {
            Ok(mut g) => std::mem::replace(&mut *g, new),
            Err(poisoned) => std::mem::replace(&mut *poisoned.into_inner(), new),
        }
    }

    /// Loads `path` (outside the lock) and swaps it in. On error the old index stays.
    pub fn reload(&self, path: &Path) -> Result<(), CrlError> {
        let index = CrlIndex::open(path)?;
        self.replace(index);
        Ok(())
    }
}

impl RevocationCheck for SharedCrlIndex {
    fn status(
        &self,
        cert: &JpkiCertificate,
        issuer: &TrustAnchor,
        at: UnixTime,
    ) -> RevocationStatus {
        self.snapshot().status_at(cert, issuer, at)
    }
}
