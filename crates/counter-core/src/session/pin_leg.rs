//! The PIN leg of every card session: from the card's facts to a checked signature over a
//! fresh challenge. It owns the PIN rules (docs/domain/eligibility.md §1.3 and R6;
//! docs/domain/payments-and-eid-clients.md §3.4, §4):
//!
//! - the retry counter is read before the PIN is asked; 0 tries → blocked, no PIN asked;
//! - at one try left the staff must confirm before the try is used, and the card flow gets
//!   `confirm_last_try` only then (docs/domain/jpki.md §6.3);
//! - a wrong PIN goes back to PIN entry with the tries shown; it is never retried on its own;
//! - on the customer window the PIN is typed first and the challenge fetched after, so a
//!   slow typist cannot outlive the challenge; with a PIN pad the challenge comes first and
//!   the pad collects the PIN inside the card flow;
//! - the challenge is checked (`ChallengeResponse::check_for`) before the card signs it.

use std::mem;

use counter_api::b64;
use counter_api::platform::{
    ChallengeBinding, ChallengeRequest, ChallengeResponse, IdentificationRequest,
};
use jpki_card::{AuthPin, CardError, PinEntry, sha256};

use super::Context;
use super::effect::{Effect, NotNow};
use super::failure::{CardVerdict, Failure, Secret, card_verdict, platform_failure};
use super::input::{CardFacts, Input, Ticket};
use crate::UnixTime;
use crate::backend::BackendFailure;
use crate::codes::Code;

/// Seconds the PIN pad waits for the PIN (`bTimerOut`, docs/domain/jpki.md §5.2): generous for elderly
/// customers, and below libccid's own read timeout of max(90, bTimerOut + 10) s, so that
/// the pad, not the transport, reports the time-out (`64 00`, no try used).
pub const PIN_PAD_TIMEOUT_SECS: u8 = 60;

/// A PIN-pad wait: when the card step that arms the pad went out, and how long the pad
/// waits (the `bTimerOut` sent, [`PIN_PAD_TIMEOUT_SECS`]). The views count down from it;
/// nothing here ends the wait, the pad does (`64 00`, [`CardError::PinEntryTimeout`]).
/// The pad starts its clock a moment later (the card step selects the application
/// first), so the countdown reaches 0 slightly before the pad gives up, never after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PadWait {
    began: UnixTime,
    timeout_secs: u8,
}

impl PadWait {
    /// Seconds the customer has left on the pad at `now` (0 once the time is up).
    pub(crate) fn seconds_left(self, now: UnixTime) -> i64 {
        self.began
            .plus_secs(i64::from(self.timeout_secs))
            .secs_since(now)
            .max(0)
    }
}

/// Refuses a card before any PIN is asked: an expired auth certificate (so no try is
/// burnt on a card the platform refuses anyway) or a blocked PIN.
pub(crate) fn check_facts(facts: &CardFacts, now: UnixTime) -> Result<(), Failure> {
    if facts.certificate_not_after.is_some_and(|t| t < now) {
        return Err(Failure::new(Code::CertificateExpired));
    }
    if facts.tries_left == 0 {
        return Err(Failure::new(Code::PinBlocked).with_tries(0));
    }
    Ok(())
}

/// Where the leg stands, for the views.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LegStep {
    /// One try left: waiting for the staff's confirmation.
    ConfirmLastTry,
    /// Waiting for the PIN (customer window) or for "enter the PIN" (PIN pad).
    PinEntry,
    /// Waiting for the challenge.
    RequestingChallenge,
    /// The customer types on the PIN pad; the card signs.
    PinPad,
    /// The card signs.
    Signing,
}

impl LegStep {
    /// The step's name, for a [`NotNow`].
    pub(crate) fn name(self) -> &'static str {
        match self {
            LegStep::ConfirmLastTry => "confirm_last_try",
            LegStep::PinEntry => "pin_entry",
            LegStep::RequestingChallenge => "requesting_challenge",
            LegStep::PinPad => "pin_pad",
            LegStep::Signing => "signing",
        }
    }
}

/// What came of one input.
pub(crate) enum LegEvent {
    /// Nothing for the shell: the leg waits.
    Nothing,
    /// Do this.
    Effect(Effect),
    /// The input does not fit the leg's stage, or answers an effect no longer awaited.
    NotNow(NotNow),
    /// The card signed the checked challenge: the leg is over. `request` proves it to
    /// the platform (identification, or the enrollment's identification part).
    Signed {
        binding: ChallengeBinding,
        request: IdentificationRequest,
    },
    /// The leg ended without a signature.
    Failed(Failure),
    /// The card left during the card step.
    CardRemoved,
}

