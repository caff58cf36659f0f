//! The card session's plumbing shared by identification and enrollment: the events both
//! machines take the same way (card placed or removed, cancel, tick, more time, start
//! again, the PIN, the card's answers), built once and handed to whichever machine runs.

use counter_api::platform::ChallengeResponse;
use counter_core::BackendFailure;
use counter_core::enroll;
use counter_core::identify::{self, Actor, CardFacts, CustomerPin, Ticket};
use jpki_card::{Authentication, CardError};

/// An event of the card session, for either machine.
pub(crate) enum SessionInput {
    CardPlaced { pin_pad: bool },
    CardRemoved,
    Cancel(Actor),
    Tick,
    ExtendTime,
    StartAgain,
    Pin(CustomerPin),
    PinMalformed,
    RetryPin,
    ConfirmLastTry,
    CardRead(Ticket, Result<CardFacts, CardError>),
    Challenge(Ticket, Result<ChallengeResponse, BackendFailure>),
    Signed(Ticket, Result<Authentication, CardError>),
}

impl From<SessionInput> for identify::Input {
    fn from(i: SessionInput) -> Self {
        use identify::Input as I;
        match i {
            SessionInput::CardPlaced { pin_pad } => I::CardPlaced { pin_pad },
            SessionInput::CardRemoved => I::CardRemoved,
            SessionInput::Cancel(a) => I::Cancel(a),
            SessionInput::Tick => I::Tick,
            SessionInput::ExtendTime => I::ExtendTime,
            SessionInput::StartAgain => I::StartAgain,
            SessionInput::Pin(p) => I::PinEntered(p),
            SessionInput::PinMalformed => I::PinMalformed,
            SessionInput::RetryPin => I::RetryPin,
            SessionInput::ConfirmLastTry => I::StaffConfirmedLastTry,
            SessionInput::CardRead(ticket, result) => I::CardRead { ticket, result },
            SessionInput::Challenge(ticket, result) => I::ChallengeIssued { ticket, result },
            SessionInput::Signed(ticket, result) => I::Signed { ticket, result },
        }
    }
}

impl From<SessionInput> for enroll::Input {
    fn from(i: SessionInput) -> Self {
        use enroll::Input as I;
        match i {
            SessionInput::CardPlaced { pin_pad } => I::CardPlaced { pin_pad },
            SessionInput::CardRemoved => I::CardRemoved,
            SessionInput::Cancel(a) => I::Cancel(a),
            SessionInput::Tick => I::Tick,
            SessionInput::ExtendTime => I::ExtendTime,
            SessionInput::StartAgain => I::StartAgain,
            SessionInput::Pin(p) => I::PinEntered(p),
            SessionInput::PinMalformed => I::PinMalformed,
            SessionInput::RetryPin => I::RetryPin,
            SessionInput::ConfirmLastTry => I::StaffConfirmedLastTry,
            SessionInput::CardRead(ticket, result) => I::CardRead { ticket, result },
            SessionInput::Challenge(ticket, result) => I::ChallengeIssued { ticket, result },
            SessionInput::Signed(ticket, result) => I::Signed { ticket, result },
        }
    }
}
