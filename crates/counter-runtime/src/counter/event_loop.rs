//! The counter's event loop: one task owns the counter machine (`counter_core::counter`),
//! stamps every event with the clock, feeds it, carries out the effects it returns
//! ([`super::effects`]) and publishes the screens. Only this task touches the machine, so
//! its inputs are totally ordered; slow work (HTTPS, card steps, payments) runs elsewhere
//! and comes back as an input stamped with the workflow's generation.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use counter_core::Code;
use counter_core::counter::{self as machine, Input, Refused, Screens};
use counter_core::payment::rendered::AwaitingRender;
use counter_store::Store;
use tokio::sync::{mpsc, oneshot, watch};

use super::api::{ActionError, CustomerAction, StaffAction};
use super::persist;
use super::pos::{self, PosCommand, PosReplyTo, PosWaiting};
use super::reader::{ReaderWorker, Report};
use crate::clock::Clock;
use crate::http::Backends;
use crate::payments::Payments;

/// What reaches the loop.
#[allow(
    clippy::large_enum_variant,
    reason = "one message at a time through the loop"
)]
pub(crate) enum Msg {
    /// The staff window's action, answered once everything it led to is done.
    Staff(StaffAction, oneshot::Sender<Result<(), ActionError>>),
    /// The customer window's action.
    Customer(CustomerAction, oneshot::Sender<Result<(), ActionError>>),
    /// An event or a result for the machine (the reader, the backends, the clock).
    Input(Input),
    /// A register's request (with the identity the register authenticated with), answered
    /// once the counter decided (a void or refund once it ended).
    Pos(String, PosCommand, PosReplyTo),
    /// The customer window rendered the screens of this revision.
    Rendered(u64),
    /// Stop: a running check ends, the reader worker lets go of the reader, then `done` is
    /// answered.
    Close(oneshot::Sender<()>),
}

/// What the loop needs to carry out effects.
pub(crate) struct Io {
    pub(crate) terminal_id: String,
    pub(crate) export_dir: std::path::PathBuf,
    /// The receipt system's `face/` folder and the code of its files, when `[folders]` is
    /// configured: each card check's result is written there too.
    pub(crate) face: Option<(std::path::PathBuf, counter_core::folders::CharacterCode)>,
    pub(crate) store: Arc<Mutex<Store>>,
    pub(crate) backends: Backends,
    pub(crate) payments: Payments,
    pub(crate) clock: Arc<dyn Clock>,
    /// Weak: the loop ends when the last `Counter` handle goes.
    pub(crate) tx: mpsc::WeakUnboundedSender<Msg>,
    pub(crate) reader: Option<ReaderWorker>,
    /// Whether the last store write succeeded.
    pub(crate) storage_ok: bool,
    /// The shop as receipts name it (the register's answers carry it).
    pub(crate) merchant: counter_core::payment::receipt::MerchantInfo,
    /// The register's requests waiting for their answer.
    pub(crate) pos: PosWaiting,
    /// The sales whose charge the machine asked to mark shown (`Effect::MarkShown`): marked
    /// once the screens of the change are published.
    pub(crate) shown: Vec<String>,
    /// The sales whose charge is to be marked once the customer window rendered their
    /// outcome (`Effect::MarkShownWhenRendered`): waited for once the change is published.
    pub(crate) rendered: Vec<String>,
}

/// The loop's state: the machine, the I/O, and the screens' publisher.
pub(crate) struct EventLoop {
    machine: machine::Counter,
    io: Io,
    screens: watch::Sender<Screens>,
    revision: u64,
    /// The charges whose outcome went out to the customer window and waits for its word.
    awaiting: AwaitingRender,
}

impl EventLoop {
    pub(crate) fn new(machine: machine::Counter, io: Io, screens: watch::Sender<Screens>) -> Self {
        Self {
            machine,
            io,
            screens,
            revision: 0,
            awaiting: AwaitingRender::default(),
        }
    }

    /// Starts the reader worker on the readers `reader` names; its reports come back as
    /// inputs.
    pub(crate) fn start_reader(
        &mut self,
        reader: crate::reader_names::ReaderNames,
    ) -> std::io::Result<()> {
        let tx = self.io.tx.clone();
        let worker = ReaderWorker::start(reader, move |report| {
            let input = match report {
                Report::Event(event) => Input::Reader(event),
                Report::Done { generation, input } => Input::Session { generation, input },
            };
            if let Some(tx) = tx.upgrade() {
                // A closed loop has nobody left to tell.
                let _ = tx.send(Msg::Input(input));
            }
        })?;
        self.io.reader = Some(worker);
        Ok(())
    }

    /// Feeds `input` before the loop runs (what the recovery on start resolved).
    pub(crate) fn feed(&mut self, input: Input) {
        if let Err(e) = self.step(input) {
            tracing::warn!(error = %e.message.en, "an input at start was refused");
        }
    }

