//! Japanese civil time: the business day of a payment (settlement totals are per JST day,
//! docs/domain/payments-and-eid-clients.md §1.9) and the `YYYYMMDD` / `YYYYMMDDHHmmss`
//! strings of the eligibility domain (docs/domain/eligibility.md §2.1, §2.4).
//!
//! JST is UTC+9 all year (no daylight saving). Every function takes a [`UnixTime`];
//! nothing here reads a clock.

use crate::UnixTime;
use crate::civil::{self, DAY_SECS};

/// JST's offset from UTC in seconds.
pub const OFFSET_SECS: i64 = 9 * 3600;

/// A civil date (proleptic Gregorian), in this crate the date of a day in Japan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDate {
    /// The year (e.g. 2026).
    pub year: i64,
    /// The month, 1–12.
    pub month: u32,
    /// The day of the month, 1–31.
    pub day: u32,
}

impl CivilDate {
    /// The JST date of the instant `t`.
    pub fn of(t: UnixTime) -> Self {
        let (days, _) = civil::split(t.as_secs(), OFFSET_SECS);
        let (year, month, day) = civil::civil_from_days(days);
        Self { year, month, day }
    }

    /// `YYYY-MM-DD` (the acquirer's business date).
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `YYYYMMDD` (the eligibility domain's dates, docs/domain/eligibility.md §2.4).
    pub fn compact(self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }

    /// Parses `YYYY-MM-DD` or `YYYYMMDD`; `None` unless it is a real calendar date of the
    /// years 1868–2999 (the Meiji era onwards: the oldest insured's birth dates).
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        let (y, m, d) = match b.len() {
            10 if b.get(4) == Some(&b'-') && b.get(7) == Some(&b'-') => (0..4, 5..7, 8..10),
            8 => (0..4, 4..6, 6..8),
            _ => return None,
        };
        let num = |r: std::ops::Range<usize>| {
            let part = s.get(r)?;
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse::<u32>().ok()
            } else {
                None
            }
        };
        let (year, month, day) = (i64::from(num(y)?), num(m)?, num(d)?);
        let ok =
            (1868..=2999).contains(&year) && day >= 1 && day <= civil::days_in_month(year, month);
        ok.then_some(Self { year, month, day })
    }

    /// The instants `[start, end)` of this day in JST: 00:00 to the next 00:00.
    pub fn bounds(self) -> (UnixTime, UnixTime) {
        let start = UnixTime::from_secs(
            self.day_number()
                .saturating_mul(DAY_SECS)
                .saturating_sub(OFFSET_SECS),
        );
        (start, start.plus_secs(DAY_SECS))
    }

    /// Whole days from `self` to `other` (negative when `other` is earlier).
    pub fn days_until(self, other: Self) -> i64 {
        other.day_number().saturating_sub(self.day_number())
    }

    /// Days since 1970-01-01. The fields are public, so a year may be anything: one whose
    /// day number does not fit an `i64` counts as the first or last representable day.
    fn day_number(self) -> i64 {
        civil::days_from_civil(self.year, self.month, self.day).unwrap_or(if self.year < 0 {
            i64::MIN
        } else {
            i64::MAX
        })
    }
}

/// The JST business date `YYYY-MM-DD` of `t`.
pub fn business_date(t: UnixTime) -> String {
    CivilDate::of(t).iso()
}

/// The JST date of `t` as `YYYYMMDD`.
pub fn compact_date(t: UnixTime) -> String {
    CivilDate::of(t).compact()
}

/// The JST date and time of `t` as `YYYYMMDDHHmmss` (`ProcessExecutionTime`, `…ConsTime`).
pub fn compact_timestamp(t: UnixTime) -> String {
    let (h, m, s) = time_of_day(t);
    format!("{}{h:02}{m:02}{s:02}", compact_date(t))
}

/// The JST date and time of `t` as people read it: `YYYY-MM-DD HH:mm:ss` (receipts).
pub fn display_timestamp(t: UnixTime) -> String {
    let (h, m, s) = time_of_day(t);
    format!("{} {h:02}:{m:02}:{s:02}", business_date(t))
}

/// Hours, minutes and seconds of `t` on the clock in Japan.
fn time_of_day(t: UnixTime) -> (i64, i64, i64) {
    let (_, second) = civil::split(t.as_secs(), OFFSET_SECS);
    (second / 3600, second % 3600 / 60, second % 60)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const fn at(secs: i64) -> UnixTime {
        UnixTime::from_secs(secs)
    }

    #[test]
    fn jst_is_nine_hours_ahead() {
        // 2026-11-24 14:59:59 UTC is 23:59:59 JST; one second later it is the 25th.
        let t = at(1_795_532_399);
        assert_eq!(business_date(t), "2026-11-24");
        assert_eq!(business_date(t.plus_secs(1)), "2026-11-25");
        assert_eq!(compact_timestamp(t), "20261124235959");
        assert_eq!(display_timestamp(t), "2026-11-24 23:59:59");
        assert_eq!(compact_date(at(0)), "19700101");
        assert_eq!(compact_date(at(951_782_400 - 9 * 3600)), "20000229");
        assert_eq!(compact_timestamp(at(-1)), "19700101085959");
    }

    #[test]
    fn bounds_round_trip() {
        for t in [0, 1_795_532_399, 1_795_532_400, 951_782_400].map(at) {
            let d = CivilDate::of(t);
            let (s, e) = d.bounds();
            assert!(s <= t && t < e, "{t}");
            assert_eq!(e.secs_since(s), DAY_SECS);
            assert_eq!(CivilDate::of(s), d);
            assert_eq!(CivilDate::of(e), CivilDate::of(e.plus_secs(1)));
        }
        let far = CivilDate {
            year: i64::MAX,
            month: 12,
            day: 31,
        };
        assert_eq!(far.bounds().1, at(i64::MAX));
    }

    #[test]
    fn parsing() {
        assert_eq!(
            CivilDate::parse("2024-02-29").unwrap().compact(),
            "20240229"
        );
        assert_eq!(CivilDate::parse("20240229").unwrap().iso(), "2024-02-29");
        for bad in [
            "20230229",
            "2024-2-29",
            "20241301",
            "20240431",
            "18671231",
            "１２３４５６７８",
            "2024022",
            "",
        ] {
            assert!(CivilDate::parse(bad).is_none(), "{bad}");
        }
        let a = CivilDate::parse("2026-11-24").unwrap();
        let b = CivilDate::parse("2026-12-01").unwrap();
        assert_eq!(a.days_until(b), 7);
        assert_eq!(b.days_until(a), -7);
    }
}
