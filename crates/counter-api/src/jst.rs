//! Japanese civil time on the wire: the business day of a payment (settlement totals are per
//! JST day, docs/domain/payments-and-eid-clients.md §1.9) and the `YYYYMMDD` / `YYYYMMDDHHmmss` strings of
//! the eligibility domain (docs/domain/eligibility.md §2.1, §2.4).
//!
//! JST is UTC+9 all year (no daylight saving). Every function takes Unix seconds; nothing
//! here reads a clock. The calendar arithmetic is H. Hinnant's `civil_from_days` /
//! `days_from_civil` (proleptic Gregorian, 400-year eras of 146,097 days).

/// JST's offset from UTC in seconds.
pub const OFFSET_SECS: i64 = 9 * 3600;

/// Seconds in a civil day.
const DAY: i64 = 86_400;

/// A civil date (proleptic Gregorian).
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
    /// The JST date of the Unix time `t`.
    pub fn of(t: i64) -> Self {
        civil_from_days((t + OFFSET_SECS).div_euclid(DAY))
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
        let (year, month, day) = (num(y)?, num(m)?, num(d)?);
        let ok = (1868..=2999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        ok.then_some(Self {
            year: i64::from(year),
            month,
            day,
        })
    }

    /// The Unix times `[start, end)` of this day in JST: 00:00 to the next 00:00.
    pub fn bounds(self) -> (i64, i64) {
        let start = days_from_civil(self) * DAY - OFFSET_SECS;
        (start, start + DAY)
    }

    /// Whole days from `self` to `other` (negative when `other` is earlier).
    pub fn days_until(self, other: Self) -> i64 {
        days_from_civil(other) - days_from_civil(self)
    }
}

/// The JST business date `YYYY-MM-DD` of `t`.
pub fn business_date(t: i64) -> String {
    CivilDate::of(t).iso()
}

/// The JST date of `t` as `YYYYMMDD`.
pub fn compact_date(t: i64) -> String {
    CivilDate::of(t).compact()
}

/// The JST date and time of `t` as `YYYYMMDDHHmmss` (`ProcessExecutionTime`, `…ConsTime`).
pub fn compact_timestamp(t: i64) -> String {
    let secs = (t + OFFSET_SECS).rem_euclid(DAY);
    format!(
        "{}{:02}{:02}{:02}",
        compact_date(t),
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The JST date and time of `t` as people read it: `YYYY-MM-DD HH:mm:ss` (receipts).
pub fn display_timestamp(t: i64) -> String {
    let secs = (t + OFFSET_SECS).rem_euclid(DAY);
    format!(
        "{} {:02}:{:02}:{:02}",
        business_date(t),
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn civil_from_days(z: i64) -> CivilDate {
    let z = z + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // In range by construction: day 1–31, month 1–12.
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    CivilDate { year, month, day }
}

fn days_from_civil(d: CivilDate) -> i64 {
    let y = if d.month <= 2 { d.year - 1 } else { d.year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from(if d.month > 2 {
        d.month - 3
    } else {
        d.month + 9
    });
    let doy = (153 * mp + 2) / 5 + i64::from(d.day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn jst_is_nine_hours_ahead() {
        // 2026-11-24 14:59:59 UTC is 23:59:59 JST; one second later it is the 25th.
        let t = 1_795_532_399;
        assert_eq!(business_date(t), "2026-11-24");
        assert_eq!(business_date(t + 1), "2026-11-25");
        assert_eq!(compact_timestamp(t), "20261124235959");
        assert_eq!(display_timestamp(t), "2026-11-24 23:59:59");
        assert_eq!(compact_date(0), "19700101");
    }

    #[test]
    fn bounds_round_trip() {
        for t in [0, 1_795_532_399, 1_795_532_400, 951_782_400] {
            let d = CivilDate::of(t);
            let (s, e) = d.bounds();
            assert!(s <= t && t < e, "{t}");
            assert_eq!(CivilDate::of(s), d);
            assert_eq!(CivilDate::of(e), CivilDate::of(e + 1));
        }
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
