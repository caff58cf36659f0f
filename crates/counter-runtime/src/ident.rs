//! Identification for the headless driver's scripted runs: challenge → card signature →
//! platform, in one call, with the PIN given up front (from standard input, never from the
//! command line). The interactive terminal drives `counter_core::identify` instead.
//!
//! [`identify_with`] is the sequence for any [`ChallengeSigner`]: when a platform node
//! took the answer and failed before it answered ([`BackendFailure::AnswerLost`]), it asks
//! for a new challenge and has it signed again, if the signer can sign without asking a
//! person; otherwise the lost answer ends it with `Code::PlatformAnswerLost` (identify
//! again; no PIN try was used).

use std::future::Future;

use counter_api::platform::{
    ChallengeBinding, ChallengeRequest, IdentificationRequest, IdentificationResponse,
};
use counter_core::identify::{card_code, platform_code};
use counter_core::{BackendFailure, Code};
use jpki_card::{AuthPin, Authenticate, PinEntry, run, sha256};

use crate::card::{CardAccess, with_card};
use crate::clock::Clock;
use crate::http::Backends;

/// New challenges asked for after lost answers, at most: one node failing loses one
/// answer; a second in a row is a platform in trouble, and the terminal stops there.
pub const MAX_RESTARTS: u32 = 2;

/// What signs a checked challenge: the card with a PIN given once, or (in tests and
/// benchmarks) a persona's key in this process.
pub trait ChallengeSigner {
    /// The auth certificate (DER) and the signature over `binding.to_be_signed()`.
    fn sign(
        &mut self,
        binding: &ChallengeBinding,
    ) -> impl Future<Output = Result<(Vec<u8>, Vec<u8>), Code>> + Send;

    /// Whether it can sign another challenge without asking a person again.
    fn can_sign_again(&self) -> bool;
}

/// An accepted identification.
#[derive(Debug)]
pub struct Identified {
    /// The platform's answer.
    pub response: IdentificationResponse,
    /// The challenge it answered.
    pub challenge_id: String,
    /// New challenges asked for after lost answers.
    pub restarts: u32,
}

/// Identifies with `signer` for `request`: challenge, check (`check_for` the configured
/// platform and terminal), signature, answer; again with a new challenge after a lost
/// answer while the signer can sign ([`MAX_RESTARTS`] at most).
pub async fn identify_with(
    backends: &Backends,
    signer: &mut impl ChallengeSigner,
    request: &ChallengeRequest,
    platform_id: &str,
    terminal_id: &str,
    clock: &dyn Clock,
) -> Result<Identified, Code> {
    let mut restarts = 0;
    loop {
        let ch = backends
            .challenge(request)
            .await
            .map_err(|f| platform_code(&f))?;
        let binding = ch
            .check_for(platform_id, terminal_id, request, clock.now())
            .map_err(|_| Code::PlatformUnavailable)?;
        let (certificate, signature) = signer.sign(&binding).await?;
        let req = IdentificationRequest {
            challenge_id: ch.challenge_id.clone(),
            auth_certificate: counter_api::b64::encode(&certificate),
            signature: counter_api::b64::encode(&signature),
        };
        match backends.identify(&req).await {
            Ok(response) => {
                return Ok(Identified {
                    response,
                    challenge_id: ch.challenge_id,
                    restarts,
                });
            }
            Err(BackendFailure::AnswerLost { detail })
                if restarts < MAX_RESTARTS && signer.can_sign_again() =>
            {
                tracing::warn!(%detail, "the platform's answer was lost; identifying again with a new challenge");
                restarts += 1;
            }
            Err(f) => return Err(platform_code(&f)),
        }
    }
}

/// The card, with the PIN typed once: it signs one challenge.
struct CardSigner<'a> {
    access: &'a CardAccess,
    pin: Option<AuthPin>,
}

impl ChallengeSigner for CardSigner<'_> {
    async fn sign(&mut self, binding: &ChallengeBinding) -> Result<(Vec<u8>, Vec<u8>), Code> {
        // The PIN is handed to the card once; a second challenge would need it again.
        let pin = self.pin.take().ok_or(Code::PlatformAnswerLost)?;
        let digest = sha256(&binding.to_be_signed());
        let auth = with_card(self.access, move |t| {
            run(t, Authenticate::new(PinEntry::Host(pin), digest))
        })
        .await
        .map_err(|e| card_code(&e))?;
        Ok((auth.certificate, auth.signature))
    }

    fn can_sign_again(&self) -> bool {
        self.pin.is_some()
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
    let mut signer = CardSigner {
        access,
        pin: Some(pin),
    };
    identify_with(
        backends,
        &mut signer,
        request,
        platform_id,
        terminal_id,
        clock,
    )
    .await
    .map(|i| i.response)
}
