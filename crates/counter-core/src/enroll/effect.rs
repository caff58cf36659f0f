//! What the enrollment machine asks the shell to do, and how a session ends.

use counter_api::platform::{
    ChallengeRequest, EnrollmentRequest, LinkRefusal, MenuEntry, ServiceKind,
};
use jpki_card::{PinEntry, SignPassword};
use serde::{Deserialize, Serialize};

use crate::codes::Code;
use crate::identify::{Actor, Failure, LegEffect, Ticket};

/// One thing for the shell to do, in order. Each effect with a ticket gets exactly one
/// result input with that ticket.
#[derive(Debug)]
pub enum Effect {
    /// Run `jpki_card::PinStatus` (auth PIN) and `jpki_card::ReadCertificate` (EF `000A`),
    /// parse the notAfter, feed [`super::Input::CardRead`]. Uses no try.
    ReadCard {
        /// Quote it in the result.
        ticket: Ticket,
    },
    /// Run `jpki_card::ReadSignCertificate::new(password).confirm_last_try(..)`, decode
    /// name, address, birth date and sex from the DER, feed
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
    /// `POST /v1/challenges` (purpose `enroll`); feed [`super::Input::ChallengeIssued`].
    RequestChallenge {
        /// Quote it in the result.
        ticket: Ticket,
        /// The request.
        request: ChallengeRequest,
    },
    /// Run `jpki_card::Authenticate::new(pin, digest).confirm_last_try(confirm_last_try)`,
    /// feed [`super::Input::Signed`]. Uses one PIN try.
    Authenticate {
        /// Quote it in the result.
        ticket: Ticket,
        /// The PIN, or the PIN pad.
        pin: PinEntry,
        /// SHA-256 of the checked challenge's `to_be_signed`.
        digest: [u8; 32],
        /// True only after the staff confirmed the PIN's last try.
        confirm_last_try: bool,
    },
    /// Run `jpki_card::SignDocument::new(password, digest)` (the password was verified
    /// minutes ago, its counter is full again), feed [`super::Input::ApplicationSigned`].
    SignApplication {
        /// Quote it in the result.
        ticket: Ticket,
        /// The password; the machine holds none afterwards.
        password: SignPassword,
        /// SHA-256 of `Application::canonical_bytes`.
        digest: [u8; 32],
    },
    /// `POST /v1/enrollments` with `request`; feed [`super::Input::Enrolled`].
    Enroll {
        /// Quote it in the result.
        ticket: Ticket,
        /// The request.
        request: EnrollmentRequest,
    },
    /// A card step still runs for a session that just ended (cancel): abandon it and power
    /// the card down. Its late result is dropped.
    AbortCardOperation,
    /// The session ended.
    Finished(Outcome),
}

/// How an enrollment ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The card is linked.
    Enrolled {
        /// The platform's id of the enrollment (quote it to support).
        enrollment_id: String,
        /// Every service now linked to the card.
        linked: Vec<MenuEntry>,
        /// The links their service did not confirm (not linked).
        refused: Vec<LinkRefusal>,
    },
    /// The session ended without an enrollment.
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
        /// Who.
        by: Actor,
    },
}

impl Outcome {
    /// Whether starting again may help.
    pub fn can_retry(&self) -> bool {
        match self {
            Outcome::Enrolled { .. } => false,
            Outcome::Failed { can_retry, .. } => *can_retry,
            Outcome::Cancelled { .. } => true,
        }
    }
}

/// One service to link, as the views show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ServiceLine {
    /// The platform's service id.
    pub service_id: String,
    /// Insurance, payment or platform.
    pub kind: ServiceKind,
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

impl From<LegEffect> for Effect {
    fn from(e: LegEffect) -> Self {
        match e {
            LegEffect::RequestChallenge { ticket, request } => {
                Effect::RequestChallenge { ticket, request }
            }
            LegEffect::Authenticate {
                ticket,
                pin,
                digest,
                confirm_last_try,
            } => Effect::Authenticate {
                ticket,
                pin,
                digest,
                confirm_last_try,
            },
        }
    }
}
