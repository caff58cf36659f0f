//! # counter-api
//!
//! The wire contract between the counter terminal and the backends it talks to: the
//! verification platform, the insurer (eligibility) and the acquirer (payments). Clients and
//! servers share these serde types, so a field renamed here is renamed on both sides, and
//! the OpenAPI 3.1 document (`crates/counter-api/openapi.json`, from [`openapi::document`])
//! is generated from them.
//!
//! **Owns:** the request/response types of the three services ([`platform`], [`insurer`],
//! [`acquirer`]) and of the link confirmation between the platform and a service
//! ([`links`]); the four attributes and the one rule that compares them ([`attributes`]); errors as RFC 9457 problem details with stable codes ([`problem`]); the
//! canonical byte strings a card signs ([`platform::ChallengeBinding::to_be_signed`],
//! [`platform::Application::canonical_bytes`]); the platform's assertions: claims, the ES256
//! compact-JWS signer and verifier, and the published key set ([`assertion`]); the POS
//! payment API a shop's register uses on the terminal ([`pos`]), with its own OpenAPI
//! document (`crates/counter-api/pos-openapi.json`, from [`pos_openapi::document`]); how
//! a P-256 key is drawn from the caller's randomness ([`keys`]).
//!
//! **Never:** opens a socket, reads a clock (every `now` is a parameter), draws random
//! numbers (identifiers and nonces come in), or carries a certificate serial number, a PIN
//! or a card number in any type that leaves the platform: services see pairwise
//! pseudonymous subjects and opaque card-token references only.
//!
//! Times on the wire are Unix seconds (an integer, UTC), like JWT NumericDate (RFC 7519 §2):
//! [`madoguchi_time::UnixTime`] fields, whose serde form is that integer;
//! dates of the eligibility domain keep the real system's `YYYYMMDD` strings
//! (docs/domain/eligibility.md §2.4). Binary values are base64 (standard alphabet, padded) except inside
//! JWS, which uses base64url without padding (RFC 7515 §2).

#![deny(missing_docs)]

pub mod acquirer;
pub mod assertion;
pub mod attributes;
pub mod b64;
pub mod ident;
pub mod insurer;
pub mod keys;
pub mod links;
pub mod openapi;
pub mod platform;
pub mod pos;
pub mod pos_openapi;
pub mod problem;

pub use problem::{FieldError, PROBLEM_CONTENT_TYPE, Problem, ProblemCode};
