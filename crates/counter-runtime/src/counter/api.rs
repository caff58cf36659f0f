//! The app's API types: what the staff and the customer windows may ask ([`StaffAction`],
//! [`CustomerAction`]) and what they show ([`Screens`]). Exported to TypeScript (ts-rs) for
//! the web UI; the app's two windows each get only their own half.
//!
//! Nothing here carries a PIN or a password out: the customer's typed secret comes in once
//! ([`CustomerAction::Pin`], [`CustomerAction::Password`]), is zeroised after the machine
//! took it, and no screen has a field for it or its length.

use std::fmt;

use counter_api::platform::ServiceLink;
use counter_core::eligibility::{
    self, ClinicRecord, CustomerConsents, FallbackForm, FallbackReason,
};
use counter_core::payment::PaymentRecord;
use counter_core::payment::cashier::PaymentOption;
use counter_core::payment::receipt::Receipt;
use counter_core::{Code, enroll, identify};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::config::CounterMode;

/// What the staff window may do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum StaffAction {
    /// Switch the counter between reception, pharmacy and cashier (only when idle).
    SetMode {
        /// The new mode.
        mode: CounterMode,
    },
    /// The customer agreed to use the PIN's (or password's) last try.
    ConfirmLastTry,
    /// Start the identification (or enrollment) again with the card on the reader.
    StartAgain,
    /// Cancel what runs now; the counter returns to idle.
    Cancel,
    /// Done with this patient or customer: clear both screens.
    Finish,
    /// Reception and pharmacy: the patient expected next (or at the check running, until
    /// the insurer answers), compared with the insurer's answer. Name in kanji or kana,
    /// birth date `YYYY-MM-DD`; either may be empty, both empty clears it.
    ExpectPatient {
        /// 氏名 (kanji or kana).
        name: String,
        /// 生年月日.
        birth_date: String,
    },
    /// Eligibility: the warnings were read (lifts the R7 hold on the details).
    AcknowledgeWarnings,
    /// Eligibility: this record of several matches is the patient's.
    ChooseRecord {
        /// `ResultList` index.
        index: u32,
    },
    /// Eligibility without the card (or after it failed): staff will record a document.
    StartFallback {
        /// Why.
        reason: FallbackReason,
    },
    /// Eligibility: what the patient presented instead.
    RecordFallback {
        /// The form as staff filled it in.
        form: FallbackForm,
    },
    /// Eligibility: write the receipt system's files again.
    Export,
    /// Cashier: a new sale; the customer then places the card.
    NewSale {
        /// The amount in yen (1 to 99,999,999).
        #[ts(type = "number")]
        amount_jpy: u64,
        /// The till's order reference, if any.
        order_ref: Option<String>,
    },
    /// Journal: void a sale of today.
    Void {
        /// The sale's id.
        sale_id: String,
    },
    /// Journal: refund part or all of a sale.
    Refund {
        /// The sale's id.
        sale_id: String,
        /// The amount in yen.
        #[ts(type = "number")]
        amount_jpy: u64,
    },
    /// Resolve every payment in doubt now.
    Recover,
    /// Enrollment: link these services to the card placed next.
    StartEnrollment {
        /// What to link (insurance, payment), as staff prepared it.
        services: Vec<ServiceLink>,
    },
}

/// What the customer window may do. `Debug` never shows a PIN or password; it is never
/// serialised (it only comes in), cloned or kept.
#[derive(PartialEq, Eq, Deserialize, TS)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CustomerAction {
    /// The auth PIN typed on the customer keypad (4 digits). Zeroised once used.
    Pin {
        /// The digits.
        digits: String,
    },
    /// The PIN pad: enter the PIN again.
    RetryPin,
    /// The signature password typed on the customer keyboard (6–16). Zeroised once used.
    Password {
        /// The text.
        text: String,
    },
    /// The service picked on the menu.
    ChooseService {
        /// Its id.
        service_id: String,
    },
    /// The consent screens answered.
    Consent {
        /// The answers.
        consents: CustomerConsents,
    },
    /// Enrollment: the four attributes are right; and whether the customer agrees that they
    /// go to the services named, which confirm each link against their own record.
    ConfirmAttributes {
        /// The customer's answer to the disclosure.
        disclosure_consent: bool,
    },
    /// Enrollment: they are not.
    RejectAttributes,
    /// Cashier: the payment method picked and the amount confirmed.
    Pay {
        /// The payment service picked.
        service_id: String,
        /// The amount the screen showed.
        #[ts(type = "number")]
        amount_jpy: u64,
    },
    /// More time, please.
    ExtendTime,
    /// Stop.
    Cancel,
}

impl fmt::Debug for CustomerAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pin { .. } => f.write_str("Pin(<redacted>)"),
            Self::Password { .. } => f.write_str("Password(<redacted>)"),
            Self::RetryPin => f.write_str("RetryPin"),
            Self::ChooseService { service_id } => write!(f, "ChooseService({service_id})"),
            Self::Consent { .. } => f.write_str("Consent"),
            Self::ConfirmAttributes { disclosure_consent } => {
                write!(f, "ConfirmAttributes(consent: {disclosure_consent})")
            }
            Self::RejectAttributes => f.write_str("RejectAttributes"),
            Self::Pay { service_id, .. } => write!(f, "Pay({service_id})"),
            Self::ExtendTime => f.write_str("ExtendTime"),
            Self::Cancel => f.write_str("Cancel"),
        }
    }
}

