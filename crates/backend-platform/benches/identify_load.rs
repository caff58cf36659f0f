//! Load benchmark: complete identifications per second against the real platform server
//! over TLS with client certificates on loopback (the target: 3,000/s with p99 < 20 ms).
//!
//! ```sh
//! cargo bench -p backend-platform --bench identify_load
//! PLATFORM_BENCH_N=30000 PLATFORM_BENCH_CONCURRENCY=64 cargo bench -p backend-platform --bench identify_load
//! ```
//!
//! One identification = `POST /v1/challenges` + `POST /v1/identifications` (certificate
//! chain and signature check, revocation lookup in the CRL index, registry lookup, one ES256
//! assertion per linked service, audit rows). The card's RSA signature is not part of the
//! platform's work (a real card computes it on its own chip), yet here it would run on the
//! same two cores, so the answers are signed before the timed phase: challenges are issued
//! and signed first (lifetime 300 s), and in the timed phase every identification asks for a
//! fresh challenge (which it discards) and then presents a pre-signed answer. The server thus
//! does all the work of a complete identification, and the latency measured is that of both
//! requests. The bench client (reqwest, rustls) shares the two cores with the server.
//!
//! After the timed phase the bench runs `openssl speed -seconds 3 rsa2048` and prints its
//! RSA-2048 verify and sign figures beside the server's CPU per identification, so that a
//! figure taken on a loaded or slower machine can be read against the machine's speed in
//! the same run (`PLATFORM_BENCH_OPENSSL=0` skips it).
//!
//! Profiling: with `PLATFORM_BENCH_CALLGRIND=1`, run under
//! `valgrind --tool=callgrind --separate-threads=yes`, the bench zeroes callgrind's counters
//! just before the timed phase and dumps them (part `timed`) just after, with
//! `callgrind_control`, so the dump holds the timed identifications only. With
//! `PLATFORM_BENCH_PERF_CTL=FIFO`, run under `perf record -D -1 --control fifo:FIFO`, the
//! bench writes `enable` to the FIFO before the timed phase and `disable` after it, so
//! perf samples the timed phase only (on this machine's own cycles, where callgrind's
//! virtual CPU lacks the ADX and SHA extensions that ring and sha2 use natively).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    missing_docs
)]

#[allow(dead_code)]
#[path = "../tests/platform/support.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use counter_api::platform::{ChallengePurpose, ChallengeRequest, IdentificationRequest};
use support::*;

