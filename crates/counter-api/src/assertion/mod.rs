//! The platform's assertions: short-lived ES256 compact JWS (RFC 7515 §7.1, RFC 7518 §3.4)
//! that tell one service (the audience) that a card linked to it was just verified.
//!
//! * [`AssertionClaims`]: `iss`, `aud`, `sub` (pairwise pseudonymous per service: a service
//!   never sees a certificate serial), `jti`, `iat`, `exp`, `ctx` (purpose, terminal,
//!   challenge, payment), `svc` (the service's linkage data).
//! * [`AssertionSigner`] (platform side) and [`AssertionVerifier`] (service side, and a
//!   federated platform): written here over `p256`, because the format is a few lines and a
//!   JOSE library would bring a second crypto stack.
//! * [`KeySet`]: what `GET /v1/keys` publishes (JWK, RFC 7517 §4, RFC 7518 §6.2).
//!
//! Header: `{"alg":"ES256","kid":…,"typ":"madoguchi-assertion+jwt"}`. Only `ES256` is
//! accepted, whatever the header says (no `none`, no algorithm confusion, RFC 8725 §3.1).

mod claims;
mod jwks;
mod jws;
mod replay;

pub use claims::{ASSERTION_TYP, AssertionClaims, AssertionContext};
pub use jwks::{Jwk, KeySet};
pub use jws::{AssertionError, AssertionSigner, AssertionVerifier, Es256Key, MAX_TOKEN_LEN};
pub use replay::{MemoryReplayGuard, ReplayGuard};
