//! Scenario tests of the payment workflows: scripted acquirer answers, a simulated clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod answers;
mod close;
mod doubt;
mod machine;
mod recovery;
mod refunds;
mod support;
