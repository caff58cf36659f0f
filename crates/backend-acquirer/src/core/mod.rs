//! The acquirer's decisions as plain functions: no I/O, no clock (they take `now`).

pub mod idempotency;
pub mod ownership;
pub mod payment;
pub mod settlement;