    /// Runs until every sender is gone or the counter is closed.
    pub(crate) async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Msg>) {
        self.refresh_counts();
        self.publish();
        while let Some(msg) = rx.recv().await {
            // The clock's tick writes nothing: the store's counts stay as they were; nor
            // does the customer window's word unless it marks a charge (below).
            let tick = matches!(msg, Msg::Input(Input::Tick) | Msg::Rendered(_));
            match msg {
                Msg::Close(done) => {
                    self.feed(Input::Close);
                    // Joining the worker blocks (a step may be running): not on the loop.
                    let reader = self.io.reader.take();
                    // A failed join means the worker panicked; it let go of the reader.
                    let _ = tokio::task::spawn_blocking(move || drop(reader)).await;
                    // The caller may have stopped waiting; the counter is closed either way.
                    let _ = done.send(());
                    return;
                }
                Msg::Staff(action, reply) => {
                    let result = self.step(Input::Staff(action));
                    // A window that closed before the answer has nobody to show it to.
                    let _ = reply.send(result);
                }
                Msg::Customer(action, reply) => {
                    let result = self.step(Input::Customer(action));
                    let _ = reply.send(result);
                }
                Msg::Input(input) => {
                    if let Err(e) = self.step(input) {
                        tracing::debug!(error = %e.message.en, "an input was refused");
                    }
                }
                Msg::Pos(register, command, reply) => self.pos(register, command, reply),
                Msg::Rendered(revision) => {
                    // Journaled now: the window has it (`journal_shown` below).
                    self.io.shown.extend(self.awaiting.rendered(revision));
                }
            }
            let rendered = std::mem::take(&mut self.io.rendered);
            if !rendered.is_empty() {
                // A charge handed over in this change: its screens go out, then it waits
                // for the customer window's word. One whose outcome is on no customer
                // screen (staff moved on) waits for nothing: the status bar lists it.
                self.publish();
                let now = self.io.clock.now();
                if self.screens.borrow().customer.shows_sale_outcome() {
                    for id in rendered {
                        self.awaiting.published(id, self.revision, now);
                    }
                }
            }
            // A charge that waited too long goes on the status bar's list.
            let expired = self.awaiting.expire(self.io.clock.now());
            if !self.io.shown.is_empty() {
                // A charge staff confirmed, or one the customer window rendered: the
                // screens of the change go out first, then its mark is journaled (never
                // before: a crash between the two would hide a charge nobody saw).
                self.publish();
                for input in self.io.journal_shown() {
                    self.feed(input);
                }
                self.refresh_counts();
            } else if !tick || expired {
                self.refresh_counts();
            }
            self.publish();
        }
    }

    /// Feeds one input and carries out everything it leads to, in order: the effects, and
    /// the inputs that effects done here at once produce (an id, a file written, a store
    /// write that failed). `Err` when the input was refused, or when something it led to
    /// failed (a store write, a check that could not open): the window says so.
    fn step(&mut self, input: Input) -> Result<(), ActionError> {
        let mut queue = VecDeque::from([input]);
        let mut first = true;
        let mut failed: Option<Code> = None;
        while let Some(input) = queue.pop_front() {
            let name = input.name();
            let now = self.io.clock.now();
            match self.machine.handle(input, now) {
                Ok(effects) => {
                    for effect in effects {
                        let done = self.io.carry_out(effect);
                        if let Some(code) = done.failed {
                            failed.get_or_insert(code);
                        }
                        queue.extend(done.inputs);
                    }
                }
                Err(refused) if first => return Err(refused.into()),
                Err(Refused::Stale { input }) => {
                    tracing::debug!(input, "a late result of a workflow that moved on");
                }
                Err(refused @ Refused::Action(code)) => {
                    tracing::warn!(input = name, %refused, "an effect's result was refused");
                    failed.get_or_insert(code);
                }
            }
            first = false;
        }
        match failed {
            Some(code) => Err(code.into()),
            None => Ok(()),
        }
    }

    /// A register's request: the journal read for it, then the machine's decision. A refusal
    /// is answered at once; so is a request the machine took without answering (it cannot
    /// be left waiting), unless its void or refund still runs.
    fn pos(&mut self, register: String, command: PosCommand, reply: PosReplyTo) {
        let input = match pos::input(&self.io.store, &register, command) {
            Ok(input) => input,
            Err(code) => {
                let _ = reply.send(Err(code));
                return;
            }
        };
        let request = self.io.pos.file(reply);
        let result = self.step(Input::Pos {
            request,
            register,
            input,
        });
        if self.machine.pos_pending(request) {
            return;
        }
        if let Some(reply) = self.io.pos.take(request) {
            let code = match result {
                Err(e) => e.message.code,
                Ok(()) => {
                    tracing::error!(request, "the counter took a register's request unanswered");
                    Code::Internal
                }
            };
            let _ = reply.send(Err(code));
        }
    }

    /// Reads the status bar's counts from the store (after anything that may write).
    fn refresh_counts(&mut self) {
        let payments = &self.io.payments;
        let awaiting = &self.awaiting;
        // A sale still driven, or whose outcome is on its way to the customer window, is
        // not listed as never shown.
        let driven = |id: &str| payments.busy(id) || awaiting.waits_for(id);
        match persist::counts(&self.io.store, self.io.clock.now(), driven) {
            Ok(c) => self.feed(Input::Counts {
                pending_rechecks: c.rechecks,
                in_doubt: c.in_doubt,
                held: c.held,
                unresolved: c.unresolved,
                unshown: c.unshown,
                rechecks: c.rechecks_to_confirm,
            }),
            Err(_) => self.feed(Input::Storage { ok: false }),
        }
    }

    /// Sends the screens when they changed (a new revision each time).
    fn publish(&mut self) {
        let mut screens = self.machine.screens();
        let outcome_shown = screens.customer.shows_sale_outcome();
        let sent = self.screens.send_if_modified(|current| {
            screens.revision = current.revision;
            if *current == screens {
                return false;
            }
            self.revision += 1;
            screens.revision = self.revision;
            *current = screens;
            true
        });
        if sent && !outcome_shown {
            // From this revision on, the customer window no longer shows a sale's outcome.
            self.awaiting.left_screen(self.revision);
        }
    }
}
