//! Scripted runs of the identification machine with a simulated clock: every input comes
//! from the test, every effect is checked, the views are serialised as the UI gets them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub(crate) mod data;
mod flow;
mod pad;
mod removal;
mod rules;

use counter_api::platform::{ChallengeRequest, IdentificationRequest};
use jpki_card::PinEntry;

use self::data::*;
pub(crate) use super::Outcome;
use super::{Effect, Identification, Input, Step, Ticket};
use crate::codes::Code;
pub(crate) use crate::session::testing::{failed_code, finished, read_ticket};

/// A machine and the counter's clock.
pub(crate) type Counter = crate::session::testing::Driven<Identification>;

impl Counter {
    pub(crate) fn new(request: ChallengeRequest) -> Self {
        Counter {
            m: Identification::new(request, TERMINAL, PLATFORM).unwrap(),
            now: T0,
        }
    }

    /// Card placed: the ReadCard ticket.
    pub(crate) fn place(&mut self, pin_pad: bool) -> Ticket {
        read_ticket(&self.send(Input::CardPlaced { pin_pad }))
    }

    /// Card placed and read with `tries_left`: the effects of the read.
    pub(crate) fn placed_and_read(&mut self, pin_pad: bool, tries_left: u8) -> Vec<Effect> {
        let ticket = self.place(pin_pad);
        self.send(Input::CardRead {
            ticket,
            result: Ok(facts(tries_left)),
        })
    }

    /// The customer types the PIN: the RequestChallenge ticket.
    pub(crate) fn type_pin(&mut self) -> Ticket {
        challenge_ticket(&self.send(Input::PinEntered(pin())))
    }

    /// The platform answers the challenge: the Authenticate effect.
    pub(crate) fn issue(&mut self, ticket: Ticket) -> Authenticate {
        let request = self.m.request().clone();
        let expires_at = self.now.plus_secs(300);
        authenticate(self.send(Input::ChallengeIssued {
            ticket,
            result: Ok(challenge(&request, expires_at)),
        }))
    }

    /// The host route up to the Authenticate effect, from a card with `tries_left`.
    pub(crate) fn up_to_signing(&mut self, tries_left: u8) -> Authenticate {
        assert!(self.placed_and_read(false, tries_left).is_empty());
        let t = self.type_pin();
        self.issue(t)
    }

    pub(crate) fn staff_json(&self) -> String {
        serde_json::to_string(&self.m.staff_view()).unwrap()
    }

    pub(crate) fn customer_json(&self) -> String {
        serde_json::to_string(&self.m.customer_view()).unwrap()
    }
}

/// The fields of an Authenticate effect.
#[derive(Debug)]
pub(crate) struct Authenticate {
    pub(crate) ticket: Ticket,
    pub(crate) pin: PinEntry,
    pub(crate) digest: [u8; 32],
    pub(crate) confirm_last_try: bool,
}

pub(crate) fn challenge_ticket(effects: &[Effect]) -> Ticket {
    match effects {
        [Effect::RequestChallenge { ticket, .. }] => *ticket,
        other => panic!("expected RequestChallenge, got {other:?}"),
    }
}

pub(crate) fn authenticate(effects: Vec<Effect>) -> Authenticate {
    let mut effects = effects.into_iter();
    match (effects.next(), effects.next()) {
        (
            Some(Effect::Authenticate {
                ticket,
                pin,
                digest,
                confirm_last_try,
            }),
            None,
        ) => Authenticate {
            ticket,
            pin,
            digest,
            confirm_last_try,
        },
        other => panic!("expected Authenticate, got {other:?}"),
    }
}

pub(crate) fn identify(effects: &[Effect]) -> (Ticket, IdentificationRequest) {
    match effects {
        [Effect::Identify { ticket, request }] => (*ticket, request.clone()),
        other => panic!("expected Identify, got {other:?}"),
    }
}

/// The card signed (the answer to `authenticate`), then the platform identified the card
/// for `request`: the outcome.
pub(crate) fn signed_then_identified(
    c: &mut Counter,
    authenticate: Ticket,
    request: &ChallengeRequest,
) -> Outcome {
    let (t, _) = identify(&c.send(Input::Signed {
        ticket: authenticate,
        result: Ok(authentication()),
    }));
    let e = c.send(Input::Identified {
        ticket: t,
        result: Ok(identification(request)),
    });
    finished(&e)
}

/// How a session ends whose PIN the card has blocked.
pub(crate) fn pin_blocked() -> Outcome {
    Outcome::Failed {
        code: Code::PinBlocked,
        tries_left: Some(0),
        can_retry: false,
        field: None,
        refused: Vec::new(),
    }
}

pub(crate) fn has_authenticate(effects: &[Effect]) -> bool {
    effects
        .iter()
        .any(|e| matches!(e, Effect::Authenticate { .. }))
}

#[test]
fn a_fresh_machine_waits_for_a_card() {
    let c = Counter::new(identify_request());
    assert_eq!(c.m.step(), Step::WaitingForCard);
    assert!(c.m.outcome().is_none());
    assert!(!c.m.holds_pin());
}
