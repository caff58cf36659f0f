//! The verification platform's contract: challenges, identification, enrollment, the
//! menu of linked services, the published keys and federation.
//!
//! | endpoint | request | answer |
//! |---|---|---|
//! | `POST /v1/challenges` | [`ChallengeRequest`] | [`ChallengeResponse`] |
//! | `POST /v1/identifications` | [`IdentificationRequest`] | [`IdentificationResponse`] |
//! | `POST /v1/enrollments` | [`EnrollmentRequest`] | [`EnrollmentResponse`] |
//! | `GET /v1/keys` | | [`crate::assertion::KeySet`] |
//! | `POST /v1/federation/exchange` | [`FederationExchangeRequest`] | [`IdentificationResponse`] |
//! | `POST /v1/federation/enrollments` | [`FederationEnrollmentRequest`] | [`EnrollmentResponse`] |
//! | `POST /v1/admin/crl/reload` | | [`CrlReloadResponse`] |

mod challenge;
mod enroll;
mod identify;
mod service;

pub use challenge::{
    CHALLENGE_DOMAIN, ChallengeBinding, ChallengeContext, ChallengePurpose, ChallengeRequest,
    ChallengeResponse, MAX_AMOUNT_JPY, NONCE_LEN,
};
pub use enroll::{
    APPLICATION_DOMAIN, Application, EnrollmentRequest, EnrollmentResponse, LinkRefusal,
    LinkRefusalReason, Sex,
};
pub use identify::{
    CrlReloadResponse, FederationEnrollmentRequest, FederationExchangeRequest,
    IdentificationRequest, IdentificationResponse, MenuEntry, Notice, SignedApplication,
};
pub use service::{
    InsuranceLink, PaymentLink, PlatformLink, ServiceData, ServiceKind, ServiceLink,
};
