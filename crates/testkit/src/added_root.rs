//! A root in the J-LIS root profile that is compiled in nowhere: the root the tests of
//! adding a root add (`TrustStore::production_and`, `madoguchi-card --root`,
//! `madoguchi-platform roots add`), with its key, so that a test can issue certificates
//! under it ([`crate::CertSpec::issue_under`]) and show that they are accepted only once
//! the root is added.
//!
//! It is named like J-LIS's authentication root (`C=JP, O=JPKI, OU=JPKI for user
//! authentication, OU=Japan Agency for Local Authority Information Systems`), holds an
//! RSA-2048 key derived from a label ([`KEY_LABEL`]), is valid for the gen-3 roots' ten
//! years (2023-07-16 → 2033-07-15) and is a CA (keyCertSign, cRLSign, a
//! subjectKeyIdentifier): the same builder as [`crate::bad_roots`], with no flaw. It is
//! trusted nowhere by default: the production stores pin the real roots' fingerprints,
//! and its key is a test key committed beside it.

use std::path::{Path, PathBuf};

use crate::assemble;
use crate::bad_roots::{GOOD, root};
use crate::dn::Purpose;
use crate::error::{Error, Result};
use crate::key::TestKey;
use crate::root::SelfSigned;

/// The label its key is derived from.
pub const KEY_LABEL: &str = "added-root-auth";

/// The certificate, relative to the fixtures directory (alone in its folder, so that the
/// folder is itself a folder of added roots).
pub const CERTIFICATE_FILE: &str = "added-roots/authca-added.pem";

/// Its PKCS#8 key, relative to the fixtures directory.
pub const KEY_FILE: &str = "keys/added-root-auth.key.pem";

/// The last byte of its serial number (`7E BA D0 10`; the bad roots use 1 to 5).
const SERIAL: u8 = 0x10;

/// The added root: its certificate and its key ([`SelfSigned`]'s accessors).
#[derive(Debug, Clone)]
pub struct AddedRoot(SelfSigned);

impl std::ops::Deref for AddedRoot {
    type Target = SelfSigned;

    fn deref(&self) -> &SelfSigned {
        &self.0
    }
}

impl AddedRoot {
    /// Makes it from scratch: derives the key and self-signs the root (what the
    /// generator does).
    pub fn generate() -> Result<AddedRoot> {
        let key = TestKey::derive(KEY_LABEL)?;
        let der = root(Purpose::Auth, &key, SERIAL, &GOOD)?;
        AddedRoot::from_parts(key, der)
    }

    /// Loads the committed root and key from [`crate::fixtures_dir`].
    pub fn load() -> Result<AddedRoot> {
        AddedRoot::load_from(&crate::fixtures_dir())
    }

    /// Loads the root and key the generator wrote into `dir`.
    pub fn load_from(dir: &Path) -> Result<AddedRoot> {
        let read = |file: &str| {
            let path = dir.join(file);
            std::fs::read_to_string(&path).map_err(|source| Error::Io {
                action: "read",
                path,
                source,
            })
        };
        let key = TestKey::from_pkcs8_pem(KEY_LABEL, &read(KEY_FILE)?)?;
        let der = assemble::from_pem("CERTIFICATE", &read(CERTIFICATE_FILE)?)?;
        AddedRoot::from_parts(key, der).map_err(|e| Error::Fixture {
            path: dir.join(CERTIFICATE_FILE),
            problem: e.to_string(),
        })
    }

    fn from_parts(key: TestKey, der: Vec<u8>) -> Result<AddedRoot> {
        SelfSigned::new(key, der, "added root key", "the added root's").map(AddedRoot)
    }

    /// The committed certificate's path ([`crate::fixtures_dir`] + [`CERTIFICATE_FILE`]).
    pub fn path() -> PathBuf {
        crate::fixtures_dir().join(CERTIFICATE_FILE)
    }

    /// Always [`Purpose::Auth`].
    pub fn purpose(&self) -> Purpose {
        Purpose::Auth
    }
}
