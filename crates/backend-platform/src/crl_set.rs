//! The CRL set every node of a platform uses: read from a folder of DER CRLs, verified
//! against the auth and sign roots, published into the storage with a new generation
//! ([`publish_folder`]), and read back and verified again by each node
//! ([`verify_stored`]) before it builds its in-memory index from it. Owns the checks on
//! the way in and out (names, sizes, digests, signatures, and no CRL older than the one in
//! use for its scope: [`check_not_older`]); never keeps a CRL that did not verify, and never
//! publishes a set of which one CRL failed, nor one checked against a published set that
//! another publication replaced meanwhile ([`publish_over_read`]).
//!
//! Size: every CRL is read whole into memory, at publication and at each node's reload; a
//! set larger than [`MAX_CRL_SET_BYTES`] in all is refused (see
//! [`CrlFile`]).

use std::path::{Path, PathBuf};

use jpki_cert::TrustStore;
use jpki_cert::crl::{CrlError, CrlIndex, CrlIndexBuilder};
use madoguchi_time::UnixTime;
use sha2::{Digest, Sha256};

use crate::crl_scopes::{self, OlderCrl, ScopeCrl};
use crate::storage::{
    CrlFile, CrlPublication, CrlWrite, Republish, Storage, StorageError, StoredCrlSet, Version,
    same_names_and_digests,
};

/// The largest CRL set (the sum of its DER sizes) the platform publishes or loads: 512 MiB.
/// Our choice: the whole set is held in memory twice while a node rebuilds its index (the
/// DER read from the storage and the index built from it), and every node reads it at each
/// change; both storages take larger values (PostgreSQL's `bytea` up to 1 GB, SQLite's
/// BLOB up to 1,000,000,000 bytes by default).
pub const MAX_CRL_SET_BYTES: u64 = 512 << 20;

/// Why a CRL set cannot be loaded, published or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CrlLoadError {
    /// The folder cannot be listed. The message names the key that names it, and what to
    /// put there and who must own it (`folder_advice`).
    #[error(
        "cannot read the CRL folder {dir} ([jpki] crl_dir of the platform's configuration, or \
         --dir of `crl publish`): {source}. {advice}",
        advice = folder_advice(.dir, .source.kind())
    )]
    Folder {
        /// The folder.
        dir: PathBuf,
        /// The I/O error reading the folder.
        source: std::io::Error,
    },
    /// A CRL file is refused (unreadable, malformed, not signed by a configured root).
    #[error("CRL {file}: {source}")]
    Crl {
        /// The file.
        file: PathBuf,
        /// What the CRL reader or its verification refused.
        source: CrlError,
    },
    /// A file name that is not UTF-8 cannot name a CRL of the shared set.
    #[error("CRL {file}: the file name is not UTF-8; rename it")]
    FileName {
        /// The file.
        file: PathBuf,
    },
    /// The set is larger than [`MAX_CRL_SET_BYTES`].
    #[error("the CRL set holds {bytes} bytes, more than the {limit} the platform loads")]
    TooLarge {
        /// Its size.
        bytes: u64,
        /// [`MAX_CRL_SET_BYTES`].
        limit: u64,
    },
    /// A CRL of the published set does not verify here (malformed, or not signed by one of
    /// this node's roots).
    #[error("CRL {name} of the published set (generation {generation}): {source}")]
    Stored {
        /// Its name in the set.
        name: String,
        /// The set's generation.
        generation: u64,
        /// What the CRL reader or its verification refused.
        source: CrlError,
    },
    /// A CRL of the published set does not match its SHA-256 (changed in the database).
    #[error(
        "CRL {name} of the published set (generation {generation}) does not match its SHA-256: it was changed in the database; publish the CRLs again (`madoguchi-platform crl publish --force`)"
    )]
    Digest {
        /// Its name in the set.
        name: String,
        /// The set's generation.
        generation: u64,
    },
    /// A CRL of the new set is older than the one in use for its scope: the set in use
    /// stays.
    #[error(
        "{0}; a set with an older CRL would accept again a card revoked in between, so the \
         CRLs in use stay: fetch the CRLs again once J-LIS has finished its daily refresh \
         and publish them (or reload)"
    )]
    Older(Box<OlderCrl>),
    /// Other publications kept coming between this one's check and its write: nothing of
    /// this set was published.
    #[error(
        "the published CRL set changed {attempts} times while this set was being checked \
         against it (other nodes with crl_from = \"folder\", or `crl publish`, publishing \
         at the same time): nothing was published and the set in the storage stays; keep \
         one feeder of the CRLs and reload or publish again"
    )]
    Contended {
        /// How many times the set was checked ([`PUBLISH_ATTEMPTS`]).
        attempts: u32,
    },
    /// A node taking its CRLs from the storage found none published.
    #[error(
        "no CRL set is published in the storage yet: run `madoguchi-platform crl publish --config FILE` with a folder of CRLs, or start a node with [jpki] crl_from = \"folder\""
    )]
    NothingPublished,
    /// The storage did not answer.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The user the platform's package runs it as (its systemd unit's `User=`, made by its
