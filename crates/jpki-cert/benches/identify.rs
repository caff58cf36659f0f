//! Full identification throughput (certificate chain + challenge signature + revocation
//! lookup) per core, for a card not seen before (a verifier that keeps no verified chain), next to `openssl speed -seconds 3 rsa2048` measured in the same run,
//! in interleaved rounds (`JPKI_BENCH_ROUNDS`, default 3) with their medians.
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
    /// The platform's verifier, which keeps verified chains (`jpki_cert::chain_cache`).
    kept: Verifier,
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
        this_update: at.minus_secs(3600),
        next_update: Some(at.plus_secs(86_400)),
        crl_number: 1,
    };
    let mut crl = Vec::new();
    crlgen::write_crl(
        &mut crl,
        &gen_spec,
        entries,
        |i| crlgen::GenEntry {
            serial: crlgen::serial_bytes(crlgen::scrambled_serial(i)),
            revoked_at: at.minus_secs(86_400),
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
        // Keeps no verified chain: every identification is that of a card not seen before.
        verifier: Verifier::with_chain_capacity(store.clone(), 0),
        kept: Verifier::new(store),
        index: CrlIndex::from_bytes(bytes).unwrap(),
        cert: spec.issue(&pki).unwrap(),
        challenge,
        signature,
        at,
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

fn main() {
    let openssl_first = openssl_verify_rate();
    let s = setup(100_000);
    let one = || {
        s.verifier
            .verify_identification(&s.cert, &s.challenge, &s.signature, s.at, &s.index)
    };
    assert!(one().accepted().is_some(), "{:?}", one());

    // Rounds of (`openssl speed -seconds 3 rsa2048`, a plain 3-second loop of ours on one
    // core), interleaved so that both see the same load on a shared machine; each round's
    // ratio and the medians are printed. JPKI_BENCH_ROUNDS sets the number (default 3).
    let rounds: usize = std::env::var("JPKI_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    let (mut ours, mut theirs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds {
        let openssl = if round == 1 {
            openssl_first
        } else {
            openssl_verify_rate()
        };
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < Duration::from_secs(3) {
            black_box(one());
            n += 1;
        }
        let rate = n as f64 / start.elapsed().as_secs_f64();
        ours.push(rate);
        print!("round {round}: identification {rate:.0}/s on one core (100k-entry index)");
        match openssl {
            Some(o) => {
                theirs.push(o);
                ratios.push(o / 2.0 / rate);
                println!(
                    "; openssl speed rsa2048 verify {o:.0}/s; ceiling {:.0}/s; ratio {:.2}x",
                    o / 2.0,
                    o / 2.0 / rate
                );
            }
            None => println!("; openssl speed unavailable"),
        }
    }
    println!(
        "median of {rounds}: identification {:.0}/s ({:.0} us); openssl verify {}; ratio to the \
         two-verification ceiling {}",
        median(&mut ours),
        1e6 / median(&mut ours),
        if theirs.is_empty() {
            "n/a".into()
        } else {
            format!("{:.0}/s", median(&mut theirs))
        },
        if ratios.is_empty() {
            "n/a".into()
        } else {
            format!("{:.2}x", median(&mut ratios))
        },
    );

    let mut c = Criterion::default().configure_from_args();
    c.bench_function("identify_full", |b| b.iter(|| black_box(one())));
    c.bench_function("identify_card_seen_before", |b| {
        b.iter(|| {
            black_box(s.kept.verify_identification(
                &s.cert,
                &s.challenge,
                &s.signature,
                s.at,
                &s.index,
            ))
        })
    });
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
