//! The virtual card's behaviour, command by command (docs/domain/jpki.md §1).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/mod.rs"]
mod common;

mod loading;
mod never_panics;
mod read;
mod select;
mod sign;
mod verify;