/// postinst: packaging/systemd/madoguchi-platform.service).
const PACKAGED_USER: &str = "madoguchi-platform";

/// What to do when the CRL folder `dir` cannot be listed for `kind`: the last sentences of
/// [`CrlLoadError::Folder`]. The package's postinst makes the sample's folder
/// (`/var/lib/madoguchi-platform/crl`); another one is the operator's to make.
fn folder_advice(dir: &Path, kind: std::io::ErrorKind) -> String {
    let what = "It holds the J-LIS CRLs (DER files named *.crl or *.der) that the operator's \
                job downloads; the platform reads it at start, on SIGHUP and every \
                crl_reload_secs";
    let owner = format!(
        "the user the platform runs as ({PACKAGED_USER} under its systemd unit) must own it \
         or be able to read it"
    );
    let dir = dir.display();
    match kind {
        std::io::ErrorKind::NotFound => format!(
            "Create it (sudo install -d -m 0750 -o {PACKAGED_USER} -g {PACKAGED_USER} {dir}) \
             and put the CRLs in it, or name another folder in [jpki] crl_dir. {what}; {owner}"
        ),
        std::io::ErrorKind::PermissionDenied => format!(
            "Give it to that user (sudo chown -R {PACKAGED_USER}:{PACKAGED_USER} {dir}). \
             {what}; {owner}"
        ),
        _ => format!(
            "Check that [jpki] crl_dir names a folder (not a file) on a mounted disk. {what}; \
             {owner}"
        ),
    }
}

/// What a load read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrlLoadSummary {
    /// CRL files read.
    pub files: u64,
    /// Revocation entries in the index.
    pub entries: u64,
    /// The generation of the published set this is (0: not published).
    pub generation: u64,
    /// The earliest nextUpdate of the set's CRLs (those without one left out: they are
    /// never fresh, and each load warns of them); `None` when no CRL has one.
    pub earliest_next_update: Option<UnixTime>,
}

/// A set whose every CRL verified, and its index.
#[derive(Debug)]
pub struct VerifiedSet {
    /// The CRLs, by name.
    pub files: Vec<CrlFile>,
    /// Their index.
    pub index: CrlIndex,
    /// The CRL used for each scope.
    pub scopes: Vec<ScopeCrl>,
}

impl VerifiedSet {
    /// The summary of this set at `generation`.
    pub fn summary(&self, generation: u64) -> CrlLoadSummary {
        CrlLoadSummary {
            files: self.files.len() as u64,
            entries: self.index.len() as u64,
            generation,
            earliest_next_update: crl_scopes::earliest_dated(&self.scopes)
                .and_then(|s| s.crl.next_update),
        }
    }
}

/// What a node keeps of the set it uses once its index is built: the names and digests of
/// its CRLs (verified at its load) and the CRL of each scope. A published set with the same
/// names and digests is this set: it is not verified again to compare with it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InUse {
    /// The CRLs' names and SHA-256, by name.
    pub files: Vec<(String, [u8; 32])>,
    /// The CRL used for each scope.
    pub scopes: Vec<ScopeCrl>,
}

impl InUse {
    /// What a node keeps of `set`.
    pub fn of(set: &VerifiedSet) -> Self {
        Self {
            files: set
                .files
                .iter()
                .map(|f| (f.name.clone(), f.sha256))
                .collect(),
            scopes: set.scopes.clone(),
        }
    }

