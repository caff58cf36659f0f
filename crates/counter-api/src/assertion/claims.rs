//! The claims of an assertion.

use madoguchi_time::UnixTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::platform::{ChallengePurpose, ServiceData};

/// The JWS `typ` of an assertion (RFC 8725 §3.11: explicit typing).
pub const ASSERTION_TYP: &str = "madoguchi-assertion+jwt";

/// The context an assertion was issued in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AssertionContext {
    /// The challenge's purpose.
    pub purpose: ChallengePurpose,
    /// The terminal that ran the identification.
    pub terminal_id: String,
    /// The challenge the card signed.
    pub challenge_id: String,
    /// For payments: the merchant the customer agreed to pay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    /// For payments: the amount the customer agreed to, in yen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_jpy: Option<u64>,
    /// Set when this platform did not verify the card itself but exchanged a peer
    /// platform's assertion (federation): that platform's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federated_from: Option<String>,
}

/// The claims (JWT claim names of RFC 7519 §4.1 where they apply).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AssertionClaims {
    /// The issuing platform's id.
    pub iss: String,
    /// The one service (or peer platform) it is for.
    pub aud: String,
    /// Pairwise pseudonymous subject: the same card gives the same `sub` to the same
    /// service, and unrelated values to different services.
    pub sub: String,
    /// Unique id; a service accepts each `jti` once.
    pub jti: String,
    /// Issued at (Unix seconds).
    #[schema(value_type = i64)]
    pub iat: UnixTime,
    /// Expires at (Unix seconds).
    #[schema(value_type = i64)]
    pub exp: UnixTime,
    /// Where and why it was issued.
    pub ctx: AssertionContext,
    /// The service's linkage data.
    pub svc: ServiceData,
}
