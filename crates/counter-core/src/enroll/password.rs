//! The enrollment's first half: the signature password, the sign certificate and the
//! customer's check of its attributes, up to the start of the PIN leg.

use counter_api::platform::ServiceLink;
use jpki_card::{CardError, SignPassword};

use super::{Enroll, EnrollPhase};
use crate::codes::Code;
use crate::session::{
    CardFacts, CardVerdict, Context, CustomerPassword, Effect, Failure, PinLeg, Secret,
    SignAttributes, Turn, card_verdict,
};

/// The password was typed: the machine keeps it for the signature; the card step gets a
/// copy.
pub(super) fn entered(
    facts: CardFacts,
    tries_left: Option<u8>,
    last_try_confirmed: bool,
    password: CustomerPassword,
    cx: &mut Context,
) -> Turn<EnrollPhase> {
    let ticket = cx.tickets.next();
    let copy = password.0.duplicate();
    Turn::Go(
        EnrollPhase::ReadingSignCertificate {
            ticket,
            facts,
            password: password.0,
            tries_left,
        },
        vec![Effect::ReadSignCertificate {
            ticket,
            password: copy,
            confirm_last_try: last_try_confirmed,
        }],
    )
}

/// The card checked the password and handed out the sign certificate (or refused).
pub(super) fn certificate_read(
    facts: CardFacts,
    password: SignPassword,
    result: Result<SignAttributes, CardError>,
) -> Turn<EnrollPhase> {
    let error = match result {
        Ok(attributes) => {
            return Turn::Go(
                EnrollPhase::ConfirmAttributes {
                    facts,
                    password,
                    attributes,
                },
                Vec::new(),
            );
        }
        Err(e) => e,
    };
    drop(password); // a password the card refused is never used again
    match error {
        CardError::PinIncorrect { tries_left: 0 } | CardError::PinBlocked => {
            Failure::new(Code::PasswordBlocked).with_tries(0).into()
        }
        CardError::PinIncorrect { tries_left: 1 } | CardError::LastTryNeedsConfirmation => {
            Turn::Go(EnrollPhase::ConfirmPasswordLastTry { facts }, Vec::new())
        }
        CardError::PinIncorrect { tries_left } => Turn::Go(
            EnrollPhase::PasswordEntry {
                facts,
                tries_left: Some(tries_left),
                last_try_confirmed: false,
                message: Some(Code::PasswordWrong),
            },
            Vec::new(),
        ),
        other => match card_verdict(&other, Secret::SignPassword) {
            CardVerdict::Removed => Turn::CardRemoved,
            CardVerdict::Failed(f) => f.into(),
        },
    }
}

impl Enroll {
    /// The customer confirmed the attributes: the PIN leg starts (with a PIN pad and more
    /// than one try, its challenge is asked for at once). Without the consent to send them,
    /// no link that needs a service's confirmation can be made.
    pub(super) fn attributes_confirmed(
        &self,
        facts: CardFacts,
        password: SignPassword,
        attributes: SignAttributes,
        consent: bool,
        cx: &mut Context,
    ) -> Turn<EnrollPhase> {
        if !consent && self.services.iter().any(ServiceLink::needs_confirmation) {
            return Failure::new(Code::DisclosureDeclined).into();
        }
        match PinLeg::start(self.request.clone(), &facts, cx) {
            Ok((leg, effect)) => Turn::Go(
                EnrollPhase::Pin {
                    leg,
                    password,
                    attributes,
                    consent,
                },
                effect.into_iter().collect(),
            ),
            Err(f) => f.into(),
        }
    }
}
