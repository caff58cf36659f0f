//! CRL index at scale: generates a signed CRL of N entries (default 1,000,000; set
//! `JPKI_BENCH_ENTRIES=10000000` for ten million) into `target/jpki-cert-bench/`, then
//! measures index build time (streaming read + signature check + sort + write), peak
//! memory of the build (VmHWM, Linux), index load time and lookup latency p50/p99/max.
//!
//! `JPKI_BENCH_ENTRIES=10000000 cargo bench -p jpki-cert --bench crl_scale`
//!
//! Run one size per process: VmHWM is the whole process's peak.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout
)]

#[path = "../tests/support/crlgen.rs"]
mod crlgen;

use std::hint::black_box;
use std::io::BufWriter;
use std::path::PathBuf;
use std::time::Instant;

use jpki_cert::crl::{CrlIndex, CrlIndexBuilder};
use jpki_cert::{Environment, Purpose, TrustStore, UnixTime};
use testkit::{Generation, Municipality, Pki};

fn vm_hwm_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn bench_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("jpki-cert-bench")
}

/// xorshift64*: a deterministic stream for lookup keys.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` / `cargo test --benches`
    }
    let n: u64 = std::env::var("JPKI_BENCH_ENTRIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let pki = Pki::load().unwrap();
    let roots = Generation::ALL.iter().map(|g| {
        (
            format!("auth-{}", g.short()),
            pki.root(testkit::Purpose::Auth, *g).der().to_vec(),
        )
    });
    let store = TrustStore::new(Purpose::Auth, Environment::Test, roots).unwrap();
    let root = pki.root(testkit::Purpose::Auth, Generation::G3);
    let at: UnixTime = "2026-11-24T00:00:00Z".parse().unwrap();
    let dir = bench_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let crl_path = dir.join(format!("auth-{n}.crl"));
    if !crl_path.exists() {
        let t = Instant::now();
        let spec = crlgen::GenSpec {
            issuer: der::Encode::to_der(root.name()).unwrap(),
            aki: Some(root.key_identifier().unwrap().to_vec()),
            idp: Some(
                der::Encode::to_der(
                    &Municipality::new("Tokyo-to", "Chiyoda-ku")
                        .crl_dp_name(testkit::Purpose::Auth)
                        .unwrap(),
                )
                .unwrap(),
            ),
            this_update: at.minus_secs(3600),
            next_update: Some(at.plus_secs(86_400)),
            crl_number: 1,
        };
        let tmp = crl_path.with_extension("tmp");
        let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp).unwrap());
        crlgen::write_crl(
            &mut w,
            &spec,
            n,
            |i| crlgen::GenEntry {
                serial: crlgen::serial_bytes(crlgen::scrambled_serial(i)),
                revoked_at: UnixTime::from_secs(1_700_000_000 + (i % 86_400) as i64),
                reason: Some([1u8, 3, 4, 5][(i % 4) as usize]),
            },
            crlgen::rsa_signer(root.key().private_key()),
        )
        .unwrap();
        drop(w);
        std::fs::rename(&tmp, &crl_path).unwrap();
        println!(
            "generated {} ({} MB) in {:.1} s",
            crl_path.display(),
            std::fs::metadata(&crl_path).unwrap().len() / 1_000_000,
            t.elapsed().as_secs_f64()
        );
    }
    let before = vm_hwm_mb();
    let index_path = dir.join(format!("auth-{n}.idx"));
    let t = Instant::now();
    let mut b = CrlIndexBuilder::new();
    let added = b.add_crl_file(&crl_path, &[&store]).unwrap();
    let read = t.elapsed();
    b.write_atomic(&index_path).unwrap();
    let build = t.elapsed();
    let hwm = vm_hwm_mb();
    println!(
        "entries: {}  CRL: {} MB  index: {} MB",
        added.entries,
        std::fs::metadata(&crl_path).unwrap().len() / 1_000_000,
        std::fs::metadata(&index_path).unwrap().len() / 1_000_000
    );
    println!(
        "index build: {:.2} s (stream + verify {:.2} s, sort + write {:.2} s)",
        build.as_secs_f64(),
        read.as_secs_f64(),
        (build - read).as_secs_f64()
    );
    println!("peak memory (VmHWM): {hwm:.0} MB (before build: {before:.0} MB)");

    let t = Instant::now();
    let idx = CrlIndex::open(&index_path).unwrap();
    println!("index load: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    let key = *store.anchors()[2].key_hash();
    // Lookups: half revoked serials, half absent, in random order; each timed alone.
    let samples = 1_000_000usize;
    let mut lat = Vec::with_capacity(samples);
    let mut state = 0x1234_5678_9abc_def1u64;
    let mut hits = 0usize;
    for i in 0..samples {
        let r = next(&mut state);
        let serial = if i % 2 == 0 {
            crlgen::serial_bytes(crlgen::scrambled_serial(r % n))
        } else {
            crlgen::serial_bytes(0x5000_0000 + (r & 0x0fff_ffff))
        };
        let t = Instant::now();
        let found = black_box(idx.lookup(&key, black_box(&serial)));
        lat.push(t.elapsed().as_nanos() as u64);
        hits += usize::from(found.is_some());
    }
    lat.sort_unstable();
    let q = |p: f64| lat[((samples as f64 * p) as usize).min(samples - 1)];
    println!(
        "lookups: {samples} ({hits} hits), latency p50 {} ns, p99 {} ns, p99.9 {} ns, max {} ns",
        q(0.5),
        q(0.99),
        q(0.999),
        lat[samples - 1]
    );
    println!("final VmHWM (incl. loaded index): {:.0} MB", vm_hwm_mb());
}
