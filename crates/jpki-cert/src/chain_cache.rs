//! Certificates whose chain has already been verified by one [`crate::Verifier`], so that
//! a card seen again is not parsed and its issuer's signature not verified again.
//!
//! What is kept is only what depends on the certificate's bytes and the verifier's trust
//! store, both fixed: the parse, the profile checks (purpose, environment,
//! basicConstraints, certificatePolicies, keyUsage, authorityKeyIdentifier), which root
//! signed it and that its signature verifies, the signature identity, and the decoded key.
//! What depends on the moment is checked again at every use, in the same order as for a
//! certificate not seen before: the validity of the certificate and of its root, the card's
//! signature over the challenge, and revocation (never cached: a CRL that changes takes
//! effect at the next identification). A certificate that was refused is not kept, so its
//! next presentation is refused the same way.
//!
//! Entries are found by the SHA-256 of the DER and then compared byte for byte. The number
//! of entries is bounded by [`CAPACITY`] (or the verifier's own capacity, 0 keeping
//! nothing); when it is reached the cache is emptied (only certificates that chain to a
//! pinned root enter it, so filling it needs that many real cards).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::cert::JpkiCertificate;
use crate::challenge::CertKey;
use crate::identity::SignIdentity;

/// Certificates kept at most: at about 10 KB each (the parse, the DER, the key) this
/// bounds the cache near 10 MB. A platform's traffic is many different cards, each seen
/// a few times a day, so beyond the cards of the last minutes a larger cache would rarely
/// be hit.
pub const CAPACITY: usize = 1024;

/// A certificate whose chain verified: everything [`crate::Verifier::check_chain`] found
/// that does not depend on the time, and the card's key.
#[derive(Debug)]
pub(crate) struct VerifiedChain {
    pub cert: JpkiCertificate,
    /// Index of the issuing root in the verifier's store.
    pub anchor: usize,
    pub identity: Option<SignIdentity>,
    pub key: CertKey,
}

/// The cache; shared by clones of one verifier.
#[derive(Clone, Debug)]
pub(crate) struct ChainCache {
    entries: Arc<Mutex<HashMap<[u8; 32], Arc<VerifiedChain>>>>,
    capacity: usize,
}

impl Default for ChainCache {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
}

impl ChainCache {
    /// A cache of at most `capacity` certificates (0: keeps none).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Arc::default(),
            capacity,
        }
    }

    /// The SHA-256 of `der`, the key of its entry.
    pub fn key(der: &[u8]) -> [u8; 32] {
        Sha256::digest(der).into()
    }

    /// The entry for `der` (found by `key`), if it is the same certificate.
    pub fn get(&self, key: &[u8; 32], der: &[u8]) -> Option<Arc<VerifiedChain>> {
        let entries = lock(&self.entries);
        entries.get(key).filter(|c| c.cert.der() == der).cloned()
    }

    /// Keeps `chain` under `key`.
    pub fn insert(&self, key: [u8; 32], chain: Arc<VerifiedChain>) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = lock(&self.entries);
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(key, chain);
    }

    /// Entries kept now.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        lock(&self.entries).len()
    }
}

/// Locks the map; a holder that panicked left it consistent (each operation is one map
/// call), so a poisoned lock is used as it is.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_cache_never_holds_more_than_its_capacity() {
        let pki = testkit::Pki::load().unwrap();
        let der = testkit::CertSpec::auth(testkit::Generation::G3)
            .unwrap()
            .issue(&pki)
            .unwrap();
        let cert = JpkiCertificate::from_der(&der).unwrap();
        let chain = Arc::new(VerifiedChain {
            key: CertKey::from_certificate(&cert).unwrap(),
            cert,
            anchor: 0,
            identity: None,
        });
        let cache = ChainCache::default();
        for i in 0..=CAPACITY {
            let mut key = [0u8; 32];
            key[..8].copy_from_slice(&(i as u64).to_be_bytes());
            cache.insert(key, chain.clone());
            assert!(cache.len() <= CAPACITY);
        }
        // Found only under its key and only for its own bytes.
        let mut last = [0u8; 32];
        last[..8].copy_from_slice(&(CAPACITY as u64).to_be_bytes());
        assert!(cache.get(&last, &der).is_some());
        assert!(cache.get(&last, &der[1..]).is_none());
        assert!(cache.get(&[0xff; 32], &der).is_none());
        let none = ChainCache::with_capacity(0);
        none.insert(last, chain);
        assert_eq!(none.len(), 0);
    }
}
