//! `madoguchi-counter`: the counter's workflows without a window, for scripted runs,
//! demonstrations and the crash-matrix tests.
//!
//! Every payment command starts by resolving the payments left in doubt (recovery on start),
//! then does its work and prints one JSON document on standard output. `folders` answers the
//! receipt system's folder (`[folders]`) and prints one JSON line per request file; it
//! touches no payment, so it neither waits for nor needs the acquirer. Each sale recovery
//! resolved is listed under `recovered` with its code and what it means for staff
//! (`message`, `next`, and their Japanese `message_ja`, `next_ja`): e.g. an approval the
//! counter never showed, reversed so that the customer is not charged. `recover` lists the
//! refunds it worked on alike under `recovered_refunds` (with their `id`): e.g. a held
//! refund the acquirer's record shows never made, whose customer is still owed. PINs are read from
//! standard input (`--pin-stdin`), never from the command line, where `ps` would show them.
//!
//! `purge` removes the personal data older than `[retention] days` once (`folders`, and the
//! desktop app, also run it every hour).
//!
//! The terminal's enrollment (its TLS key and certificate request) is not here: it is
//! `madoguchi-terminal-cert`, which the app's package ships (README, "Enrolling a
//! terminal").
//!
//! `serve-pos` runs the interactive counter (`[counter]`) with the register's payment API
//! (`[pos]`) until it is stopped, and plays the customer from standard input: each line is
//! the PIN typed at the next PIN prompt, and the customer takes the first linked payment
//! method for the amount the window shows. Its first line of output says where the API
//! listens (`listening`), after the recovery on start.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::{Parser, Subcommand};
use counter_api::platform::{ChallengeContext, ChallengePurpose, ChallengeRequest};
use counter_core::identify;
use counter_core::payment::cashier::{Checkout, check_amount};
use counter_runtime::card::CardAccess;
use counter_runtime::clock::{Clock, SystemClock};
use counter_runtime::config::Config;
use counter_runtime::counter::{Counter, CustomerAction, CustomerScreen};
use counter_runtime::payments::{Payments, SaleReport};
use counter_runtime::pos::{self, PosSettings};
use counter_runtime::{RuntimeError, ident};
use serde_json::json;

#[derive(Parser, Debug)]
#[command(
    name = "madoguchi-counter",
    version,
    about = "The counter's workflows, headless"
)]
struct Cli {
    /// The terminal's configuration file (TOML).
    #[arg(long, env = "MADOGUCHI_CONFIG")]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Resolve payments left in doubt and print what happened to each.
    Recover,
    /// Take a payment: identify with the card (PIN from stdin), pick the linked payment
    /// method, authorise and capture.
    Pay {
        /// Amount in yen.
        #[arg(long)]
        amount: u64,
        /// Order reference (default: the sale's id).
        #[arg(long)]
        order: Option<String>,
        /// PC/SC reader name.
        #[arg(long, conflicts_with = "virtual_card")]
        reader: Option<String>,
        /// A persona file used as a virtual card in this process.
        #[arg(long)]
        virtual_card: Option<PathBuf>,
        /// Read the PIN from the first line of standard input.
        #[arg(long)]
        pin_stdin: bool,
    },
    /// Void a sale of today.
    Void {
        /// The sale's local id.
        #[arg(long)]
        sale: String,
    },
    /// Refund part or all of a captured sale.
    Refund {
        /// The sale's local id.
        #[arg(long)]
        sale: String,
        /// Amount in yen.
        #[arg(long)]
        amount: u64,
    },
    /// Close a business day (YYYY-MM-DD, JST) against the acquirer's totals.
    Close {
        /// The date.
        #[arg(long)]
        date: String,
    },
    /// Serve the register's payment API (`[pos]`) over the interactive counter (`[counter]`);
    /// each line of standard input is the PIN the customer types at the next prompt.
    ServePos,
    /// Answer the receipt system's requests in the `[folders]` root (req/ → res/) until
    /// SIGINT or SIGTERM; requests left from before a stop or a crash are answered first.
    Folders {
        /// Answer what req/ holds now (without waiting for files to settle), then exit.
        #[arg(long)]
        once: bool,
    },
    /// Remove the personal data older than `[retention] days` (check details, the folder's
    /// answers and archived requests, exports) once, and print what went.
    Purge,
}

fn fail(code: counter_core::Code, detail: &str) -> ExitCode {
    println!("{}", counter_runtime::error::failure_line(code, detail));
    ExitCode::from(2)
}

/// The recovery's reports with the table's text for staff.
fn explained(reports: &[SaleReport]) -> serde_json::Value {
    reports
        .iter()
        .map(|r| explained_one(None, &r.record, r.code))
        .collect()
}

