//! Plain test data for the identification and enrollment tests: challenges built with
//! `ChallengeBinding::to_response`, card facts, signatures, platform answers. No real card.

use counter_api::platform::{
    ChallengeBinding, ChallengeContext, ChallengePurpose, ChallengeRequest, ChallengeResponse,
    IdentificationResponse, MenuEntry, ServiceKind,
};
use jpki_card::Authentication;

use crate::UnixTime;
use crate::backend::BackendFailure;
use crate::identify::{CardFacts, CustomerPin};

/// This terminal.
pub(crate) const TERMINAL: &str = "t-counter-1";
/// The configured platform.
pub(crate) const PLATFORM: &str = "pf-a";
/// The start of every scripted run (2027-01-15).
pub(crate) const T0: UnixTime = UnixTime::from_secs(1_800_000_000);
/// The PIN every test types: digits that appear nowhere else in the data.
pub(crate) const PIN: &str = "7395";
/// A fake assertion (a JWS): the views must never carry it.
pub(crate) const ASSERTION: &str = "eyJhbGciOiJFUzI1NiJ9.ASSERTION-BODY.sig";

pub(crate) fn identify_request() -> ChallengeRequest {
    ChallengeRequest {
        purpose: ChallengePurpose::Identify,
        context: None,
    }
}

pub(crate) fn payment_request(amount_jpy: u64) -> ChallengeRequest {
    ChallengeRequest {
        purpose: ChallengePurpose::Payment,
        context: Some(ChallengeContext {
            merchant_id: "m-shop-1".into(),
            amount_jpy,
        }),
    }
}

/// The platform's challenge for `request`, issued to this terminal, valid until
/// `expires_at`.
pub(crate) fn challenge(request: &ChallengeRequest, expires_at: UnixTime) -> ChallengeResponse {
    binding(request, expires_at).to_response()
}

pub(crate) fn binding(request: &ChallengeRequest, expires_at: UnixTime) -> ChallengeBinding {
    ChallengeBinding {
        platform_id: PLATFORM.into(),
        challenge_id: "ch-1".into(),
        nonce: [0x11; 32],
        terminal_id: TERMINAL.into(),
        purpose: request.purpose,
        context: request.context.clone(),
        expires_at,
    }
}

/// A card with `tries_left` and a certificate valid for another year.
pub(crate) fn facts(tries_left: u8) -> CardFacts {
    CardFacts {
        tries_left,
        certificate_not_after: Some(T0.plus_secs(365 * 86_400)),
    }
}

pub(crate) fn pin() -> CustomerPin {
    CustomerPin::from_customer_window(PIN).unwrap()
}

/// What the card's Authenticate flow yields.
pub(crate) fn authentication() -> Authentication {
    Authentication {
        certificate: vec![0x30, 0x82, 0x01, 0x00, 0xA1],
        signature: vec![0xAB; 256],
        tries_left_before: 3,
    }
}

pub(crate) fn menu() -> Vec<MenuEntry> {
    vec![
        MenuEntry {
            service_id: "kenpo".into(),
            kind: ServiceKind::Insurance,
            label: "全国健康保険協会".into(),
            assertion: Some(ASSERTION.into()),
            assertion_expires_at: Some(T0.plus_secs(300)),
        },
        MenuEntry {
            service_id: "acq".into(),
            kind: ServiceKind::Payment,
            label: "VISA ****4242".into(),
            assertion: Some(ASSERTION.into()),
            assertion_expires_at: Some(T0.plus_secs(300)),
        },
    ]
}

pub(crate) fn identification(request: &ChallengeRequest) -> IdentificationResponse {
    IdentificationResponse {
        identification_id: "idn-42".into(),
        purpose: request.purpose,
        menu: menu(),
        notices: Vec::new(),
    }
}

pub(crate) fn problem(status: u16, code: &str) -> BackendFailure {
    BackendFailure::Problem {
        status,
        code: code.into(),
        detail: "detail for the log".into(),
        field: None,
        reason: None,
    }
}

pub(crate) fn unreachable_platform() -> BackendFailure {
    BackendFailure::Unreachable {
        sent: true,
        detail: "connection reset".into(),
    }
}
