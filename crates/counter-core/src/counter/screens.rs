//! What the two windows show: [`Screens`] after every change, split into the staff's
//! [`StaffFrame`] and the customer's [`CustomerFrame`], and the lines of the code table
//! ([`Message`]), and their assembly from the counter's state ([`super::Counter::screens`]).
//! Exported to TypeScript (feature `ts`).

use serde::Serialize;

use super::actions::CounterMode;
use crate::codes::{self, Code};
use crate::eligibility::{self, ClinicRecord};
use crate::payment::cashier::PaymentOption;
use crate::payment::receipt::Receipt;
use crate::payment::{PaymentRecord, RefundRecord, UnshownSale};
use crate::{enroll, identify};

/// A line of the code table, as both windows show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Message {
    /// The stable code.
    pub code: Code,
    /// What happened, in Japanese.
    pub ja: String,
    /// What happened, in English.
    pub en: String,
    /// The next step, in Japanese.
    pub next_ja: String,
    /// The next step, in English.
    pub next_en: String,
}

impl Message {
    /// The table's line for `code`.
    pub fn of(code: Code) -> Self {
        let e = code.entry();
        Self {
            code,
            ja: e.ja.into(),
            en: e.en.into(),
            next_ja: e.next_ja.into(),
            next_en: e.next_en.into(),
        }
    }
}

/// The code table's lines a window may show: every line for staff; for the customer only
/// the lines fit for the customer (`Audience::Both`), since a view may carry a bare code
/// and a staff-only one reaches the customer as [`Code::AskStaff`].
pub fn code_table(for_customer: bool) -> Vec<Message> {
    codes::TABLE
        .iter()
        .filter(|e| !for_customer || e.audience == codes::Audience::Both)
        .map(|e| Message::of(e.code))
        .collect()
}

/// The cashier's sale as the staff see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SaleView {
    /// The amount.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub amount_jpy: u64,
    /// The order reference.
    pub order_ref: Option<String>,
    /// The visit a co-payment belongs to, with its check's summary (staff only).
    pub visit: Option<super::Visit>,
    /// Where the sale is.
    pub step: SaleStep,
}

/// Where a sale is.
#[allow(
    clippy::large_enum_variant,
    reason = "a screen lives for one publish; boxing buys nothing"
)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum SaleStep {
    /// Waiting for the card and the PIN (the identification's screen shows the detail).
    Identifying {
        /// The identification's staff view.
        view: identify::StaffView,
    },
    /// The customer picks the payment method and confirms the amount.
    Choosing {
        /// The methods offered.
        options: Vec<PaymentOption>,
    },
    /// Authorising and capturing.
    Paying,
    /// The sale ended (approved, declined, reversed, or left in doubt).
    Done {
        /// The sale as journaled.
        record: PaymentRecord,
        /// What to tell staff.
        message: Message,
        /// The customer's copy, when there is a sale to print.
        receipt: Option<Receipt>,
    },
    /// The sale did not start (no payment method, cancelled, card removed, ...).
    Failed {
        /// What to tell staff.
        message: Message,
    },
}

/// The staff window.
#[allow(
    clippy::large_enum_variant,
    reason = "a screen lives for one publish; boxing buys nothing"
)]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "screen", rename_all = "snake_case")]
pub enum StaffScreen {
    /// Waiting: reception and pharmacy wait for a card; the cashier types an amount.
    Ready,
    /// Identification before an eligibility check.
    Identify {
        /// The machine's staff view.
        view: identify::StaffView,
    },
    /// The eligibility check.
    Check {
        /// The machine's staff view.
        view: Box<eligibility::StaffView>,
        /// The check's id: the visit's, which its co-payment names.
        check_id: String,
        /// Whether staff may take the visit's co-payment now
        /// ([`super::StaffAction::TakeCoPayment`]: the check has its result).
        co_payment: bool,
    },
    /// The sale.
    Sale {
        /// Where it is.
        view: SaleView,
    },
    /// Enrollment.
    Enroll {
        /// The machine's staff view.
        view: enroll::StaffView,
    },
}

