//! Identification for the headless driver's scripted runs: challenge → card signature →
//! platform, in one call, with the PIN given up front (from standard input, never from the
//! command line). The interactive terminal drives `counter_core::identify` instead.

use counter_api::platform::{ChallengeRequest, IdentificationRequest, IdentificationResponse};
use counter_core::{BackendFailure, Code};
use jpki_card::{AuthPin, Authenticate, CardError, PinEntry, TransportError, run, sha256};

use crate::card::{CardAccess, with_card};
use crate::clock::Clock;
use crate::http::Backends;

/// The code for a card flow's error.
pub fn card_code(e: &CardError) -> Code {
    match e {
        CardError::PinIncorrect { .. } => Code::PinWrong,
        CardError::PinBlocked => Code::PinBlocked,
        CardError::LastTryNeedsConfirmation => Code::PinLastTry,
        CardError::NotAMyNumberCard { .. } => Code::NotAMyNumberCard,
        CardError::PinEntryTimeout => Code::PinPadTimeout,
        CardError::PinEntryCancelled => Code::PinCancelled,
        CardError::Transport(TransportError::CardRemoved | TransportError::CardReset) => {
            Code::CardRemoved
        }
        CardError::Transport(TransportError::SharingViolation) => Code::CardBusy,
        CardError::Transport(TransportError::ReaderUnavailable(_)) => Code::ReaderUnavailable,
        _ => Code::CardUnreadable,
    }
}

/// The code for a platform refusal.
pub fn platform_code(f: &BackendFailure) -> Code {
    match f {
        BackendFailure::Problem { code, .. } => match code.as_str() {
            "certificate_expired" => Code::CertificateExpired,
            "certificate_revoked" => Code::CertificateRevoked,
            "certificate_refused" | "certificate_malformed" | "signature_invalid" => {
                Code::CertificateRefused
            }
            "revocation_unknown" => Code::RevocationUnknown,
            "not_enrolled" => Code::NotEnrolled,
            "challenge_expired" | "challenge_unknown" | "challenge_replayed" => {
                Code::ChallengeExpired
            }
            "attributes_mismatch" => Code::AttributesMismatch,
            _ => Code::PlatformUnavailable,
        },
        _ => Code::PlatformUnavailable,
    }
}

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