impl Drop for CustomerAction {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        match self {
            Self::Pin { digits } => digits.zeroize(),
            Self::Password { text } => text.zeroize(),
            _ => {}
        }
    }
}

/// A line of the code table, as both windows show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
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
    counter_core::codes::TABLE
        .iter()
        .filter(|e| !for_customer || e.audience == counter_core::codes::Audience::Both)
        .map(|e| Message::of(e.code))
        .collect()
}

/// The cashier's sale as the staff see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
pub struct SaleView {
    /// The amount.
    #[ts(type = "number")]
    pub amount_jpy: u64,
    /// The order reference.
    pub order_ref: Option<String>,
    /// Where the sale is.
    pub step: SaleStep,
}

/// Where a sale is.
#[allow(
    clippy::large_enum_variant,
    reason = "a screen lives for one publish; boxing buys nothing"
)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
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
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
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
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
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
        #[ts(type = "number")]
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

/// The reader as the status bar shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
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
    #[ts(type = "number")]
    pub pending_rechecks: u64,
    /// Sales or refunds in doubt (blocks the daily close).
    #[ts(type = "number")]
    pub payments_in_doubt: u64,
    /// The last thing staff must know (an action refused, a recovery's outcome).
    pub notice: Option<Message>,
}

/// Everything both windows show, after every change.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Screens {
    /// Counts changes (the UI drops an older one arriving late).
    #[ts(type = "number")]
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
}

/// What the staff window receives after every change: its screen and the status bar.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct StaffFrame {
    /// [`Screens::revision`].
    #[ts(type = "number")]
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
}

/// What the customer window receives after every change: its screen, and of the counter
/// only what the customer's screen needs (never the staff's notices or counts).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct CustomerFrame {
    /// [`Screens::revision`].
    #[ts(type = "number")]
    pub revision: u64,
    /// The customer window.
    pub customer: CustomerScreen,
    /// Whether a card lies on the reader ("keep the card on the reader").
    pub reader: ReaderState,
    /// Whether the PIN is typed on the reader's own pad (then the window shows no keypad).
    pub pin_pad: bool,
    /// What the customer must know about their card (the lines fit for the customer).
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
        }
    }

    /// The customer window's half.
    pub fn customer_frame(&self) -> CustomerFrame {
        CustomerFrame {
            revision: self.revision,
            customer: self.customer.clone(),
            reader: self.status.reader,
            pin_pad: self.status.pin_pad,
            notices: self
                .notices
                .iter()
                .map(|c| Message::of(c.for_customer()))
                .collect(),
        }
    }
}

/// What every window may know about the running app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
pub struct AppInfo {
    /// The app's version.
    pub version: String,
    /// The label of the window that asked (`staff` or `customer`).
    pub window: String,
    /// Whether the app runs on its embedded demo (virtual reader, in-process backends).
    pub demo: bool,
}

/// A persona card of the embedded demo, as the demo panel lists it. `Debug` leaves the PIN
/// out, so that no log or failed assertion prints it.
#[derive(Clone, PartialEq, Eq, Serialize, TS)]
pub struct DemoCard {
    /// The persona's id (`sato-hanako`).
    pub id: String,
    /// The name on the card.
    pub name: String,
    /// What the card shows in the demo, in Japanese.
    pub note_ja: String,
    /// The same in English.
    pub note_en: String,
    /// The test persona's published auth PIN (testkit), so the demonstrator knows what to
    /// type. Only test cards have one here; a real card's PIN is never known to the app.
    pub pin: String,
    /// Whether the demo enrolled it (linked services) at start.
    pub enrolled: bool,
    /// Whether it lies on the virtual reader now.
    pub on_reader: bool,
}

impl fmt::Debug for DemoCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoCard")
            .field("id", &self.id)
            .field("enrolled", &self.enrolled)
            .field("on_reader", &self.on_reader)
            .finish_non_exhaustive()
    }
}

/// An action the counter refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{}", .message.en)]
pub struct ActionError {
    /// Why, and what to do.
    pub message: Message,
}

impl From<Code> for ActionError {
    fn from(code: Code) -> Self {
        Self {
            message: Message::of(code),
        }
    }
}

/// The app's roots: its screens and actions, and the core's views and inputs.
struct AppRoots;

impl counter_core::ts::Roots for AppRoots {
    fn visit(visitor: &mut impl ts_rs::TypeVisitor) {
        counter_core::ts::visit_roots(visitor);
        visitor.visit::<Screens>();
        visitor.visit::<StaffFrame>();
        visitor.visit::<CustomerFrame>();
        visitor.visit::<AppInfo>();
        visitor.visit::<DemoCard>();
        visitor.visit::<super::journal::JournalQuery>();
        visitor.visit::<super::journal::JournalEntry>();
        visitor.visit::<super::journal::TerminalSettings>();
        visitor.visit::<StaffAction>();
        visitor.visit::<CustomerAction>();
        visitor.visit::<ActionError>();
        visitor.visit::<CounterMode>();
    }
}

/// Writes the TypeScript types of the app's IPC into `dir` (see `counter_core::ts`): the
/// committed copy is `ui/src/ipc/generated/`, checked by the `ts_types` test.
pub fn export_ts(dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>, ts_rs::ExportError> {
    counter_core::ts::export_all_of::<AppRoots>(dir)
}