/// The customer window.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "screen", rename_all = "snake_case")]
pub enum CustomerScreen {
    /// "Place your card on the reader" (or nothing to do).
    Welcome,
    /// Identification: PIN entry, "keep the card on the reader", the outcome.
    Identify {
        /// The machine's customer view.
        view: identify::CustomerView,
    },
    /// Eligibility: service menu, consents, wait, done.
    Check {
        /// The machine's customer view.
        view: eligibility::CustomerView,
    },
    /// Cashier: pick the method and confirm the amount.
    Pay {
        /// The amount to confirm.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        amount_jpy: u64,
        /// The methods.
        options: Vec<PaymentOption>,
    },
    /// Cashier: paying, then the outcome for the customer.
    Paying {
        /// The outcome once known (customer-safe code).
        message: Option<Message>,
    },
    /// Enrollment.
    Enroll {
        /// The machine's customer view.
        view: enroll::CustomerView,
    },
}

impl CustomerScreen {
    /// Whether this screen shows a sale's outcome (the payment's end, for the customer):
    /// an acknowledgement of it is what marks a charge shown ([`crate::payment::rendered`]).
    pub fn shows_sale_outcome(&self) -> bool {
        matches!(self, CustomerScreen::Paying { message: Some(_) })
    }
}

/// The reader as the status bar shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ReaderState {
    /// Not seen (unplugged, or the PC/SC service is down).
    Missing,
    /// Attached, no card.
    Empty,
    /// A card lies on it.
    Card,
}

/// The status bar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Status {
    /// What the counter does.
    pub mode: CounterMode,
    /// The configured reader's name.
    pub reader_name: String,
    /// The reader.
    pub reader: ReaderState,
    /// Whether the reader has a PIN pad (known once a card was placed).
    pub pin_pad: bool,
    /// Whether the last backend call got through (`None` before the first).
    pub backends_ok: Option<bool>,
    /// Fallbacks waiting for their online re-check.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub pending_rechecks: u64,
    /// Sales or refunds in doubt (blocks the daily close and new card sales).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub payments_in_doubt: u64,
    /// Their ids (the journal finds them), oldest first.
    pub in_doubt: Vec<String>,
    /// The ids of the sales and refunds among them that failed to resolve
    /// [`crate::payment::MAX_RESOLVE_ATTEMPTS`] rounds in a row (sales first, each oldest
    /// first): staff call the acquirer (or support) about each, while the counter keeps
    /// trying.
    pub unresolved: Vec<String>,
    /// What staff do about them ([`Code::PaymentUnresolved`]), while there are any.
    pub unresolved_notice: Option<Message>,
    /// The refunds held past the recovery horizon ([`crate::payment::refund_held`]), oldest
    /// first: never sent again and not in [`Status::in_doubt`] (new sales go on), they hold
    /// back only the daily close; staff ask the acquirer and record its answer for each
    /// ([`super::StaffAction::SettleHeldRefund`]).
    pub held_refunds: Vec<RefundRecord>,
    /// The recovery horizon in days ([`crate::payment::RECOVERY_HORIZON_DAYS`]): the age
    /// past which a refund is held, as the held refunds' label says.
    pub refund_horizon_days: u32,
    /// The sales of today that charged the card but whose outcome the counter never showed
    /// (`crate::payment::shown`), oldest first: staff ask the customer, then void or
    /// confirm each ([`super::StaffAction::ConfirmCardSale`]).
    pub unshown: Vec<UnshownSale>,
    /// What staff do about them ([`Code::ApprovalNotShown`]), while there are any.
    pub unshown_notice: Option<Message>,
    /// The finished re-checks staff have not confirmed
    /// (`crate::eligibility::recheck_outcome`), oldest first: each contradicts what the
    /// patient presented or was given up; staff confirm each
    /// ([`super::StaffAction::ConfirmRecheck`]).
    pub rechecks: Vec<eligibility::RecheckToConfirm>,
    /// What staff do about them ([`Code::RecheckContradiction`] while any contradicts, else
    /// [`Code::RecheckGaveUp`]), while there are any.
    pub rechecks_notice: Option<Message>,
    /// What staff do about the listed re-checks whose details the retention purge removed
    /// ([`Code::RecheckDetailsPurged`]), while any is listed.
    pub rechecks_purged_notice: Option<Message>,
    /// The folders the last retention purge could not list (their expired files stay until
    /// it can), as the terminal names them.
    pub purge_failed: Vec<String>,
    /// What staff do about them ([`Code::PurgeFolderUnreadable`]), while there are any.
    pub purge_notice: Option<Message>,
    /// What staff do when the last retention purge could not purge the database, so that
    /// personal details are kept past their period ([`Code::PurgeDetailsKept`]), until a
    /// purge does.
    pub purge_details_notice: Option<Message>,
    /// The last thing staff must know (an action refused, a recovery's outcome); else,
    /// while the card left on the reader when staff left an enrollment lies there unread,
    /// that it is not read ([`Code::CardNotReadPlaceAgain`]).
    pub notice: Option<Message>,
    /// A write to the terminal's store failed and none has succeeded since: what was
    /// written last may be missing (the notice says what to do).
    pub storage_failed: bool,
    /// A card lies on another watched reader and is not read: what to do with it
    /// (`other_card_not_read` while the customer's card is on its reader,
    /// `other_card_place_again` once it has left). Says nothing of either card.
    pub other_card: Option<Message>,
    /// What staff do while the customer window receives no screens
    /// ([`super::Input::CustomerWindow`], [`Code::CustomerWindowMissing`]): meanwhile the
    /// customer sees no screen (theirs asks them to call staff). `None` while it does.
    pub customer_window_notice: Option<Message>,
}

