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
//!   is shown to staff when it comes. A card placed meanwhile is taken by nobody; once staff
//!   leave the answer (Finish, Cancel), it is read as if placed then.
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
//!   during the check until the answer, or while its fallback is to be recorded: the card
//!   has no insurance service or the check failed), taken by the next check, with the card
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
pub use pos::{PosInput, PosReply};
pub use refused::Refused;
pub use screens::{
    CustomerFrame, CustomerScreen, Message, ReaderState, SaleStep, SaleView, Screens, StaffFrame,
    StaffScreen, Status, code_table,
};
pub use visit::{Visit, VisitCheck, VisitResult};

use counter_api::insurer::{EligibilityRequest, EligibilityResponse};
use counter_api::platform::{ChallengeContext, ChallengePurpose, ChallengeRequest};

use crate::UnixTime;
use crate::backend::BackendFailure;
use crate::codes::Code;
use crate::eligibility::{
    self, AuditEvent, CheckRecord, ClinicRecord, ExportFile, RecheckRequest, RecheckToConfirm,
};
use crate::identify::Identification;
use crate::payment::receipt::MerchantInfo;
use crate::payment::{PaymentRecord, RefundRecord, UnshownSale};
use crate::pos::PosOrder;
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

/// An event of the reader, as the card worker saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReaderEvent {
    /// The configured reader is (or is no longer) attached; `false` also when the PC/SC
    /// service stopped.
    Attached(bool),
    /// A card lies on the reader; `pin_pad`: the reader takes the PIN itself.
    Placed {
        /// Whether the reader has a PIN pad.
        pin_pad: bool,
    },
    /// The card left the reader.
    Removed,
    /// Whether a card lies unread on a watched reader: `true` when one is placed while
    /// another reader holds the customer's card (it is not read, and no step reaches it;
    /// staff are told), `false` once none lies unread any more (taken off, its reader
    /// gone, or placed again to be read).
    OtherCard(bool),
}

/// How a sale the shell drove ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaleOutcome {
    /// The sale as journaled.
    pub record: PaymentRecord,
    /// What to tell staff.
    pub code: Code,
}

/// A journal operation staff asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JournalOp {
    /// Void the sale.
    Void {
        /// The sale's id.
        sale_id: String,
    },
    /// Refund part or all of the sale.
    Refund {
        /// The sale's id.
        sale_id: String,
        /// The amount in yen.
        amount_jpy: u64,
    },
    /// Resolve every sale and refund in doubt.
    Recover,
    /// Journal what the acquirer told staff about a held refund (nothing is sent:
    /// [`crate::payment::settle_held_refund`]).
    SettleHeldRefund {
        /// The refund's id.
        refund_id: String,
        /// The acquirer's answer.
        said: crate::payment::AcquirerSaid,
    },
    /// Refund part or all of a register's sale, the register's request journaled with the
    /// refund (one transaction) under its idempotency key.
    PosRefund {
        /// The sale's id.
        sale_id: String,
        /// The amount in yen.
        amount_jpy: u64,
        /// The register's order.
        order_ref: String,
        /// The register that asked (its key is its own: [`crate::pos::decide_refund`]).
        register: String,
        /// The register's idempotency key.
        idempotency_key: String,
    },
}

