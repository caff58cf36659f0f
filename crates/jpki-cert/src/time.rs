//! Time as an input: the library never reads the system clock (ARCHITECTURE.md principle 4).
//! Callers pass a [`UnixTime`], the workspace's one time type (`madoguchi-time`), re-exported
//! here so that `jpki_cert::UnixTime` and `jpki_cert::time::UnixTime` keep naming it.
//!
//! X.509 times (RFC 5280 §4.1.2.5) are second-precision UTCTime or GeneralizedTime, so a
//! `UnixTime` of whole seconds holds them exactly. The verdicts this crate prints show
//! times as RFC 3339 strings (`2025-01-02T03:04:05Z`): their fields are serialised with
//! [`madoguchi_time::rfc3339`].

pub use madoguchi_time::{TimeParseError, UnixTime};

/// Converts an X.509 `Time` (UTCTime or GeneralizedTime, RFC 5280 §4.1.2.5).
pub(crate) fn from_x509(t: &x509_cert::time::Time) -> UnixTime {
    UnixTime::from_unix_duration(t.to_unix_duration())
}

/// Converts a DER `GeneralizedTime` (used by OCSP, RFC 6960 §4.2.1).
pub(crate) fn from_generalized(t: &der::asn1::GeneralizedTime) -> UnixTime {
    UnixTime::from_unix_duration(t.to_unix_duration())
}
