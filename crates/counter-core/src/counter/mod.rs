//! The counter as one sans-IO machine: which workflow a placed card belongs to, when a check,
//! a sale or an enrollment may start, how a sale proceeds, what each window sees, and what
//! staff are told. It drives the workflow machines ([`crate::identify`],
//! [`crate::enroll`], [`crate::eligibility`], [`crate::payment::cashier`]) and is the only
//! thing the runtime feeds.
//!
//! # Calling contract
//!
//! One [`Counter`] per terminal. Every event goes through [`Counter::handle`] with `now`
//! (Unix seconds, from the shell's clock): the windows' actions, the reader's events, the
//! results of the effects, the store's counts, the clock's tick. It returns the
//! [`Effect`]s to carry out, in order, or why the input was not taken ([`Refused`]; nothing
//! changed then). No input is dropped silently: a person's action that does not fit gets
//! [`Refused::Action`] with the code to show, the late result of a workflow that has moved
//! on gets [`Refused::Stale`]. Effects that belong to a workflow carry its `generation`;
//! their results come back with it. After every call, [`Counter::screens`] is what the two
//! windows show.
//!
//! Rules kept here (the workflow machines keep their own):
//! - **A card placed belongs to the workflow that waits for it**: a sale typed by the cashier
//!   or an enrollment prepared by staff takes it; otherwise, at reception and pharmacy, it
//!   starts a new identification for a check (the previous person's check ends first, R8);
//!   at the till, a card without a sale does nothing.
//! - **Each window sees only its own half**; the customer's screen is cleared as soon as the
//!   card leaves (a check waiting for the customer ends then, as on the customer's Cancel),
//!   and so are the card's notices; staff keep a finished check's result until they finish
//!   or the next card comes. An ended enrollment's result stays on both windows while its
//!   card lies on the reader; once the card leaves, the counter is idle again. An
//!   enrollment whose card leaves while the platform's answer is awaited (its application
//!   sent) is not ended by it: the customer window goes back to the welcome, and the answer
//!   is shown to staff when it comes. A card placed meanwhile is taken by nobody, and not
//!   when staff leave the answer (Finish, Cancel) either: a card left lying never starts a
//!   check unasked. Staff are told to have it taken off and placed again.
//! - **A result on the staff window is left by Finish** (or Cancel): Start fallback is
//!   refused with [`Code::FinishFirst`] while a check or an ended enrollment is shown.
//! - **A sale's payment work has one owner at a time**: a confirmed payment is sent only when
//!   no void, refund or recovery runs (it waits, then goes); a void, refund or recovery is
//!   refused while a sale is paying or another one runs.
//! - **A workflow whose outcome is on its way is never left** ([`Counter::hold`]): while a
//!   sale is paying, or an enrollment's application is sent and the platform's answer
//!   awaited, every staff action that would leave the workflow (Cancel, Finish, a mode, a
//!   fallback, a new sale, co-payment or enrollment: [`StaffAction::leaves_workflow`]) is
//!   refused with the reason, and the staff window, told the same ([`StaffFrame::hold`]),
//!   offers none of them. Neither can be called back, and leaving would drop the answer.
//! - **Payments in doubt are resolved in the background**: at start and then again while any
//!   is in doubt; the windows never wait for it, checks and enrollments go on, and only new
//!   card sales wait (refused with the reason, the sales in doubt listed on the status bar).
//! - **The expected patient is compared with the insurer's answer**: set before the card (or
//!   during the check until the answer, or over the answer while no file was written for
//!   it: compared afresh, or while its fallback is to be recorded: the card has no
//!   insurance service or the check failed; else [`Code::FinishFirst`]), taken by the
//!   next check, with the card
//!   or a fallback (so the patient after is never compared with them). Typed (name, birth
//!   date) or a booked patient's appointment (the clinic's whole record, read from the
//!   store through [`Effect::LoadAppointment`]); at the till there is none.
//! - **A second card is told, never read** (`reader`): while a reader holds the customer's
//!   card, a card on another watched reader reaches no step; staff are told what to do
//!   with it until it is gone, and it is read only when placed again after the first left.
//! - **Every write that fails is told**: a failed store write shows on the status bar until
//!   a write succeeds again.
//! - **A charge nobody saw is listed, never voided** ([`crate::payment::shown`]): a captured
//!   outcome the customer window rendered is marked shown ([`Effect::MarkShownWhenRendered`]); today's charges
//!   never shown stay on the status bar until staff confirm or void each.
//! - **A re-check's bad news is listed until staff confirm it**
//!   ([`crate::eligibility::recheck_outcome`]): the re-checks that contradict what the
//!   patient presented or were given up, as the store holds them, stay on the status bar
//!   with their check, patient id, visit day and what differs, until staff confirm each
//!   (journaled, and audited as the check's event).
//! - **A register's (POS) sale is a cashier's sale whose amount came from the register**:
//!   taken only at the till, when no other customer is served and nothing is in doubt; its
//!   order is journaled before the customer is asked for anything; the register may cancel it
//!   until the customer confirms the payment, read it by its order reference, void and refund
//!   it under the same one-operation-at-a-time rule as staff; an order the counter leaves
//!   without a payment is closed in the journal with the reason, and at start every order
//!   left open is closed as interrupted (nothing was charged).
//! - **A co-payment belongs to its visit** (`visit`): at reception and pharmacy staff take
//!   the co-payment of a check of today that has a result (answered, or a fallback
//!   recorded), when the counter is idle, a sale ended, or that check's result is on screen
//!   with nothing held back (R7); never at the till, never while a payment is in doubt. The
//!   check is read from the store first; a check of another day, without a result, unknown,
//!   or whose answer named someone else and was never acknowledged is refused with the
//!   reason on the status bar. The sale then waits for the card and a
//!   new PIN as any sale (nothing of the check's identification is kept), carries the
//!   visit's summary for staff only, and is journaled with the check id, which its receipt
//!   names.

