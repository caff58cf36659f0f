//! What a card session asks the shell to do, how it ends, and the answer to an input that
//! does not fit: one type each for identification and enrollment.

use counter_api::platform::{
    ChallengeRequest, EnrollmentRequest, IdentificationRequest, LinkRefusal, MenuEntry, Notice,
    ServiceKind,
};
use jpki_card::{PinEntry, SignPassword};
use serde::{Deserialize, Serialize};

use super::failure::Failure;
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
    /// Enrollment: run `jpki_card::ReadSignCertificate::new(password)
    /// .confirm_last_try(..)`, decode name, address, birth date and sex from the DER, feed
    /// [`super::Input::SignCertificateRead`]. Uses one password try.
    ReadSignCertificate {
        /// Quote it in the result.
        ticket: Ticket,
        /// A copy of the password (`SignPassword::duplicate`); the machine keeps the
        /// other until [`Effect::SignApplication`] and drops it on any end.
        password: SignPassword,
        /// True only after [`super::Input::StaffConfirmedLastTry`] at one try left.
        confirm_last_try: bool,
    },
    /// `POST /v1/challenges` with `request`; feed [`super::Input::ChallengeIssued`].
    RequestChallenge {
        /// Quote it in the result.
        ticket: Ticket,
        /// The body to send.
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
    /// Enrollment: run `jpki_card::SignDocument::new(password, digest)` (the password was
    /// verified minutes ago, its counter is full again), feed
    /// [`super::Input::ApplicationSigned`].
    SignApplication {
        /// Quote it in the result.
        ticket: Ticket,
        /// The password; the machine holds none afterwards.
        password: SignPassword,
        /// SHA-256 of `Application::canonical_bytes`.
        digest: [u8; 32],
    },
    /// Identification: `POST /v1/identifications` with `request`; feed
    /// [`super::Input::Identified`].
    Identify {
        /// Quote it in the result.
        ticket: Ticket,
        /// The body to send.
        request: IdentificationRequest,
    },
    /// Enrollment: `POST /v1/enrollments` with `request`; feed [`super::Input::Enrolled`].
    Enroll {
        /// Quote it in the result.
        ticket: Ticket,
        /// The body to send.
        request: EnrollmentRequest,
    },
    /// A card step is still running for a session that just ended (cancel, time-out):
    /// abandon it (`TransportError::Cancelled` on a PIN pad wait) and power the card down.
    /// Its late result, if any, is refused as stale.
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
    /// The card is linked.
    Enrolled {
        /// The platform's id of the enrollment (quote it to support).
        enrollment_id: String,
        /// Every service now linked to the card.
        linked: Vec<MenuEntry>,
        /// The links their service did not confirm (not linked).
        refused: Vec<LinkRefusal>,
    },
    /// The session ended without its result.
    Failed {
        /// What to show (and its next step, in the table).
        code: Code,
        /// Tries the PIN or the password has left, when that is what the code is about.
        tries_left: Option<u8>,
        /// Whether [`super::Input::StartAgain`] (or the card put back) may help.
        can_retry: bool,
        /// The field a platform problem names (`attributes_mismatch`: which attribute),
        /// for staff only.
        field: Option<String>,
        /// For `link_refused` (no link confirmed): the link refused and why.
        refused: Vec<LinkRefusal>,
    },
    /// Someone pressed Cancel.
    Cancelled {
        /// Who cancelled (the customer or the staff).
        by: Actor,
    },
}

impl Outcome {
    /// Whether starting again may help.
    pub fn can_retry(&self) -> bool {
        match self {
            Outcome::Identified { .. } | Outcome::Enrolled { .. } => false,
            Outcome::Failed { can_retry, .. } => *can_retry,
            Outcome::Cancelled { .. } => true,
        }
    }

    /// The code of a failed session.
    pub fn code(&self) -> Option<Code> {
        match self {
            Outcome::Failed { code, .. } => Some(*code),
            _ => None,
        }
    }
}

impl From<Failure> for Outcome {
    fn from(f: Failure) -> Self {
        Outcome::Failed {
            code: f.code,
            tries_left: f.tries_left,
            can_retry: f.can_retry,
            field: f.field,
            refused: Vec::new(),
        }
    }
}

/// An input the machine did not take: nothing changed. Each machine of the counter answers
/// every input it cannot use with one, so the shell knows (and logs) that it was refused,
/// and the window that sent it can say "not now".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotNow {
    /// The input does not fit the step (a PIN when none is asked, a password during an
    /// identification, cancel with nothing running).
    #[error("{input} does not fit the step {step}")]
    Step {
        /// The input's name.
        input: &'static str,
        /// The step's name.
        step: &'static str,
    },
    /// The result of an effect the machine no longer waits for (another ticket: a late
    /// answer from a card that has since been removed, a cancelled session).
    #[error("{input} answers an effect no longer awaited")]
    Stale {
        /// The input's name.
        input: &'static str,
    },
}

impl NotNow {
    /// The refusal of `input` at the step named `step`: stale when it is an effect's
    /// result, misplaced otherwise.
    pub(crate) fn of(input: &super::Input, step: &'static str) -> Self {
        match input.ticket() {
            Some(_) => NotNow::Stale {
                input: input.name(),
            },
            None => NotNow::Step {
                input: input.name(),
                step,
            },
        }
    }

    /// The UI code.
    pub fn code(&self) -> Code {
        Code::NotNow
    }

    /// Whether it is a late result rather than a person's misplaced action.
    pub fn is_stale(&self) -> bool {
        matches!(self, NotNow::Stale { .. })
    }
}

/// One service of the menu as the views show it: never the assertion itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MenuLine {
    /// The platform's service id.
    pub service_id: String,
    /// Insurance, payment or platform.
    pub kind: ServiceKind,
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
