//! Load benchmark: complete identifications per second against the real platform server
//! over TLS with client certificates on loopback, on SQLite or PostgreSQL, with one or two
//! nodes.
//!
//! ```sh
//! cargo bench -p backend-platform --bench identify_load                      # SQLite, one node
//! PLATFORM_BENCH_N=30000 PLATFORM_BENCH_CONCURRENCY=64 cargo bench -p backend-platform --bench identify_load
//! scripts/postgres.sh run env MADOGUCHI_PLATFORM_STORAGE=postgres PLATFORM_BENCH_NODES=2 \
//!   cargo bench -p backend-platform --bench identify_load                    # PostgreSQL, two nodes
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
//! Terminals: a terminal holds its prepared answers' challenges and the discarded fresh ones
//! until they expire, and every issue counts the terminal's live challenges (its quota, 100
//! by default), so the bench configures enough terminals that each holds about 10
//! (`PLATFORM_BENCH_TERMINALS`, default N ÷ 10; a real desk holds one or two), each with its
//! own client certificate and connection: identification *i* is terminal *i* mod *T*'s. With `PLATFORM_BENCH_NODES=2` a second node serves the same
//! storage, and terminal *k* talks to node *k* mod 2 (each terminal keeps its connection to
//! one node, as behind a TCP load balancer); `PLATFORM_BENCH_CROSS=1` sends every answer to
//! the node that did not issue its challenge instead. `PLATFORM_BENCH_BALANCER=1` (with two
//! nodes) puts Debian's HAProxy in front of them (TCP passthrough, `scripts/haproxy.sh`), and
//! every terminal names its one URL: HAProxy gives each terminal's connection to a node, and
//! the bench prints HAProxy's CPU too. Its terminals' connections live from the preparation
//! through the timed phase (the nodes and HAProxy keep idle ones 5 minutes here), as a
//! counter's does; one that was closed would send its answers to either node, and the round
//! trips would show it (3 for such an answer instead of 2).
//!
//! Storage: SQLite (a file in a temporary folder) unless `MADOGUCHI_PLATFORM_STORAGE=postgres`,
//! which takes the server of `MADOGUCHI_PG_URL` (`scripts/postgres.sh run`) and reaches it
//! through a counting proxy on loopback ([`pg_wire`]): the bench prints PostgreSQL round
//! trips, statements and transactions per identification, and the server processes' CPU.
//! `PLATFORM_BENCH_PG_PROXY=0` connects the nodes directly (the proxy's own CPU shares the
//! two cores: use it for identifications/s); `PLATFORM_BENCH_PG_STATS=0` skips the
//! transaction count (it waits 11 s before and after the timed phase for the server's
//! statistics).
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

#[allow(dead_code)]
#[path = "../tests/platform/node_processes.rs"]
mod node_processes;

#[path = "identify_load/balancer.rs"]
mod balancer;
#[path = "identify_load/measure.rs"]
mod measure;
#[path = "identify_load/pg_wire.rs"]
mod pg_wire;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use backend_platform::RunningPlatform;
use backend_platform::config::{CrlFrom, Database, PostgresSettings, TerminalConfig};
use backend_platform::core::challenges::DEFAULT_PER_TERMINAL;
use counter_api::platform::{
    ChallengePurpose, ChallengeRequest, ChallengeResponse, IdentificationRequest,
};
use measure::*;
use support::*;

const PERSONAS: [&str; 5] = [
    "sato-hanako",
    "suzuki-ichiro",
    "tanaka-yuki",
    "watanabe-jiro",
    "kobayashi-mei",
];

/// Live challenges a bench terminal holds during the run (its prepared answers' and the
/// discarded fresh ones): the count of them is part of every issue's cost (the quota), and a
/// real desk holds one or two.
const HELD: usize = 10;

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

/// The PostgreSQL side of a run: the server's URL (direct) and the proxy's counters.
struct Pg {
    url: String,
    /// `None`: the nodes reach the server directly (`PLATFORM_BENCH_PG_PROXY=0`).
    counts: Option<Arc<pg_wire::Counts>>,
    _proxy_rt: Option<tokio::runtime::Runtime>,
}

