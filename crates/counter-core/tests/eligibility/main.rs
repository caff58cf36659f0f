//! Scenario tests of `counter_core::eligibility`: scripted inputs, a hand-moved clock,
//! every branch a reception or pharmacy meets (docs/domain/eligibility.md §1.4, §2, §5 R1–R8).

#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod another_patient;
mod export;
mod fallback;
mod properties;
mod scenarios;
mod session;
mod support;
mod xml_check;