    /// Whether `files` are this set's (same names and digests).
    fn is(&self, files: &[CrlFile]) -> bool {
        same_names_and_digests(
            self.files.iter().map(|(n, d)| (n.as_str(), d.as_slice())),
            files.iter().map(CrlFile::name_and_digest),
        )
    }
}

/// Reads every DER CRL of `dir` (`*.crl`, `*.der`), by name, and verifies each against
/// `auth` and `sign`.
pub fn read_folder(
    dir: &Path,
    auth: &TrustStore,
    sign: &TrustStore,
) -> Result<VerifiedSet, CrlLoadError> {
    let entries = std::fs::read_dir(dir).map_err(|source| CrlLoadError::Folder {
        dir: dir.to_owned(),
        source,
    })?;
    let paths = crl_paths(dir, entries.map(|e| e.map(|e| e.path())))?;
    let mut total = 0u64;
    let mut files = Vec::with_capacity(paths.len());
    let mut builder = CrlIndexBuilder::new();
    let mut scopes = Vec::new();
    for path in paths {
        let bad = |source| CrlLoadError::Crl {
            file: path.clone(),
            source,
        };
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| CrlLoadError::FileName { file: path.clone() })?
            .to_owned();
        let size = std::fs::metadata(&path)
            .map_err(|e| bad(CrlError::from(e)))?
            .len();
        total = total.saturating_add(size);
        if total > MAX_CRL_SET_BYTES {
            return Err(CrlLoadError::TooLarge {
                bytes: total,
                limit: MAX_CRL_SET_BYTES,
            });
        }
        let der = std::fs::read(&path).map_err(|e| bad(CrlError::from(e)))?;
        let added = builder
            .add_crl(der.as_slice(), &[auth, sign])
            .map_err(bad)?;
        crl_scopes::note(&mut scopes, &name, added);
        files.push(CrlFile {
            name,
            sha256: Sha256::digest(&der).into(),
            der,
        });
    }
    let index = index_of(builder).map_err(|source| CrlLoadError::Crl {
        file: dir.to_owned(),
        source,
    })?;
    Ok(VerifiedSet {
        files,
        index,
        scopes,
    })
}

/// Verifies the published set `files` of `generation` (each CRL's digest, then its
/// signature against `auth` and `sign`) and builds its index; the error names the first
/// CRL that failed.
pub fn verify_stored(
    files: Vec<CrlFile>,
    generation: u64,
    auth: &TrustStore,
    sign: &TrustStore,
) -> Result<VerifiedSet, CrlLoadError> {
    let (builder, scopes) = verify_files(&files, generation, auth, sign)?;
    let index = index_of(builder).map_err(|source| CrlLoadError::Stored {
        name: "(the index of the set)".into(),
        generation,
        source,
    })?;
    Ok(VerifiedSet {
        files,
        index,
        scopes,
    })
}

/// [`verify_stored`] without the index: the builder holding the CRLs, and their scopes.
fn verify_files(
    files: &[CrlFile],
    generation: u64,
    auth: &TrustStore,
    sign: &TrustStore,
) -> Result<(CrlIndexBuilder, Vec<ScopeCrl>), CrlLoadError> {
    let total = files.iter().map(|f| f.der.len() as u64).sum::<u64>();
    if total > MAX_CRL_SET_BYTES {
        return Err(CrlLoadError::TooLarge {
            bytes: total,
            limit: MAX_CRL_SET_BYTES,
        });
    }
    let mut builder = CrlIndexBuilder::new();
    let mut scopes = Vec::new();
    for f in files {
        if <[u8; 32]>::from(Sha256::digest(&f.der)) != f.sha256 {
            return Err(CrlLoadError::Digest {
                name: f.name.clone(),
                generation,
            });
        }
        let added = builder
            .add_crl(f.der.as_slice(), &[auth, sign])
            .map_err(|source| CrlLoadError::Stored {
                name: f.name.clone(),
                generation,
                source,
            })?;
        crl_scopes::note(&mut scopes, &f.name, added);
    }
    Ok((builder, scopes))
}

