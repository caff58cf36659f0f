//! Dates in the real result's format: `YYYYMMDD` (eligibility.md §2.1, §2.4), and "today"
//! at the insurer, which is the Japanese civil date (JST, UTC+9, no daylight saving).

/// JST's offset from UTC in seconds.
pub const JST_OFFSET_SECS: i64 = 9 * 3600;

/// Whether `s` is a real calendar date written `YYYYMMDD` (years 1868–2999: the Meiji era
/// onwards, as birth dates of the oldest insured go back that far).
pub fn is_yyyymmdd(s: &str) -> bool {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(4..6), num(6..8)) else {
        return false;
    };
    (1868..=2999).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The JST civil date of the Unix time `now`, as `YYYYMMDD`.
pub fn jst_date(now: i64) -> String {
    let days = (now + JST_OFFSET_SECS).div_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}{m:02}{d:02}")
}

/// The JST date and time of `now`, as `YYYYMMDDHHmmss` (the format of `…ConsTime`).
pub fn jst_timestamp(now: i64) -> String {
    let secs = (now + JST_OFFSET_SECS).rem_euclid(86_400);
    format!(
        "{}{:02}{:02}{:02}",
        jst_date(now),
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar, by
/// counting 400-year eras of 146,097 days from 0000-03-01 (so that the leap day ends a year).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_dates() {
        assert!(is_yyyymmdd("20240229"));
        assert!(!is_yyyymmdd("20230229"));
        assert!(!is_yyyymmdd("2024-02-2"));
        assert!(!is_yyyymmdd("20241301"));
        assert!(!is_yyyymmdd("20240431"));
        assert!(!is_yyyymmdd("１２３４５６７８"));
        assert!(is_yyyymmdd("19260301"));
    }

    #[test]
    fn jst_is_nine_hours_ahead() {
        assert_eq!(jst_date(0), "19700101");
        // 2026-11-24 14:59:59 UTC is 23:59:59 JST; one second later it is the 25th in Japan.
        assert_eq!(jst_date(1_795_532_399), "20261124");
        assert_eq!(jst_date(1_795_532_400), "20261125");
        assert_eq!(jst_timestamp(1_795_532_399), "20261124235959");
        assert_eq!(jst_date(951_782_400 - 9 * 3600), "20000229");
    }
}
