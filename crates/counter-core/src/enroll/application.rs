//! The enrollment's second half: the PIN leg's signature, the application built from the
//! confirmed attributes, the password's signature over it, and the platform's answer.

use counter_api::platform::{
    Application, EnrollmentRequest, EnrollmentResponse, IdentificationRequest, LinkRefusal,
};
use counter_api::{ProblemCode, b64};
use jpki_card::{CardError, DocumentSignature, SignPassword, sha256};

use super::view::link_code;
use super::{Enroll, EnrollPhase};
use crate::UnixTime;
use crate::backend::BackendFailure;
use crate::codes::Code;
use crate::session::{
    CardVerdict, Context, Effect, Failure, Input, LegEvent, Outcome, PinLeg, Secret,
    SignAttributes, Turn, card_verdict, platform_failure,
};

impl Enroll {
    /// An input at the PIN leg; once the card signed the challenge, the application.
    pub(super) fn pin_leg(
        &self,
        mut leg: PinLeg,
        password: SignPassword,
        attributes: SignAttributes,
        consent: bool,
        input: Input,
        cx: &mut Context,
    ) -> Turn<EnrollPhase> {
        match leg.handle(input, cx) {
            LegEvent::Signed {
                binding,
                request: identification,
            } => {
                let application = Application {
                    challenge_id: binding.challenge_id,
                    name: attributes.name,
                    address: attributes.address,
                    birth_date: attributes.birth_date,
                    sex: attributes.sex,
                    disclosure_consent: consent,
                    services: self.services.clone(),
                };
                sign_application(
                    application,
                    identification,
                    binding.expires_at,
                    password,
                    cx,
                )
            }
            LegEvent::Failed(f) => for_enrollment(f).into(),
            LegEvent::CardRemoved => Turn::CardRemoved,
            waiting => {
                let phase = EnrollPhase::Pin {
                    leg,
                    password,
                    attributes,
                    consent,
                };
                match waiting {
                    LegEvent::Effect(e) => Turn::Go(phase, vec![e]),
                    LegEvent::NotNow(e) => Turn::NotNow(phase, e),
                    _ => Turn::Go(phase, Vec::new()),
                }
            }
        }
    }

    pub(super) fn enrolled(
        &self,
        result: Result<EnrollmentResponse, BackendFailure>,
    ) -> Turn<EnrollPhase> {
        match result {
            Ok(r) => Turn::End(Outcome::Enrolled {
                enrollment_id: r.enrollment_id,
                linked: r.linked,
                refused: r.refused,
            }),
            Err(f) if f.problem() == Some(ProblemCode::LinkRefused) => {
                let refusal = self.refusal_of(&f);
                let mut failure =
                    Failure::new(refusal.as_ref().map_or(Code::LinkServiceRefused, link_code));
                if let BackendFailure::Problem { field, .. } = &f {
                    failure.field = field.clone();
                }
                let mut outcome = Outcome::from(failure);
                if let (Outcome::Failed { refused, .. }, Some(r)) = (&mut outcome, refusal) {
                    refused.push(r);
                }
                Turn::End(outcome)
            }
            // The application may have been taken: whether the card is linked is not
            // known, and staff must not read "try again later" as "nothing happened".
            Err(f) if f.outcome_unknown() => Failure::new(Code::EnrollmentOutcomeUnknown).into(),
            Err(f) => for_enrollment(platform_failure(&f)).into(),
        }
    }

    /// The refusal a `link_refused` problem names: its field is `application.services[i]`,
    /// its reason why.
    fn refusal_of(&self, f: &BackendFailure) -> Option<LinkRefusal> {
        let BackendFailure::Problem { field, reason, .. } = f else {
            return None;
        };
        let index: usize = field
            .as_deref()?
            .strip_prefix("application.services[")?
            .strip_suffix(']')?
            .parse()
            .ok()?;
        let link = self.services.get(index)?;
        let (reason, attribute) = LinkRefusal::parse_reason(reason.as_deref()?)?;
        Some(LinkRefusal {
            index: u32::try_from(index).ok()?,
            service_id: link.service_id().to_owned(),
            kind: link.kind(),
            reason,
            attribute,
        })
    }
}

/// A failure as an enrollment tells it. [`Code::PlatformUnavailable`]'s next step is a
/// check's (record a fallback, a re-check is queued). An enrollment meets it when the
/// platform could not be reached before the application left (the challenge failed, or
/// the application was known never sent) or refused the terminal itself: nothing was
/// linked, and what staff do is enrol again once the platform is back. An answer that may
/// have linked the card never reaches here ([`Code::EnrollmentOutcomeUnknown`]).
fn for_enrollment(f: Failure) -> Failure {
    if f.code == Code::PlatformUnavailable {
        Failure {
            code: Code::EnrollmentNotSent,
            can_retry: Code::EnrollmentNotSent.entry().retryable,
            ..f
        }
    } else {
        f
    }
}

/// The application, from the confirmed attributes, for the password to sign.
fn sign_application(
    application: Application,
    identification: IdentificationRequest,
    expires_at: UnixTime,
    password: SignPassword,
    cx: &mut Context,
) -> Turn<EnrollPhase> {
    if let Err(e) = application.validate() {
        // A certificate whose attributes break the contract's rules: nothing is signed.
        let mut f = Failure::new(Code::Internal);
        f.field = Some(e.field);
        return f.into();
    }
    let digest = sha256(&application.canonical_bytes());
    let ticket = cx.tickets.next();
    Turn::Go(
        EnrollPhase::SigningApplication {
            ticket,
            application,
            identification,
            expires_at,
        },
        vec![Effect::SignApplication {
            ticket,
            password,
            digest,
        }],
    )
}

/// The card signed the application: the platform gets it, if the challenge still holds.
pub(super) fn signed(
    application: Application,
    identification: IdentificationRequest,
    expires_at: UnixTime,
    result: Result<DocumentSignature, CardError>,
    cx: &mut Context,
) -> Turn<EnrollPhase> {
    let signed = match result {
        Ok(_) if cx.now > expires_at => return Failure::new(Code::ChallengeExpired).into(),
        Ok(s) => s,
        Err(e) => {
            return match card_verdict(&e, Secret::SignPassword) {
                CardVerdict::Removed => Turn::CardRemoved,
                CardVerdict::Failed(f) => f.into(),
            };
        }
    };
    let ticket = cx.tickets.next();
    Turn::Go(
        EnrollPhase::Enrolling { ticket },
        vec![Effect::Enroll {
            ticket,
            request: EnrollmentRequest {
                application,
                sign_certificate: b64::encode(&signed.sign_certificate),
                application_signature: b64::encode(&signed.signature),
                identification,
            },
        }],
    )
}
