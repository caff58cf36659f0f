//! Requests generated from the OpenAPI document (`counter_api::openapi::document`), and what
//! the servers' answers to them say about the document.
//!
//! Shared by counter-api's own tests and the backends' `contract` tests, which include this
//! module with `#[path]`: the backends start the real servers and send; this module only
//! builds values and reads answers, so it needs no HTTP client. It knows the JSON Schema
//! keywords the document uses and nothing else ([`KEYWORDS`], [`ANNOTATIONS`]);
//! counter-api's test fails when the document uses another, so no constraint is silently
//! ignored here.
//!
//! * [`Sampler::value`] draws a value that satisfies a schema (type, enum, const, pattern,
//!   lengths, ranges, items, required and optional properties, oneOf, if/then/else) from a
//!   seeded generator, so that every run sends the same requests;
//! * [`validate`] checks a value against a schema (the same keywords);
//! * [`Sampler::request`] turns an operation of the document into a request;
//! * [`classify`] reads an answer: refused for its shape, reached the logic, or a 5xx;
//! * [`survey`] sends generated requests and counts; [`converse`] breaks one stated
//!   constraint of a request that reached the logic and expects a refusal naming the field;
//! * [`check`] runs both for one [`Server`] and asserts, the whole of a backend's test.
#![allow(
    dead_code,
    unused_imports,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod check;
mod converse;
mod document;
mod draw;
mod run;
mod survey;

pub use check::validate;
pub use converse::{Break, Case, Place, converse, field_name};
pub use document::{ANNOTATIONS, Doc, KEYWORDS, Operation, Param, Request, percent_encode};
pub use draw::{Rng, Sampler};
pub use run::{Server, check};
pub use survey::{
    Answer, Documented, Outcome, Refusal, SHAPE_CODES, Survey, Tally, classify, conforms, survey,
};
