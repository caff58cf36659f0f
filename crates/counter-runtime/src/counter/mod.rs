//! The interactive counter: the API the desktop app wraps (one command per window kind, one
//! stream of screens), running the counter machine of `counter-core` against a PC/SC
//! reader, the backends and the store. The machine decides; this module only carries out.
//!
//! - [`Counter::start`] opens the store, starts the reader worker on the configured reader,
//!   the clock tick and the event loop, and returns at once: the payments left in doubt are
//!   resolved in the background (the machine lets no new card sale start before), and
//!   tried again every [`RECOVER_EVERY`] while any stays in doubt.
//! - It runs the retention purge at start and every hour ([`crate::retention`]).
//! - With `[folders]`, it also answers the receipt system's folder (req/ → res/) for as long
//!   as the counter runs ([`crate::folders`]); a card check's result goes to `face/`.
//! - [`Counter::staff`] and [`Counter::customer`] take the windows' actions; the app gives
//!   each window only its own command, so the customer window cannot reach staff actions.
//! - [`Counter::screens`] yields [`Screens`] after every change: the staff screen, the
//!   customer screen and the status bar.
//!
//! The rules (which workflow a card belongs to, what each window sees, one payment
//! operation at a time) live in `counter_core::counter`, with their tests.

pub mod api;
mod effects;
mod event_loop;
pub mod journal;
mod persist;
pub mod pos;
mod reader;
mod reader_slots;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use counter_core::counter::{self as machine, Input};
use counter_core::payment::close::CloseReport;
use counter_core::payment::receipt::MerchantInfo;
use counter_store::Store;
use tokio::sync::{mpsc, oneshot, watch};

pub use api::{
    ActionError, AppInfo, CustomerAction, CustomerFrame, CustomerScreen, DemoCard, Message,
    ReaderState, SaleStep, SaleView, Screens, StaffAction, StaffFrame, StaffScreen, Status,
};
pub use journal::{JournalEntry, JournalQuery, TerminalSettings, VisitEntry};

use crate::appointments::Appointments;
use crate::clock::Clock;
use crate::config::Config;
use crate::error::RuntimeError;
use crate::payments::Payments;
use event_loop::{EventLoop, Io, Msg};

/// A running counter. Cloning gives another handle to the same counter.
#[derive(Clone)]
pub struct Counter {
    tx: mpsc::UnboundedSender<Msg>,
    screens: watch::Receiver<Screens>,
    payments: Payments,
    appointments: Appointments,
    merchant: Arc<MerchantInfo>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Counter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counter").finish_non_exhaustive()
    }
}

