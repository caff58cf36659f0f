//! Revocation for one node: the in-memory [`CrlIndex`](jpki_cert::crl::CrlIndex) of the
//! CRL set published in the storage ([`crate::crl_set`]), swapped atomically, so lookups
//! never stop, and the generation of the set it was built from.
//!
//! Where the set comes from (`[jpki] crl_from`, [`CrlFrom`]):
//! - **`folder`** (the default; one machine, or the one node that feeds the CRLs): at
//!   start, on SIGHUP, on the admin call `POST /v1/admin/crl/reload` and every
//!   `crl_reload_secs`, the node reads and verifies its `crl_dir` and publishes it when it
//!   differs from the published set; with an empty storage the first start publishes it.
//!   A folder that fails (a CRL that does not verify, an unreadable file) is not published
//!   and stops the start, or keeps the previous set on a reload.
//! - **`storage`** (the other nodes): the node never reads a folder; it starts on the
//!   published set (and refuses to start while none is published), and a reload takes the
//!   published set again.
//!
//! Every node, either way, follows the set's generation ([`crate::generations`]): when it
//! differs from the last one the node read (greater, or smaller after a restore of the
//! database), or carries another stamp (a restore and the next publication between two
//! polls bring back the number the node holds, not its random stamp:
//! [`crate::storage::Version`]), the node reads the set, verifies it again against its own roots and swaps
//! its index. A set that fails here keeps the previous index; the failure is logged, kept
//! in [`CrlSource::status`] and audited (`crl_refresh`), and that generation is not tried
//! again.
//!
//! A set is never older than the one in use: a set (folder or published) with a CRL whose
//! thisUpdate is earlier, or cRLNumber lower, than the one in use for its scope is refused
//! as any failing set is ([`CrlLoadError::Older`]). At publication the check holds against
//! another publisher at the same time: the write is made only while the published set is
//! the one checked against ([`crate::crl_set::publish_over_read`]). A scope the new set
//! lacks does not refuse it: its cards are refused as revocation-unknown under the new set
//! (it fails closed), whereas keeping the old set would hold back the newer CRLs of every
//! other scope; the load warns of it. Each load also warns when the set's earliest nextUpdate
//! has passed or is within `crl_warn_secs` ([`crate::crl_scopes::freshness`]).
//!
//! A folder node whose folder holds a CRL older than the published set's at start (a
//! download during J-LIS's daily refresh, then a restart) starts on the published set, as a
//! reload would keep it, rather than not at all: the refusal is logged and audited as a
//! failed reload's (`crl_reload`, `unavailable`), and the next reload reads the folder again.
//!
//! Loads are one at a time (a reload and a poll's follow queue on one lock), so the set
//! read last is the one in use.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use backend_kit::Clock;
use jpki_cert::TrustStore;
use jpki_cert::crl::SharedCrlIndex;
use madoguchi_time::UnixTime;

pub use crate::config::CrlFrom;
use counter_api::ProblemCode;

use crate::audit::AuditEvent;
use crate::crl_scopes::{Freshness, OlderCrl, ScopeCrl, freshness};
pub use crate::crl_set::{CrlLoadError, CrlLoadSummary, MAX_CRL_SET_BYTES};
use crate::crl_set::{
    InUse, VerifiedSet, check_not_older, publish_folder, publish_folder_over, verify_stored,
};
use crate::storage::{Republish, Storage, StoredCrlSet, Version};

/// A published set this node refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlRefusal {
    /// Its generation.
    pub generation: u64,
    /// Its stamp ([`Version::stamp`]).
    pub stamp: i64,
    /// When that generation was written.
    pub changed_at: UnixTime,
    /// Why, naming the CRL.
    pub error: String,
}

/// Which set a node uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlStatus {
    /// The generation of the set in use (0: built from a folder before any publication).
    pub generation: u64,
    /// Its stamp ([`Version::stamp`]; 0 for generation 0).
    pub stamp: i64,
    /// When that generation was written (`shared_generations.changed_at`).
    pub changed_at: UnixTime,
    /// The published set refused last, if no set was taken since.
    pub refused: Option<CrlRefusal>,
}

impl CrlStatus {
    /// The generation this node read last from the storage (taken or refused), with its
    /// stamp: the poll follows the published set when either differs (the same number
    /// with another stamp is another set: a restored database published again).
    pub fn seen(&self) -> Version {
        self.refused.as_ref().map_or(
            Version {
                generation: self.generation,
                stamp: self.stamp,
            },
            |r| Version {
                generation: r.generation,
                stamp: r.stamp,
            },
        )
    }
}