impl Pg {
    /// Starts the counting proxy (unless `PLATFORM_BENCH_PG_PROXY=0`: the proxy's own CPU
    /// shares the two cores) and returns a fresh schema reached through it.
    fn start() -> (Pg, Database) {
        let url = pg_url("the load bench on PostgreSQL").expect("MADOGUCHI_PG_URL");
        let Database::Postgres(fresh) = pg_database(&url) else {
            unreachable!("pg_database makes a PostgreSQL database");
        };
        if std::env::var("PLATFORM_BENCH_PG_PROXY").is_ok_and(|v| v == "0") {
            let pg = Pg {
                url,
                counts: None,
                _proxy_rt: None,
            };
            return (pg, Database::Postgres(fresh));
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("pg-proxy")
            .enable_all()
            .build()
            .unwrap();
        let (port, counts) = rt.block_on(pg_wire::start_proxy(pg_wire::socket_of(&url)));
        let db = Database::Postgres(PostgresSettings {
            connection: pg_wire::via_proxy(&url, port),
            ..fresh
        });
        let pg = Pg {
            url,
            counts: Some(counts),
            _proxy_rt: Some(rt),
        };
        (pg, db)
    }

    /// Transactions so far, once every backend has published its counts (a backend
    /// publishes when idle, and waits up to 10 s to do it again: PostgreSQL's
    /// PGSTAT_IDLE_INTERVAL).
    fn settled_transactions(&self, rt: &tokio::runtime::Runtime) -> Option<i64> {
        if std::env::var("PLATFORM_BENCH_PG_STATS").is_ok_and(|v| v == "0") {
            return None;
        }
        std::thread::sleep(Duration::from_secs(11));
        Some(rt.block_on(pg_wire::transactions(&self.url)))
    }
}

fn main() {
    let n = env_usize("PLATFORM_BENCH_N", 20_000);
    let concurrency = env_usize("PLATFORM_BENCH_CONCURRENCY", 32);
    let nodes = env_usize("PLATFORM_BENCH_NODES", 1).clamp(1, 2);
    let cross = std::env::var("PLATFORM_BENCH_CROSS").is_ok_and(|v| v == "1") && nodes == 2;
    let balanced = std::env::var("PLATFORM_BENCH_BALANCER").is_ok_and(|v| v == "1") && nodes == 2;
    let terminals = env_usize("PLATFORM_BENCH_TERMINALS", n.div_ceil(HELD)).max(1);
    assert!(
        2 * n <= terminals * DEFAULT_PER_TERMINAL,
        "{terminals} terminals cannot hold 2 × {n} challenges within their quota of {DEFAULT_PER_TERMINAL}"
    );
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bench-server")
        .enable_all()
        .build()
        .unwrap();
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bench-client")
        .enable_all()
        .build()
        .unwrap();
    let (pg, database) = match std::env::var("MADOGUCHI_PLATFORM_STORAGE").as_deref() {
        Ok("postgres") => {
            let (pg, db) = Pg::start();
            (Some(pg), Some(db))
        }
        _ => (None, None),
    };
    // The bench's terminals, in the configuration (node B reads the same).
    let names: Vec<String> = (0..terminals).map(|k| format!("bench-desk-{k}")).collect();
    let env = server_rt.block_on(Env::start_with(EnvOptions {
        challenge_ttl_secs: 300,
        challenges_per_terminal: DEFAULT_PER_TERMINAL,
        // Behind the balancer a terminal's prepared challenges were issued by the node its
        // connection reached, and only that connection reaches that node again: the nodes
        // and HAProxy keep it open through the run.
        connections: if balanced {
            backend_kit::ServeLimits {
                header_timeout: Duration::from_secs(balancer::IDLE_SECS.into()),
                ..backend_kit::ServeLimits::default()
            }
        } else {
            backend_kit::ServeLimits::default()
        },
        database,
        extra_terminals: names
            .iter()
            .map(|id| TerminalConfig {
                id: id.clone(),
                admin: false,
                certificate_sha256: None,
            })
            .collect(),
        ..EnvOptions::default()
    }));
    println!(
        "storage: {}; {nodes} node(s){}; {terminals} terminals; N = {n}, concurrency {concurrency}",
        if pg.is_some() { "PostgreSQL" } else { "SQLite" },
        if balanced {
            ", behind HAProxy (TCP passthrough)"
        } else if cross {
            ", every answer at the node that did not issue its challenge"
        } else {
            ""
        }
    );

    let env = Arc::new(env);
    let node_b: Option<RunningPlatform> = (nodes == 2).then(|| {
        let mut s = env.settings.clone();
        s.crl_from = CrlFrom::Storage;
        s.crl_dir = std::path::PathBuf::new();
        server_rt
            .block_on(backend_platform::start_in_process(
                s,
                Arc::new(env.clock.clone()),
            ))
            .unwrap()
    });
    let mut bases = vec![env.base.clone()];
    if let Some(b) = &node_b {
        bases.push(format!("https://localhost:{}", b.addr().port()));
    }
    // Behind the balancer every terminal names its one URL, and HAProxy gives each
    // terminal's connection to a node (round robin), as at a counter.
    let haproxy = node_b.as_ref().filter(|_| balanced).map(|b| {
        let ports = [env.running.addr().port(), b.addr().port()];
        balancer::start(env.dir.path(), &ports, &env.server_ca.pem, &client_rt)
    });
    if let Some(h) = &haproxy {
        bases = vec![h.url.clone()];
    }
    let nodes = bases.len();
    let bases = Arc::new(bases);
    let clients: Arc<Vec<reqwest::Client>> =
        Arc::new(names.iter().map(|t| env.client(Some(t))).collect());
    let cards: Vec<Arc<Card>> = PERSONAS.iter().map(|p| Arc::new(Card::load(p))).collect();
    let enroller = env.client(Some(T1));
    client_rt.block_on(async {
        for card in &cards {
            let (s, _, v) = enroll(&env, &enroller, card).await;
            assert_eq!(s, 200, "{v}");
        }
    });
    // Identification i: terminal i mod T, at that terminal's node (its answer at the other
    // node with PLATFORM_BENCH_CROSS=1).
    let node_of = move |i: usize| (i % terminals) % nodes;
    let answer_node = move |i: usize| (node_of(i) + usize::from(cross)) % nodes;

    // Preparation (not timed): n challenges, signed with the personas' keys on all cores.
    let t = Instant::now();
    let challenges: Vec<ChallengeResponse> = client_rt.block_on(async {
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let (clients, bases, next) = (clients.clone(), bases.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                let mut v = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break v;
                    }
                    let url = format!("{}/v1/challenges", bases[node_of(i)]);
                    let req = ChallengeRequest {
                        purpose: ChallengePurpose::Identify,
                        context: None,
                    };
                    let (s, _, body) = post(&clients[i % terminals], &url, &req).await;
                    assert_eq!(s, 200, "{body}");
                    v.push((i, serde_json::from_value(body).unwrap()));
                }
            }));
        }
        let mut out: Vec<(usize, ChallengeResponse)> = Vec::with_capacity(n);
        for t in tasks {
            out.extend(t.await.unwrap());
        }
        out.sort_by_key(|(i, _)| *i);
        out.into_iter().map(|(_, c)| c).collect()
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
    let pg_before = pg.as_ref().map(|pg| {
        let tx = pg.settled_transactions(&client_rt);
        let cpu = client_rt.block_on(pg_wire::server_cpu(&pg.url));
        (pg.counts.as_ref().map(|c| c.snapshot()), tx, cpu)
    });
    // Every terminal's connections were opened in the preparation, but a server closes a
    // connection idle longer than its header timeout (30 s), which a long preparation (or
    // callgrind) exceeds: one request each reopens them, so that no TLS handshake falls in
    // the timed phase (a counter terminal keeps its connection).
    client_rt.block_on(async {
        let mut tasks = Vec::new();
        for k in 0..terminals {
            let (clients, bases) = (clients.clone(), bases.clone());
            let nodes_used = [node_of(k), answer_node(k)];
            tasks.push(tokio::spawn(async move {
                for node in nodes_used {
                    let r = clients[k]
                        .get(format!("{}/v1/keys", bases[node]))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 200);
                    r.bytes().await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
    let answers = Arc::new(answers);
    let next = Arc::new(AtomicUsize::new(0));
    let callgrind = std::env::var("PLATFORM_BENCH_CALLGRIND").is_ok_and(|v| v == "1");
    if callgrind {
        callgrind_control(&["--zero"]);
    }
    let perf_ctl = std::env::var("PLATFORM_BENCH_PERF_CTL").ok();
    if let Some(fifo) = &perf_ctl {
        perf_control(fifo, "enable");
    }
    // Server threads: the nodes' runtime, blocking pool, audit writers and storage runtimes;
    // not the bench's client nor the PostgreSQL proxy.
    let is_server = |k: &str| !k.starts_with("bench-client") && !k.starts_with("pg-proxy");
    let load_before = load_average();
    let haproxy_before = haproxy
        .as_ref()
        .map(|_| balancer::cpu_seconds(env.dir.path()));
    let switches_before = context_switches(is_server);
    let cpu_before = cpu_by_thread();
    let started = Instant::now();
    let mut latencies: Vec<Duration> = client_rt.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let (clients, bases, answers, next) = (
                clients.clone(),
                bases.clone(),
                answers.clone(),
                next.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let req = ChallengeRequest {
                    purpose: ChallengePurpose::Identify,
                    context: None,
                };
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(answer) = answers.get(i) else { break };
                    let client = &clients[i % terminals];
                    let cu = format!("{}/v1/challenges", bases[node_of(i)]);
                    let iu = format!("{}/v1/identifications", bases[answer_node(i)]);
                    let t = Instant::now();
                    let r = client.post(&cu).json(&req).send().await.unwrap();
                    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
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
    let switches = context_switches(is_server) - switches_before;
    let load_after = load_average();
    if callgrind {
        callgrind_control(&["--dump=timed"]);
    }
    if let Some(fifo) = &perf_ctl {
        perf_control(fifo, "disable");
    }
    latencies.sort();
    println!("load average before the timed phase {load_before}, after {load_after}");
    println!(
        "identifications: {n} with concurrency {concurrency} in {elapsed:.2} s = {:.0}/s; latency ms p50 {:.2} p90 {:.2} p99 {:.2} max {:.2}",
        n as f64 / elapsed,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
    );
    let sum = |server: bool| {
        cpu.iter()
            .filter(|(k, _)| is_server(k) == server)
            .fold((0.0, 0.0), |(u, s), (_, (du, ds))| (u + du, s + ds))
    };
    let ((server_user, server_sys), (client_user, client_sys)) = (sum(true), sum(false));
    let server_cpu = server_user + server_sys;
    let client_cpu = client_user + client_sys;
    println!(
        "CPU in the timed phase: server {server_cpu:.2} s ({:.0} us per identification: user {:.0}, system {:.0}), \
         bench client and proxy {client_cpu:.2} s; server-only capacity on 2 cores ≈ {:.0}/s",
        server_cpu / n as f64 * 1e6,
        server_user / n as f64 * 1e6,
        server_sys / n as f64 * 1e6,
        2.0 * n as f64 / server_cpu
    );
    for (k, (u, s)) in &cpu {
        println!("  {k:<24} {:.2} s (user {u:.2}, system {s:.2})", u + s);
    }
    println!(
        "server threads' context switches per identification: {:.1}",
        switches as f64 / n as f64
    );
    if let Some(before) = haproxy_before {
        println!(
            "HAProxy's CPU per identification: {:.0} us",
            (balancer::cpu_seconds(env.dir.path()) - before) / n as f64 * 1e6
        );
    }
    if let (Some(pg), Some((counts, tx, pg_cpu))) = (&pg, pg_before) {
        let pg_cpu =
            pg_wire::server_cpu_delta(&pg_cpu, &client_rt.block_on(pg_wire::server_cpu(&pg.url)));
        println!(
            "PostgreSQL server processes' CPU per identification: {:.0} us",
            pg_cpu / n as f64 * 1e6
        );
        if let (Some(now), Some(before)) = (&pg.counts, counts) {
            let wire = now.snapshot().since(before);
            let per = |x: u64| x as f64 / n as f64;
            println!(
                "PostgreSQL per identification (counting proxy): {:.2} round trips, {:.2} statements, \
                 {:.0} bytes sent, {:.0} received",
                per(wire.round_trips),
                per(wire.statements),
                per(wire.to_server),
                per(wire.to_client),
            );
        }
        if let (Some(before), Some(after)) = (tx, pg.settled_transactions(&client_rt)) {
            println!(
                "PostgreSQL transactions per identification (pg_stat_database): {:.2}",
                (after - before) as f64 / n as f64
            );
        }
    }
    if std::env::var("PLATFORM_BENCH_OPENSSL").is_ok_and(|v| v == "0") {
        println!("openssl speed: skipped (PLATFORM_BENCH_OPENSSL=0)");
    } else {
        openssl_speed(server_cpu / n as f64 * 1e6);
    }
    drop(haproxy);
    if let Some(b) = node_b {
        server_rt.block_on(b.shutdown());
    }
    let env = Arc::try_unwrap(env).ok().unwrap();
    server_rt.block_on(env.running.shutdown());
}