/// Everything both windows show, after every change.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Screens {
    /// Counts changes (the UI drops an older one arriving late).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub revision: u64,
    /// The staff window.
    pub staff: StaffScreen,
    /// The customer window.
    pub customer: CustomerScreen,
    /// The status bar.
    pub status: Status,
    /// The patient the receptionist expects (staff only).
    pub expected: Option<ClinicRecord>,
    /// The card's notices (codes; each window gets its own lines).
    pub notices: Vec<Code>,
    /// Why staff may not leave the running workflow now ([`super::Counter::hold`]).
    pub hold: Option<Code>,
}

/// What the staff window receives after every change: its screen and the status bar.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StaffFrame {
    /// [`Screens::revision`].
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub revision: u64,
    /// The staff window.
    pub staff: StaffScreen,
    /// The status bar.
    pub status: Status,
    /// The patient the receptionist expects (for the next check, or the running one).
    pub expected: Option<ClinicRecord>,
    /// What the platform says about the card on the reader (its attributes changed since
    /// enrollment, or that could not be checked), with the next step.
    pub notices: Vec<Message>,
    /// Why staff may not leave the running workflow now, while they may not (a sale being
    /// paid, an enrollment whose answer the platform is to give): the counter refuses
    /// Cancel, Finish, a mode, a fallback, a new sale, co-payment or enrollment with this
    /// line ([`super::Counter::hold`]), so the window offers none of them and shows it.
    pub hold: Option<Message>,
}

/// What the customer window receives after every change: its screen, and of the counter
/// only what the customer's screen needs (never the staff's notices or counts).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerFrame {
    /// [`Screens::revision`].
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub revision: u64,
    /// The customer window.
    pub customer: CustomerScreen,
    /// Whether a card lies on the reader ("keep the card on the reader").
    pub reader: ReaderState,
    /// Whether the PIN is typed on the reader's own pad (then the window shows no keypad).
    pub pin_pad: bool,
    /// What the customer must know about their card (the lines fit for the customer),
    /// while that card lies on the reader and their screen is not the welcome screen: the
    /// next person never reads the notices of the card before (staff keep them until the
    /// next workflow).
    pub notices: Vec<Message>,
}

