//! What the identification machine asks the shell to do, and how a session ends.

use counter_api::platform::{ChallengeRequest, IdentificationRequest, MenuEntry, Notice};
use jpki_card::PinEntry;
use serde::{Deserialize, Serialize};

use super::input::{Actor, Ticket};
use crate::codes::Code;

/// One thing for the shell to do, in order. Each effect with a ticket gets exactly one
/// result input with that ticket.
#[derive(Debug)]
pub enum Effect {
    /// Run `jpki_card::PinStatus` (auth PIN) and `jpki_card::ReadCertificate` (EF `000A`),
    /// parse the certificate's notAfter, and feed [`super::Input::CardRead`]. Uses no try.
    ReadCard {
        /// Quote it in the result.
        ticket: Ticket,
    },
    /// `POST /v1/challenges` with `request`; feed [`super::Input::ChallengeIssued`].
    RequestChallenge {
        /// Quote it in the result.
        ticket: Ticket,
        /// The request.
        request: ChallengeRequest,
    },
    /// Run `jpki_card::Authenticate::new(pin, digest).confirm_last_try(confirm_last_try)`
    /// and feed [`super::Input::Signed`]. Uses one PIN try. The PIN (`PinEntry::Host`) moves
    /// into the flow and is gone once the VERIFY is built; with `PinEntry::PinPad` the
    /// customer types on the reader.
    Authenticate {
        /// Quote it in the result.
        ticket: Ticket,
        /// The PIN, or the PIN pad.
        pin: PinEntry,
        /// SHA-256 of the checked challenge's `to_be_signed`.
        digest: [u8; 32],
        /// True only after [`super::Input::StaffConfirmedLastTry`] at one try left.
        confirm_last_try: bool,
    },
    /// `POST /v1/identifications` with `request`; feed [`super::Input::Identified`].
    Identify {
        /// Quote it in the result.
        ticket: Ticket,
        /// The request.
        request: IdentificationRequest,
    },
    /// A card step is still running for a session that just ended (cancel, time-out):
    /// abandon it (`TransportError::Cancelled` on a PIN pad wait) and power the card down.
    /// Its late result, if any, is dropped.
    AbortCardOperation,
    /// The session ended. Hand the outcome to whoever needs it (the menu's assertions go to
    /// eligibility or payment); the machine forgets the menu when the card leaves.
    Finished(Outcome),
}

/// How a session ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The platform identified the card holder.
    Identified {
        /// The platform's id of this identification (quote it to support).
        identification_id: String,
        /// The linked services, each with its assertion.
        menu: Vec<MenuEntry>,
        /// What staff must know.
        notices: Vec<Notice>,
    },
    /// The session ended without an identification.
    Failed {
        /// What to show (and its next step, in the table).
        code: Code,
        /// Tries the PIN has left, when that is what the code is about.
        tries_left: Option<u8>,
        /// Whether [`super::Input::StartAgain`] (or the card put back) may help.
        can_retry: bool,
    },
    /// Someone pressed Cancel.
    Cancelled {
        /// Who.
        by: Actor,
    },
}

impl Outcome {
    /// Whether starting again may help.
    pub fn can_retry(&self) -> bool {
        match self {
            Outcome::Identified { .. } => false,
            Outcome::Failed { can_retry, .. } => *can_retry,
            Outcome::Cancelled { .. } => true,
        }
    }
}

/// One service of the menu as the views show it: never the assertion itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MenuLine {
    /// The platform's service id.
    pub service_id: String,
    /// Insurance, payment or platform.
    pub kind: counter_api::platform::ServiceKind,
    /// What to show (`国民健康保険`, `VISA ****1234`).
    pub label: String,
}

impl From<&MenuEntry> for MenuLine {
    fn from(e: &MenuEntry) -> Self {
        MenuLine {
            service_id: e.service_id.clone(),
            kind: e.kind,
            label: e.label.clone(),
        }
    }
}
