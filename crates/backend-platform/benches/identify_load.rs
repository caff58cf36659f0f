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
    latencies.sort();
    println!(
        "identifications: {n} with concurrency {concurrency} in {elapsed:.2} s = {:.0}/s; latency ms p50 {:.2} p90 {:.2} p99 {:.2} max {:.2}",
        n as f64 / elapsed,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
    );
    let server_cpu: f64 = cpu
        .iter()
        .filter(|(k, _)| !k.starts_with("bench-client"))
        .map(|(_, v)| v)
        .sum();
    let client_cpu: f64 = cpu
        .iter()
        .filter(|(k, _)| k.starts_with("bench-client"))
        .map(|(_, v)| v)
        .sum();
    println!(
        "CPU in the timed phase: server {server_cpu:.2} s ({:.0} us per identification), bench client {client_cpu:.2} s; \
         server-only capacity on 2 cores ≈ {:.0}/s",
        server_cpu / n as f64 * 1e6,
        2.0 * n as f64 / server_cpu
    );
    for (k, v) in &cpu {
        println!("  {k:<24} {v:.2} s");
    }
    let env = Arc::try_unwrap(env).ok().unwrap();
    server_rt.block_on(env.running.shutdown());
}

/// CPU seconds (user + system) per thread name, from /proc/self/task (Linux).
fn cpu_by_thread() -> std::collections::BTreeMap<String, f64> {
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
        *out.entry(format!("{name}#{}", e.file_name().to_string_lossy()))
            .or_insert(0.0) += (u + s) / tick;
    }
    out
}

/// Per thread-name CPU spent between two samples, summed over threads of the same name.
fn cpu_delta(
    before: &std::collections::BTreeMap<String, f64>,
    after: &std::collections::BTreeMap<String, f64>,
) -> std::collections::BTreeMap<String, f64> {
    let mut out = std::collections::BTreeMap::new();
    for (k, v) in after {
        let d = v - before.get(k).copied().unwrap_or(0.0);
        let name = k.split('#').next().unwrap_or("").to_owned();
        *out.entry(name).or_insert(0.0) += d;
    }
    out
}