impl Screens {
    /// The staff window's half.
    pub fn staff_frame(&self) -> StaffFrame {
        StaffFrame {
            revision: self.revision,
            staff: self.staff.clone(),
            status: self.status.clone(),
            expected: self.expected.clone(),
            notices: self.notices.iter().map(|c| Message::of(*c)).collect(),
            hold: self.hold.map(Message::of),
        }
    }

    /// The customer window's half.
    pub fn customer_frame(&self) -> CustomerFrame {
        // The card's notices belong to the person whose card lies on the reader: once it
        // has left (or the screen is back to the welcome), whoever stands there next may
        // be someone else.
        let card_here = self.status.reader == ReaderState::Card
            && !matches!(self.customer, CustomerScreen::Welcome);
        CustomerFrame {
            revision: self.revision,
            customer: self.customer.clone(),
            reader: self.status.reader,
            pin_pad: self.status.pin_pad,
            // Not the line about a card on another reader: staff handle it (the customer
            // might take their own card off, mid-PIN, on reading "take the card off").
            notices: match card_here {
                true => self
                    .notices
                    .iter()
                    .map(|c| Message::of(c.for_customer()))
                    .collect(),
                false => Vec::new(),
            },
        }
    }
}

impl super::Counter {
    /// What both windows show now (`revision` 0: the shell counts revisions).
    pub fn screens(&self) -> Screens {
        let (staff, customer) = self.workflow.views(self.reader);
        let expected = match self.workflow.check() {
            Some(c) if c.expected().is_some() => c.expected().cloned(),
            _ => self.expected.clone(),
        };
        Screens {
            revision: 0,
            staff,
            customer,
            expected,
            notices: self.card_notices.clone(),
            hold: self.hold(),
            status: Status {
                mode: self.mode,
                reader_name: self.setup.reader.clone(),
                reader: self.reader,
                pin_pad: self.pin_pad,
                backends_ok: self.backends_ok,
                pending_rechecks: self.pending_rechecks,
                payments_in_doubt: self.in_doubt.len() as u64,
                in_doubt: self.in_doubt.clone(),
                unresolved: self.unresolved.clone(),
                held_refunds: self.held.clone(),
                refund_horizon_days: crate::payment::RECOVERY_HORIZON_DAYS,
                unresolved_notice: (!self.unresolved.is_empty())
                    .then(|| Message::of(Code::PaymentUnresolved)),
                unshown: self.unshown.clone(),
                unshown_notice: (!self.unshown.is_empty())
                    .then(|| Message::of(Code::ApprovalNotShown)),
                rechecks: self.rechecks.clone(),
                rechecks_notice: eligibility::recheck_outcome::notice(&self.rechecks)
                    .map(Message::of),
                rechecks_purged_notice: eligibility::recheck_outcome::purged_notice(&self.rechecks)
                    .map(Message::of),
                purge_failed: self.purge_failed.clone(),
                purge_notice: (!self.purge_failed.is_empty())
                    .then(|| Message::of(Code::PurgeFolderUnreadable)),
                purge_details_notice: self
                    .purge_details_kept
                    .then(|| Message::of(Code::PurgeDetailsKept)),
                // The held refunds settled unseen and the card left lying unread are told
                // until staff see them / while it lies there; a newer notice (an action
                // refused, a storage failure) comes first, and the line is back after it.
                notice: self
                    .notice
                    .clone()
                    .or_else(|| self.held_news_notice())
                    .or_else(|| self.lying_unread_notice().map(Message::of)),
                storage_failed: self.storage_failed,
                other_card: self.other_card_notice().map(Message::of),
                customer_window_notice: (!self.customer_window)
                    .then(|| Message::of(Code::CustomerWindowMissing)),
            },
        }
    }
}