#[derive(Debug)]
enum Stage {
    ConfirmLastTry,
    PinEntry,
    Challenge {
        ticket: Ticket,
        /// The customer-window PIN, held only until the Authenticate effect takes it.
        pin: Option<AuthPin>,
    },
    Signing {
        ticket: Ticket,
        binding: ChallengeBinding,
        /// With a PIN pad: the pad's wait, from the Authenticate effect on.
        pad: Option<PadWait>,
    },
    Over,
}

/// The PIN leg. Dropping it drops the PIN it may hold (zeroised); its `Debug` shows the
/// PIN as `AuthPin(****)`.
#[derive(Debug)]
pub(crate) struct PinLeg {
    request: ChallengeRequest,
    pin_pad: bool,
    tries_left: u8,
    last_try_confirmed: bool,
    message: Option<Code>,
    stage: Stage,
}

impl PinLeg {
    /// Starts the leg on a card with `facts` (refused as [`check_facts`] says). With a PIN
    /// pad and more than one try, the challenge is asked for at once.
    pub(crate) fn start(
        request: ChallengeRequest,
        facts: &CardFacts,
        cx: &mut Context,
    ) -> Result<(PinLeg, Option<Effect>), Failure> {
        check_facts(facts, cx.now)?;
        let pin_pad = cx.pin_pad;
        let mut leg = PinLeg {
            request,
            pin_pad,
            tries_left: facts.tries_left,
            last_try_confirmed: false,
            message: None,
            stage: Stage::PinEntry,
        };
        if facts.tries_left == 1 {
            leg.stage = Stage::ConfirmLastTry;
            leg.message = Some(Code::PinLastTry);
            return Ok((leg, None));
        }
        let effect = pin_pad.then(|| leg.ask_challenge(None, cx));
        Ok((leg, effect))
    }

    fn ask_challenge(&mut self, pin: Option<AuthPin>, cx: &mut Context) -> Effect {
        let ticket = cx.tickets.next();
        self.stage = Stage::Challenge { ticket, pin };
        Effect::RequestChallenge {
            ticket,
            request: self.request.clone(),
        }
    }

    /// Takes one input: the PIN, the staff's confirmation, "enter the PIN again", the
    /// challenge and the card's signature. A result with another ticket than the awaited
    /// one, or an input that does not fit the stage, changes nothing and is refused (a
    /// misplaced PIN is dropped at once).
    pub(crate) fn handle(&mut self, input: Input, cx: &mut Context) -> LegEvent {
        let pin_pad = self.pin_pad;
        match (input, mem::replace(&mut self.stage, Stage::Over)) {
            (Input::StaffConfirmedLastTry, Stage::ConfirmLastTry) => {
                self.last_try_confirmed = true;
                self.message = None;
                if pin_pad {
                    return LegEvent::Effect(self.ask_challenge(None, cx));
                }
                self.stage = Stage::PinEntry;
                LegEvent::Nothing
            }
            (Input::PinEntered(pin), Stage::PinEntry) if !pin_pad => {
                self.message = None;
                LegEvent::Effect(self.ask_challenge(Some(pin.0), cx))
            }
            (Input::PinMalformed, Stage::PinEntry) if !pin_pad => {
                self.message = Some(Code::PinFormat);
                self.stage = Stage::PinEntry;
                LegEvent::Nothing
            }
            (Input::RetryPin, Stage::PinEntry) if pin_pad => {
                self.message = None;
                LegEvent::Effect(self.ask_challenge(None, cx))
            }
            (Input::ChallengeIssued { ticket: t, result }, Stage::Challenge { ticket, pin })
                if t == ticket =>
            {
                self.challenge_issued(result, pin, cx)
            }
            (
                Input::Signed { ticket: t, result },
                Stage::Signing {
                    ticket, binding, ..
                },
            ) if t == ticket => match result {
                Ok(_) if cx.now > binding.expires_at => {
                    LegEvent::Failed(Failure::new(Code::ChallengeExpired))
                }
                Ok(authentication) => LegEvent::Signed {
                    request: IdentificationRequest {
                        challenge_id: binding.challenge_id.clone(),
                        auth_certificate: b64::encode(&authentication.certificate),
                        signature: b64::encode(&authentication.signature),
                    },
                    binding,
                },
                Err(e) => self.card_failed(&e),
            },
            (input, stage) => {
                self.stage = stage;
                LegEvent::NotNow(NotNow::of(&input, self.step().name()))
            }
        }
    }

