//! Test JPKI CA: `O=JPKI-TEST` roots and certificates in the real My Number
//! card profile (docs/domain/jpki.md §2), the demo/test personas of the virtual card, and
//! the committed fixtures together with their generator.
//!
//! **Owns:** the test roots (auth and sign, three generations each with the
//! same DN and different keys, like J-LIS's), end-entity certificates in the
//! real field order with knobs for negative tests ([`CertSpec`]), CRLs
//! ([`CrlSpec`]), roots named like J-LIS's for the tests of adding a root (refused ones,
//! [`bad_roots`], and one in the profile that is compiled in nowhere, [`AddedRoot`]), the
//! personas written to `assets/personas/`, and the files in
//! `crates/testkit/fixtures/` (regenerate with
//! `cargo run -p testkit --bin testkit-gen`; `-- --check` compares).
//!
//! **Never:** a dependency of production code (dev-dependency only; the
//! `testkit-gen` binary is the one program that runs it); reads the system
//! clock (every time is a parameter); holds or mimics real people's
//! certificates or the production roots' keys.
//!
//! # Quick use in tests
//!
//! ```
//! # fn main() -> Result<(), testkit::Error> {
//! use testkit::{CertSpec, Generation, Pki, Purpose};
//!
//! let pki = Pki::load()?;                       // committed roots + keys, no keygen
//! let root = pki.root(Purpose::Auth, Generation::G3);
//! let der = CertSpec::auth(Generation::G3)?.issue(&pki)?;
//! assert!(testkit::crl::certificate_signature_valid(&der, root.certificate())?);
//! let hanako = testkit::load_persona("sato-hanako")?;
//! assert_eq!(hanako.auth_pin, "1234");
//! # Ok(()) }
//! ```
//!
//! # Tooling choice
//!
//! The style guide suggests rcgen for test certificates. We use `x509-cert`
//! 0.3's `CertificateBuilder` with a profile of our own, and sign with `rsa`
//! 0.10, because rcgen writes its own extensions first in a fixed order (AKI,
//! SAN, KU, EKU, CRLDP, BC/SKI, then custom ones), so the real JPKI order
//! (KU, EKU, CP, IAN, CRLDP, AIA, AKI, SKI) would need every extension as a
//! custom one, leaving rcgen only the signing; its CRL builder cannot express
//! a DirName issuingDistributionPoint; and it would add ring as a second RSA
//! implementation next to `rsa`. With `x509-cert` + `rsa`, certificates and
//! CRLs share one signer, and the types that encode them are the ones the
//! tests decode them with.
//!
//! # Assumptions
//!
//! Marked **\[C\]** in the item docs: the auth test policy OID
//! ([`profile::POLICY_AUTH_TEST`]), the card-ID shape ([`holder::card_id`]),
//! leap-day birthdays and birthdays on the issuance day
//! ([`Date::fifth_birthday_after`]), the 代替文字 flag count including U+3000.

pub mod added_root;
pub mod assemble;
pub mod bad_roots;
pub mod crl;
pub mod date;
pub mod dn;
pub mod ee;
pub mod error;
pub mod ext;
pub mod fixtures;
pub mod holder;
pub mod key;
pub mod personas;
pub mod pki;
pub mod profile;
mod readme;
pub mod root;

use std::path::PathBuf;

pub use added_root::AddedRoot;
pub use crl::{CrlEntry, CrlSpec};
pub use date::Date;
pub use dn::{Municipality, Purpose};
pub use ee::{Aki, CertSpec};
pub use error::{Error, Result};
pub use holder::Holder;
pub use jpki_card_sim::{Persona, Sex};
pub use key::TestKey;
pub use pki::{Pki, Signer};
pub use root::{Generation, Root, SelfSigned};

/// The workspace root (two levels above this crate's manifest).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .and_then(|crates| crates.parent())
        .map(PathBuf::from)
        .unwrap_or(manifest)
}

/// `assets/personas/` of the workspace.
pub fn personas_dir() -> PathBuf {
    workspace_root().join(fixtures::PERSONAS_DIR)
}

/// `crates/testkit/fixtures/`.
pub fn fixtures_dir() -> PathBuf {
    workspace_root().join(fixtures::FIXTURES_DIR)
}

/// Loads the committed persona `id` (e.g. `sato-hanako`) from
/// [`personas_dir`]. The ids are in [`personas::PERSONA_IDS`].
pub fn load_persona(id: &str) -> Result<Persona> {
    Ok(Persona::load(&personas_dir().join(format!("{id}.toml")))?)
}

/// The committed CRL (DER) of `purpose` for
/// [`fixtures::committed_crl_municipality`] (横浜市中区), which revokes
/// `yamamoto-shota`.
pub fn committed_crl(purpose: Purpose) -> Result<Vec<u8>> {
    let path = fixtures_dir().join(fixtures::crl_file(
        purpose,
        &fixtures::committed_crl_municipality(),
    ));
    std::fs::read(&path).map_err(|source| Error::Io {
        action: "read",
        path,
        source,
    })
}
