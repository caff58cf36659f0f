//! The platform's decision logic, without I/O: every function takes `now` and the random
//! bytes it needs, so the unit tests move time and fix randomness by hand.

pub mod challenges;
pub mod correction;
pub mod holder;
pub mod matching;
pub mod menu;
pub mod pseudonym;
pub mod refusal;
pub mod terminals;
