//! The counter's inputs and effects: what the shell hands the machine ([`Input`], with the
//! reader's events, a sale's outcome and the journal's operations) and what the machine asks
//! the shell to do ([`Effect`]). Re-exported by the parent module.

use counter_api::insurer::{EligibilityRequest, EligibilityResponse};

use super::{CustomerAction, PosInput, PosReply, StaffAction, VisitCheck};
use crate::UnixTime;
use crate::backend::BackendFailure;
use crate::codes::Code;
use crate::eligibility::{
    AuditEvent, CheckRecord, ClinicRecord, ExportFile, RecheckRequest, RecheckToConfirm,
};
use crate::payment::{PaymentRecord, RefundRecord, UnshownSale};
use crate::pos::PosOrder;
use crate::session;

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
    /// Resolve every sale and refund in doubt; `pass` says why it runs, which decides
    /// whether held refunds are asked about ([`crate::payment::held_query_due`]).
    Recover {
        /// Why the recovery runs.
        pass: crate::payment::RecoveryPass,
        /// The counter's time when it started the pass, which it keeps as when held refunds
        /// were last asked: the shell counts each refund's hour from it
        /// ([`crate::payment::HeldQueries::take_due`]), not from its own later clock, so
        /// the counter's next hourly pass finds them due.
        at: UnixTime,
    },
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

/// One thing that happened, for [`Counter::handle`](super::Counter::handle).
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
    /// A [`JournalOp::Recover`] finished: what to tell staff, and the held refunds it
    /// settled by the acquirer's record, which staff read until they act, whatever later
    /// background passes report ([`crate::payment::settled_by_record`]).
    RecoveryDone {
        /// What to tell staff of the pass (as [`Input::JournalDone`]).
        result: Result<Code, Code>,
        /// The held refunds it settled by the acquirer's record, in its order.
        settled: Vec<crate::payment::HeldSettled>,
    },
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
    /// connected, staff are told ([`Status::customer_window_notice`](super::Status::customer_window_notice)).
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
            Input::RecoveryDone { .. } => "recovery_done",
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
