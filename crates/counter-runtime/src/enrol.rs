//! Enrollment for scripted runs with the virtual card (the demo's seeding, tests and
//! benches): challenge → the card signs the application with the signature password and
//! the challenge with the PIN → platform, in one call. Only with the `virtual-card`
//! feature; the interactive terminal drives `counter_core::enroll` instead, which checks
//! the challenge's binding before the card signs it.

use std::path::Path;

use counter_api::platform::{
    Application, ChallengePurpose, ChallengeRequest, EnrollmentRequest, EnrollmentResponse,
    IdentificationRequest, ServiceLink, Sex,
};
use counter_core::backend::BackendFailure;
use jpki_card::{AuthPin, Authenticate, PinEntry, SignDocument, SignPassword, run, sha256};

use crate::card::{CardAccess, with_card};
use crate::http::Backends;

/// What the card needs: the signature password, the authentication PIN, and whether a
/// last PIN try may be used (a throwaway virtual card's, where the PIN is known right).
pub struct Secrets {
    /// The signature certificate's password.
    pub password: SignPassword,
    /// The authentication certificate's PIN.
    pub pin: AuthPin,
    /// Use the last PIN try without asking.
    pub confirm_last_try: bool,
}

/// The step that failed and what it said.
#[derive(Debug, thiserror::Error)]
#[error("{step}: {detail}")]
pub struct EnrolError {
    /// `persona`, `challenge`, `signature`, `authentication` or `enroll`.
    pub step: &'static str,
    /// What failed, in words.
    pub detail: String,
}

/// Enrols the card at `access` with `application` (its `challenge_id` is set from the
/// challenge asked here) and returns the platform's answer, refused links included.
pub async fn enrol(
    backends: &Backends,
    access: &CardAccess,
    secrets: Secrets,
    mut application: Application,
) -> Result<EnrollmentResponse, EnrolError> {
    let fail = |step: &'static str| move |detail: String| EnrolError { step, detail };
    let request = ChallengeRequest {
        purpose: ChallengePurpose::Enroll,
        context: None,
    };
    let ch = backends
        .challenge(&request)
        .await
        .map_err(|f| fail("challenge")(describe(&f)))?;
    application.challenge_id = ch.challenge_id.clone();
    let tbs = counter_api::b64::decode("to_be_signed", &ch.to_be_signed)
        .map_err(|e| fail("challenge")(e.to_string()))?;
    let Secrets {
        password,
        pin,
        confirm_last_try,
    } = secrets;
    let digest = sha256(&application.canonical_bytes());
    let signed = with_card(access, move |t| run(t, SignDocument::new(password, digest)))
        .await
        .map_err(|e| fail("signature")(e.to_string()))?;
    let flow =
        Authenticate::new(PinEntry::Host(pin), sha256(&tbs)).confirm_last_try(confirm_last_try);
    let auth = with_card(access, move |t| run(t, flow))
        .await
        .map_err(|e| fail("authentication")(e.to_string()))?;
    let request = EnrollmentRequest {
        application,
        sign_certificate: counter_api::b64::encode(&signed.sign_certificate),
        application_signature: counter_api::b64::encode(&signed.signature),
        identification: IdentificationRequest {
            challenge_id: ch.challenge_id,
            auth_certificate: counter_api::b64::encode(&auth.certificate),
            signature: counter_api::b64::encode(&auth.signature),
        },
    };
    backends
        .enroll(&request)
        .await
        .map_err(|f| fail("enroll")(describe(&f)))
}

/// Enrols the persona of the file `path` (`assets/personas/*.toml`) as its own virtual
/// card, with its attributes, its password and PIN, the customer's consent to the
/// disclosure, and `services`. A fresh card is made for each step, so its last PIN try may
/// be used: the PIN is the persona's own.
pub async fn enrol_persona(
    backends: &Backends,
    path: &Path,
    services: Vec<ServiceLink>,
) -> Result<EnrollmentResponse, EnrolError> {
    let persona = jpki_card_sim::Persona::load(path).map_err(|e| EnrolError {
        step: "persona",
        detail: format!("{}: {e}", path.display()),
    })?;
    let password = persona.sign_password.as_deref().ok_or_else(|| EnrolError {
        step: "signature",
        detail: format!("{} has no signature password", persona.id),
    })?;
    let secrets = Secrets {
        password: SignPassword::new(password).map_err(|e| EnrolError {
            step: "signature",
            detail: e.to_string(),
        })?,
        pin: AuthPin::new(&persona.auth_pin).map_err(|e| EnrolError {
            step: "authentication",
            detail: e.to_string(),
        })?,
        confirm_last_try: true,
    };
    let application = Application {
        challenge_id: String::new(),
        name: persona.name.clone(),
        address: persona.address.clone(),
        birth_date: persona.birth_date.clone(),
        sex: sex_of(&persona),
        disclosure_consent: true,
        services,
    };
    let access = CardAccess::Virtual(path.to_path_buf());
    enrol(backends, &access, secrets, application).await
}

/// The persona's sex as the application states it.
pub fn sex_of(persona: &jpki_card_sim::Persona) -> Sex {
    match persona.sex {
        jpki_card_sim::Sex::Male => Sex::Male,
        jpki_card_sim::Sex::Female => Sex::Female,
        jpki_card_sim::Sex::Unknown => Sex::NotKnown,
    }
}

/// A platform failure in words.
fn describe(f: &BackendFailure) -> String {
    match f {
        BackendFailure::Unreachable { detail, .. } => {
            format!("the platform is unreachable: {detail}")
        }
        BackendFailure::Problem {
            status,
            code,
            detail,
            ..
        } => format!("the platform refused (HTTP {status} {code}): {detail}"),
        BackendFailure::Malformed { detail } => {
            format!("the platform's answer is malformed: {detail}")
        }
        BackendFailure::AnswerLost { detail } => format!(
            "the platform's answer was lost ({detail}); the enrollment may be stored: identify the card to see its services, or enrol again"
        ),
    }
}
