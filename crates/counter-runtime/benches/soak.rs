//! Soak bench: many sales through faults on both sides, then the books.
//!
//! ```sh
//! cargo bench -p counter-runtime --bench soak                          # 10,000 sales
//! MADOGUCHI_SOAK_SALES=300 cargo bench -p counter-runtime --bench soak # a short run
//! cargo bench -p counter-runtime --bench soak -- --sales 300 --seed 7
//! ```
//!
//! `MADOGUCHI_COUNTER_BIN` names another `madoguchi-counter` to run (e.g. a copy taken
//! before a long run, when other builds share the target directory).
//!
//! The acquirer runs from its TOML file in a process of its own (this binary re-executed
//! with `--acquirer-child FILE`, which calls `backend_acquirer::server::serve_file`, what
//! `madoguchi-acquirer serve` runs), with claims leased for 2 s. The platform runs in this
//! process, with persona sato-hanako enrolled through the virtual card. Each sale is one
//! of, drawn from a seeded generator:
//!
//! - a sale of this process's terminal (`Payments`, assertions minted for a subject the
//!   acquirer's second token is linked to), under an acquirer fault for its next one or
//!   two payment requests: none, 5xx, the answer dropped after commit, `409` after commit,
//!   a delay longer than the terminal's 400 ms time-out, a delay longer than the lease;
//! - the acquirer killed with SIGKILL while it holds the sale's authorisation, then
//!   restarted; or killed between two sales and restarted;
//! - a sale of the headless terminal `madoguchi-counter pay` (virtual card, PIN on
//!   standard input) killed with SIGKILL at a crash point drawn from
//!   `counter_runtime::crash::PAYMENT_STEPS`, then restarted with `madoguchi-counter
//!   recover`; or a headless sale without a crash.
//!
//! At the end every sale is checked against the acquirer's database: no order charged
//! twice, no approval the journal does not hold (an open authorisation, a charge the
//! journal has no sale for, a state or amount that differs), nothing left in doubt, and
//! the day's close. Prints the figures and exits 1 on any violation. Not a timed test: the
//! figures go to `docs/PERFORMANCE.md` with the command.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    missing_docs
)]

#[allow(dead_code, unused_imports)]
#[path = "../tests/runtime/support.rs"]
mod support;
#[allow(dead_code, unused_imports)]
#[path = "../tests/runtime/till.rs"]
mod till;

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use backend_platform::config::ServiceConfig;
use counter_api::acquirer::{FaultKind, FaultPlan};
use counter_api::platform::ServiceKind;
use counter_core::payment::PaymentState;
use counter_runtime::clock::{Clock, SystemClock};
use counter_runtime::crash::{CRASH_ENV, PAYMENT_STEPS};
use counter_runtime::payments::RetryPolicy;
use support::*;
use till::*;

const LEASE_SECS: i64 = 2;
const TIMEOUT_MS: u64 = 400;

