//! # jpki-cert
//!
//! Verification of My Number card JPKI certificates (docs/domain/jpki.md §2): the user-authentication
//! (利用者証明用) and signature (署名用) certificate profiles, chains to pinned J-LIS roots,
//! challenge signatures, revocation (CRL index, OCSP), and one [`Verdict`] type with stable
//! reason codes.
//!
//! **Owns:** parsing and strict checking of JPKI certificates and CRLs, the pinned roots,
//! the on-disk revocation index, the RFC 6960 ASN.1 types it needs.
//!
//! **Never:** reads the clock (time is a [`UnixTime`] parameter), opens a socket (OCSP
//! requests are bytes the caller sends), or trusts the CA certificate read from a card.
//!
//! ## Decisions
//! * **Own verifier, not webpki.** JPKI marks certificatePolicies critical, has roots of
//!   several generations with one name, and DirName CRL distribution points; the
//!   verifier here is written over `x509-cert` 0.3 + `rsa` 0.10 + `sha2` 0.11.
//! * **Issuer by key identifier and signature.** All root generations of a purpose share a
//!   DN (docs/domain/jpki.md §2.1), so the issuer is the pinned root whose subjectKeyIdentifier equals
//!   the certificate's authorityKeyIdentifier *and* whose key verifies the signature.
//! * **Gen-2 roots are not embedded** (not available to this project yet; docs/domain/jpki.md §2.1
//!   lists their serials but not the files). Certificates issued 2019-09 … 2023-07 chain
//!   to gen-2, so until they are added those are refused `untrusted_root`. An operator
//!   adds them as configuration, each checked against the J-LIS root profile
//!   ([`jlis_profile`], [`TrustStore::production_and`]); compiling one in is one PEM in
//!   `anchors/` and one line in [`anchors::PRODUCTION_ANCHORS`].
//! * **OCSP types are our own.** `x509-ocsp` has no release on `der` 0.8 / `x509-cert` 0.3
//!   (0.2.1 is on `der` 0.7), and the workspace keeps RustCrypto on one generation, so the
//!   RFC 6960 structures used are defined in [`ocsp`] with `der` 0.8 derives.
//! * **Variable time on public data only.** RSA verification works on public values (key,
//!   signature, message), so the e = 65537 path and the customer key's Montgomery set-up use
//!   variable-time arithmetic where `rsa` would use constant-time ([`challenge`]); each is
//!   checked against `rsa`'s own verification by property tests (`tests/rsa_agreement.rs`).
//! * **RSA verification with `ring` where the message is at hand** (a certificate's TBS,
//!   a challenge; e = 65537 keys): its assembly beats the portable `crypto-bigint` path,
//!   which stays for digests (CRLs, OCSP). Both are held to `rsa`'s verdict
//!   (`tests/rsa_agreement.rs`); docs/DECISIONS.md has the reasons.
//! * **Verified chains are kept** by [`Verifier::verify_identification`]
//!   ([`chain_cache`]); validity, the challenge signature and revocation are checked at
//!   every use.
//! * **CRLs are streamed.** A CRL is read record by record from any `BufRead`, hashing the
//!   `tbsCertList` on the way, so memory does not grow with the CRL ([`crl::reader`]).

#![deny(missing_docs)]

pub mod anchors;
pub mod cert;
pub mod chain_cache;
pub mod challenge;
pub mod crl;
pub mod dn;
pub mod identity;
pub mod jlis_profile;
pub mod ocsp;
pub mod oids;
pub mod time;
pub mod verdict;
pub mod verify;

pub use anchors::{TrustAnchor, TrustStore, TrustStoreError};
pub use cert::JpkiCertificate;
pub use identity::SignIdentity;
pub use time::UnixTime;
pub use verdict::{
    Accepted, CrlReason, Environment, LinkageKey, Purpose, Refusal, RevocationSource,
    RevocationStatus, Verdict,
};
pub use verify::{NoRevocationCheck, RevocationCheck, Verifier};