/// The refunds a recovery pass worked on, each with its id, its record, the code it ended
/// with and what that means for staff: a held refund settled by the acquirer's record (a
/// customer maybe still owed money), one still unknown, one made on its retry.
fn explained_refunds(
    refunds: &[(counter_core::payment::RefundRecord, counter_core::Code)],
) -> serde_json::Value {
    refunds
        .iter()
        .map(|(record, code)| explained_one(Some(&record.id), record, *code))
        .collect()
}

/// One record a recovery pass worked on (with its `id` when given), the code it ended with
/// and the table's text for that code, in English and Japanese.
fn explained_one(
    id: Option<&str>,
    record: &impl serde::Serialize,
    code: counter_core::Code,
) -> serde_json::Value {
    let e = code.entry();
    let mut one = json!({
        "record": record,
        "code": code,
        "message": e.en,
        "next": e.next_en,
        "message_ja": e.ja,
        "next_ja": e.next_ja,
    });
    if let (Some(id), Some(fields)) = (id, one.as_object_mut()) {
        fields.insert("id".into(), json!(id));
    }
    one
}

fn runtime_fail(e: &RuntimeError) -> ExitCode {
    fail(e.code(), &e.to_string())
}

/// Bytes reserved for a line that holds a PIN: a PIN is 4 digits (docs/domain/jpki.md §1.2), and
/// a line far longer than any PIN still fits without the buffer growing.
const PIN_LINE_ROOM: usize = 256;

fn read_pin() -> Result<jpki_card::AuthPin, counter_core::Code> {
    // The line is overwritten when dropped (clearing a String only frees it): the PIN lives
    // on only inside AuthPin (zeroised). Room for a whole line up front, so that reading
    // does not grow the buffer and leave a copy in the memory it gave back.
    let mut line = zeroize::Zeroizing::new(String::with_capacity(PIN_LINE_ROOM));
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|_| counter_core::Code::PinFormat)?;
    jpki_card::AuthPin::new(line.trim_end_matches(['\r', '\n']))
        .map_err(|_| counter_core::Code::PinFormat)
}

fn main() -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .try_init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(counter_core::Code::Internal, &e.to_string()),
    };
    rt.block_on(run(cli))
}