impl Counter {
    /// Starts the counter `config` describes (its `[counter]` section is required), with
    /// `clock`. Call inside a tokio runtime.
    pub async fn start(config: &Config, clock: Arc<dyn Clock>) -> Result<Self, RuntimeError> {
        let file = &config.file;
        let c = file.counter.as_ref().ok_or_else(|| RuntimeError::Config {
            key: "counter".into(),
            reason: "the interactive counter needs a [counter] section (mode, reader, \
                     export_dir)"
                .into(),
        })?;
        let store = Arc::new(Mutex::new(Store::open(&file.database)?));
        let backends = config.backends()?;
        let payments = Payments::new(
            store.clone(),
            backends.clone(),
            clock.clone(),
            &file.terminal_id,
            &file.merchant_id,
        );
        let merchant = MerchantInfo {
            name: c
                .shop_name
                .clone()
                .unwrap_or_else(|| file.merchant_id.clone()),
            merchant_id: file.merchant_id.clone(),
            terminal_id: file.terminal_id.clone(),
        };
        let setup = machine::Setup {
            terminal_id: file.terminal_id.clone(),
            merchant_id: file.merchant_id.clone(),
            platform_id: file.backends.platform_id.clone(),
            reader: c.reader.to_string(),
            mode: c.mode,
            institution_code: c.medical_institution_code.clone(),
            shop_name: merchant.name.clone(),
        };
        let appointments = Appointments::new(
            store.clone(),
            backends.clone(),
            clock.clone(),
            c.medical_institution_code.clone(),
        );
        let (tx, rx) = mpsc::unbounded_channel();
        let machine = machine::Counter::new(setup);
        let (screens_tx, screens) = watch::channel(machine.screens());
        let recheck_store = store.clone();
        let retention_store = store.clone();
        // The receipt system's folder is answered by the app itself when `[folders]` is
        // set (the worker is made here so that a folder that cannot be created refuses the
        // start, naming it).
        let folder_worker = match &file.folders {
            Some(f) => Some((
                crate::folders::FolderWorker::new(
                    crate::folders::Layout::under(&f.root),
                    store.clone(),
                    backends.clone(),
                    clock.clone(),
                    f.institution(),
                    f.face_character_code.code(),
                )?,
                f.clone(),
            )),
            None => None,
        };
        let io = Io {
            terminal_id: file.terminal_id.clone(),
            export_dir: c.export_dir.clone(),
            face: file.folders.as_ref().map(|f| {
                (
                    crate::folders::Layout::under(&f.root).face,
                    f.face_character_code.code(),
                )
            }),
            store,
            backends,
            payments: payments.clone(),
            clock: clock.clone(),
            tx: tx.downgrade(),
            reader: None,
            storage_ok: true,
            merchant: merchant.clone(),
            pos: Default::default(),
            shown: Vec::new(),
            rendered: Vec::new(),
        };
        let mut event_loop = EventLoop::new(machine, io, screens_tx);
        event_loop
            .start_reader(c.reader.clone())
            .map_err(|e| RuntimeError::Config {
                key: "counter.reader".into(),
                reason: format!("cannot start the reader worker: {e}"),
            })?;
        // The recovery of what was left in doubt starts in the background.
        event_loop.feed(Input::Start);
        tokio::spawn(event_loop.run(rx));
        if let Some(code) = c.medical_institution_code.clone() {
            tokio::spawn(recheck_loop(
                recheck_store,
                config.backends()?,
                code,
                clock.clone(),
                tx.downgrade(),
            ));
        }
        if let Some((worker, f)) = folder_worker {
            tokio::spawn(answer_folders(worker, f, screens.clone()));
        }
        // What the purge could not do (folders, the database) is on the status bar until it
        // can.
        let purge_tx = tx.downgrade();
        tokio::spawn(
            crate::retention::Retention::of(config, retention_store).run(
                clock.clone(),
                until_closed(screens.clone()),
                move |purged: &crate::retention::Purged| {
                    if let Some(t) = purge_tx.upgrade() {
                        let _ = t.send(Msg::Input(Input::Purged {
                            unlisted: purged.unlisted(),
                            details_kept: purged.database_failed.is_some(),
                        }));
                    }
                },
            ),
        );
        // The tick and the re-check loop hold the loop's queue weakly: when the last
        // `Counter` handle goes, the loop ends and the reader worker stops with it.
        tokio::spawn(every(Duration::from_secs(1), tx.downgrade(), || {
            Input::Tick
        }));
        tokio::spawn(every(RECOVER_EVERY, tx.downgrade(), || Input::RecoveryDue));
        Ok(Self {
            tx,
            screens,
            payments,
            appointments,
            merchant: Arc::new(merchant),
            clock,
        })
    }

    /// A staff window's action. `Ok` means it was taken; what follows shows on the screens.
    pub async fn staff(&self, action: StaffAction) -> Result<(), ActionError> {
        let (reply, answer) = oneshot::channel();
        self.send(Msg::Staff(action, reply))?;
        answer.await.map_err(|_| counter_core::Code::Internal)?
    }

    /// A customer window's action. A refusal comes as the customer may read it
    /// ([`ActionError::for_customer`]): a staff-only reason (the step, a failed store
    /// write, the counter gone) reaches them as "ask a member of staff".
    pub async fn customer(&self, action: CustomerAction) -> Result<(), ActionError> {
        let (reply, answer) = oneshot::channel();
        let result = match self.send(Msg::Customer(action, reply)) {
            Ok(()) => answer
                .await
                .unwrap_or_else(|_| Err(counter_core::Code::Internal.into())),
            Err(e) => Err(e),
        };
        result.map_err(ActionError::for_customer)
    }

