//! What goes into the identification machine: the customer's PIN (typed on the customer
//! window only), the card's facts, the results of the effects, and the people's actions.

use counter_api::platform::{ChallengeResponse, IdentificationResponse};
use jpki_card::{AuthPin, Authentication, CardError, PinFormatError};
use serde::{Deserialize, Serialize};

use crate::backend::BackendFailure;

/// Names one effect; its result must come back with the same ticket. A result whose ticket
/// is not the one the machine waits for (a late answer from a card that has since been
/// removed, a cancelled session) is dropped unread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ticket(pub(crate) u64);

/// Hands out tickets, never the same one twice in one machine.
#[derive(Debug, Default)]
pub(crate) struct Tickets {
    last: u64,
}

impl Tickets {
    /// A ticket not handed out before.
    pub(crate) fn next(&mut self) -> Ticket {
        self.last = self.last.wrapping_add(1);
        Ticket(self.last)
    }
}

/// What the shell learnt from the card before any PIN is asked (eligibility.md R6): the
/// auth PIN's retry counter (`jpki_card::PinStatus`, no try used) and the auth
/// certificate's notAfter (`jpki_card::ReadCertificate` of EF `000A`, parsed by the shell).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardFacts {
    /// Tries the auth PIN has left (3 to 0).
    pub tries_left: u8,
    /// The auth certificate's notAfter (Unix seconds), when the shell could parse it.
    pub certificate_not_after: Option<i64>,
}

/// The auth PIN as typed on the **customer** window. There is no other way for a PIN to
/// enter the machine: the staff window has no PIN field, and a reader with a PIN pad takes
/// the PIN itself (payments-and-eid-clients.md §3.4: staff may not ask for, hold or type
/// the PIN). Zeroised on drop, not `Clone`, redacted `Debug`.
#[derive(Debug)]
pub struct CustomerPin(pub(crate) AuthPin);

impl CustomerPin {
    /// The PIN the customer typed on their window; the shape error (not 4 digits) never
    /// echoes the input. Zeroise the typed text afterwards.
    pub fn from_customer_window(typed: &str) -> Result<Self, PinFormatError> {
        AuthPin::new(typed).map(CustomerPin)
    }
}

/// Who pressed Cancel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The customer, on the customer window or the PIN pad.
    Customer,
    /// The staff, on the staff window.
    Staff,
}

/// One thing that happened, for [`super::Identification::handle`].
#[derive(Debug)]
pub enum Input {
    /// A card lies on the reader. `pin_pad`: the reader takes the PIN on its own keypad
    /// (`CardTransport::has_pin_pad`). A new card always starts from scratch.
    CardPlaced {
        /// Whether the reader has a PIN pad.
        pin_pad: bool,
    },
    /// The result of [`super::Effect::ReadCard`].
    CardRead {
        /// The effect's ticket.
        ticket: Ticket,
        /// The facts, or why they could not be read.
        result: Result<CardFacts, CardError>,
    },
    /// The customer typed the PIN on the customer window (readers without a PIN pad).
    PinEntered(CustomerPin),
    /// What the customer typed is not 4 digits ([`CustomerPin::from_customer_window`]
    /// refused it); the machine says so and waits for the PIN again.
    PinMalformed,
    /// The customer pressed "enter the PIN" again after a wrong PIN, a PIN pad timeout or
    /// a cancel on the pad (readers with a PIN pad: the pad is armed only then).
    RetryPin,
    /// The staff confirmed, having talked with the customer, that the last PIN try may
    /// be used (jpki.md §6.3).
    StaffConfirmedLastTry,
    /// The result of [`super::Effect::RequestChallenge`].
    ChallengeIssued {
        /// The effect's ticket.
        ticket: Ticket,
        /// The platform's answer.
        result: Result<ChallengeResponse, BackendFailure>,
    },
    /// The result of [`super::Effect::Authenticate`].
    Signed {
        /// The effect's ticket.
        ticket: Ticket,
        /// The card's signature, or why there is none.
        result: Result<Authentication, CardError>,
    },
    /// The result of [`super::Effect::Identify`].
    Identified {
        /// The effect's ticket.
        ticket: Ticket,
        /// The platform's answer.
        result: Result<IdentificationResponse, BackendFailure>,
    },
    /// The card left the reader (PC/SC removal event). Ends the session at any step
    /// (eligibility.md R8).
    CardRemoved,
    /// Someone pressed Cancel.
    Cancel(Actor),
    /// The clock moved (the shell sends one about every second while a session runs);
    /// `now` is the `handle` argument.
    Tick,
    /// The customer asked for more time (WCAG 2.2.1).
    ExtendTime,
    /// Start again with the card still on the reader, after a failure that allows it.
    StartAgain,
}
