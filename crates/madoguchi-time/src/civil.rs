//! The proleptic Gregorian calendar as day numbers: day 0 is 1970-01-01.
//!
//! The conversions are the days-from-civil / civil-from-days algorithms H. Hinnant describes
//! in "chrono-Compatible Low-Level Date Algorithms": shift the year to start on 1 March, so
//! that the leap day is the last day of the year; count whole 400-year eras (146,097 days
//! each, the Gregorian cycle); inside an era, the year of the era and the day of the year
//! follow from integer division, and the month from the day of the year by the line
//! `(153 * m + 2) / 5` (the month lengths from March, 31 30 31 30 31 31 30 31 30 31 31 28/29,
//! fall on it). 719,468 is the number of days from 0000-03-01 to 1970-01-01.

/// Seconds in a civil day (UTC and JST have no leap seconds to count: POSIX time,
/// like X.509's UTCTime and GeneralizedTime, RFC 5280 §4.1.2.5).
pub(crate) const DAY_SECS: i64 = 86_400;

/// Days in one 400-year Gregorian era.
const ERA_DAYS: i64 = 146_097;

/// Days from 0000-03-01 (the start of era 0 with March-based years) to 1970-01-01.
const EPOCH_SHIFT: i64 = 719_468;

/// Whether `year` is a Gregorian leap year.
const fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in month `month` (1–12) of `year` (Gregorian); 0 for a month outside 1–12.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// The day number (days since 1970-01-01) of a date; `None` when it does not fit an `i64`.
/// The date is not validated: callers check the month and day first.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> Option<i64> {
    let (month, day) = (i64::from(month), i64::from(day));
    let year = if month <= 2 {
        year.checked_sub(1)?
    } else {
        year
    };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let march_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * march_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era.checked_mul(ERA_DAYS)?
        .checked_add(day_of_era)?
        .checked_sub(EPOCH_SHIFT)
}

/// The date `(year, month, day)` of a day number. Every day number that comes from an
/// `i64` of seconds (|days| < 2^47) is in range.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days.saturating_add(EPOCH_SHIFT);
    let era = z.div_euclid(ERA_DAYS);
    let day_of_era = z.rem_euclid(ERA_DAYS);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let march_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * march_month + 2) / 5 + 1;
    let month = if march_month < 10 {
        march_month + 3
    } else {
        march_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // In range by construction: day 1–31, month 1–12.
    (year, month as u32, day as u32)
}

/// Splits Unix seconds, moved by `offset` seconds (the zone's offset from UTC), into the
/// day number and the second of that day (0–86,399), without overflowing.
pub(crate) fn split(secs: i64, offset: i64) -> (i64, i64) {
    let mut days = secs.div_euclid(DAY_SECS) + offset.div_euclid(DAY_SECS);
    let mut second = secs.rem_euclid(DAY_SECS) + offset.rem_euclid(DAY_SECS);
    if second >= DAY_SECS {
        days += 1;
        second -= DAY_SECS;
    }
    (days, second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip() {
        // Every day from 0001-01-01 to 9999-12-31, in steps that visit every day of the
        // month and every month of the 400-year cycle.
        let (first, last) = (-719_162, 2_932_896);
        assert_eq!(days_from_civil(1, 1, 1), Some(first));
        assert_eq!(days_from_civil(9999, 12, 31), Some(last));
        for days in (first..=last).step_by(13) {
            let (y, m, d) = civil_from_days(days);
            assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
            assert_eq!(days_from_civil(y, m, d), Some(days), "{y}-{m}-{d}");
        }
    }

    #[test]
    fn known_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(days_from_civil(2000, 3, 1), Some(11_017));
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2024, 13), 0);
        assert_eq!(days_from_civil(i64::MAX, 12, 31), None);
        assert_eq!(days_from_civil(i64::MIN, 1, 1), None);
    }

    #[test]
    fn split_carries_the_offset_into_the_day() {
        assert_eq!(split(0, 0), (0, 0));
        assert_eq!(split(-1, 0), (-1, 86_399));
        assert_eq!(split(15 * 3600, 9 * 3600), (1, 0));
        assert_eq!(split(i64::MAX, 9 * 3600), (i64::MAX / DAY_SECS + 1, 1807));
    }
}
