//! The OpenAPI document: the committed copy is the one the types generate, it uses only the
//! JSON Schema keywords the contract tests understand, and what it allows passes the
//! contract types' own rules (deserialisation, `validate()`, the identifier, date and base64
//! checks). The backends' `contract` tests send the same generated requests to the real
//! servers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod contract;
mod current;
mod pos_current;
mod samples;
