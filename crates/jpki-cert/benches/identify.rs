//! Full identification throughput (certificate chain + challenge signature + revocation
//! lookup) per core, next to `openssl speed -seconds 3 rsa2048` measured in the same run.
//!
//! `cargo bench -p jpki-cert --bench identify`
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout
)]

#[path = "../tests/support/crlgen.rs"]
mod crlgen;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use jpki_cert::crl::{CrlIndex, CrlIndexBuilder};
use jpki_cert::{Environment, Purpose, TrustStore, UnixTime, Verifier};
use testkit::{CertSpec, Generation, Pki};

fn openssl_verify_rate() -> Option<f64> {
    let out = std::process::Command::new("openssl")
        .args(["speed", "-seconds", "3", "rsa2048"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("rsa 2048 bits"))?;
    line.split_whitespace().last()?.parse().ok()
}

struct Setup {
    verifier: Verifier,
    index: CrlIndex,
    cert: Vec<u8>,
    challenge: Vec<u8>,
    signature: Vec<u8>,
    at: UnixTime,
}

fn setup(entries: u64) -> Setup {
    let pki = Pki::load().unwrap();
    let roots = Generation::ALL.iter().map(|g| {
        let r = pki.root(testkit::Purpose::Auth, *g);
        (format!("auth-{}", g.short()), r.der().to_vec())
    });
    let store = TrustStore::new(Purpose::Auth, Environment::Test, roots).unwrap();
    let spec = CertSpec::auth(Generation::G3).unwrap();
    let root = pki.root(testkit::Purpose::Auth, Generation::G3);
    let at: UnixTime = "2026-11-24T00:00:00Z".parse().unwrap();
    let gen_spec = crlgen::GenSpec {
        issuer: der::Encode::to_der(root.name()).unwrap(),
        aki: Some(root.key_identifier().unwrap().to_vec()),
        idp: Some(
            der::Encode::to_der(
                &spec
                    .municipality
                    .crl_dp_name(testkit::Purpose::Auth)
                    .unwrap(),
            )
            .unwrap(),
        ),
        this_update: UnixTime(at.0 - 3600),
        next_update: Some(UnixTime(at.0 + 86_400)),
        crl_number: 1,
    };
    let mut crl = Vec::new();
    crlgen::write_crl(
        &mut crl,
        &gen_spec,
        entries,
        |i| crlgen::GenEntry {
            serial: crlgen::serial_bytes(crlgen::scrambled_serial(i)),
            revoked_at: UnixTime(at.0 - 86_400),
            reason: Some(1),
        },
        crlgen::rsa_signer(root.key().private_key()),
    )
    .unwrap();
    let mut b = CrlIndexBuilder::new();
    b.add_crl(crl.as_slice(), &[&store]).unwrap();
    let mut bytes = Vec::new();
    b.write_to(&mut bytes).unwrap();
    let challenge = b"0123456789abcdef0123456789abcdef".to_vec();
    let signature = pki.spare_key().sign(&challenge).unwrap();
    Setup {
        verifier: Verifier::new(store),
        index: CrlIndex::from_bytes(bytes).unwrap(),
        cert: spec.issue(&pki).unwrap(),
        challenge,
        signature,
        at,
    }
}

fn main() {
    let openssl = openssl_verify_rate();
    let s = setup(100_000);
    let one = || {
        s.verifier
            .verify_identification(&s.cert, &s.challenge, &s.signature, s.at, &s.index)
    };
    assert!(one().accepted().is_some(), "{:?}", one());

    // A plain 3-second loop on one core, like `openssl speed -seconds 3`.
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(3) {
        black_box(one());
        n += 1;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    println!(
        "identification (chain + challenge + CRL lookup, 100k-entry index): {rate:.0}/s on one core"
    );
    match openssl {
        Some(o) => println!(
            "openssl speed -seconds 3 rsa2048: {o:.0} verify/s; ratio {:.2}x (one identification = 2 RSA verifications)",
            o / rate
        ),
        None => println!("openssl speed unavailable"),
    }

    let mut c = Criterion::default().configure_from_args();
    c.bench_function("identify_full", |b| b.iter(|| black_box(one())));
    c.bench_function("verify_certificate_only", |b| {
        b.iter(|| {
            black_box(
                s.verifier
                    .verify(&s.cert, s.at, &jpki_cert::NoRevocationCheck),
            )
        })
    });
    let cert = jpki_cert::JpkiCertificate::from_der(&s.cert).unwrap();
    c.bench_function("parse_certificate", |b| {
        b.iter(|| black_box(jpki_cert::JpkiCertificate::from_der(&s.cert).unwrap()))
    });
    c.bench_function("challenge_signature", |b| {
        b.iter(|| {
            black_box(jpki_cert::challenge::verify_challenge(
                &cert,
                &s.challenge,
                &s.signature,
            ))
        })
    });
    let anchor = &s.verifier.store().anchors()[2];
    c.bench_function("crl_index_status", |b| {
        b.iter(|| black_box(s.index.status_at(&cert, anchor, s.at)))
    });
    c.final_summary();
}
