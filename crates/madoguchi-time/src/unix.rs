//! [`UnixTime`]: an instant in whole seconds, and its RFC 3339 text form.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::civil::{self, DAY_SECS};

/// An instant: whole seconds since 1970-01-01T00:00:00Z (UTC), leap seconds not counted
/// (POSIX time). The workspace's one time type: every "now", deadline and timestamp is one.
///
/// Seconds are exact for everything the workspace handles: X.509 times are
/// second-precision UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5), JWT NumericDate is
/// seconds (RFC 7519 §2), and the counter's rules are stated in seconds.
///
/// Serialised as an integer of seconds (`1795532400`), the shape the wire contract, the
/// stores and the app's TypeScript types (`number`) have always had; use [`crate::rfc3339`]
/// where a time is shown to people as text. `Display` and `FromStr` are RFC 3339 UTC
/// (`2026-11-24T15:00:00Z`).
///
/// Arithmetic saturates at the ends of `i64` rather than panicking: a deadline computed
/// from a nonsense time is still an instant, and comparisons stay meaningful.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct UnixTime(i64);

impl UnixTime {
    /// 1970-01-01T00:00:00Z.
    pub const EPOCH: Self = Self(0);

    /// The instant `secs` seconds after the Unix epoch (before it, when negative).
    pub const fn from_secs(secs: i64) -> Self {
        Self(secs)
    }

    /// Seconds since the Unix epoch: what goes into a storage column or an integer field
    /// that is not typed as a `UnixTime`.
    pub const fn as_secs(self) -> i64 {
        self.0
    }

    /// `secs` seconds later (earlier when negative), saturating at the ends of `i64`.
    #[must_use]
    pub const fn plus_secs(self, secs: i64) -> Self {
        Self(self.0.saturating_add(secs))
    }

    /// `secs` seconds earlier (later when negative), saturating at the ends of `i64`.
    #[must_use]
    pub const fn minus_secs(self, secs: i64) -> Self {
        Self(self.0.saturating_sub(secs))
    }

    /// Seconds from `earlier` to `self`: negative when `earlier` is in fact later;
    /// saturating at the ends of `i64`.
    pub const fn secs_since(self, earlier: Self) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// A duration since the Unix epoch (as `der` and `SystemTime` give them), whole seconds;
    /// saturates at `i64::MAX` seconds.
    pub fn from_unix_duration(since_epoch: Duration) -> Self {
        Self(i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX))
    }

    /// The instant of a `SystemTime`, whole seconds (towards the past): the conversion the
    /// shells' clocks make. It does not read the clock; it converts what they read.
    pub fn from_system_time(t: SystemTime) -> Self {
        match t.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(after) => Self::from_unix_duration(after),
            Err(e) => {
                let before = e.duration();
                let secs = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
                // A fraction of a second before a whole second belongs to the second before.
                let partial = i64::from(before.subsec_nanos() > 0);
                Self(secs.saturating_add(partial).saturating_neg())
            }
        }
    }

    /// The instant of a civil UTC date and time (proleptic Gregorian calendar); `None` if a
    /// field is out of range (month 1–12, day within the month, 0–23:0–59:0–59) or the
    /// instant does not fit an `i64` of seconds.
    pub fn from_civil(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    ) -> Option<Self> {
        if day == 0
            || day > civil::days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let days = civil::days_from_civil(year, month, day)?;
        let secs = i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
        days.checked_mul(DAY_SECS)?.checked_add(secs).map(Self)
    }
}

impl fmt::Display for UnixTime {
    /// RFC 3339 in UTC: `YYYY-MM-DDTHH:MM:SSZ`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (days, second) = civil::split(self.0, 0);
        let (y, m, d) = civil::civil_from_days(days);
        let (h, mi, s) = (second / 3600, second % 3600 / 60, second % 60);
        write!(f, "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

/// A time string that is not `YYYY-MM-DDTHH:MM:SSZ` (or `±HH:MM` for `Z`), a date
/// `YYYY-MM-DD`, nor `@SECONDS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeParseError(pub String);

impl fmt::Display for TimeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not an RFC 3339 UTC time (expected YYYY-MM-DDTHH:MM:SSZ or @unix-seconds): {:?}",
            self.0
        )
    }
}

impl std::error::Error for TimeParseError {}

impl FromStr for UnixTime {
    type Err = TimeParseError;