mod actions;
mod check;
mod customer;
mod io;
mod pos;
mod reader;
mod refused;
mod sale;
mod screens;
mod sessions;
mod staff;
mod visit;
mod workflow;

#[cfg(test)]
mod tests;

pub use actions::{ActionError, CounterMode, CustomerAction, StaffAction};
pub use io::{Effect, Input, JournalOp, ReaderEvent, SaleOutcome};
pub use pos::{PosInput, PosReply};
pub use refused::Refused;
pub use screens::{
    CustomerFrame, CustomerScreen, Message, ReaderState, SaleStep, SaleView, Screens, StaffFrame,
    StaffScreen, Status, code_table,
};
pub use visit::{Visit, VisitCheck, VisitResult};

use counter_api::platform::{ChallengeContext, ChallengePurpose, ChallengeRequest};

use crate::UnixTime;
use crate::backend::BackendFailure;
use crate::codes::Code;
use crate::eligibility::{self, ClinicRecord, RecheckToConfirm};
use crate::identify::Identification;
use crate::payment::receipt::MerchantInfo;
use crate::payment::{RefundRecord, UnshownSale};
use crate::session;
use workflow::{Sale, Workflow};

/// The fixed facts of one counter, as configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setup {
    /// This terminal's id (bound into challenges and payments).
    pub terminal_id: String,
    /// The merchant this till sells for.
    pub merchant_id: String,
    /// The platform's id (its challenges must name it).
    pub platform_id: String,
    /// The configured reader's name (for the status bar).
    pub reader: String,
    /// What the counter does at start.
    pub mode: CounterMode,
    /// 医療機関コード, needed for checks.
    pub institution_code: Option<String>,
    /// The shop's name on receipts.
    pub shop_name: String,
}

impl Setup {
    fn merchant(&self) -> MerchantInfo {
        MerchantInfo {
            name: self.shop_name.clone(),
            merchant_id: self.merchant_id.clone(),
            terminal_id: self.terminal_id.clone(),
        }
    }
}

/// Who asked for a journal operation.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Origin {
    /// Staff, on the staff window.
    Staff,
    /// The counter itself (recovery at start and while anything is in doubt).
    Background,
    /// A register's request.
    Pos {
        /// The request to answer.
        request: u64,
        /// The order it concerns.
        order_ref: String,
    },
}