/// Checks that no CRL of `set` is older than the one `in_use` has for its scope
/// ([`crl_scopes::check_not_older`]); warns of the scopes of `in_use` that `set` lacks
/// (their cards are refused as revocation-unknown under `set`).
pub fn check_not_older(set: &[ScopeCrl], in_use: &[ScopeCrl]) -> Result<(), CrlLoadError> {
    let missing = crl_scopes::check_not_older(set, in_use).map_err(CrlLoadError::Older)?;
    for m in missing {
        tracing::warn!(
            scope = %m.scope(),
            file = %m.file,
            "the new CRL set has no CRL for this scope: its cards are refused as \
             revocation-unknown until a set with one is loaded"
        );
    }
    Ok(())
}

/// Reads and verifies `dir`, then publishes it into `store` (one transaction; a new
/// generation unless `when` is [`Republish::IfChanged`] and the same set is published
/// already). A set of which one CRL fails is not published, nor one with a CRL older than
/// the published set's for its scope ([`CrlLoadError::Older`]): the storage keeps the
/// previous set. A published set that does not verify here (changed in the database, or
/// signed by roots this configuration lacks) is not compared with.
pub fn publish_folder(
    store: &dyn Storage,
    dir: &Path,
    auth: &TrustStore,
    sign: &TrustStore,
    when: Republish,
    now: UnixTime,
) -> Result<(VerifiedSet, CrlPublication), CrlLoadError> {
    publish_folder_over(store, dir, auth, sign, when, now, &InUse::default())
}

/// [`publish_folder`], also refusing a set with a CRL older than `in_use`'s (the set a
/// node holds) for its scope; a published set that is `in_use`'s is compared through
/// `in_use`, not verified again.
pub fn publish_folder_over(
    store: &dyn Storage,
    dir: &Path,
    auth: &TrustStore,
    sign: &TrustStore,
    when: Republish,
    now: UnixTime,
    in_use: &InUse,
) -> Result<(VerifiedSet, CrlPublication), CrlLoadError> {
    let set = read_folder(dir, auth, sign)?;
    check_not_older(&set.scopes, &in_use.scopes)?;
    let read = store.crl_set()?;
    let publication = publish_over_read(store, &set, read, in_use, auth, sign, when, now)?;
    Ok((set, publication))
}

/// What [`publish_over_read`] needs of a storage: the published set, and the write made
/// only over the version read ([`Storage::crl_set`], [`Storage::publish_crl_set`], which
/// every [`Storage`] lends it). Public as the seam through which the platform's tests
/// commit another publisher's set between a check and its write, on either storage.
pub trait CrlSetStore {
    /// [`Storage::crl_set`].
    fn published(&self) -> Result<StoredCrlSet, StorageError>;
    /// [`Storage::publish_crl_set`].
    fn publish_over(
        &self,
        files: &[CrlFile],
        when: Republish,
        over: Version,
        now: UnixTime,
    ) -> Result<CrlWrite, StorageError>;
}

impl<S: Storage + ?Sized> CrlSetStore for S {
    fn published(&self) -> Result<StoredCrlSet, StorageError> {
        self.crl_set()
    }

    fn publish_over(
        &self,
        files: &[CrlFile],
        when: Republish,
        over: Version,
        now: UnixTime,
    ) -> Result<CrlWrite, StorageError> {
        self.publish_crl_set(files, when, over, now)
    }
}

/// How many times [`publish_over_read`] reads the published set again after another
/// publication came between its check and its write, before it gives up. Our choice: each
/// retry means another publisher committed meanwhile, which one feeder (docs/DECISIONS.md,
/// "CRLs: one feeder, every node verifies") makes rare; three in a row mean publishers
/// that keep replacing each other, which the operator must sort out.
pub const PUBLISH_ATTEMPTS: u32 = 3;