/// The live revocation index and where it comes from.
#[derive(Debug)]
pub struct CrlSource {
    from: CrlFrom,
    dir: PathBuf,
    auth: TrustStore,
    sign: TrustStore,
    store: Arc<dyn Storage>,
    clock: Arc<dyn Clock>,
    /// `crl_warn_secs`.
    warn_secs: u64,
    shared: Arc<SharedCrlIndex>,
    status: Mutex<CrlStatus>,
    /// The names, digests and scopes of the set in use; held for a whole load, so loads
    /// are one at a time.
    in_use: Mutex<InUse>,
}

impl CrlSource {
    /// The node's first set (see the module doc); an error here stops the node from
    /// starting. `warn_secs`: `crl_warn_secs`.
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        from: CrlFrom,
        dir: PathBuf,
        auth: TrustStore,
        sign: TrustStore,
        store: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
        warn_secs: u64,
    ) -> Result<(Self, CrlLoadSummary), CrlLoadError> {
        let (set, (version, changed_at)) = match from {
            CrlFrom::Folder => match publish_folder(
                &*store,
                &dir,
                &auth,
                &sign,
                Republish::IfChanged,
                clock.now(),
            ) {
                Ok((set, p)) => (
                    set,
                    (
                        Version {
                            generation: p.generation,
                            stamp: p.stamp,
                        },
                        p.changed_at,
                    ),
                ),
                Err(CrlLoadError::Older(older)) => {
                    start_on_published(&*store, &*clock, &auth, &sign, &older)?
                }
                Err(e) => return Err(e),
            },
            CrlFrom::Storage => {
                let stored = store.crl_set()?;
                if stored.generation == 0 {
                    return Err(CrlLoadError::NothingPublished);
                }
                let seen = seen_of(&stored);
                let set = verify_stored(stored.files, stored.generation, &auth, &sign)?;
                (set, seen)
            }
        };
        let summary = set.summary(version.generation);
        let in_use = InUse::of(&set);
        let source = Self {
            from,
            dir,
            auth,
            sign,
            store,
            clock,
            warn_secs,
            shared: Arc::new(SharedCrlIndex::new(set.index)),
            status: Mutex::new(CrlStatus {
                generation: version.generation,
                stamp: version.stamp,
                changed_at,
                refused: None,
            }),
            in_use: Mutex::new(in_use),
        };
        source.warn_if_stale(&source.lock_in_use().scopes);
        Ok((source, summary))
    }

    /// Reloads at once (SIGHUP, the admin call, the interval): a `folder` node reads and
    /// verifies its folder, publishes it when it changed (or whatever, when this node
    /// refused the published set), and swaps it in; a `storage` node
    /// takes the published set again. On error the index in use stays.
    pub fn reload(&self) -> Result<CrlLoadSummary, CrlLoadError> {
        let mut in_use = self.lock_in_use();
        match self.from {
            CrlFrom::Folder => {
                // A published set this node refused may have been changed in the database
                // behind its digests: this node's verified folder replaces it whatever.
                let when = match self.lock().refused {
                    Some(_) => Republish::Always,
                    None => Republish::IfChanged,
                };
                let (set, p) = publish_folder_over(
                    &*self.store,
                    &self.dir,
                    &self.auth,
                    &self.sign,
                    when,
                    self.clock.now(),
                    &in_use,
                )?;
                let version = Version {
                    generation: p.generation,
                    stamp: p.stamp,
                };
                Ok(self.apply(&mut in_use, set, (version, p.changed_at)))
            }
            CrlFrom::Storage => {
                let stored = self.store.crl_set()?;
                let seen = seen_of(&stored);
                let set = self
                    .verify_over(&in_use, stored.files, stored.generation)
                    .inspect_err(|e| self.refused(seen, e))?;
                Ok(self.apply(&mut in_use, set, seen))
            }
        }
    }

    /// Follows the published set to `version` (as the generation poll saw it): reads,
    /// verifies and swaps it in. `Ok(None)`: nothing to do (this node read that version
    /// last, taken or refused: [`CrlStatus::seen`]). A generation lower than the one in use
    /// (the database restored) is followed too. On error the index in use stays and the
    /// refusal is kept in [`Self::status`] (a storage error is not: the next poll tries
    /// again).
    pub fn follow(&self, version: Version) -> Result<Option<CrlLoadSummary>, CrlLoadError> {
        if self.lock().seen() == version {
            return Ok(None);
        }
        let mut in_use = self.lock_in_use();
        let stored = self.store.crl_set()?;
        let seen = seen_of(&stored);
        if seen.0 == self.lock().seen() {
            return Ok(None);
        }
        let set = self
            .verify_over(&in_use, stored.files, stored.generation)
            .inspect_err(|e| self.refused(seen, e))?;
        Ok(Some(self.apply(&mut in_use, set, seen)))
    }

    /// The live index (a revocation check for `jpki-cert`).
    pub fn index(&self) -> &SharedCrlIndex {
        &self.shared
    }

    /// The generation in use and the latest refusal.
    pub fn status(&self) -> CrlStatus {
        self.lock().clone()
    }

    /// Where this node's set comes from.
    pub fn from(&self) -> CrlFrom {
        self.from
    }

    /// Verifies the published `files` of `generation` and checks that none is older than
    /// the CRL `in_use` has for its scope.
    fn verify_over(
        &self,
        in_use: &InUse,
        files: Vec<crate::storage::CrlFile>,
        generation: u64,
    ) -> Result<VerifiedSet, CrlLoadError> {
        let set = verify_stored(files, generation, &self.auth, &self.sign)?;
        check_not_older(&set.scopes, &in_use.scopes)?;
        Ok(set)
    }

    /// Swaps `set` of `(version, changed_at)` in (the caller holds `in_use`: no other load
    /// runs) and warns when it is going stale.
    fn apply(
        &self,
        in_use: &mut InUse,
        set: VerifiedSet,
        (version, changed_at): (Version, UnixTime),
    ) -> CrlLoadSummary {
        let summary = set.summary(version.generation);
        *in_use = InUse::of(&set);
        self.shared.replace(set.index);
        {
            let mut s = self.lock();
            s.generation = version.generation;
            s.stamp = version.stamp;
            s.changed_at = changed_at;
            s.refused = None;
        }
        self.warn_if_stale(&in_use.scopes);
        summary
    }

    /// Logs at warn when the earliest nextUpdate of `scopes` has passed or is within
    /// `crl_warn_secs`.
    fn warn_if_stale(&self, scopes: &[ScopeCrl]) {
        match freshness(scopes, self.clock.now(), self.warn_secs) {
            Freshness::Fresh => {}
            Freshness::Soon(c) => tracing::warn!(
                scope = %c.scope(),
                file = %c.file,
                next_update = %c.crl.next_update.map_or("none".into(), |t| t.to_string()),
                "a CRL of the set in use reaches its nextUpdate soon: once it passes, the \
                 cards of its scope are refused as revocation-unknown; check that the \
                 download job brings the new CRLs into the folder"
            ),
            Freshness::Past(c) => tracing::warn!(
                scope = %c.scope(),
                file = %c.file,
                next_update = %c.crl.next_update.map_or("none".into(), |t| t.to_string()),
                "a CRL of the set in use is past its nextUpdate: the cards of its scope are \
                 refused as revocation-unknown until a newer CRL is loaded; check the \
                 download job and reload"
            ),
        }
    }

    fn refused(&self, (version, changed_at): (Version, UnixTime), e: &CrlLoadError) {
        if matches!(e, CrlLoadError::Storage(_)) {
            return;
        }
        let mut s = self.lock();
        if version
            != (Version {
                generation: s.generation,
                stamp: s.stamp,
            })
        {
            s.refused = Some(CrlRefusal {
                generation: version.generation,
                stamp: version.stamp,
                changed_at,
                error: e.to_string(),
            });
        }
    }

    fn lock_in_use(&self) -> MutexGuard<'_, InUse> {
        match self.in_use.lock() {
            Ok(g) => g,
            // Replaced whole after each load: a panic cannot leave it half written.
            Err(p) => p.into_inner(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, CrlStatus> {
        match self.status.lock() {
            Ok(g) => g,
            // The status is two plain fields, consistent after any panic.
            Err(p) => p.into_inner(),
        }
    }
}

/// The start of a folder node whose folder holds a CRL `older` than the published set's
/// for its scope: the published set, verified again, its version and when that was
/// written (the set a reload
/// keeps in use); the folder's refusal logged at warn and audited as a failed reload's.
/// An error (the published set does not verify here, the storage does not answer) stops
/// the start.
fn start_on_published(
    store: &dyn Storage,
    clock: &dyn Clock,
    auth: &TrustStore,
    sign: &TrustStore,
    older: &OlderCrl,
) -> Result<(VerifiedSet, (Version, UnixTime)), CrlLoadError> {
    let stored = store.crl_set()?;
    let seen = seen_of(&stored);
    let generation = stored.generation;
    let set = verify_stored(stored.files, generation, auth, sign)?;
    let refusal = CrlLoadError::Older(Box::new(older.clone()));
    tracing::warn!(
        file = %older.new.file,
        this_update = %older.new.crl.this_update,
        in_use_file = %older.in_use.file,
        in_use_this_update = %older.in_use.crl.this_update,
        generation,
        "the CRL folder holds a CRL older than the published set's: starting on the \
         published set, which stays in use; {refusal}"
    );
    store.append_audit(&[AuditEvent {
        at: clock.now(),
        action: "crl_reload",
        outcome: ProblemCode::Unavailable.as_str().into(),
        reason: Some(refusal.to_string()),
        ..AuditEvent::default()
    }])?;
    Ok((set, seen))
}

/// The version of `stored` and when it was written.
fn seen_of(stored: &StoredCrlSet) -> (Version, UnixTime) {
    (stored.version(), stored.changed_at)
}