/// One thing that happened, for [`Counter::handle`].
#[allow(
    clippy::large_enum_variant,
    reason = "one input at a time through the counter; boxing buys nothing"
)]
#[derive(Debug)]
pub enum Input {
    /// The staff window's action.
    Staff(StaffAction),
    /// The customer window's action.
    Customer(CustomerAction),
    /// The reader's event.
    Reader(ReaderEvent),
    /// The result of a card session's effect ([`Effect::Session`]): a card step's or the
    /// platform's answer, with the effect's generation.
    Session {
        /// The generation the effect carried.
        generation: u64,
        /// The result, as the session machine takes it.
        input: session::Input,
    },
    /// The insurer's answer to [`Effect::RequestEligibility`].
    Eligibility {
        /// The generation the effect carried.
        generation: u64,
        /// The answer.
        result: Result<EligibilityResponse, BackendFailure>,
    },
    /// The id for a new check ([`Effect::NewCheckId`]), or why there is none.
    CheckId {
        /// The generation the effect carried.
        generation: u64,
        /// The id.
        id: Result<String, Code>,
    },
    /// Whether the files of [`Effect::Export`] were written.
    Exported {
        /// The generation the effect carried.
        generation: u64,
        /// Written, durable, and noted in the store.
        written: bool,
    },
    /// How [`Effect::Sell`] ended (any generation: the journal has the sale).
    SaleEnded {
        /// The generation the effect carried.
        generation: u64,
        /// The sale, or why none was made.
        result: Result<SaleOutcome, Code>,
    },
    /// A [`Effect::Journal`] operation finished: what to tell staff.
    JournalDone(Result<Code, Code>),
    /// The store's counts for the status bar.
    Counts {
        /// Fallbacks waiting for their re-check.
        pending_rechecks: u64,
        /// The ids of the sales and refunds in doubt that hold back a new sale
        /// ([`crate::payment::blocking_ids`]).
        in_doubt: Vec<String>,
        /// The refunds held past the recovery horizon ([`crate::payment::held_refunds`]).
        held: Vec<RefundRecord>,
        /// The ids of the sales and refunds among them staff must call the acquirer about
        /// ([`crate::payment::unresolved_ids`]).
        unresolved: Vec<String>,
        /// The sales of today that charged the card and were never shown
        /// ([`crate::payment::shown`]).
        unshown: Vec<UnshownSale>,
        /// The finished re-checks staff have not confirmed
        /// ([`crate::eligibility::recheck_outcome`]), oldest first.
        rechecks: Vec<RecheckToConfirm>,
    },
    /// What the last retention purge could not do: the folders it could not list or purge
    /// in full (empty when it purged every one), and whether the database's part failed.
    Purged {
        /// The folders, as the terminal names them.
        unlisted: Vec<String>,
        /// The store refused the database's part: personal details are kept past their
        /// period until a purge succeeds.
        details_kept: bool,
    },
    /// The counter started: the payments left in doubt are resolved in the background
    /// (the windows do not wait for it).
    Start,
    /// Time to try again to resolve the payments in doubt (the shell's timer, about every
    /// half minute): a recovery runs if any is in doubt and no payment work runs.
    RecoveryDue,
    /// A store write failed (`false`), or succeeded after one had failed (`true`).
    Storage {
        /// Whether the store writes again.
        ok: bool,
    },
    /// Something staff must know (the re-check queue's news, a close's result, a
    /// recovery's outcome).
    Notice(Code),
    /// The customer window's connection to the counter (the shell knows it: the window
    /// subscribed to its screens, or its page went or is loading again). While it is not
    /// connected, staff are told ([`Status::customer_window_connected`]).
    CustomerWindow {
        /// Whether the window receives its screens.
        connected: bool,
    },
    /// The clock moved (about once a second).
    Tick,
    /// The counter stops: a running check ends (its personal details go, R8).
    Close,
    /// A register's (POS) request, with what the journal holds for it; answered by
    /// [`Effect::PosAnswer`] with the same `request` (at once, or once its void or refund
    /// ended).
    Pos {
        /// The shell's number for the request, to route the answer.
        request: u64,
        /// Who sent it, as the shell authenticated it (its client certificate's subject,
        /// the API key, or neither): it reaches only its own orders.
        register: String,
        /// The request.
        input: PosInput,
    },
    /// Whether [`Effect::OpenPosOrder`] was journaled.
    PosOpened {
        /// The generation the effect carried.
        generation: u64,
        /// Written, durable.
        written: bool,
    },
    /// The appointment [`Effect::LoadAppointment`] asked for: the clinic's record of the
    /// booked patient, or why there is none ([`Code::AppointmentUnknown`]).
    AppointmentLoaded {
        /// The appointment.
        appointment_id: u64,
        /// Its record.
        record: Result<ClinicRecord, Code>,
    },
    /// The check [`Effect::LoadVisit`] asked for, as the store holds it (`None`: no such
    /// check), or why it could not be read.
    VisitLoaded {
        /// The generation the effect carried.
        generation: u64,
        /// The check.
        check: Result<Option<VisitCheck>, Code>,
    },
}

impl Input {
    /// The input's name, for a refusal and the log (never its contents).
    pub fn name(&self) -> &'static str {
        match self {
            Input::Staff(_) => "staff",
            Input::Customer(_) => "customer",
            Input::Reader(_) => "reader",
            Input::Session { input, .. } => input.name(),
            Input::Eligibility { .. } => "eligibility",
            Input::CheckId { .. } => "check_id",
            Input::Exported { .. } => "exported",
            Input::SaleEnded { .. } => "sale_ended",
            Input::JournalDone(_) => "journal_done",
            Input::Counts { .. } => "counts",
            Input::Purged { .. } => "purged",
            Input::Start => "start",
            Input::RecoveryDue => "recovery_due",
            Input::Storage { .. } => "storage",
            Input::Notice(_) => "notice",
            Input::CustomerWindow { .. } => "customer_window",
            Input::Tick => "tick",
            Input::Close => "close",
            Input::Pos { input, .. } => input.name(),
            Input::PosOpened { .. } => "pos_opened",
            Input::AppointmentLoaded { .. } => "appointment_loaded",
            Input::VisitLoaded { .. } => "visit_loaded",
        }
    }
}