/// Publishes `set` (read and verified by the caller) over the published set `read` (as the
/// caller read it from `store`): refused when one of its CRLs is older than `read`'s for
/// its scope ([`CrlLoadError::Older`]; a `read` that does not verify here, changed in the
/// database or signed by roots this configuration lacks, is not compared with, nor one with
/// the same names and digests as `set`; one with those of `in_use`, the set the caller
/// uses, is compared through the scopes kept at its load, not verified again). The write
/// happens only while the stored generation is still `read`'s, number and stamp
/// ([`Storage::publish_crl_set`]: a restore and another publication that bring the number
/// back are a change too); when another publication came between, the published
/// set is read and checked again, up to [`PUBLISH_ATTEMPTS`] times, so that two publishers
/// at once never leave the older set last.
#[allow(clippy::too_many_arguments)]
pub fn publish_over_read(
    store: &(impl CrlSetStore + ?Sized),
    set: &VerifiedSet,
    mut read: StoredCrlSet,
    in_use: &InUse,
    auth: &TrustStore,
    sign: &TrustStore,
    when: Republish,
    now: UnixTime,
) -> Result<CrlPublication, CrlLoadError> {
    for attempt in 1..=PUBLISH_ATTEMPTS {
        check_over_published(set, &read, in_use, auth, sign)?;
        match store.publish_over(&set.files, when, read.version(), now)? {
            CrlWrite::Done(p) => return Ok(p),
            CrlWrite::Moved { generation } => {
                tracing::info!(
                    read = read.generation,
                    stored = generation,
                    attempt,
                    "another CRL publication came between this one's check and its write: \
                     reading the published set again"
                );
                read = store.published()?;
            }
        }
    }
    Err(CrlLoadError::Contended {
        attempts: PUBLISH_ATTEMPTS,
    })
}

/// The check of [`publish_over_read`] against the published set `read`.
fn check_over_published(
    set: &VerifiedSet,
    read: &StoredCrlSet,
    in_use: &InUse,
    auth: &TrustStore,
    sign: &TrustStore,
) -> Result<(), CrlLoadError> {
    if read.generation == 0
        || same_names_and_digests(
            read.files.iter().map(CrlFile::name_and_digest),
            set.files.iter().map(CrlFile::name_and_digest),
        )
    {
        return Ok(());
    }
    if in_use.is(&read.files) {
        // The set in use, verified at its load: compared through the scopes kept then.
        return check_not_older(&set.scopes, &in_use.scopes);
    }
    // A published set that does not verify here is not compared with (see the doc above).
    match verify_files(&read.files, read.generation, auth, sign) {
        Ok((_, scopes)) => check_not_older(&set.scopes, &scopes),
        Err(_) => Ok(()),
    }
}

