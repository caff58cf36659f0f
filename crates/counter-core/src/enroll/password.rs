//! The enrollment's first half: the auth facts, the signature password, the sign
//! certificate and the customer's check of its attributes, up to the start of the PIN leg.

use std::mem;

use jpki_card::CardError;

use super::input::{CustomerPassword, SignAttributes};
use super::{Effect, Enrollment, Phase};
use crate::UnixTime;
use crate::codes::Code;
use crate::identify::{CardFacts, CardVerdict, Failure, PinLeg, Secret, card_verdict, check_facts};

impl Enrollment {
    /// The auth facts are checked first: an expired auth certificate or a blocked PIN would
    /// stop the enrollment later, so the customer is not asked for the password in vain.
    pub(super) fn card_read(
        &mut self,
        result: Result<CardFacts, CardError>,
        now: UnixTime,
    ) -> Vec<Effect> {
        let facts = match result {
            Ok(facts) => facts,
            Err(e) => {
                return match card_verdict(&e, Secret::AuthPin) {
                    CardVerdict::Removed => self.removed_mid_session(),
                    CardVerdict::Failed(f) => self.end(f.into()),
                };
            }
        };
        if let Err(f) = check_facts(&facts, now) {
            return self.end(f.into());
        }
        self.phase = Phase::PasswordEntry {
            facts,
            tries_left: None,
            last_try_confirmed: false,
            message: None,
        };
        Vec::new()
    }

    /// The machine keeps the password for the signature; the card step gets a copy.
    pub(super) fn password_entered(&mut self, password: CustomerPassword) -> Vec<Effect> {
        let Phase::PasswordEntry {
            facts,
            tries_left,
            last_try_confirmed,
            ..
        } = self.phase
        else {
            return Vec::new(); // not asked for: dropped at once
        };
        let ticket = self.tickets.next();
        let copy = password.0.duplicate();
        self.phase = Phase::ReadingSignCertificate {
            ticket,
            facts,
            password: password.0,
            tries_left,
        };
        vec![Effect::ReadSignCertificate {
            ticket,
            password: copy,
            confirm_last_try: last_try_confirmed,
        }]
    }

    pub(super) fn sign_certificate_read(
        &mut self,
        result: Result<SignAttributes, CardError>,
    ) -> Vec<Effect> {
        let (facts, password) = match mem::replace(&mut self.phase, Phase::Idle) {
            Phase::ReadingSignCertificate {
                facts, password, ..
            } => (facts, password),
            other => {
                self.phase = other;
                return Vec::new();
            }
        };
        let error = match result {
            Ok(attributes) => {
                self.phase = Phase::ConfirmAttributes {
                    facts,
                    password,
                    attributes,
                };
                return Vec::new();
            }
            Err(e) => e,
        };
        drop(password); // a password the card refused is never used again
        match error {
            CardError::PinIncorrect { tries_left: 0 } | CardError::PinBlocked => {
                self.end(Failure::new(Code::PasswordBlocked).with_tries(0).into())
            }
            CardError::PinIncorrect { tries_left: 1 } | CardError::LastTryNeedsConfirmation => {
                self.phase = Phase::ConfirmPasswordLastTry { facts };
                Vec::new()
            }
            CardError::PinIncorrect { tries_left } => {
                self.phase = Phase::PasswordEntry {
                    facts,
                    tries_left: Some(tries_left),
                    last_try_confirmed: false,
                    message: Some(Code::PasswordWrong),
                };
                Vec::new()
            }
            other => match card_verdict(&other, Secret::SignPassword) {
                CardVerdict::Removed => self.removed_mid_session(),
                CardVerdict::Failed(f) => self.end(f.into()),
            },
        }
    }

    /// The customer confirmed the attributes: the PIN leg starts (with a PIN pad and more
    /// than one try, its challenge is asked for at once).
    pub(super) fn attributes_confirmed(&mut self, consent: bool, now: UnixTime) -> Vec<Effect> {
        if !matches!(self.phase, Phase::ConfirmAttributes { .. }) {
            return Vec::new();
        }
        if !consent
            && self
                .services
                .iter()
                .any(counter_api::platform::ServiceLink::needs_confirmation)
        {
            return self.end(Failure::new(Code::DisclosureDeclined).into());
        }
        let (facts, password, attributes) = match mem::replace(&mut self.phase, Phase::Idle) {
            Phase::ConfirmAttributes {
                facts,
                password,
                attributes,
            } => (facts, password, attributes),
            other => {
                self.phase = other;
                return Vec::new();
            }
        };
        match PinLeg::start(
            self.request.clone(),
            self.pin_pad,
            &facts,
            now,
            &mut self.tickets,
        ) {
            Ok((leg, effect)) => {
                self.phase = Phase::Pin {
                    leg,
                    password,
                    attributes,
                    consent,
                };
                effect.map(Effect::from).into_iter().collect()
            }
            Err(f) => self.end(f.into()),
        }
    }
}
