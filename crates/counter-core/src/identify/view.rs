//! What the two windows show. The staff view and the customer view are built apart, from
//! the machine's state, and neither has a field that could carry the PIN or its length.
//! The customer's codes pass through [`Code::for_customer`]; the menu's assertions never
//! reach either view.

use counter_api::platform::{ChallengeContext, ChallengePurpose, Notice};
use serde::{Deserialize, Serialize};

use super::{Identification, IdentifyPhase};
use crate::codes::Code;
use crate::session::{LegStep, MenuLine, Outcome, Phase, SessionStep, SessionWindow};

/// The step a session is at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "IdentifyStep"))]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// No card on the reader.
    WaitingForCard,
    /// The PIN's tries and the certificate are being read (the customer may still choose).
    ReadingCard,
    /// One PIN try left: staff confirm with the customer before it is used.
    ConfirmLastTry,
    /// The customer enters the PIN (customer window), or presses "enter the PIN" (PIN pad).
    PinEntry,
    /// Waiting for the platform's challenge.
    RequestingChallenge,
    /// The customer types the PIN on the reader's PIN pad.
    PinPad,
    /// The card signs.
    Signing,
    /// The platform checks the signature and the certificate.
    Verifying,
    /// Identified: the menu is shown.
    Identified,
    /// Ended without an identification (the code says why and what next).
    Failed,
    /// Cancelled.
    Cancelled,
}

impl From<LegStep> for Step {
    fn from(s: LegStep) -> Self {
        match s {
            LegStep::ConfirmLastTry => Step::ConfirmLastTry,
            LegStep::PinEntry => Step::PinEntry,
            LegStep::RequestingChallenge => Step::RequestingChallenge,
            LegStep::PinPad => Step::PinPad,
            LegStep::Signing => Step::Signing,
        }
    }
}

impl SessionStep for Step {
    const WAITING_FOR_CARD: Self = Step::WaitingForCard;
    const READING_CARD: Self = Step::ReadingCard;
    const DONE: Self = Step::Identified;
    const FAILED: Self = Step::Failed;
    const CANCELLED: Self = Step::Cancelled;
}

/// What the staff window shows of an identification, beside the session's step and
/// progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "IdentifyStaffFields"))]
pub struct StaffFields {
    /// What the challenge is for.
    pub purpose: ChallengePurpose,
    /// Merchant and amount of a payment.
    pub payment: Option<ChallengeContext>,
    /// The staff must confirm the last try ([`super::Input::StaffConfirmedLastTry`]).
    pub needs_staff_confirmation: bool,
    /// The platform's id of the identification.
    pub identification_id: Option<String>,
    /// The linked services (labels only).
    pub menu: Vec<MenuLine>,
    /// What staff must know about the card.
    pub notices: Vec<Notice>,
}

/// What the customer window shows of an identification: the payment's merchant and amount
/// before the PIN, then the services to choose from (labels only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "IdentifyCustomerFields"))]
pub struct CustomerFields {
    /// Merchant and amount of a payment, shown before the PIN is entered.
    pub payment: Option<ChallengeContext>,
    /// The linked services to choose from.
    pub menu: Vec<MenuLine>,
}

/// The staff window during an identification.
pub type StaffView = SessionWindow<Step, StaffFields>;
/// The customer window during an identification.
pub type CustomerView = SessionWindow<Step, CustomerFields>;

impl Identification {
    /// The step the session is at.
    pub fn step(&self) -> Step {
        self.0.step()
    }

    /// The staff window.
    pub fn staff_view(&self) -> StaffView {
        let (identification_id, notices) = match &self.0.phase {
            Phase::Done(Outcome::Identified {
                identification_id,
                notices,
                ..
            }) => (Some(identification_id.clone()), notices.clone()),
            _ => (None, Vec::new()),
        };
        let request = self.request();
        let fields = StaffFields {
            purpose: request.purpose,
            payment: request.context.clone(),
            needs_staff_confirmation: self.step() == Step::ConfirmLastTry,
            identification_id,
            menu: self.menu(),
            notices,
        };
        self.0.window(self.tries_left(), self.code(), false, fields)
    }

    /// The customer window.
    pub fn customer_view(&self) -> CustomerView {
        let fields = CustomerFields {
            payment: self.request().context.clone(),
            menu: self.menu(),
        };
        self.0.window(self.tries_left(), self.code(), true, fields)
    }

    fn tries_left(&self) -> Option<u8> {
        match &self.0.phase {
            Phase::Flow(IdentifyPhase::Pin(leg)) => Some(leg.tries_left()),
            Phase::Done(Outcome::Failed { tries_left, .. }) => *tries_left,
            _ => None,
        }
    }

    fn code(&self) -> Option<Code> {
        match &self.0.phase {
            Phase::Flow(IdentifyPhase::Pin(leg)) => leg.message(),
            Phase::Done(Outcome::Failed { code, .. }) => Some(*code),
            _ => None,
        }
    }

    fn menu(&self) -> Vec<MenuLine> {
        match &self.0.phase {
            Phase::Done(Outcome::Identified { menu, .. }) => {
                menu.iter().map(MenuLine::from).collect()
            }
            _ => Vec::new(),
        }
    }
}