/// The CRL files (`*.crl`, `*.der`) among the entries listed in `dir`, by name. An entry
/// that cannot be read fails the whole folder: a CRL skipped silently would leave its
/// scope's cards on the previous set, or on none.
fn crl_paths(
    dir: &Path,
    entries: impl Iterator<Item = std::io::Result<PathBuf>>,
) -> Result<Vec<PathBuf>, CrlLoadError> {
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(|source| CrlLoadError::Folder {
            dir: dir.to_owned(),
            source,
        })?;
        if path
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| matches!(x, "crl" | "der"))
        {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

fn index_of(builder: CrlIndexBuilder) -> Result<CrlIndex, CrlError> {
    let mut bytes = Vec::new();
    builder.write_to(&mut bytes)?;
    CrlIndex::from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use jpki_cert::Purpose;

    use super::*;

    fn stores() -> (TrustStore, TrustStore) {
        (
            TrustStore::production(Purpose::Auth).unwrap(),
            TrustStore::production(Purpose::Sign).unwrap(),
        )
    }

    const T: i64 = 1_800_000_000;

    fn scope(file: &str, this_update: i64) -> ScopeCrl {
        ScopeCrl {
            file: file.into(),
            crl: jpki_cert::crl::AddedCrl {
                root: "r".into(),
                scope: "CN=city1".into(),
                entries: 0,
                used: true,
                issuer_key: [1; 32],
                scope_hash: [1; 32],
                this_update: UnixTime::from_secs(this_update),
                next_update: None,
                crl_number: None,
            },
        }
    }

    fn file(name: &str, der: &[u8]) -> CrlFile {
        CrlFile {
            name: name.into(),
            sha256: Sha256::digest(der).into(),
            der: der.to_vec(),
        }
    }

    fn verified(files: Vec<CrlFile>, this_update: i64) -> VerifiedSet {
        VerifiedSet {
            files,
            index: index_of(CrlIndexBuilder::new()).unwrap(),
            scopes: vec![scope("b.crl", this_update)],
        }
    }

    #[test]
    fn the_published_set_in_use_is_compared_through_its_scopes_not_verified_again() {
        let (auth, sign) = stores();
        // The set in use, verified at its load. Its DER here would not verify again: a
        // check that read it again would skip the comparison ("does not verify here").
        let a = file("a.crl", b"in use");
        let in_use = InUse {
            files: vec![(a.name.clone(), a.sha256)],
            scopes: vec![scope("a.crl", T)],
        };
        let read = StoredCrlSet {
            generation: 5,
            stamp: 0,
            changed_at: UnixTime::from_secs(T),
            files: vec![a],
        };
        let older = verified(vec![file("b.crl", b"older")], T - 1);
        let e = check_over_published(&older, &read, &in_use, &auth, &sign).unwrap_err();
        assert!(matches!(e, CrlLoadError::Older(_)), "{e}");
        let newer = verified(vec![file("b.crl", b"newer")], T + 1);
        check_over_published(&newer, &read, &in_use, &auth, &sign).unwrap();
        // Another published set is verified first: one that does not verify here is not
        // compared with.
        let other = StoredCrlSet {
            generation: 6,
            stamp: 0,
            changed_at: UnixTime::from_secs(T),
            files: vec![file("c.crl", b"not a CRL")],
        };
        check_over_published(&older, &other, &in_use, &auth, &sign).unwrap();
    }

    #[test]
    fn a_published_set_with_the_same_names_and_digests_in_another_order_is_this_set() {
        let (auth, sign) = stores();
        let (x, y) = (file("x.crl", b"x"), file("y.crl", b"y"));
        let read = StoredCrlSet {
            generation: 5,
            stamp: 0,
            changed_at: UnixTime::from_secs(T),
            files: vec![x.clone(), y.clone()],
        };
        // Were it not the same set, the one in use (`read`'s) would refuse it as older.
        let in_use = InUse {
            files: read
                .files
                .iter()
                .map(|f| (f.name.clone(), f.sha256))
                .collect(),
            scopes: vec![scope("b.crl", T)],
        };
        let set = verified(vec![y, x], T - 1);
        check_over_published(&set, &read, &in_use, &auth, &sign).unwrap();
    }

    #[test]
    fn a_missing_crl_folder_names_its_key_what_goes_in_it_and_its_owner() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("crl");
        let (auth, sign) = stores();
        let e = read_folder(&dir, &auth, &sign).unwrap_err().to_string();
        for part in [
            &format!("cannot read the CRL folder {}", dir.display()),
            "[jpki] crl_dir",
            "No such file or directory",
            &format!(
                "sudo install -d -m 0750 -o madoguchi-platform -g madoguchi-platform {}",
                dir.display()
            ),
            "*.crl or *.der",
            "madoguchi-platform under its systemd unit",
        ] {
            assert!(e.contains(part), "{part:?} in {e}");
        }
    }

    #[test]
    fn a_folder_entry_that_cannot_be_read_fails_the_folder_and_names_it() {
        let dir = Path::new("/srv/crl");
        let entries = vec![
            Ok(dir.join("a.crl")),
            Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
            Ok(dir.join("b.crl")),
        ];
        let e = crl_paths(dir, entries.into_iter()).unwrap_err();
        assert!(
            matches!(&e, CrlLoadError::Folder { dir: d, source }
                if d == dir && source.kind() == std::io::ErrorKind::PermissionDenied),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .contains("cannot read the CRL folder /srv/crl"),
            "{e}"
        );
        // Readable entries: the CRLs only, by name.
        let entries = vec![
            Ok(dir.join("b.der")),
            Ok(dir.join("notes.txt")),
            Ok(dir.join("a.crl")),
        ];
        assert_eq!(
            crl_paths(dir, entries.into_iter()).unwrap(),
            vec![dir.join("a.crl"), dir.join("b.der")]
        );
    }

    #[test]
    fn a_crl_folder_refused_or_not_a_folder_gets_the_advice_that_fits() {
        let dir = Path::new("/srv/crl");
        let denied = CrlLoadError::Folder {
            dir: dir.to_owned(),
            source: std::io::ErrorKind::PermissionDenied.into(),
        }
        .to_string();
        assert!(
            denied.contains("sudo chown -R madoguchi-platform:madoguchi-platform /srv/crl"),
            "{denied}"
        );
        assert!(!denied.contains("Create it"), "{denied}");
        let other = CrlLoadError::Folder {
            dir: dir.to_owned(),
            source: std::io::ErrorKind::NotADirectory.into(),
        }
        .to_string();
        assert!(other.contains("names a folder (not a file)"), "{other}");
        assert!(other.contains("[jpki] crl_dir"), "{other}");
    }
}