/// xorshift64*: a seeded generator, so a run can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() -> ExitCode {
    if let Some(config) = arg("--acquirer-child") {
        return match backend_acquirer::server::serve_file(Path::new(&config)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("acquirer: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let sales: usize = arg("--sales")
        .or_else(|| std::env::var("MADOGUCHI_SOAK_SALES").ok())
        .map_or(10_000, |s| s.parse().expect("--sales N"));
    let seed: u64 = arg("--seed").map_or(0x5eed_1234, |s| s.parse().expect("--seed N"));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    if rt.block_on(soak(sales, seed)) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The acquirer's process; its output goes to a log file beside its database.
struct Acquirer {
    child: Child,
}

impl Acquirer {
    fn spawn(rig: &Rig, n: u32) -> Acquirer {
        let log = std::fs::File::create(rig.dir.path().join(format!("acquirer-{n}.log"))).unwrap();
        let child = Command::new(std::env::current_exe().unwrap())
            .arg("--acquirer-child")
            .arg(&rig.acquirer_config)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Acquirer { child }
    }

    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Acquirer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The headless terminal: `MADOGUCHI_COUNTER_BIN`, or the one cargo built with this bench.
fn counter_bin() -> std::path::PathBuf {
    std::env::var_os("MADOGUCHI_COUNTER_BIN").map_or_else(
        || env!("CARGO_BIN_EXE_madoguchi-counter").into(),
        Into::into,
    )
}

/// Runs `madoguchi-counter` with `args` (and `crash` as its crash point), PIN on stdin.
async fn headless(config: &Path, args: &[&str], crash: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(counter_bin());
    cmd.arg("--config")
        .arg(config)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(step) = crash {
        cmd.env(CRASH_ENV, step);
    }
    tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        if let Some(mut i) = child.stdin.take() {
            let _ = i.write_all(b"1234\n");
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn fault(kind: FaultKind, delay_ms: u64, times: u32) -> FaultPlan {
    FaultPlan {
        kind,
        delay_ms,
        times: Some(times),
    }
}

#[derive(Default)]
struct Tally {
    by_kind: BTreeMap<&'static str, usize>,
    acquirer_kills: u32,
    terminal_kills: usize,
    recoveries_run: usize,
}

impl Tally {
    fn add(&mut self, kind: &'static str) {
        *self.by_kind.entry(kind).or_default() += 1;
    }
}

async fn soak(sales: usize, seed: u64) -> bool {
    let started = Instant::now();
    let rig = Rig::new(LEASE_SECS, TIMEOUT_MS);
    let mut acquirer = Acquirer::spawn(&rig, 0);
    let mut spawned = 1;
    rig.wait_ready().await;
    let services = vec![ServiceConfig {
        id: ACQUIRER.into(),
        kind: ServiceKind::Payment,
        label: "クレジットカード".into(),
        url: Some(rig.url("")),
    }];
    let platform = start_platform(rig.dir.path(), &rig.pki, services, TERMINAL).await;
    let config = write_config(
        rig.dir.path(),
        &rig.pki,
        TERMINAL,
        MERCHANT,
        TIMEOUT_MS,
        [platform.addr().port(), 9, rig.acquirer_port],
        "",
    );
    let backends = counter_runtime::config::Config::load(&config)
        .unwrap()
        .backends()
        .unwrap();
    support::enrol_with_token(&backends, "sato-hanako", PERSONA_TOKEN, "0077").await;
    rig.link_token().await;
    let till = rig.till(RetryPolicy {
        max_rounds: 80,
        first_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(200),
    });
    let persona =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/personas/sato-hanako.toml");
    let persona = persona.to_str().unwrap().to_owned();
    let mut rng = Rng(seed.max(1));
    let mut tally = Tally::default();
    let mut orders: Vec<String> = Vec::with_capacity(sales);
    for i in 0..sales {
        let amount = 100 + (i as u64 % 9_000);
        let order = format!("soak-{i}");
        orders.push(order.clone());
        let roll = rng.below(1_000);
        if roll < 10 {
            // The acquirer killed while it holds this sale's authorisation.
            tally.add("acquirer killed inside an authorisation");
            rig.set_faults(fault(FaultKind::Delay, 30_000, 1)).await;
            let live = {
                let (payments, assertion) = (till.payments.clone(), till.assertion(amount));
                let order = order.clone();
                tokio::spawn(async move { payments.sell(amount, Some(order), assertion).await })
            };
            rig.wait_for_claim(&format!("{TERMINAL}-%-auth-%")).await;
            acquirer.kill();
            tally.acquirer_kills += 1;
            acquirer = Acquirer::spawn(&rig, spawned);
            spawned += 1;
            rig.wait_ready().await;
            finish_live(&till, live.await.unwrap(), &mut tally).await;
            continue;
        }
        if roll < 15 {
            tally.add("acquirer killed between sales");
            acquirer.kill();
            tally.acquirer_kills += 1;
            acquirer = Acquirer::spawn(&rig, spawned);
            spawned += 1;
            rig.wait_ready().await;
            // The sale itself then runs without a fault.
        } else if roll < 40 {
            let crash =
                (roll < 35).then(|| PAYMENT_STEPS[rng.below(PAYMENT_STEPS.len() as u64) as usize]);
            tally.add(if crash.is_some() {
                "headless terminal killed at a crash point"
            } else {
                "headless sale"
            });
            rig.set_faults(FaultPlan::default()).await;
            let amount = amount.to_string();
            let args = [
                "pay",
                "--amount",
                &amount,
                "--order",
                &order,
                "--virtual-card",
                &persona,
                "--pin-stdin",
            ];
            let out = headless(&config, &args, crash).await;
            if crash.is_some() {
                use std::os::unix::process::ExitStatusExt;
                assert_eq!(
                    out.status.signal(),
                    Some(9),
                    "{crash:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                tally.terminal_kills += 1;
                // The terminal restarts: recovery on start.
                let out = headless(&config, &["recover"], None).await;
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stdout)
                );
                tally.recoveries_run += 1;
            } else {
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stdout)
                );
            }
            continue;
        }
        let plan = match rng.below(100) {
            0..50 => FaultPlan::default(),
            50..62 => fault(FaultKind::ServerError, 0, 1 + rng.below(2) as u32),
            62..74 => fault(FaultKind::DropResponse, 0, 1 + rng.below(2) as u32),
            74..82 => fault(FaultKind::InProgress, 0, 1 + rng.below(2) as u32),
            82..98 => fault(FaultKind::Delay, 600, 1 + rng.below(2) as u32),
            _ => fault(FaultKind::Delay, 2_500, 1),
        };
        tally.add(match plan.kind {
            FaultKind::None => "no fault",
            FaultKind::ServerError => "acquirer 5xx",
            FaultKind::DropResponse => "answer dropped after commit",
            FaultKind::InProgress => "409 after commit",
            FaultKind::Delay if plan.delay_ms > 1_000 => "delay beyond the lease",
            _ => "delay beyond the terminal's time-out",
        });
        rig.set_faults(plan).await;
        let r = till.sell(amount, &order).await;
        finish_live(&till, r, &mut tally).await;
        if (i + 1) % 500 == 0 {
            println!("{} sales, {:.0} s", i + 1, started.elapsed().as_secs_f64());
        }
    }
    rig.set_faults(FaultPlan::default()).await;
    till.payments
        .recover(counter_core::payment::RecoveryPass::Staff)
        .await
        .unwrap();
    let out = headless(&config, &["recover"], None).await;
    assert!(out.status.success());
    // The close asks for the whole day's totals: not a counter-speed request, so it gets a
    // time-out of its own rather than the 400 ms that provokes the sales' faults.
    let closer = {
        let cfg = counter_runtime::config::Config::load(&config).unwrap();
        let t = &cfg.file.tls;
        let read = |p: &Path| std::fs::read(p).unwrap();
        let tls =
            counter_runtime::tls::client_config(&read(&t.ca), &read(&t.certificate), &read(&t.key))
                .unwrap();
        let mut endpoints = cfg.backends().unwrap().endpoints().clone();
        endpoints.timeout = Duration::from_secs(60);
        counter_runtime::payments::Payments::new(
            till.store.clone(),
            counter_runtime::http::Backends::new(tls, endpoints).unwrap(),
            std::sync::Arc::new(SystemClock),
            TERMINAL,
            MERCHANT,
        )
    };
    let ok = books(&rig, &till, &closer, &orders, &tally, started.elapsed()).await;
    acquirer.kill();
    drop(platform);
    ok
}

/// After a live sale: one left in doubt is resolved before the next, as on start.
async fn finish_live(
    till: &Till,
    r: Result<counter_runtime::payments::SaleReport, counter_runtime::RuntimeError>,
    tally: &mut Tally,
) {
    match r {
        Ok(report) if report.record.state.is_final() => {}
        other => {
            if let Err(e) = &other {
                tally.add(if e.code() == counter_core::Code::PaymentBusy {
                    "refused busy (resolved first)"
                } else {
                    "sale ended with an error"
                });
            }
            till.payments
                .recover(counter_core::payment::RecoveryPass::Staff)
                .await
                .unwrap();
            tally.recoveries_run += 1;
        }
    }
}

/// The books: every journal sale against the acquirer's rows. Prints the figures;
/// `false` on any violation.
async fn books(
    rig: &Rig,
    till: &Till,
    closer: &counter_runtime::payments::Payments,
    orders: &[String],
    tally: &Tally,
    took: Duration,
) -> bool {
    let (sales, unfinished) = {
        let store = till.store.lock().unwrap();
        let sales = store
            .search_payments(&counter_store::PaymentQuery {
                limit: 1_000_000,
                ..counter_store::PaymentQuery::default()
            })
            .unwrap();
        let unfinished =
            store.unfinished_payments().unwrap().len() + store.refunds_in_doubt().unwrap().len();
        (sales, unfinished)
    };
    let db = rusqlite::Connection::open(rig.acquirer_db()).unwrap();
    let mut theirs: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    let mut st = db
        .prepare("SELECT order_ref, status, captured_jpy FROM payments WHERE terminal_id = ?1")
        .unwrap();
    for row in st
        .query_map([TERMINAL], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap()
    {
        let (order, status, captured) = row.unwrap();
        theirs.entry(order).or_default().push((status, captured));
    }
    let journaled: HashSet<&str> = sales.iter().map(|s| s.order_ref.as_str()).collect();
    let (mut double, mut mismatched, mut states) =
        (0, Vec::new(), BTreeMap::<String, usize>::new());
    for sale in &sales {
        let at = theirs
            .get(&sale.order_ref)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if at.len() > 1 {
            double += 1;
        }
        let agrees = match (sale.state, at.first()) {
            (PaymentState::Captured, Some((s, c))) => {
                matches!(s.as_str(), "captured" | "partially_refunded" | "refunded")
                    && *c == sale.captured_jpy as i64
            }
            (PaymentState::Reversed, None)
            | (PaymentState::Declined, None)
            | (PaymentState::NotSent, None)
            | (PaymentState::NotAccepted, None) => true,
            (PaymentState::Reversed, Some((s, _))) => s == "reversed",
            (PaymentState::Voided, Some((s, _))) => s == "voided",
            (PaymentState::Declined, Some((s, _))) => s == "declined",
            _ => false,
        };
        if !agrees {
            mismatched.push(format!("{} {:?} vs {at:?}", sale.order_ref, sale.state));
        }
        let label = match (sale.state, sale.decline_reason.as_deref()) {
            (PaymentState::Reversed, Some(r)) if r.starts_with("approval_found_on_recovery") => {
                "reversed (approval found on recovery)".to_owned()
            }
            (PaymentState::Reversed, _) => "reversed (nothing charged)".to_owned(),
            (s, _) => s.as_str().to_owned(),
        };
        *states.entry(label).or_default() += 1;
    }
    // Charges the journal has no sale for, and approvals left open at the acquirer.
    let orphans: Vec<&String> = theirs
        .keys()
        .filter(|o| !journaled.contains(o.as_str()))
        .collect();
    let open: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM payments WHERE status = 'authorised'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let without_sale = orders
        .iter()
        .filter(|o| !journaled.contains(o.as_str()))
        .count();
    let faults_met: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM journal WHERE outcome LIKE 'injected_%' OR outcome = 'lease_lost'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    println!();
    println!(
        "soak: {} sales in {:.0} s ({:.1} sales/s)",
        orders.len(),
        took.as_secs_f64(),
        orders.len() as f64 / took.as_secs_f64()
    );
    println!("scenarios:");
    for (k, v) in &tally.by_kind {
        println!("  {k}: {v}");
    }
    println!(
        "acquirer SIGKILLs: {}, terminal SIGKILLs: {}, recoveries run: {}, faults met at the acquirer: {faults_met}",
        tally.acquirer_kills, tally.terminal_kills, tally.recoveries_run
    );
    println!("journal outcomes:");
    for (k, v) in &states {
        println!("  {k}: {v}");
    }
    println!("orders never journaled (terminal killed before its journal): {without_sale}");
    println!("double charges: {double}");
    println!(
        "lost approvals: {} (charges without a sale: {}, open authorisations: {open}, journal differs: {})",
        orphans.len() + open as usize + mismatched.len(),
        orphans.len(),
        mismatched.len()
    );
    println!("left in doubt: {unfinished}");
    for m in mismatched.iter().take(20) {
        println!("  differs: {m}");
    }
    let date = madoguchi_time::jst::business_date(SystemClock.now());
    let asked = Instant::now();
    let close = closer.close_day(&date).await;
    let close_ok = match &close {
        Ok(c) => {
            println!(
                "daily close {date}: {:?} ({} ms)",
                c.code,
                asked.elapsed().as_millis()
            );
            c.code == counter_core::Code::CloseMatched
        }
        Err(e) => {
            println!("daily close {date}: failed: {e}");
            false
        }
    };
    double == 0
        && orphans.is_empty()
        && open == 0
        && mismatched.is_empty()
        && unfinished == 0
        && close_ok
}
