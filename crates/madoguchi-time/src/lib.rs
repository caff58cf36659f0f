//! # madoguchi-time
//!
//! The one time type of the workspace and the one implementation of civil-date arithmetic.
//!
//! **Owns:**
//! - [`UnixTime`]: an instant as whole seconds since 1970-01-01T00:00:00Z (UTC), with the
//!   few operations callers need (add seconds, saturating; seconds between two instants).
//!   It serialises as an integer of seconds (like JWT NumericDate, RFC 7519 §2), so a
//!   field that was an `i64` of seconds keeps its wire and storage shape.
//! - [`rfc3339`]: the other serde shape, a `YYYY-MM-DDTHH:MM:SSZ` string, for the
//!   outputs that show times to people (certificate verdicts); `Display` and `FromStr`
//!   speak the same format.
//! - [`jst`]: Japanese civil time (UTC+9, no daylight saving): the business date
//!   [`CivilDate`] and the `YYYY-MM-DD`, `YYYYMMDD`, `YYYYMMDDHHmmss` strings of the
//!   payment and eligibility domains.
//! - with feature `rusqlite`, `UnixTime` as an SQLite INTEGER of seconds, the columns'
//!   shape before there was a type.
//! - the proleptic Gregorian calendar underneath both ([`days_in_month`], and the day
//!   counts to and from civil dates, which stay private).
//!
//! **Never:** reads the system clock, sleeps, or knows a time zone other than UTC and
//! JST. "Now" is always a parameter; the shells (`counter-runtime`, the backends' clocks,
//! `card-diag`) read the clock and hand a `UnixTime` in.

mod civil;
pub mod jst;
pub mod rfc3339;
#[cfg(feature = "rusqlite")]
mod sqlite;
#[cfg(feature = "ts")]
mod ts;
mod unix;

pub use civil::days_in_month;
pub use jst::CivilDate;
pub use unix::{TimeParseError, UnixTime};
