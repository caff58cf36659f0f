//! The card flows through pcscd + vpcd + the virtual card with a zero-delay
//! card: APDUs per flow (counted by the card) and wall time per flow
//! (reconnect exclusive, the flow's APDUs, unpower).
//!
//! `scripts/pcscd.sh run cargo bench -p jpki-card-pcsc` (figures in
//! docs/PERFORMANCE.md). Without `--bench` (as under `cargo test
//! --all-targets`) it runs a few iterations only, as a smoke test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)]
#[path = "../tests/integration/harness.rs"]
mod harness;

use std::time::{Duration, Instant};

use jpki_card::{
    AuthPin, Authenticate, CertificateFile, Flow, PinEntry, PinKind, PinStatus, ReadCertificate,
    run, sha256,
};
use jpki_card_pcsc::PcscCard;
use jpki_card_sim::Faults;

struct Row {
    name: &'static str,
    apdus: u64,
    times: Vec<Duration>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

fn measure<F: Flow>(
    name: &'static str,
    card: &mut PcscCard,
    inserted: &harness::Inserted,
    iterations: usize,
    mut flow: impl FnMut() -> F,
) -> Row {
    for _ in 0..3 {
        run(card, flow()).unwrap();
    }
    let mut times = Vec::with_capacity(iterations);
    let mut apdus = 0;
    for _ in 0..iterations {
        let before = inserted.slot.apdu_count();
        let t = Instant::now();
        run(card, flow()).unwrap();
        times.push(t.elapsed());
        apdus = inserted.slot.apdu_count() - before;
    }
    times.sort();
    Row { name, apdus, times }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let iterations = if full { 200 } else { 3 };
    let env = harness::env();
    let persona = harness::persona("sato-hanako");
    let cert_len = harness::der(&persona.pem.auth_certificate).len();
    let inserted = harness::Inserted::new(&env, 0, harness::card("sato-hanako"), Faults::default());
    let mut card = PcscCard::connect(&inserted.reader).unwrap();
    let challenge = sha256(b"bench challenge");

    let rows = [
        measure(
            "Authenticate (host PIN)",
            &mut card,
            &inserted,
            iterations,
            || {
                Authenticate::new(
                    PinEntry::Host(AuthPin::new(&persona.auth_pin).unwrap()),
                    challenge,
                )
            },
        ),
        measure(
            "ReadCertificate (auth)",
            &mut card,
            &inserted,
            iterations,
            || ReadCertificate::new(CertificateFile::AuthCertificate),
        ),
        measure("PinStatus (auth)", &mut card, &inserted, iterations, || {
            PinStatus::new(PinKind::AuthPin)
        }),
    ];
    drop(card);

    println!(
        "auth certificate: {cert_len} bytes; card: sato-hanako, zero delay; {iterations} runs per flow"
    );
    println!("| flow | APDUs | p50 ms | p90 ms | p99 ms | mean ms | per APDU ms (p50) |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let mean = r.times.iter().sum::<Duration>() / r.times.len() as u32;
        let p50 = percentile(&r.times, 0.5);
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.name,
            r.apdus,
            ms(p50),
            ms(percentile(&r.times, 0.9)),
            ms(percentile(&r.times, 0.99)),
            ms(mean),
            ms(p50 / r.apdus.max(1) as u32),
        );
    }
}
