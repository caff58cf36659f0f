//! Time as an input: the library never reads the system clock
//! (ARCHITECTURE.md principle 4). Callers pass a [`UnixTime`].

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Seconds since 1970-01-01T00:00:00Z (UTC), the only clock type of this crate.
///
/// X.509 times (RFC 5280 §4.1.2.5) are second-precision UTCTime or GeneralizedTime,
/// so seconds are exact. Serialised as an RFC 3339 string (`2025-01-02T03:04:05Z`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(pub i64);

impl UnixTime {
    /// Builds a time from whole seconds since the Unix epoch.
    pub const fn from_secs(secs: i64) -> Self {
        Self(secs)
    }

    /// Seconds since the Unix epoch.
    pub const fn as_secs(self) -> i64 {
        self.0
    }

    /// Converts an X.509 `Time` (UTCTime or GeneralizedTime).
    pub fn from_x509(t: &x509_cert::time::Time) -> Self {
        Self::from_duration(t.to_unix_duration())
    }

    /// Converts a DER `GeneralizedTime` (used by OCSP, RFC 6960 §4.2.1).
    pub fn from_generalized(t: &der::asn1::GeneralizedTime) -> Self {
        Self::from_duration(t.to_unix_duration())
    }

    fn from_duration(d: Duration) -> Self {
        Self(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }

    /// Splits into civil UTC date and time (proleptic Gregorian calendar).
    fn civil(self) -> (i64, u32, u32, u32, u32, u32) {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        // Howard Hinnant's days-to-civil algorithm (public domain description).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        let (h, mi, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
        (y, m as u32, d as u32, h as u32, mi as u32, s as u32)
    }

    /// Builds a time from a civil UTC date and time; `None` if a field is out of range.
    pub fn from_civil(y: i64, m: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<Self> {
        if !(1..=12).contains(&m)
            || d == 0
            || d > days_in_month(y, m)
            || h > 23
            || mi > 59
            || s > 59
        {
            return None;
        }
        let y2 = if m <= 2 { y.checked_sub(1)? } else { y };
        let era = y2.div_euclid(400);
        let yoe = y2.rem_euclid(400);
        let mp = i64::from(if m > 2 { m - 3 } else { m + 9 });
        let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        // Checked: `y` is any i64 here, and seconds of far years do not fit one.
        let days = era.checked_mul(146_097)?.checked_add(doe - 719_468)?;
        let secs = i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s);
        days.checked_mul(86_400)?.checked_add(secs).map(Self)
    }
}

/// Number of days in month `m` of year `y` (Gregorian).
pub(crate) fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d, h, mi, s) = self.civil();
        write!(f, "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

/// Error for a time string that is not `YYYY-MM-DDTHH:MM:SSZ` (or `+HH:MM`) nor `@SECONDS`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 UTC time (expected YYYY-MM-DDTHH:MM:SSZ or @unix-seconds): {0:?}")]
pub struct TimeParseError(pub String);

impl FromStr for UnixTime {
    type Err = TimeParseError;

    /// Parses `YYYY-MM-DDTHH:MM:SS` followed by `Z` or `±HH:MM`, a bare date
    /// `YYYY-MM-DD` (midnight UTC), or `@SECONDS`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || TimeParseError(s.to_owned());
        if let Some(rest) = s.strip_prefix('@') {
            return rest.parse::<i64>().map(UnixTime).map_err(|_| err());
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
        Ok(Self(base.0 - offset))
    }
}

impl Serialize for UnixTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for UnixTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
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
        assert_eq!(
            "2024-02-29T23:59:59+09:00"
                .parse::<UnixTime>()
                .map(|t| t.to_string()),
            Ok("2024-02-29T14:59:59Z".to_owned())
        );
        assert!("2023-02-29T00:00:00Z".parse::<UnixTime>().is_err());
        assert!("garbage".parse::<UnixTime>().is_err());
        // Far years: no overflow, no time.
        assert_eq!(UnixTime::from_civil(i64::MAX, 12, 31, 23, 59, 59), None);
        assert_eq!(UnixTime::from_civil(i64::MIN, 1, 1, 0, 0, 0), None);
    }
}