const PERSONAS: [&str; 5] = [
    "sato-hanako",
    "suzuki-ichiro",
    "tanaka-yuki",
    "watanabe-jiro",
    "kobayashi-mei",
];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let n = env_usize("PLATFORM_BENCH_N", 20_000);
    let concurrency = env_usize("PLATFORM_BENCH_CONCURRENCY", 32);
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bench-server")
        .enable_all()
        .build()
        .unwrap();
    let env = server_rt.block_on(Env::start_with(EnvOptions {
        challenge_ttl_secs: 300,
        // One terminal stands for every desk here and holds all n challenges at once.
        challenges_per_terminal: backend_platform::core::challenges::MAX_PENDING,
        ..EnvOptions::default()
    }));
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bench-client")
        .enable_all()
        .build()
        .unwrap();
    let env = Arc::new(env);
    let cards: Vec<Arc<Card>> = PERSONAS.iter().map(|p| Arc::new(Card::load(p))).collect();
    let client = env.client(Some(T1));

    client_rt.block_on(async {
        for card in &cards {
            let (s, _, v) = enroll(&env, &client, card).await;
            assert_eq!(s, 200, "{v}");
        }
    });

    // Preparation (not timed): n challenges, signed with the personas' keys on all cores.
    let t = Instant::now();
    let challenges = client_rt.block_on(async {
        let mut tasks = Vec::new();
        for k in 0..concurrency {
            let count = n / concurrency + usize::from(k < n % concurrency);
            let (env, client) = (env.clone(), client.clone());
            tasks.push(tokio::spawn(async move {
                let mut v = Vec::with_capacity(count);
                for _ in 0..count {
                    v.push(challenge(&env, &client, ChallengePurpose::Identify, None).await);
                }
                v
            }));
        }
        let mut out = Vec::with_capacity(n);
        for t in tasks {
            out.extend(t.await.unwrap());
        }
        out
    });
    let per_thread = n.div_ceil(2);
    let answers: Vec<IdentificationRequest> = std::thread::scope(|s| {
        let handles: Vec<_> = challenges
            .chunks(per_thread)
            .enumerate()
            .map(|(k, chunk)| {
                let cards = &cards;
                s.spawn(move || {
                    chunk
                        .iter()
                        .enumerate()
                        .map(|(i, ch)| cards[(k * per_thread + i) % cards.len()].answer(ch))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    println!(
        "prepared {n} signed answers in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // Timed phase.
    let answers = Arc::new(answers);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let callgrind = std::env::var("PLATFORM_BENCH_CALLGRIND").is_ok_and(|v| v == "1");
    if callgrind {
        callgrind_control(&["--zero"]);
    }
    let perf_ctl = std::env::var("PLATFORM_BENCH_PERF_CTL").ok();
    if let Some(fifo) = &perf_ctl {
        perf_control(fifo, "enable");
    }
    let cpu_before = cpu_by_thread();
    let started = Instant::now();
    let mut latencies: Vec<Duration> = client_rt.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let (env, client, answers, next) =
                (env.clone(), client.clone(), answers.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let cu = env.url("/v1/challenges");
                let iu = env.url("/v1/identifications");
                let req = ChallengeRequest {
                    purpose: ChallengePurpose::Identify,
                    context: None,
                };
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(answer) = answers.get(i) else { break };
                    let t = Instant::now();
                    let r = client.post(&cu).json(&req).send().await.unwrap();
                    assert_eq!(r.status(), 200);
                    r.bytes().await.unwrap();
                    let r = client.post(&iu).json(answer).send().await.unwrap();
                    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
                    r.bytes().await.unwrap();
                    lat.push(t.elapsed());
                }
                lat
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    });
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_delta(&cpu_before, &cpu_by_thread());
    if callgrind {
        callgrind_control(&["--dump=timed"]);
    }
    if let Some(fifo) = &perf_ctl {
        perf_control(fifo, "disable");
    }
    latencies.sort();
    println!(
        "identifications: {n} with concurrency {concurrency} in {elapsed:.2} s = {:.0}/s; latency ms p50 {:.2} p90 {:.2} p99 {:.2} max {:.2}",
        n as f64 / elapsed,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
    );
    let sum = |client: bool| {
        cpu.iter()
            .filter(|(k, _)| k.starts_with("bench-client") == client)
            .fold((0.0, 0.0), |(u, s), (_, (du, ds))| (u + du, s + ds))
    };
    let ((server_user, server_sys), (client_user, client_sys)) = (sum(false), sum(true));
    let server_cpu = server_user + server_sys;
    let client_cpu = client_user + client_sys;
    println!(
        "CPU in the timed phase: server {server_cpu:.2} s ({:.0} us per identification: user {:.0}, system {:.0}), \
         bench client {client_cpu:.2} s; server-only capacity on 2 cores ≈ {:.0}/s",
        server_cpu / n as f64 * 1e6,
        server_user / n as f64 * 1e6,
        server_sys / n as f64 * 1e6,
        2.0 * n as f64 / server_cpu
    );
    for (k, (u, s)) in &cpu {
        println!("  {k:<24} {:.2} s (user {u:.2}, system {s:.2})", u + s);
    }
    if std::env::var("PLATFORM_BENCH_OPENSSL").is_ok_and(|v| v == "0") {
        println!("openssl speed: skipped (PLATFORM_BENCH_OPENSSL=0)");
    } else {
        openssl_speed(server_cpu / n as f64 * 1e6);
    }
    let env = Arc::try_unwrap(env).ok().unwrap();
    server_rt.block_on(env.running.shutdown());
}

/// Runs `callgrind_control ARGS <this process>` (the bench runs under callgrind).
fn callgrind_control(args: &[&str]) {
    let pid = std::process::id().to_string();
    match std::process::Command::new("callgrind_control")
        .args(args)
        .arg(&pid)
        .output()
    {
        Ok(o) if o.status.success() => {}
        Ok(o) => println!(
            "callgrind_control {args:?} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => println!("callgrind_control {args:?}: {e}"),
    }
}

/// Writes `command` to perf's control FIFO (`perf record --control fifo:FIFO`).
fn perf_control(fifo: &str, command: &str) {
    use std::io::Write;
    match std::fs::OpenOptions::new().write(true).open(fifo) {
        Ok(mut f) => {
            if let Err(e) = writeln!(f, "{command}") {
                println!("perf control {fifo}: {e}");
            }
        }
        Err(e) => println!("perf control {fifo}: {e}"),
    }
}

/// Runs `openssl speed -seconds 3 rsa2048` and prints its RSA-2048 figures beside the
/// server's CPU per identification (`server_us`).
fn openssl_speed(server_us: f64) {
    let out = match std::process::Command::new("openssl")
        .args(["speed", "-seconds", "3", "rsa2048"])
        .output()
    {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            println!(
                "openssl speed failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            return;
        }
        Err(e) => {
            println!("openssl speed could not run: {e}");
            return;
        }
    };
    // The summary line: `rsa 2048 bits 0.000241s 0.000016s   4142.2  61678.7` (sign and
    // verify seconds, then sign/s and verify/s; OpenSSL 3.4+ add encrypt/decrypt columns).
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(fields) = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.starts_with(&["rsa", "2048", "bits"]))
        .map(|f| f[3..].to_vec())
    else {
        println!("openssl speed: no rsa 2048 line in its output:\n{text}");
        return;
    };
    let secs = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.trim_end_matches('s').parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    let (sign_us, verify_us) = (secs(0) * 1e6, secs(1) * 1e6);
    println!(
        "openssl speed -seconds 3 rsa2048 (same run, after the timed phase): verify {verify_us:.1} us, sign {sign_us:.1} us; \
         server CPU per identification = {:.1} RSA-2048 verifications of openssl",
        server_us / verify_us
    );
}

/// CPU seconds (user, system) per thread, from /proc/self/task (Linux).
fn cpu_by_thread() -> std::collections::BTreeMap<String, (f64, f64)> {
    let mut out = std::collections::BTreeMap::new();
    let tick = 100.0; // USER_HZ on Linux
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for e in dir.flatten() {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let name = stat[stat.find('(').unwrap_or(0) + 1..close].to_owned();
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        let (u, s): (f64, f64) = (
            fields[11].parse().unwrap_or(0.0),
            fields[12].parse().unwrap_or(0.0),
        );
        out.insert(
            format!("{name}#{}", e.file_name().to_string_lossy()),
            (u / tick, s / tick),
        );
    }
    out
}

/// Per thread-name CPU spent between two samples, summed over threads of the same name.
fn cpu_delta(
    before: &std::collections::BTreeMap<String, (f64, f64)>,
    after: &std::collections::BTreeMap<String, (f64, f64)>,
) -> std::collections::BTreeMap<String, (f64, f64)> {
    let mut out = std::collections::BTreeMap::new();
    for (k, (u, s)) in after {
        let (bu, bs) = before.get(k).copied().unwrap_or((0.0, 0.0));
        let name = k.split('#').next().unwrap_or("").to_owned();
        let e = out.entry(name).or_insert((0.0, 0.0));
        e.0 += u - bu;
        e.1 += s - bs;
    }
    out
}
