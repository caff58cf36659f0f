//! testkit's integration tests: the committed certificates, CRLs and personas
//! decoded with x509-cert 0.3 and checked against the real JPKI profile
//! (docs/domain/jpki.md §2), the negative-test knobs, and fixture drift.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    reason = "tests"
)]

mod added_root;
mod crl;
mod fixtures;
mod knobs;
mod openssl;
mod personas;
mod profile;
mod roots;

use std::sync::OnceLock;

use const_oid::ObjectIdentifier;
use der::{DateTime, Decode, Encode};
use testkit::{Persona, Pki, assemble};
use x509_cert::{Certificate, ext::Extension};

/// The committed PKI, loaded once per test binary.
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| Pki::load().unwrap())
}

/// A committed persona.
pub fn persona(id: &str) -> Persona {
    testkit::load_persona(id).unwrap()
}

/// DER of a PEM certificate.
pub fn der_of(pem: &str) -> Vec<u8> {
    assemble::from_pem("CERTIFICATE", pem).unwrap()
}

/// Decoded certificate.
pub fn cert(der: &[u8]) -> Certificate {
    Certificate::from_der(der).unwrap()
}

/// The extensions of a certificate, in order.
pub fn extensions(cert: &Certificate) -> Vec<Extension> {
    cert.tbs_certificate()
        .extensions()
        .map(|e| e.to_vec())
        .unwrap_or_default()
}

/// (OID, critical) of each extension, in order.
pub fn shape(cert: &Certificate) -> Vec<(ObjectIdentifier, bool)> {
    extensions(cert)
        .iter()
        .map(|e| (e.extn_id, e.critical))
        .collect()
}

/// The extension with `oid`, decoded as `T`.
pub fn ext_value<'a, T: Decode<'a>>(exts: &'a [Extension], oid: ObjectIdentifier) -> T {
    let ext = exts
        .iter()
        .find(|e| e.extn_id == oid)
        .expect("extension present");
    T::from_der(ext.extn_value.as_bytes())
        .map_err(|_| "decode")
        .unwrap()
}

/// "2026-11-24T00:00:00Z": the project's "today".
pub fn today() -> DateTime {
    DateTime::new(2026, 11, 24, 0, 0, 0).unwrap()
}

/// Whether `cert` is valid at `at`.
pub fn valid_at(cert: &Certificate, at: DateTime) -> bool {
    let v = cert.tbs_certificate().validity();
    v.not_before.to_date_time() <= at && at <= v.not_after.to_date_time()
}

/// DER of a name, for byte comparisons.
pub fn name_der(name: &x509_cert::name::Name) -> Vec<u8> {
    name.to_der().unwrap()
}