/// The counter. See the module documentation for the calling contract.
#[derive(Debug)]
pub struct Counter {
    setup: Setup,
    mode: CounterMode,
    /// Counts workflows: effects carry it, and a result of an earlier one is stale.
    generation: u64,
    workflow: Workflow,
    reader: ReaderState,
    pin_pad: bool,
    /// A card lies unread on another watched reader (`true` in [`ReaderEvent::OtherCard`]).
    other_card: bool,
    /// The card on the reader was placed while an enrollment awaited the platform's answer
    /// without its own card, or showed its result without it, and nobody took it (read
    /// once staff leave the enrollment).
    unread_card: bool,
    /// That card still lies unread after staff left the enrollment, at reception or
    /// pharmacy (`Counter::leave_for_idle`): staff are told to have it placed again
    /// ([`Code::CardNotReadPlaceAgain`]) until it leaves, is placed again, or a workflow
    /// staff start reads it (`Counter::card_on_reader`).
    lying_unread: bool,
    backends_ok: Option<bool>,
    notice: Option<Message>,
    pending_rechecks: u64,
    /// The sales and refunds in doubt, as last read from the store.
    in_doubt: Vec<String>,
    /// The refunds held past the recovery horizon, as last read.
    held: Vec<RefundRecord>,
    /// When a recovery that asks about held refunds last started (at start, staff's, or a
    /// timed one run for them): the timer runs one for held refunds alone at most once per
    /// [`crate::payment::HELD_QUERY_EVERY_SECS`].
    held_asked_at: Option<UnixTime>,
    /// The held refunds recovery settled by the acquirer's record that staff have not seen:
    /// named on the status bar when no newer notice is shown, and cleared only by a staff
    /// input while they are shown (`Counter::handle`), so that no other notice buries them.
    held_news: Vec<crate::payment::HeldSettled>,
    /// Those of them staff must call the acquirer about, as last read.
    unresolved: Vec<String>,
    /// The sales of today that charged the card unseen, as last read.
    unshown: Vec<UnshownSale>,
    /// The finished re-checks staff have not confirmed, as last read.
    rechecks: Vec<RecheckToConfirm>,
    /// The folders the last retention purge could not list.
    purge_failed: Vec<String>,
    /// The last retention purge could not purge the database (`Input::Purged`).
    purge_details_kept: bool,
    storage_failed: bool,
    /// Whether the customer window receives its screens, as the shell last said.
    customer_window: bool,
    /// The patient staff expect at the next check (taken by it).
    expected: Option<ClinicRecord>,
    /// What the platform said about the card of the running workflow.
    card_notices: Vec<Code>,
    /// The void, refund or recovery that runs, and who asked for it (a background recovery
    /// tells staff only what it resolved; a register is answered).
    journal: Option<(JournalOp, Origin)>,
    /// The co-payment waiting for its check from the store (dropped by a new workflow).
    visit_lookup: Option<visit::VisitLookup>,
    /// The `now` of the last call.
    now: UnixTime,
}

impl Counter {
    /// A counter at rest, as `setup` configures it.
    pub fn new(setup: Setup) -> Self {
        Counter {
            mode: setup.mode,
            setup,
            generation: 0,
            workflow: Workflow::Idle,
            reader: ReaderState::Missing,
            pin_pad: false,
            other_card: false,
            unread_card: false,
            lying_unread: false,
            backends_ok: None,
            notice: None,
            pending_rechecks: 0,
            in_doubt: Vec::new(),
            held: Vec::new(),
            held_asked_at: None,
            held_news: Vec::new(),
            unresolved: Vec::new(),
            unshown: Vec::new(),
            rechecks: Vec::new(),
            purge_failed: Vec::new(),
            purge_details_kept: false,
            storage_failed: false,
            // Connected until the shell says otherwise: a shell with no customer window
            // (the headless driver, the tests) has nothing to tell staff about.
            customer_window: true,
            expected: None,
            card_notices: Vec::new(),
            journal: None,
            visit_lookup: None,
            now: UnixTime::EPOCH,
        }
    }

    /// Takes one input at `now`: the effects for the shell, in order, or why it was not
    /// taken. A staff action refused also shows on the status bar, and so does the
    /// customer's payment refused (the assertion expired, the amount differs): only staff
    /// can take the sale further then.
    pub fn handle(&mut self, input: Input, now: UnixTime) -> Result<Vec<Effect>, Refused> {
        self.now = now;
        let staff = matches!(input, Input::Staff(_));
        if staff {
            // Staff saw the held-refund news if no newer notice covered it.
            if self.notice.take().is_none() {
                self.held_news.clear();
            }
        }
        let told = staff || matches!(input, Input::Customer(CustomerAction::Pay { .. }));
        let result = self.dispatch(input);
        if let (true, Err(Refused::Action(code))) = (told, &result) {
            self.notice = Some(Message::of(*code));
        }
        result
    }

