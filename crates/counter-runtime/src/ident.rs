//! Identification for the headless driver's scripted runs: challenge → card signature →
//! platform, in one call, with the PIN given up front (from standard input, never from the
//! command line). The interactive terminal drives `counter_core::identify` instead.

use counter_api::platform::{ChallengeRequest, IdentificationRequest, IdentificationResponse};
use counter_core::Code;
use counter_core::identify::{card_code, platform_code};
use jpki_card::{AuthPin, Authenticate, PinEntry, run, sha256};

use crate::card::{CardAccess, with_card};
use crate::clock::Clock;
use crate::http::Backends;

/// Identifies the card holder for `request` (identify, payment or enroll purpose).
pub async fn identify(
    backends: &Backends,
    access: &CardAccess,
    pin: AuthPin,
    request: &ChallengeRequest,
    platform_id: &str,
    terminal_id: &str,
    clock: &dyn Clock,
) -> Result<IdentificationResponse, Code> {
    let ch = backends
        .challenge(request)
        .await
        .map_err(|f| platform_code(&f))?;
    let binding = ch
        .check_for(platform_id, terminal_id, request, clock.now())
        .map_err(|_| Code::PlatformUnavailable)?;
    let digest = sha256(&binding.to_be_signed());
    let auth = with_card(access, move |t| {
        run(t, Authenticate::new(PinEntry::Host(pin), digest))
    })
    .await
    .map_err(|e| card_code(&e))?;
    let req = IdentificationRequest {
        challenge_id: ch.challenge_id.clone(),
        auth_certificate: counter_api::b64::encode(&auth.certificate),
        signature: counter_api::b64::encode(&auth.signature),
    };
    backends.identify(&req).await.map_err(|f| platform_code(&f))
}
