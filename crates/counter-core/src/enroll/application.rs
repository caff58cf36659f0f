//! The enrollment's second half: the application built from the confirmed attributes, the
//! password's signature over it, and the platform's answer.

use std::mem;

use counter_api::b64;
use counter_api::platform::{
    Application, EnrollmentRequest, EnrollmentResponse, IdentificationRequest,
};
use jpki_card::{CardError, DocumentSignature, sha256};

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
        let (password, attributes) = match mem::replace(&mut self.phase, Phase::Idle) {
            Phase::Pin {
                password,
                attributes,
                ..
            } => (password, attributes),
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
            disclosure_consent: true,
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
            }),
            Err(f) => self.end(platform_failure(&f).into()),
        }
    }
}
