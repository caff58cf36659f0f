//! Enrolling the demo personas at the platform, once per demo folder: each persona's
//! virtual card signs the application with the signature password and answers the enroll
//! challenge with the PIN, in-process (no reader), as a counter's enrolment would.

use std::path::Path;

use counter_api::platform::ServiceLink;
use counter_runtime::http::Backends;
use jpki_card_sim::Persona;

use crate::error::DemoError;
use crate::personas::enrolled;

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
        enrol_all_confirmed(backends, id, links.services()).await?;
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

/// Enrols the test persona `id` with `services` through `backends` (a counter's HTTPS
/// clients): her virtual card in-process, as a counter's enrolment would, and every link
/// confirmed by its service. The demo enrols [`enrolled`]'s links
/// ([`Enrolment::services`](crate::personas::Enrolment::services)); the install test
/// (tests/e2e) one persona's insurance through the installed servers.
///
/// Each step gets a fresh virtual card, apart from the cards placed on the reader, so
/// enrolling spends none of their tries (tanaka-yuki's card has one PIN try left).
pub async fn enrol_all_confirmed(
    backends: &Backends,
    id: &str,
    services: Vec<ServiceLink>,
) -> Result<(), DemoError> {
    let fail = |step: &'static str, detail: String| DemoError::Enrolment {
        persona: id.to_owned(),
        step,
        detail,
    };
    let path = testkit::personas_dir().join(format!("{id}.toml"));
    let answer = counter_runtime::enrol::enrol_persona(backends, &path, services)
        .await
        .map_err(|e| fail(e.step, e.detail))?;
    // The data must fit: every link is confirmed by its service.
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
