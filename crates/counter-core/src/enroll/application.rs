//! The enrollment's second half: the application built from the confirmed attributes, the
//! password's signature over it, and the platform's answer.

use std::mem;

use counter_api::platform::{
    Application, EnrollmentRequest, EnrollmentResponse, IdentificationRequest, LinkRefusal,
};
use counter_api::{ProblemCode, b64};
use jpki_card::{CardError, DocumentSignature, sha256};

use super::view::link_code;
use super::{Effect, Enrollment, Outcome, Phase};
use crate::UnixTime;
use crate::backend::BackendFailure;
use crate::codes::Code;
use crate::identify::{CardVerdict, Failure, Secret, card_verdict, platform_failure};

impl Enrollment {
    /// The application, from the confirmed attributes, for the password to sign.
    pub(super) fn sign_application(
        &mut self,
        challenge_id: String,
        identification: IdentificationRequest,
        expires_at: UnixTime,
    ) -> Vec<Effect> {
        let (password, attributes, consent) = match mem::replace(&mut self.phase, Phase::Idle) {
            Phase::Pin {
                password,
                attributes,
                consent,
                ..
            } => (password, attributes, consent),
            other => {
                self.phase = other;
                return Vec::new();
            }
        };
        let application = Application {
            challenge_id,
            name: attributes.name,
            address: attributes.address,
            birth_date: attributes.birth_date,
            sex: attributes.sex,
            disclosure_consent: consent,
            services: self.services.clone(),
        };
        if let Err(e) = application.validate() {
            // A certificate whose attributes break the contract's rules: nothing is signed.
            let mut f = Failure::new(Code::Internal);
            f.field = Some(e.field);
            return self.end(f.into());
        }
        let digest = sha256(&application.canonical_bytes());
        let ticket = self.tickets.next();
        self.phase = Phase::SigningApplication {
            ticket,
            application,
            identification,
            expires_at,
        };
        vec![Effect::SignApplication {
            ticket,
            password,
            digest,
        }]
    }

    pub(super) fn application_signed(
        &mut self,
        result: Result<DocumentSignature, CardError>,
        now: UnixTime,
    ) -> Vec<Effect> {
        let (application, identification, expires_at) =
            match mem::replace(&mut self.phase, Phase::Idle) {
                Phase::SigningApplication {
                    application,
                    identification,
                    expires_at,
                    ..
                } => (application, identification, expires_at),
                other => {
                    self.phase = other;
                    return Vec::new();
                }
            };
        let signed = match result {
            Ok(_) if now > expires_at => {
                return self.end(Failure::new(Code::ChallengeExpired).into());
            }
            Ok(s) => s,
            Err(e) => {
                return match card_verdict(&e, Secret::SignPassword) {
                    CardVerdict::Removed => self.removed_mid_session(),
                    CardVerdict::Failed(f) => self.end(f.into()),
                };
            }
        };
        let ticket = self.tickets.next();
        self.phase = Phase::Enrolling { ticket };
        vec![Effect::Enroll {
            ticket,
            request: EnrollmentRequest {
                application,
                sign_certificate: b64::encode(&signed.sign_certificate),
                application_signature: b64::encode(&signed.signature),
                identification,
            },
        }]
    }

    pub(super) fn enrolled(
        &mut self,
        result: Result<EnrollmentResponse, BackendFailure>,
    ) -> Vec<Effect> {
        match result {
            Ok(r) => self.end(Outcome::Enrolled {
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
                self.end(outcome)
            }
            Err(f) => self.end(platform_failure(&f).into()),
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
