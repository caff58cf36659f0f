//! The scripted clock both card sessions' tests drive their machine with: every input one
//! second after the previous one, taken or refused as the test says, and the late results
//! of every kind, which an ended or moved-on session must refuse as stale.

#![allow(clippy::panic)]

use counter_api::platform::ChallengeRequest;

use super::{Effect, Input, NotNow, Outcome, Ticket};
use crate::UnixTime;
use crate::codes::Code;
use crate::enroll::tests::{attributes, document_signature, enrollment_response};
use crate::identify::tests::data::{authentication, challenge, facts, identification};

/// A card session's machine, as the tests drive it.
pub(crate) trait Machine {
    /// Its `handle`.
    fn take(&mut self, input: Input, now: UnixTime) -> Result<Vec<Effect>, NotNow>;
    /// Whether it holds a PIN or a password.
    fn holds_secret(&self) -> bool;
}

impl Machine for crate::identify::Identification {
    fn take(&mut self, input: Input, now: UnixTime) -> Result<Vec<Effect>, NotNow> {
        self.handle(input, now)
    }
    fn holds_secret(&self) -> bool {
        self.holds_pin()
    }
}

impl Machine for crate::enroll::Enrollment {
    fn take(&mut self, input: Input, now: UnixTime) -> Result<Vec<Effect>, NotNow> {
        self.handle(input, now)
    }
    fn holds_secret(&self) -> bool {
        self.holds_pin() || self.holds_password()
    }
}

/// A machine and the counter's clock.
pub(crate) struct Driven<M> {
    pub(crate) m: M,
    pub(crate) now: UnixTime,
}

impl<M: Machine> Driven<M> {
    /// Sends `input` one second after the previous one; it must be taken.
    pub(crate) fn send(&mut self, input: Input) -> Vec<Effect> {
        self.now = self.now.plus_secs(1);
        let name = input.name();
        self.m
            .take(input, self.now)
            .unwrap_or_else(|e| panic!("{name} refused: {e}"))
    }

    /// Sends `input`, which the machine must refuse: why.
    pub(crate) fn refuse(&mut self, input: Input) -> NotNow {
        self.now = self.now.plus_secs(1);
        let name = input.name();
        match self.m.take(input, self.now) {
            Ok(effects) => panic!("{name} was taken: {effects:?}"),
            Err(e) => e,
        }
    }

    /// Sends every kind of result (of both flows, with usable payloads for `request`) with
    /// each of `tickets`: each is refused as stale, and no secret comes back.
    pub(crate) fn assert_stale(&mut self, tickets: &[Ticket], request: &ChallengeRequest) {
        for &ticket in tickets {
            let expires_at = self.now.plus_secs(300);
            let late = [
                Input::CardRead {
                    ticket,
                    result: Ok(facts(3)),
                },
                Input::ChallengeIssued {
                    ticket,
                    result: Ok(challenge(request, expires_at)),
                },
                Input::Signed {
                    ticket,
                    result: Ok(authentication()),
                },
                Input::Identified {
                    ticket,
                    result: Ok(identification(request)),
                },
                Input::SignCertificateRead {
                    ticket,
                    result: Ok(attributes()),
                },
                Input::ApplicationSigned {
                    ticket,
                    result: Ok(document_signature()),
                },
                Input::Enrolled {
                    ticket,
                    result: Ok(enrollment_response()),
                },
            ];
            for input in late {
                let e = self.refuse(input);
                assert!(e.is_stale(), "{e}");
            }
        }
        assert!(!self.m.holds_secret());
    }
}

/// How a session ends when the card leaves mid-way: put it back, nothing else.
pub(crate) fn card_removed() -> Outcome {
    Outcome::Failed {
        code: Code::CardRemoved,
        tries_left: None,
        can_retry: true,
        field: None,
        refused: Vec::new(),
    }
}

/// The ticket of `effects`, which must be the one `ReadCard`.
pub(crate) fn read_ticket(effects: &[Effect]) -> Ticket {
    match effects {
        [Effect::ReadCard { ticket }] => *ticket,
        other => panic!("expected ReadCard, got {other:?}"),
    }
}

/// The outcome of the `Finished` effect that ends `effects`.
pub(crate) fn finished(effects: &[Effect]) -> Outcome {
    match effects.last() {
        Some(Effect::Finished(o)) => o.clone(),
        other => panic!("expected Finished, got {other:?}"),
    }
}

/// The code of the failure that ends `effects`.
pub(crate) fn failed_code(effects: &[Effect]) -> Code {
    match finished(effects) {
        Outcome::Failed { code, .. } => code,
        other => panic!("expected Failed, got {other:?}"),
    }
}
