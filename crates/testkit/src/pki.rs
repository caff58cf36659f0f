//! The whole test PKI as tests use it: six roots (2 purposes × 3
//! generations), a spare end-entity key and a rogue key, loaded from the
//! committed fixtures in milliseconds (no RSA key generation).

use std::path::{Path, PathBuf};

use crate::dn::Purpose;
use crate::error::{Error, Result};
use crate::key::TestKey;
use crate::root::{Generation, Root};

/// Label of the spare end-entity key ([`Pki::spare_key`]).
pub const SPARE_KEY_LABEL: &str = "ee-spare";

/// Label of the rogue key ([`Pki::rogue_key`]).
pub const ROGUE_KEY_LABEL: &str = "rogue";

/// Which key signs a certificate or CRL.
#[derive(Debug, Clone, Default)]
pub enum Signer {
    /// The issuing root's own key: a valid signature.
    #[default]
    Issuer,
    /// Another root's key, e.g. the other generation of the same purpose:
    /// same issuer DN, wrong key (a verifier that picks the issuer by name
    /// alone is fooled by exactly this).
    Root(Purpose, Generation),
    /// The rogue key, which belongs to no root: a bad signature.
    Rogue,
    /// Any other key.
    Key(Box<TestKey>),
}

/// The test PKI: roots with their keys, and two extra keys.
#[derive(Debug, Clone)]
pub struct Pki {
    /// Ordered auth G1..G3, sign G1..G3 (see [`slot`]).
    roots: [Root; 6],
    spare_key: TestKey,
    rogue_key: TestKey,
}

/// Position of a root in [`Pki::roots`]. Always < 6.
fn slot(purpose: Purpose, generation: Generation) -> usize {
    let p = match purpose {
        Purpose::Auth => 0,
        Purpose::Sign => 3,
    };
    p + usize::from(generation.number() - 1)
}

/// Committed file of a root certificate, relative to the fixtures directory.
pub fn root_certificate_file(purpose: Purpose, generation: Generation) -> PathBuf {
    PathBuf::from(format!(
        "roots/{}-{}.pem",
        purpose.short(),
        generation.short()
    ))
}

/// Committed file of a root's PKCS#8 key, relative to the fixtures directory.
pub fn root_key_file(purpose: Purpose, generation: Generation) -> PathBuf {
    PathBuf::from(format!(
        "roots/{}-{}.key.pem",
        purpose.short(),
        generation.short()
    ))
}

/// Committed file of an extra key, relative to the fixtures directory.
pub fn extra_key_file(label: &str) -> PathBuf {
    PathBuf::from(format!("keys/{label}.key.pem"))
}

fn read(dir: &Path, file: &Path) -> Result<String> {
    let path = dir.join(file);
    std::fs::read_to_string(&path).map_err(|source| Error::Io {
        action: "read",
        path,
        source,
    })
}

impl Pki {
    /// Loads the committed PKI from [`crate::fixtures_dir`].
    pub fn load() -> Result<Pki> {
        Pki::load_from(&crate::fixtures_dir())
    }

    /// Loads a PKI written by the generator into `dir`.
    pub fn load_from(dir: &Path) -> Result<Pki> {
        let mut roots = Vec::with_capacity(6);
        for purpose in Purpose::ALL {
            for generation in Generation::ALL {
                let cert = read(dir, &root_certificate_file(purpose, generation))?;
                let key = read(dir, &root_key_file(purpose, generation))?;
                roots.push(
                    Root::from_pem(purpose, generation, &cert, &key).map_err(|e| {
                        Error::Fixture {
                            path: dir.join(root_certificate_file(purpose, generation)),
                            problem: e.to_string(),
                        }
                    })?,
                );
            }
        }
        let spare_key = TestKey::from_pkcs8_pem(
            SPARE_KEY_LABEL,
            &read(dir, &extra_key_file(SPARE_KEY_LABEL))?,
        )?;
        let rogue_key = TestKey::from_pkcs8_pem(
            ROGUE_KEY_LABEL,
            &read(dir, &extra_key_file(ROGUE_KEY_LABEL))?,
        )?;
        Pki::assemble(roots, spare_key, rogue_key)
    }

    /// Makes the PKI from scratch: derives every key from its label and
    /// self-signs the roots (what the generator does; about a second).
    pub fn generate() -> Result<Pki> {
        let mut roots = Vec::with_capacity(6);
        for purpose in Purpose::ALL {
            for generation in Generation::ALL {
                let key = TestKey::derive(&generation.key_label(purpose))?;
                roots.push(Root::issue(purpose, generation, key)?);
            }
        }
        Pki::assemble(
            roots,
            TestKey::derive(SPARE_KEY_LABEL)?,
            TestKey::derive(ROGUE_KEY_LABEL)?,
        )
    }

    fn assemble(roots: Vec<Root>, spare_key: TestKey, rogue_key: TestKey) -> Result<Pki> {
        let roots: [Root; 6] = roots.try_into().map_err(|_| Error::Spec {
            field: "roots",
            problem: "expected 6 roots (2 purposes × 3 generations)".to_owned(),
        })?;
        Ok(Pki {
            roots,
            spare_key,
            rogue_key,
        })
    }

    /// The root of `purpose` and `generation`.
    pub fn root(&self, purpose: Purpose, generation: Generation) -> &Root {
        // slot() < 6 = the array's length.
        &self.roots[slot(purpose, generation)]
    }

    /// All six roots: auth G1, G2, G3, then sign G1, G2, G3.
    pub fn roots(&self) -> &[Root] {
        &self.roots
    }

    /// A committed RSA-2048 key for ad-hoc end-entity certificates
    /// ([`crate::CertSpec`]'s default subject key).
    pub fn spare_key(&self) -> &TestKey {
        &self.spare_key
    }

    /// A committed key that belongs to no root: for bad signatures and wrong
    /// key identifiers.
    pub fn rogue_key(&self) -> &TestKey {
        &self.rogue_key
    }

    /// The key `signer` stands for, when the issuer is `purpose`/`generation`.
    pub fn signing_key<'a>(
        &'a self,
        signer: &'a Signer,
        purpose: Purpose,
        generation: Generation,
    ) -> &'a TestKey {
        match signer {
            Signer::Issuer => self.root(purpose, generation).key(),
            Signer::Root(p, g) => self.root(*p, *g).key(),
            Signer::Rogue => &self.rogue_key,
            Signer::Key(key) => key,
        }
    }
}
