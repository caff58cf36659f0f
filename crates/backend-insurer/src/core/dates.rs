//! Dates in the real result's format: `YYYYMMDD` (docs/domain/eligibility.md §2.1, §2.4), and "today"
//! at the insurer, which is the Japanese civil date (JST, UTC+9, no daylight saving). The
//! calendar arithmetic is `madoguchi_time`'s.

use madoguchi_time::{UnixTime, jst};

/// Whether `s` is a real calendar date written `YYYYMMDD` (years 1868–2999: the Meiji era
/// onwards, as birth dates of the oldest insured go back that far).
pub fn is_yyyymmdd(s: &str) -> bool {
    s.len() == 8 && jst::CivilDate::parse(s).is_some()
}

/// The JST civil date of the instant `now`, as `YYYYMMDD`.
pub fn jst_date(now: UnixTime) -> String {
    jst::compact_date(now)
}

/// The JST date and time of `now`, as `YYYYMMDDHHmmss` (the format of `…ConsTime`).
pub fn jst_timestamp(now: UnixTime) -> String {
    jst::compact_timestamp(now)
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
        let at = UnixTime::from_secs;
        assert_eq!(jst_date(at(0)), "19700101");
        // 2026-11-24 14:59:59 UTC is 23:59:59 JST; one second later it is the 25th in Japan.
        assert_eq!(jst_date(at(1_795_532_399)), "20261124");
        assert_eq!(jst_date(at(1_795_532_400)), "20261125");
        assert_eq!(jst_timestamp(at(1_795_532_399)), "20261124235959");
        assert_eq!(jst_date(at(951_782_400 - 9 * 3600)), "20000229");
    }
}