    /// The customer window receives its screens (`true`: it subscribed) or not (`false`:
    /// its page went or is loading again); staff are told while it does not
    /// ([`counter_core::counter::Status::customer_window_notice`]).
    pub fn customer_window(&self, connected: bool) {
        // A closed counter has no staff window left to tell.
        let _ = self
            .tx
            .send(Msg::Input(Input::CustomerWindow { connected }));
    }

    /// The customer window rendered the screens of `revision`: a charge whose outcome
    /// those screens carry is journaled as shown ([`counter_core::payment::rendered`]);
    /// an older revision marks nothing.
    pub fn customer_rendered(&self, revision: u64) {
        // A closed counter journals nothing more; the sale is listed at the next start.
        let _ = self.tx.send(Msg::Rendered(revision));
    }

    /// A register's (POS) request from `register` (the identity it authenticated with, which
    /// reaches only its own orders): the sale as it stands after the counter decided (a void
    /// or refund once it ended), or the code of the table that says why not.
    pub async fn pos(
        &self,
        register: &str,
        command: pos::PosCommand,
    ) -> Result<pos::PosAnswer, counter_core::Code> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Msg::Pos(register.to_owned(), command, reply))
            .map_err(|_| counter_core::Code::Internal)?;
        answer.await.map_err(|_| counter_core::Code::Internal)?
    }

    fn send(&self, msg: Msg) -> Result<(), ActionError> {
        self.tx
            .send(msg)
            .map_err(|_| ActionError::from(counter_core::Code::Internal))
    }

    /// Stops the counter and waits until its reader worker has let go of the reader (the
    /// app calls it on exit; the loop also ends by itself when the last handle goes, but
    /// without waiting).
    pub async fn close(self) {
        let (done, closed) = oneshot::channel();
        if self.tx.send(Msg::Close(done)).is_ok() {
            let _ = closed.await;
        }
    }

    /// The journal: the sales `query` finds, with their refunds and printable reprints.
    pub fn journal(&self, query: &JournalQuery) -> Result<Vec<JournalEntry>, ActionError> {
        let printed_at = madoguchi_time::jst::display_timestamp(self.clock.now());
        let found = self.payments.search(&query.to_store()).map_err(|e| {
            tracing::error!(error = %e, "journal search failed");
            ActionError::from(e.code())
        })?;
        found
            .into_iter()
            .map(|(sale, refunds)| {
                let visit = match &sale.visit_id {
                    Some(id) => self.payments.visit(id).map_err(|e| {
                        tracing::error!(error = %e, "journal: a sale's visit could not be read");
                        ActionError::from(e.code())
                    })?,
                    None => None,
                };
                Ok(journal::entry(
                    &self.merchant,
                    sale,
                    visit,
                    refunds,
                    &printed_at,
                ))
            })
            .collect()
    }

    /// The visits (reception checks) of JST business day `date` (`YYYY-MM-DD`), oldest
    /// first, each with its check's summary and its co-payments.
    pub fn visits(&self, date: &str) -> Result<Vec<VisitEntry>, ActionError> {
        use counter_core::counter::{Visit, VisitCheck};
        let now = self.clock.now();
        let rows = self.payments.visits(date).map_err(|e| {
            tracing::error!(error = %e, "the visits could not be read");
            ActionError::from(e.code())
        })?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let check = row.check.to_eligibility().ok().map(|record| VisitCheck {
                    visited_at: row.check.at,
                    record,
                    warnings_acknowledged: row.warnings_acknowledged,
                    recheck_confirmed: row.recheck_confirmed,
                });
                // The counter's rule, for the button only: it decides again when asked.
                let co_payment = check.as_ref().is_some_and(|c| Visit::of(c, now).is_ok());
                VisitEntry {
                    visit: check.and_then(|c| Visit::of_record(&c.record, c.visited_at).ok()),
                    co_payment,
                    check_id: row.check.id,
                    at: row.check.at,
                    payments: row.payments,
                }
            })
            .collect())
    }

    /// The daily close of `date` (JST `YYYY-MM-DD`) against the acquirer's totals: refused
    /// while a payment is in doubt; the report says whether the totals matched.
    pub async fn close_day(&self, date: &str) -> Result<CloseReport, ActionError> {
        // The date goes into the acquirer's URL: a calendar date and nothing else.
        let date = madoguchi_time::jst::CivilDate::parse(date)
            .filter(|_| date.len() == 10)
            .map(madoguchi_time::jst::CivilDate::iso)
            .ok_or(counter_core::Code::DateInvalid)?;
        let date = date.as_str();
        let report = self.payments.close_day(date).await.map_err(|e| {
            tracing::warn!(error = %e, date, "daily close refused");
            ActionError::from(e.code())
        })?;
        // A counter closing has no status bar left to show it on.
        let _ = self.tx.send(Msg::Input(Input::Notice(report.code)));
        Ok(report)
    }

    /// The screens, updated after every change.
    pub fn screens(&self) -> watch::Receiver<Screens> {
        self.screens.clone()
    }

    /// The booked patients (the staff window's appointments tab).
    pub fn appointments(&self) -> &Appointments {
        &self.appointments
    }

    /// The payment shell (journal queries, receipts).
    pub fn payments(&self) -> &Payments {
        &self.payments
    }
}