    fn dispatch(&mut self, input: Input) -> Result<Vec<Effect>, Refused> {
        match input {
            Input::Staff(action) => self.staff(action),
            Input::Customer(action) => self.customer(action),
            Input::Reader(event) => Ok(self.reader_event(event)),
            Input::Session { generation, input } => {
                self.current(generation, input.name())?;
                self.session_result(input)
            }
            Input::Eligibility { generation, result } => {
                self.current(generation, "eligibility")?;
                let reached = reached(&result);
                let effects = self.check_input(eligibility::Input::EligibilityAnswered(result))?;
                self.backends_ok = reached;
                Ok(effects)
            }
            Input::CheckId { generation, id } => {
                self.current(generation, "check_id")?;
                self.check_id(id)
            }
            Input::Exported {
                generation,
                written,
            } => {
                self.current(generation, "exported")?;
                self.check_input(if written {
                    eligibility::Input::ExportWritten
                } else {
                    eligibility::Input::ExportFailed
                })
            }
            Input::SaleEnded { generation, result } => Ok(self.sale_ended(generation, result)),
            Input::JournalDone(result) => Ok(self.journal_done(result, Vec::new())),
            Input::RecoveryDone { result, settled } => Ok(self.journal_done(result, settled)),
            Input::Counts {
                pending_rechecks,
                in_doubt,
                held,
                unresolved,
                unshown,
                rechecks,
            } => {
                self.pending_rechecks = pending_rechecks;
                self.in_doubt = in_doubt;
                self.held = held;
                self.unresolved = unresolved;
                self.unshown = unshown;
                self.rechecks = rechecks;
                Ok(Vec::new())
            }
            Input::Purged {
                unlisted,
                details_kept,
            } => {
                self.purge_failed = unlisted;
                self.purge_details_kept = details_kept;
                Ok(Vec::new())
            }
            Input::Start => {
                let mut effects = vec![Effect::ClosePosOrdersLeftOpen {
                    live: self.workflow.pos_order_ref().map(str::to_owned),
                }];
                effects.extend(self.recover_in_background(true));
                Ok(effects)
            }
            Input::RecoveryDue => Ok(self.recover_in_background(false)),
            Input::Storage { ok } => {
                self.storage_failed = !ok;
                if !ok {
                    self.notice = Some(Message::of(Code::StorageFailure));
                }
                Ok(Vec::new())
            }
            Input::Notice(code) => {
                self.notice = Some(Message::of(code));
                Ok(Vec::new())
            }
            Input::CustomerWindow { connected } => {
                self.customer_window = connected;
                Ok(Vec::new())
            }
            Input::Tick => match self.workflow.session_running() {
                true => self.session(session::Input::Tick),
                false => Ok(Vec::new()),
            },
            Input::Close => Ok(self.end_check()),
            Input::Pos {
                request,
                register,
                input,
            } => self.pos(request, &register, input),
            Input::PosOpened {
                generation,
                written,
            } => {
                self.current(generation, "pos_opened")?;
                self.pos_opened(written)
            }
            Input::AppointmentLoaded {
                appointment_id,
                record,
            } => self.appointment_loaded(appointment_id, record),
            Input::VisitLoaded { generation, check } => {
                self.current(generation, "visit_loaded")?;
                self.visit_loaded(check)
            }
        }
    }

    /// Refuses a result of another generation than the running workflow's.
    fn current(&self, generation: u64, input: &'static str) -> Result<(), Refused> {
        if generation == self.generation {
            Ok(())
        } else {
            Err(Refused::Stale { input })
        }
    }

    /// A new workflow: a running check ends first (R8), everything of the earlier one is
    /// dropped, and its late results no longer match the generation.
    fn replace(&mut self, workflow: Workflow) -> Vec<Effect> {
        let mut effects = self.end_check();
        effects.extend(self.pos_left(&workflow));
        self.generation += 1;
        self.workflow = workflow;
        self.card_notices.clear();
        self.visit_lookup = None;
        self.unread_card = false;
        effects
    }

    /// A new identification for `request` (a check's, or a sale's with merchant and
    /// amount). A request the platform would refuse comes from the sale typed (its amount)
    /// or from the terminal's settings (its merchant id).
    fn new_identification(&self, request: ChallengeRequest) -> Result<Identification, Code> {
        Identification::new(request, &self.setup.terminal_id, &self.setup.platform_id).map_err(
            |e| {
                if e.field.contains("amount") {
                    Code::AmountInvalid
                } else {
                    Code::SettingsInvalid
                }
            },
        )
    }

    fn check_request() -> ChallengeRequest {
        ChallengeRequest {
            purpose: ChallengePurpose::Identify,
            context: None,
        }
    }

    fn sale_request(&self, sale: &Sale) -> ChallengeRequest {
        ChallengeRequest {
            purpose: ChallengePurpose::Payment,
            context: Some(ChallengeContext {
                merchant_id: self.setup.merchant_id.clone(),
                amount_jpy: sale.amount_jpy,
            }),
        }
    }

    /// The eligibility mode of this counter's mode (none at the till).
    fn check_mode(&self) -> Option<eligibility::Mode> {
        match self.mode {
            CounterMode::Reception => Some(eligibility::Mode::Reception),
            CounterMode::Pharmacy => Some(eligibility::Mode::Pharmacy),
            CounterMode::Cashier => None,
        }
    }

    fn auth_method(&self) -> &'static str {
        if self.pin_pad { "pin_pad" } else { "pin" }
    }

    /// Whether a workflow holds a PIN or password the customer typed (tests, and the
    /// shell's check that nothing outlives the card).
    pub fn holds_secret(&self) -> bool {
        self.workflow.holds_secret()
    }

    /// The running workflow's generation.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

/// Whether a backend answered at all (a problem answer is an answer).
fn reached<T>(r: &Result<T, BackendFailure>) -> Option<bool> {
    Some(!matches!(
        r,
        Err(BackendFailure::Unreachable { .. } | BackendFailure::Malformed { .. })
    ))
}
