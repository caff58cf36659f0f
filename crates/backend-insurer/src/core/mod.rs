//! The insurer's decisions as plain functions of their inputs and `now` (no I/O): dates,
//! request rules, the eligibility decision, link confirmation and the bulk pre-check's
//! progress.

pub mod bulk;
pub mod dates;
pub mod eligibility;
pub mod linking;
pub mod validate;