/// How often the payments still in doubt are tried again (the acquirer may be back).
pub const RECOVER_EVERY: Duration = Duration::from_secs(30);

/// Sends `input()` to the loop every `period` until the loop is gone (held weakly: when
/// the last `Counter` handle goes, the loop ends and the reader worker stops with it).
async fn every(period: Duration, tx: mpsc::WeakUnboundedSender<Msg>, input: fn() -> Input) {
    let mut every = tokio::time::interval(period);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match tx.upgrade() {
            Some(t) if t.send(Msg::Input(input())).is_ok() => {}
            _ => break,
        }
    }
}

/// How often the re-check queue is looked at.
const RECHECK_EVERY: Duration = Duration::from_secs(60);

/// Re-checks queued fallbacks online once a minute (`crate::recheck`); staff are told when
/// a re-check contradicts what the patient presented, or the queue gave one up: a notice at
/// once (the contradiction's when a run had both), and the input that carries it makes the
/// loop read the store's counts again, whose list names every such re-check until staff
/// confirm it (`counter_core::eligibility::recheck_outcome`).
async fn recheck_loop(
    store: Arc<Mutex<Store>>,
    backends: crate::http::Backends,
    institution_code: String,
    clock: Arc<dyn Clock>,
    tx: mpsc::WeakUnboundedSender<Msg>,
) {
    let policy = counter_core::eligibility::RecheckPolicy::default();
    let mut every = tokio::time::interval(RECHECK_EVERY);
    loop {
        every.tick().await;
        if tx.upgrade().is_none() {
            break;
        }
        let report =
            crate::recheck::run_due(&store, &backends, &institution_code, clock.now(), &policy)
                .await;
        let notice = match report {
            Ok(r) if !r.contradicted.is_empty() => Some(counter_core::Code::RecheckContradiction),
            Ok(r) if !r.gave_up.is_empty() => Some(counter_core::Code::RecheckGaveUp),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(error = %e, "the re-check queue could not run");
                None
            }
        };
        if let Some(code) = notice {
            match tx.upgrade() {
                Some(t) if t.send(Msg::Input(Input::Notice(code))).is_ok() => {}
                _ => break,
            }
        }
    }
}

/// Completes when the counter stops: the screens' sender, held by the event loop, is gone.
async fn until_closed(mut screens: watch::Receiver<Screens>) {
    while screens.changed().await.is_ok() {}
}

/// Answers the receipt system's folder until the counter stops (its screens' sender, held
/// by the event loop, is gone). A folder that cannot be watched is logged and the counter
/// goes on: its checks at the reader do not depend on the folder.
async fn answer_folders(
    worker: crate::folders::FolderWorker,
    f: crate::folders::FoldersFile,
    screens: watch::Receiver<Screens>,
) {
    let stopped = until_closed(screens);
    let log = |p: &crate::folders::Processed| {
        tracing::info!(
            request = %p.request,
            answer = ?p.answer,
            disposition = ?p.disposition,
            "receipt system's request answered"
        );
    };
    let run = crate::folders::run(
        worker,
        f.watcher,
        f.poll_interval(),
        f.settle(),
        stopped,
        log,
    );
    if let Err(e) = run.await {
        tracing::error!(error = %e, "the receipt system's folder is not answered");
    }
}
