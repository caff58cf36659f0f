//! Shared helpers: testkit's O=JPKI-TEST PKI as jpki-cert test stores.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use jpki_cert::crl::{CrlIndex, CrlIndexBuilder};
use jpki_cert::{Environment, Purpose, Refusal, TrustStore, UnixTime, Verdict, Verifier};
use testkit::{Generation, Pki};

pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| Pki::load().unwrap())
}

pub fn tk(p: Purpose) -> testkit::Purpose {
    match p {
        Purpose::Auth => testkit::Purpose::Auth,
        Purpose::Sign => testkit::Purpose::Sign,
    }
}

/// A test store with the given generations of testkit's roots of `purpose`.
pub fn store_with(purpose: Purpose, gens: &[Generation]) -> TrustStore {
    let roots = gens.iter().map(|g| {
        let r = pki().root(tk(purpose), *g);
        (format!("test-{purpose}-{}", g.short()), r.der().to_vec())
    });
    TrustStore::new(purpose, Environment::Test, roots).unwrap()
}

/// All three generations.
pub fn store(purpose: Purpose) -> TrustStore {
    store_with(purpose, &Generation::ALL)
}

pub fn verifier(purpose: Purpose) -> Verifier {
    Verifier::new(store(purpose))
}

/// "Today" for the tests: 2026-11-24, inside the sample certificates' validity.
pub fn now() -> UnixTime {
    "2026-11-24T00:00:00Z".parse().unwrap()
}

pub fn unix(t: der::DateTime) -> UnixTime {
    UnixTime::from_unix_duration(t.unix_duration())
}

pub fn refusal(v: Verdict) -> Refusal {
    match v {
        Verdict::Refused { reason } => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// An index built in memory from DER CRLs, each of which must verify.
pub fn index(crls: &[Vec<u8>], stores: &[&TrustStore]) -> CrlIndex {
    let mut b = CrlIndexBuilder::new();
    for c in crls {
        b.add_crl(c.as_slice(), stores).unwrap();
    }
    let mut out = Vec::new();
    b.write_to(&mut out).unwrap();
    CrlIndex::from_bytes(out).unwrap()
}