async fn run(cli: Cli) -> ExitCode {
    let config = match Config::load(&cli.config) {
        Ok(c) => c,
        Err(e) => return runtime_fail(&e),
    };
    let backends = match config.backends() {
        Ok(b) => b,
        Err(e) => return runtime_fail(&e),
    };
    let store = match counter_store::Store::open(&config.file.database) {
        Ok(s) => Arc::new(Mutex::new(s)),
        Err(e) => return runtime_fail(&RuntimeError::from(e)),
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    if let Command::Purge = cli.command {
        let retention = counter_runtime::retention::Retention::of(&config, store);
        let purged = retention.purge(clock.now());
        if purged.is_complete() {
            println!("{}", json!({ "ok": true, "purged": purged }));
            return ExitCode::SUCCESS;
        }
        // Done in part: what went, which folders stay and the store's refusal, in one
        // report; the details kept past their period come first.
        let (code, detail) = match &purged.database_failed {
            Some(error) => (counter_core::Code::PurgeDetailsKept, error.clone()),
            None => (
                counter_core::Code::PurgeFolderUnreadable,
                purged.unlisted().join(", "),
            ),
        };
        let mut line = counter_runtime::error::failure_line(code, &detail);
        line["purged"] = json!(purged);
        println!("{line}");
        return ExitCode::from(2);
    }
    if let Command::Folders { once } = cli.command {
        return match folders(&config, store, backends, clock, once).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => runtime_fail(&e),
        };
    }
    let f = &config.file;
    let payments = Payments::new(
        store,
        backends.clone(),
        clock.clone(),
        &f.terminal_id,
        &f.merchant_id,
    );
    // Recovery on start, before anything new.
    let (recovered, recovered_refunds) = match payments
        .recover(counter_core::payment::RecoveryPass::Start)
        .await
    {
        Ok(r) => (explained(&r.sales), explained_refunds(&r.refunds)),
        Err(e) => return runtime_fail(&e),
    };
    // A sale whose charge this run prints: journaled as shown once it is printed.
    let mut charged: Option<String> = None;
    let out = match cli.command {
        Command::Recover => Ok(json!({
            "ok": true,
            "recovered": recovered,
            "recovered_refunds": recovered_refunds,
        })),
        Command::Pay {
            amount,
            order,
            reader,
            virtual_card,
            pin_stdin,
        } => {
            let access = match (reader, virtual_card) {
                (Some(r), _) => CardAccess::Reader(r),
                (None, Some(p)) => CardAccess::Virtual(p),
                (None, None) => {
                    return fail(
                        counter_core::Code::ReaderUnavailable,
                        "name --reader or --virtual-card",
                    );
                }
            };
            if !pin_stdin {
                return fail(
                    counter_core::Code::PinFormat,
                    "give the PIN on standard input with --pin-stdin",
                );
            }
            let amount = match check_amount(amount) {
                Ok(a) => a,
                Err(c) => return fail(c, "amount"),
            };
            let pin = match read_pin() {
                Ok(p) => p,
                Err(c) => return fail(c, "the PIN is 4 digits"),
            };
            let request = ChallengeRequest {
                purpose: ChallengePurpose::Payment,
                context: Some(ChallengeContext {
                    merchant_id: f.merchant_id.clone(),
                    amount_jpy: amount,
                }),
            };
            let id = match ident::identify(
                &backends,
                &access,
                pin,
                &request,
                &f.backends.platform_id,
                &f.terminal_id,
                clock.as_ref(),
            )
            .await
            {
                Ok(id) => id,
                Err(c) => return fail(c, "identification"),
            };
            let checkout = match Checkout::new(&f.merchant_id, amount, id.menu) {
                Ok(c) => c,
                Err(c) => return fail(c, "menu"),
            };
            // Headless: the first linked payment method, the amount as confirmed.
            let Some(option) = checkout.options().into_iter().next() else {
                return fail(counter_core::Code::NoPaymentMethod, "menu");
            };
            let confirmed = match checkout.confirm(&option.service_id, amount, clock.now()) {
                Ok(c) => c,
                Err(c) => return fail(c, "confirm"),
            };
            payments
                .sell(amount, order, confirmed.assertion)
                .await
                .map(|r| {
                    if counter_core::payment::shown::marks_shown(&r.record) {
                        charged = Some(r.record.id.clone());
                    }
                    json!({"ok": true, "recovered": recovered, "sale": r})
                })
        }
        Command::Void { sale } => payments
            .void(&sale)
            .await
            .map(|r| json!({"ok": true, "recovered": recovered, "sale": r})),
        Command::Refund { sale, amount } => payments
            .refund(&sale, amount)
            .await
            .map(|(r, c)| json!({"ok": true, "recovered": recovered, "refund": r, "code": c})),
        Command::Close { date } => payments
            .close_day(&date)
            .await
            .map(|r| json!({"ok": true, "recovered": recovered, "close": r})),
        Command::ServePos => return serve_pos(&config, clock, recovered).await,
        // Answered before the recovery above: they touch no payment.
        Command::Folders { .. } | Command::Purge => Ok(json!({"ok": false})),
    };
    match out {
        Ok(v) => {
            println!("{v}");
            let _ = std::io::Write::flush(&mut std::io::stdout());
            // Its caller has the outcome now. A mark that fails leaves the sale listed as
            // never shown at the counter: the safe side, so the run still succeeds.
            if let Some(id) = charged
                && let Err(e) = payments.mark_shown(&id)
            {
                tracing::warn!(sale = %id, error = %e, "the sale's mark as shown is not journaled");
            }
            ExitCode::SUCCESS
        }
        Err(e) => runtime_fail(&e),
    }
}

/// `serve-pos`: the counter and the register's API until SIGTERM or Ctrl-C, the customer
/// played from standard input.
async fn serve_pos(
    config: &Config,
    clock: Arc<dyn Clock>,
    recovered: serde_json::Value,
) -> ExitCode {
    let counter = match Counter::start(config, clock).await {
        Ok(c) => c,
        Err(e) => return runtime_fail(&e),
    };
    let settings = match PosSettings::from_config(config) {
        Ok(Some(s)) => s,
        Ok(None) => {
            return fail(
                counter_core::Code::SettingsInvalid,
                "configuration: pos: serve-pos needs a [pos] section",
            );
        }
        Err(e) => return runtime_fail(&e),
    };
    let server = match pos::start(counter.clone(), settings).await {
        Ok(s) => s,
        Err(e) => return runtime_fail(&e),
    };
    println!(
        "{}",
        json!({"ok": true, "recovered": recovered, "listening": server.addr().to_string()})
    );
    let _ = std::io::Write::flush(&mut std::io::stdout());
    let customer = tokio::spawn(play_customer(counter.clone(), pin_lines()));
    stopped().await;
    customer.abort();
    server.stop().await;
    counter.close().await;
    ExitCode::SUCCESS
}

/// Resolves on SIGTERM or Ctrl-C.
async fn stopped() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

/// The lines of standard input, one PIN each, read on a thread of their own.
fn pin_lines() -> tokio::sync::mpsc::Receiver<zeroize::Zeroizing<String>> {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        loop {
            let mut line = zeroize::Zeroizing::new(String::with_capacity(PIN_LINE_ROOM));
            match stdin.lock().read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let pin =
                        zeroize::Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned());
                    if tx.blocking_send(pin).is_err() {
                        break;
                    }
                }
            }
        }
    });
    rx
}