    fn challenge_issued(
        &mut self,
        result: Result<ChallengeResponse, BackendFailure>,
        pin: Option<AuthPin>,
        cx: &mut Context,
    ) -> LegEvent {
        let response = match result {
            Ok(r) => r,
            Err(f) => return LegEvent::Failed(platform_failure(&f)),
        };
        let binding =
            match response.check_for(&cx.platform_id, &cx.terminal_id, &self.request, cx.now) {
                Ok(b) => b,
                Err(e) if e.field == "expires_at" => {
                    return LegEvent::Failed(Failure::new(Code::ChallengeExpired));
                }
                // Another platform, another terminal, another purpose or amount, or bytes that
                // are not the fields' canonical form: the card never signs it.
                Err(_) => return LegEvent::Failed(Failure::new(Code::PlatformUnavailable)),
            };
        let (entry, pad) = match (self.pin_pad, pin) {
            (true, _) => (
                PinEntry::PinPad {
                    timeout_secs: PIN_PAD_TIMEOUT_SECS,
                },
                Some(PadWait {
                    began: cx.now,
                    timeout_secs: PIN_PAD_TIMEOUT_SECS,
                }),
            ),
            (false, Some(pin)) => (PinEntry::Host(pin), None),
            (false, None) => return LegEvent::Failed(Failure::new(Code::Internal)),
        };
        let digest = sha256(&binding.to_be_signed());
        let ticket = cx.tickets.next();
        self.stage = Stage::Signing {
            ticket,
            binding,
            pad,
        };
        LegEvent::Effect(Effect::Authenticate {
            ticket,
            pin: entry,
            digest,
            confirm_last_try: self.last_try_confirmed,
        })
    }

    fn card_failed(&mut self, error: &CardError) -> LegEvent {
        self.last_try_confirmed = false;
        match error {
            CardError::PinIncorrect { tries_left: 0 } | CardError::PinBlocked => {
                return LegEvent::Failed(Failure::new(Code::PinBlocked).with_tries(0));
            }
            CardError::PinIncorrect { tries_left: 1 } | CardError::LastTryNeedsConfirmation => {
                self.tries_left = 1;
                self.message = Some(Code::PinLastTry);
                self.stage = Stage::ConfirmLastTry;
            }
            CardError::PinIncorrect { tries_left } => {
                self.tries_left = *tries_left;
                self.message = Some(Code::PinWrong);
                self.stage = Stage::PinEntry;
            }
            CardError::PinEntryTimeout => {
                self.message = Some(Code::PinPadTimeout);
                self.stage = Stage::PinEntry;
            }
            CardError::PinEntryCancelled => {
                self.message = Some(Code::PinCancelled);
                self.stage = Stage::PinEntry;
            }
            other => {
                return match card_verdict(other, Secret::AuthPin) {
                    CardVerdict::Removed => LegEvent::CardRemoved,
                    CardVerdict::Failed(f) => LegEvent::Failed(f),
                };
            }
        }
        LegEvent::Nothing
    }

    /// Where the leg stands.
    pub(crate) fn step(&self) -> LegStep {
        match self.stage {
            Stage::ConfirmLastTry => LegStep::ConfirmLastTry,
            Stage::PinEntry => LegStep::PinEntry,
            Stage::Challenge { .. } => LegStep::RequestingChallenge,
            Stage::Signing { .. } | Stage::Over if self.pin_pad => LegStep::PinPad,
            Stage::Signing { .. } | Stage::Over => LegStep::Signing,
        }
    }

    /// Whether the leg waits on a person (the customer's time limit runs).
    pub(crate) fn awaits_customer(&self) -> bool {
        matches!(self.stage, Stage::ConfirmLastTry | Stage::PinEntry)
    }

    /// Whether a card step runs (the Authenticate effect is out).
    pub(crate) fn card_busy(&self) -> bool {
        matches!(self.stage, Stage::Signing { .. })
    }

    /// The PIN pad's wait, while the pad collects the PIN.
    pub(crate) fn pad_wait(&self) -> Option<PadWait> {
        match self.stage {
            Stage::Signing { pad, .. } => pad,
            _ => None,
        }
    }

    /// Whether the leg holds a PIN typed on the customer window.
    pub(crate) fn holds_pin(&self) -> bool {
        matches!(self.stage, Stage::Challenge { pin: Some(_), .. })
    }

    /// Tries the PIN has left, as last known.
    pub(crate) fn tries_left(&self) -> u8 {
        self.tries_left
    }

    /// What to tell people at this step.
    pub(crate) fn message(&self) -> Option<Code> {
        self.message
    }
}