    /// Parses an RFC 3339 date-time of whole seconds, `YYYY-MM-DDTHH:MM:SS` followed by
    /// `Z` or `±HH:MM` (a space for the `T` is accepted, as RFC 3339 §5.6 allows), a bare
    /// date `YYYY-MM-DD` (midnight UTC), or `@SECONDS` (Unix seconds).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || TimeParseError(s.to_owned());
        if let Some(rest) = s.strip_prefix('@') {
            return rest.parse::<i64>().map(Self).map_err(|_| err());
        }
        let b = s.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Result<u32, TimeParseError> {
            let part = s.get(r).ok_or_else(err)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return Err(err());
            }
            part.parse::<u32>().map_err(|_| err())
        };
        // Each index below is guarded by the length check before it.
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(err());
        }
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if b.len() == 10 {
            return Self::from_civil(i64::from(y), m, d, 0, 0, 0).ok_or_else(err);
        }
        if b.len() < 20 || !(b[10] == b'T' || b[10] == b' ') || b[13] != b':' || b[16] != b':' {
            return Err(err());
        }
        let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let base = Self::from_civil(i64::from(y), m, d, h, mi, sec).ok_or_else(err)?;
        let offset = match &b[19..] {
            b"Z" => 0,
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let secs = i64::from(num(20..22)? * 3600 + num(23..25)? * 60);
                if *sign == b'+' { secs } else { -secs }
            }
            _ => return Err(err()),
        };
        Ok(base.minus_secs(offset))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_civil_times() {
        for t in [0i64, 951_782_400, 1_700_000_000, 4_102_444_800, -86_400] {
            let s = UnixTime(t).to_string();
            assert_eq!(s.parse::<UnixTime>(), Ok(UnixTime(t)), "{s}");
        }
        assert_eq!(UnixTime(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(UnixTime(-1).to_string(), "1969-12-31T23:59:59Z");
        assert_eq!(
            "2024-02-29T23:59:59+09:00"
                .parse::<UnixTime>()
                .map(|t| t.to_string()),
            Ok("2024-02-29T14:59:59Z".to_owned())
        );
        assert_eq!("2024-02-29".parse(), Ok(UnixTime(1_709_164_800)));
        assert_eq!("@1795532400".parse(), Ok(UnixTime(1_795_532_400)));
        assert!("2023-02-29T00:00:00Z".parse::<UnixTime>().is_err());
        assert!("2024-02-29T24:00:00Z".parse::<UnixTime>().is_err());
        assert!("2024-02-29T00:00:00".parse::<UnixTime>().is_err());
        assert!("garbage".parse::<UnixTime>().is_err());
        // Far years: no overflow, no time.
        assert_eq!(UnixTime::from_civil(i64::MAX, 12, 31, 23, 59, 59), None);
        assert_eq!(UnixTime::from_civil(i64::MIN, 1, 1, 0, 0, 0), None);
        assert_eq!(UnixTime::from_civil(2024, 13, 1, 0, 0, 0), None);
    }

    #[test]
    fn arithmetic_saturates() {
        let t = UnixTime::from_secs(1_795_532_400);
        assert_eq!(t.plus_secs(300).as_secs(), 1_795_532_700);
        assert_eq!(t.minus_secs(300).as_secs(), 1_795_532_100);
        assert_eq!(t.plus_secs(300).secs_since(t), 300);
        assert_eq!(t.secs_since(t.plus_secs(300)), -300);
        assert_eq!(t.plus_secs(i64::MAX), UnixTime::from_secs(i64::MAX));
        assert_eq!(
            t.minus_secs(i64::MAX).minus_secs(i64::MAX),
            UnixTime::from_secs(i64::MIN)
        );
        assert_eq!(UnixTime::from_secs(i64::MIN).secs_since(t), i64::MIN);
        assert!(t < t.plus_secs(1));
    }

    #[test]
    fn system_times_and_durations() {
        let epoch = SystemTime::UNIX_EPOCH;
        assert_eq!(UnixTime::from_system_time(epoch), UnixTime::EPOCH);
        let later = epoch + Duration::from_millis(1_795_532_400_999);
        assert_eq!(UnixTime::from_system_time(later).as_secs(), 1_795_532_400);
        if let Some(before) = epoch.checked_sub(Duration::from_millis(1_500)) {
            assert_eq!(UnixTime::from_system_time(before).as_secs(), -2);
        }
        assert_eq!(
            UnixTime::from_unix_duration(Duration::from_secs(u64::MAX)),
            UnixTime::from_secs(i64::MAX)
        );
    }

    #[test]
    fn serialises_as_integer_seconds() {
        let t = UnixTime::from_secs(1_795_532_400);
        assert_eq!(serde_json::to_string(&t).unwrap(), "1795532400");
        assert_eq!(serde_json::from_str::<UnixTime>("1795532400").unwrap(), t);
        assert!(serde_json::from_str::<UnixTime>("\"2026-11-24T15:00:00Z\"").is_err());
    }
}