/// One thing for the shell to do, in order.
#[derive(Debug)]
pub enum Effect {
    /// A card session's effect: a card step (`ReadCard`, `ReadSignCertificate`,
    /// `Authenticate`, `SignApplication`, `AbortCardOperation`) for the card worker, or a
    /// platform call (`RequestChallenge`, `Identify`, `Enroll`). Its result comes back as
    /// [`Input::Session`] with `generation`. (`Finished` never leaves the machine.)
    Session {
        /// The workflow's generation.
        generation: u64,
        /// What to do.
        effect: session::Effect,
    },
    /// Ask the insurer; answer with [`Input::Eligibility`].
    RequestEligibility {
        /// The workflow's generation.
        generation: u64,
        /// The body to send.
        request: Box<EligibilityRequest>,
    },
    /// Allocate the id of a new check (the store's `chk` sequence, with the terminal id);
    /// answer with [`Input::CheckId`].
    NewCheckId {
        /// The workflow's generation.
        generation: u64,
    },
    /// Write the receipt system's files atomically into the export folder and note them on
    /// check `check_id`; answer with [`Input::Exported`].
    Export {
        /// The workflow's generation.
        generation: u64,
        /// The check.
        check_id: String,
        /// The files.
        files: Vec<ExportFile>,
    },
    /// Upsert the check's record.
    RecordCheck(Box<CheckRecord>),
    /// Append the check's audit event.
    CheckAudit(AuditEvent),
    /// Queue (or replace) a fallback's re-check.
    EnqueueRecheck(Box<RecheckRequest>),
    /// Give up check `check_id`'s pending re-check, if any, for `reason` (staff recorded the
    /// fallback again with a document that cannot be re-checked).
    CancelRecheck {
        /// The check.
        check_id: String,
        /// Why (the queue's row keeps it).
        reason: &'static str,
    },
    /// Journal that staff confirmed the finished re-check of check `check_id` (it leaves
    /// the status bar's list).
    ConfirmRecheck {
        /// The check.
        check_id: String,
    },
    /// Append to the audit trail: `action` on `subject` (never personal data), by the
    /// card holder authenticated with `auth_method`.
    Audit {
        /// What happened (`identified`, `card_notice`, `enrolled`, ...).
        action: &'static str,
        /// The id or codes it concerns.
        subject: String,
        /// `pin`, `pin_pad` or `signature_password`.
        auth_method: &'static str,
    },
    /// Journal and drive a new sale to its end; answer with [`Input::SaleEnded`].
    Sell {
        /// The workflow's generation.
        generation: u64,
        /// The amount in yen.
        amount_jpy: u64,
        /// The till's order reference.
        order_ref: Option<String>,
        /// The customer's payment assertion (a bearer token: never logged).
        assertion: String,
        /// A register's sale: the payment is journaled with the link to its order (one
        /// transaction).
        pos: bool,
        /// The visit (check id) a co-payment belongs to, journaled with the sale.
        visit_id: Option<String>,
    },
    /// Run a staff operation on the journal; answer with [`Input::JournalDone`].
    Journal(JournalOp),
    /// Journal a register's new order (before the customer is asked for anything); answer
    /// with [`Input::PosOpened`].
    OpenPosOrder {
        /// The workflow's generation.
        generation: u64,
        /// The order.
        order: PosOrder,
    },
    /// Journal that a register's order ended without a payment (if it is still open).
    ClosePosOrder {
        /// The order.
        order_ref: String,
        /// Why (the code the register reads).
        reason: Code,
    },
    /// Journal every register's order left open but `live` as interrupted (at start:
    /// the terminal stopped before those customers paid).
    ClosePosOrdersLeftOpen {
        /// The order the counter serves now, if any.
        live: Option<String>,
    },
    /// Read appointment `appointment_id` from the store; answer with
    /// [`Input::AppointmentLoaded`] at once.
    LoadAppointment {
        /// The appointment.
        appointment_id: u64,
    },
    /// Read check `check_id` from the store (a co-payment's visit); answer with
    /// [`Input::VisitLoaded`].
    LoadVisit {
        /// The workflow's generation.
        generation: u64,
        /// The check.
        check_id: String,
    },
    /// Journal that staff confirmed sale `sale_id`'s charge, once the screens of this
    /// change are published.
    MarkShown {
        /// The sale.
        sale_id: String,
    },
    /// Journal that sale `sale_id`'s charge was shown once the customer window says it
    /// rendered the screens carrying its outcome ([`crate::payment::rendered`]): never
    /// on their publication alone.
    MarkShownWhenRendered {
        /// The sale.
        sale_id: String,
    },
    /// Answer the register's request `request`.
    PosAnswer {
        /// The request ([`Input::Pos`]).
        request: u64,
        /// The answer, or why the request failed.
        answer: Result<PosReply, Code>,
    },
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
    backends_ok: Option<bool>,
    notice: Option<Message>,
    pending_rechecks: u64,
    /// The sales and refunds in doubt, as last read from the store.
    in_doubt: Vec<String>,
    /// The refunds held past the recovery horizon, as last read.
    held: Vec<RefundRecord>,
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
            backends_ok: None,
            notice: None,
            pending_rechecks: 0,
            in_doubt: Vec::new(),
            held: Vec::new(),
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
            self.notice = None;
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
            Input::JournalDone(result) => Ok(self.journal_done(result)),
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
