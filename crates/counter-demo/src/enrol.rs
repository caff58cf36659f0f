//! Enrolling the demo personas at the platform, once per demo folder: each persona's
//! virtual card signs the application with the signature password and answers the enroll
//! challenge with the PIN, in-process (no reader), as a counter's enrolment would.

use std::path::Path;

use counter_api::platform::{
    Application, ChallengePurpose, ChallengeRequest, EnrollmentRequest, IdentificationRequest,
    InsuranceLink, PaymentLink, ServiceLink, Sex,
};
use counter_core::BackendFailure;
use counter_runtime::http::Backends;
use jpki_card::{AuthPin, Authenticate, PinEntry, SignDocument, SignPassword, run, sha256};
use jpki_card_sim::{Faults, Persona, SimTransport, VirtualCard};

use crate::error::DemoError;
use crate::personas::{ACQUIRER, Enrolment, INSURER, INSURER_NUMBER, enrolled};

/// The marker file in the demo folder saying the personas are enrolled. It holds the ids
/// enrolled, so a demo that enrols someone else enrols again.
pub const MARKER: &str = "demo-enrolled";

/// What the marker holds once every persona of [`enrolled`] is enrolled.
fn marker_text() -> String {
    let ids: Vec<&str> = enrolled().map(|(id, _)| id).collect();
    format!("{}\n", ids.join("\n"))
}

/// Whether the personas are enrolled in the platform database of `dir` already.
pub(crate) fn done(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join(MARKER)).is_ok_and(|t| t == marker_text())
}

/// Enrols every persona of [`enrolled`] through `backends`, then writes the marker.
///
/// Enrolling again is harmless (the platform's registry replaces a person's links), so a
/// start interrupted half-way simply enrols everyone again next time.
pub(crate) async fn enrol_all(dir: &Path, backends: &Backends) -> Result<(), DemoError> {
    for (id, links) in enrolled() {
        enrol(backends, id, links).await?;
        tracing::info!(persona = id, "demo persona enrolled");
    }
    let path = dir.join(MARKER);
    std::fs::write(&path, marker_text()).map_err(|source| DemoError::Io {
        action: "write",
        path,
        source,
    })
}

/// Loads the test persona `id`.
pub(crate) fn load(id: &str) -> Result<Persona, DemoError> {
    testkit::load_persona(id).map_err(|e| DemoError::Persona {
        persona: id.to_owned(),
        detail: e.to_string(),
    })
}

/// The persona's sex as the contract writes it.
pub(crate) fn sex_of(p: &Persona) -> Sex {
    match p.sex {
        jpki_card_sim::Sex::Male => Sex::Male,
        jpki_card_sim::Sex::Female => Sex::Female,
        jpki_card_sim::Sex::Unknown => Sex::NotKnown,
    }
}

/// Enrols persona `id` with `links`.
async fn enrol(backends: &Backends, id: &str, links: &Enrolment) -> Result<(), DemoError> {
    let fail = |step: &'static str, detail: String| DemoError::Enrolment {
        persona: id.to_owned(),
        step,
        detail,
    };
    let p = load(id)?;
    let request = ChallengeRequest {
        purpose: ChallengePurpose::Enroll,
        context: None,
    };
    let ch = backends
        .challenge(&request)
        .await
        .map_err(|f| fail("challenge", describe(&f)))?;
    let app = Application {
        challenge_id: ch.challenge_id.clone(),
        name: p.name.clone(),
        address: p.address.clone(),
        birth_date: p.birth_date.clone(),
        sex: sex_of(&p),
        disclosure_consent: true,
        services: services(links),
    };
    // A fresh card each time, as each flow opens its own session; the cards placed on the
    // reader are separate, so enrolling spends none of their tries.
    let card = || {
        VirtualCard::from_persona(&p)
            .map(|c| SimTransport::new(c, Faults::default()))
            .map_err(|e| fail("card", e.to_string()))
    };
    let password = p
        .sign_password
        .as_deref()
        .ok_or_else(|| fail("signature", "the card has no signature password".into()))
        .and_then(|pw| SignPassword::new(pw).map_err(|e| fail("signature", e.to_string())))?;
    let signed = run(
        &mut card()?,
        SignDocument::new(password, sha256(&app.canonical_bytes())),
    )
    .map_err(|e| fail("signature", e.to_string()))?;
    let tbs = counter_api::b64::decode("to_be_signed", &ch.to_be_signed)
        .map_err(|e| fail("challenge", e.to_string()))?;
    let pin = AuthPin::new(&p.auth_pin).map_err(|e| fail("authentication", e.to_string()))?;
    // tanaka-yuki's card has one PIN try left: the PIN is the persona's own, so the last
    // try is confirmed (a correct PIN restores the tries of this throwaway card only).
    let flow = Authenticate::new(PinEntry::Host(pin), sha256(&tbs)).confirm_last_try(true);
    let auth = run(&mut card()?, flow).map_err(|e| fail("authentication", e.to_string()))?;
    let req = EnrollmentRequest {
        application: app,
        sign_certificate: counter_api::b64::encode(&signed.sign_certificate),
        application_signature: counter_api::b64::encode(&signed.signature),
        identification: IdentificationRequest {
            challenge_id: ch.challenge_id,
            auth_certificate: counter_api::b64::encode(&auth.certificate),
            signature: counter_api::b64::encode(&auth.signature),
        },
    };
    let answer = backends
        .enroll(&req)
        .await
        .map_err(|f| fail("enroll", describe(&f)))?;
    // The demo's data must fit: every link is confirmed by its service.
    if let Some(r) = answer.refused.first() {
        return Err(fail(
            "enroll",
            format!(
                "{} did not confirm the link ({})",
                r.service_id,
                r.reason_code()
            ),
        ));
    }
    Ok(())
}

/// The service links of an enrolment.
fn services(links: &Enrolment) -> Vec<ServiceLink> {
    let i = links.insurance;
    let mut services = vec![ServiceLink::Insurance(InsuranceLink {
        service_id: INSURER.into(),
        insurer_number: INSURER_NUMBER.into(),
        symbol: Some(i.symbol.into()),
        number: i.number.into(),
        branch: Some(i.branch.into()),
    })];
    if let Some(t) = links.payment {
        services.push(ServiceLink::Payment(PaymentLink {
            service_id: ACQUIRER.into(),
            card_token_ref: t.token.into(),
            brand: Some(t.brand.into()),
            last4: Some(t.last4.into()),
        }));
    }
    services
}

/// A backend failure in words.
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
    }
}