/// The customer at the window: the next line of `pins` at each PIN prompt, then the first
/// linked payment method for the amount shown.
async fn play_customer(
    counter: Counter,
    mut pins: tokio::sync::mpsc::Receiver<zeroize::Zeroizing<String>>,
) {
    let mut screens = counter.screens();
    let mut acted = 0;
    loop {
        let (revision, customer) = {
            let s = screens.borrow_and_update();
            (s.revision, s.customer.clone())
        };
        if revision != acted {
            let action = match customer {
                CustomerScreen::Identify { view } if view.step == identify::Step::PinEntry => {
                    let Some(pin) = pins.recv().await else {
                        return;
                    };
                    Some(CustomerAction::Pin {
                        digits: pin.to_string(),
                    })
                }
                CustomerScreen::Pay {
                    amount_jpy,
                    options,
                } => options.first().map(|o| CustomerAction::Pay {
                    service_id: o.service_id.clone(),
                    amount_jpy,
                }),
                _ => None,
            };
            if let Some(action) = action {
                acted = revision;
                if let Err(e) = counter.customer(action).await {
                    tracing::warn!(code = %e.message.code.as_str(), "the customer's action was refused");
                }
            }
        }
        if screens.changed().await.is_err() {
            return;
        }
    }
}

/// `folders`: the worker on the configured root, until a signal (or once).
async fn folders(
    config: &Config,
    store: Arc<Mutex<counter_store::Store>>,
    backends: counter_runtime::http::Backends,
    clock: Arc<dyn Clock>,
    once: bool,
) -> Result<(), RuntimeError> {
    use counter_runtime::folders::{FolderWorker, Layout, Processed, watch};
    let Some(f) = &config.file.folders else {
        return Err(RuntimeError::Config {
            key: "folders".into(),
            reason: "add a [folders] section with root and medical_institution_code".into(),
        });
    };
    let worker = FolderWorker::new(
        Layout::under(&f.root),
        store.clone(),
        backends,
        clock.clone(),
        f.institution(),
        f.face_character_code.code(),
    )?;
    let mut count = 0usize;
    let mut print = |p: &Processed| {
        count += 1;
        println!("{}", json!({ "processed": p }));
    };
    if once {
        let _lock = worker.layout().lock()?;
        watch::pass(&worker, std::time::Duration::ZERO, &mut print).await?;
        println!("{}", json!({ "ok": true, "processed": count }));
        return Ok(());
    }
    // The purge runs beside the worker, on the same store, until the worker stops.
    let retention = counter_runtime::retention::Retention::of(config, store.clone());
    let (stopped_tx, stopped_rx) = tokio::sync::oneshot::channel::<()>();
    // No status bar here: the purge's log names the folders it cannot list or purge, and
    // the store's refusal.
    let purge = tokio::spawn(retention.run(
        clock.clone(),
        async {
            let _ = stopped_rx.await;
        },
        |_: &counter_runtime::retention::Purged| {},
    ));
    let answered = watch::run(
        worker,
        f.watcher,
        f.poll_interval(),
        f.settle(),
        stop_signal(),
        print,
    )
    .await;
    drop(stopped_tx);
    let _ = purge.await;
    answered?;
    println!("{}", json!({ "ok": true }));
    Ok(())
}

/// SIGINT or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use counter_core::Code;
    use counter_core::payment::{RefundRecord, RefundState};
    use madoguchi_time::UnixTime;

    use super::explained_refunds;

    #[test]
    fn recovered_refunds_name_each_refund_its_code_and_the_next_step() {
        let refund = RefundRecord {
            id: "T1-R000002".into(),
            payment: "T1-000001".into(),
            idempotency_key: "T1-000001-refund-2".into(),
            amount_jpy: 700,
            state: RefundState::Refused,
            business_date: "2026-11-10".into(),
            reason: Some("acquirer_record_shows_none: ...".into()),
            created_at: UnixTime::from_secs(1_762_736_400),
            updated_at: UnixTime::from_secs(1_764_000_000),
            attempts: 1,
            version: 1,
        };
        let code = Code::HeldRefundFoundNotRefunded;
        let out = explained_refunds(&[(refund, code)]);
        let listed = out.as_array().unwrap();
        assert_eq!(listed.len(), 1, "{out}");
        let r = &listed[0];
        assert_eq!(r["id"], "T1-R000002");
        assert_eq!(r["record"]["payment"], "T1-000001");
        assert_eq!(r["record"]["amount_jpy"], 700);
        assert_eq!(r["code"], "held_refund_found_not_refunded");
        assert_eq!(r["message"], code.entry().en);
        assert_eq!(r["next"], code.entry().next_en);
        assert_eq!(r["next_ja"], code.entry().next_ja);
        assert!(explained_refunds(&[]).as_array().unwrap().is_empty());
    }
}
