//! Calendar dates, Japanese era codes and the JPKI validity rule.
//!
//! Times in certificates are UTC ([`der::DateTime`]); the rules are stated in
//! Japan Standard Time (UTC+9). Nothing here reads the system clock.

use std::fmt;

use der::DateTime;

use crate::error::{Error, Result};

/// A Gregorian calendar date (a birth date, an issuance date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// One Japanese era (元号) and the first Gregorian day of it.
struct Era {
    code: char,
    starts: Date,
}

/// Era codes of `jpki-pd-dateOfBirth` (docs/domain/jpki.md §2.4: 1 明治, 2 大正, 3 昭和,
/// 4 平成, 5 令和) with each era's first day. 明治 is counted from its
/// proclamation (1868-10-23, retroactive to 1868-01-25 Gregorian); nobody alive
/// was born before it. 大正 1912-07-30, 昭和 1926-12-25, 平成 1989-01-08,
/// 令和 2019-05-01.
const ERAS: [Era; 5] = [
    Era {
        code: '5',
        starts: Date {
            year: 2019,
            month: 5,
            day: 1,
        },
    },
    Era {
        code: '4',
        starts: Date {
            year: 1989,
            month: 1,
            day: 8,
        },
    },
    Era {
        code: '3',
        starts: Date {
            year: 1926,
            month: 12,
            day: 25,
        },
    },
    Era {
        code: '2',
        starts: Date {
            year: 1912,
            month: 7,
            day: 30,
        },
    },
    Era {
        code: '1',
        starts: Date {
            year: 1868,
            month: 1,
            day: 25,
        },
    },
];

impl Date {
    /// A date, checked (month 1–12, day within the month, year 1868–2099).
    pub fn new(year: u16, month: u8, day: u8) -> Result<Date> {
        let bad = |problem| Error::Date {
            value: format!("{year:04}-{month:02}-{day:02}"),
            problem,
        };
        if !(1868..=2099).contains(&year) {
            return Err(bad("year must be 1868 to 2099"));
        }
        if !(1..=12).contains(&month) {
            return Err(bad("month must be 1 to 12"));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(bad("no such day in that month"));
        }
        Ok(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD` (the persona file's `birth_date` format).
    pub fn parse(text: &str) -> Result<Date> {
        let bad = || Error::Date {
            value: text.to_owned(),
            problem: "expected YYYY-MM-DD",
        };
        let mut parts = text.split('-');
        let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let year = y.parse().map_err(|_| bad())?;
        let month = m.parse().map_err(|_| bad())?;
        let day = d.parse().map_err(|_| bad())?;
        Date::new(year, month, day)
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month.
    pub fn day(self) -> u8 {
        self.day
    }

    /// The era code of this date as a birth date (docs/domain/jpki.md §2.4), `'1'`–`'5'`.
    pub fn era_code(self) -> Result<char> {
        ERAS.iter()
            .find(|era| self >= era.starts)
            .map(|era| era.code)
            .ok_or(Error::Date {
                value: self.to_string(),
                problem: "is before the Meiji era",
            })
    }

    /// The `jpki-pd-dateOfBirth` value: era code + Gregorian `YYYYMMDD`,
    /// e.g. `419920101`-style `EYYYYMMDD` (docs/domain/jpki.md §2.4, MW example
    /// `420081031` = 平成, 2008-10-31).
    pub fn jpki_birth_date(self) -> Result<String> {
        Ok(format!(
            "{}{:04}{:02}{:02}",
            self.era_code()?,
            self.year,
            self.month,
            self.day
        ))
    }

    /// This date's anniversary in `year`. 29 February falls on 28 February in
    /// common years (**\[C\] assumption**: the J-LIS rule for leap-day births is
    /// not public).
    pub fn anniversary_in(self, year: u16) -> Result<Date> {
        let day = self.day.min(days_in_month(year, self.month));
        Date::new(year, self.month, day)
    }

    /// The holder's 5th birthday strictly after `issued`: the day JPKI
    /// certificates expire (docs/domain/jpki.md §2.2/§2.5, "発行の日から5回目の誕生日").
    /// A birthday on the issuance day itself does not count (**\[C\]**: the
    /// real-certificate example, issued 2020-05-19 for a 7 December birthday
    /// and expiring 2024-12-07, does not settle that edge).
    pub fn fifth_birthday_after(self, issued: Date) -> Result<Date> {
        let this_year = self.anniversary_in(issued.year)?;
        let first = if this_year > issued {
            this_year
        } else {
            self.anniversary_in(issued.year + 1)?
        };
        self.anniversary_in(first.year + 4)
    }

    /// 00:00:00 UTC of this date plus the given time of day, as a
    /// [`DateTime`].
    pub fn at_utc(self, hour: u8, minute: u8, second: u8) -> Result<DateTime> {
        DateTime::new(self.year, self.month, self.day, hour, minute, second).map_err(|_| {
            Error::Date {
                value: format!("{self} {hour:02}:{minute:02}:{second:02}Z"),
                problem: "time of day out of range",
            }
        })
    }

    /// 23:59:59 JST of this date, i.e. 14:59:59Z: the notAfter of JPKI
    /// certificates (docs/domain/jpki.md §2.2, `241207145959Z`).
    pub fn end_of_day_jst(self) -> Result<DateTime> {
        self.at_utc(14, 59, 59)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Days in `month` of `year`, from the workspace's one calendar (`madoguchi-time`); 0 for a
/// month outside 1–12.
fn days_in_month(year: u16, month: u8) -> u8 {
    // At most 31: the cast cannot truncate.
    madoguchi_time::days_in_month(i64::from(year), u32::from(month)) as u8
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn era_boundaries_follow_the_real_start_dates() {
        let cases = [
            ("1900-01-01", '1'),
            ("1912-07-29", '1'),
            ("1912-07-30", '2'),
            ("1926-12-24", '2'),
            ("1926-12-25", '3'),
            ("1989-01-07", '3'),
            ("1989-01-08", '4'),
            ("2019-04-30", '4'),
            ("2019-05-01", '5'),
        ];
        for (date, code) in cases {
            assert_eq!(d(date).era_code().unwrap(), code, "{date}");
        }
        assert_eq!(d("2008-10-31").jpki_birth_date().unwrap(), "420081031");
    }

    #[test]
    fn fifth_birthday_matches_the_real_certificate() {
        // docs/domain/jpki.md §2.2: issued 2020-05-19, notAfter 2024-12-07 14:59:59Z.
        let birth = d("1980-12-07");
        let end = birth.fifth_birthday_after(d("2020-05-19")).unwrap();
        assert_eq!(end, d("2024-12-07"));
        assert_eq!(
            end.end_of_day_jst().unwrap().to_string(),
            "2024-12-07T14:59:59Z"
        );
    }

    #[test]
    fn birthday_on_the_issuance_day_does_not_count() {
        let birth = d("1990-06-01");
        assert_eq!(
            birth.fifth_birthday_after(d("2025-06-01")).unwrap(),
            d("2030-06-01")
        );
        assert_eq!(
            birth.fifth_birthday_after(d("2025-05-31")).unwrap(),
            d("2029-06-01")
        );
    }

    #[test]
    fn leap_day_birthdays_fall_on_28_february() {
        let birth = d("2000-02-29");
        assert_eq!(
            birth.fifth_birthday_after(d("2025-03-01")).unwrap(),
            d("2030-02-28")
        );
        assert_eq!(
            birth.fifth_birthday_after(d("2023-03-01")).unwrap(),
            d("2028-02-29")
        );
    }

    #[test]
    fn bad_dates_are_refused() {
        for bad in [
            "2025-02-29",
            "2025-13-01",
            "25-01-01",
            "2025-1-01",
            "1867-12-31",
        ] {
            assert!(Date::parse(bad).is_err(), "{bad}");
        }
    }
}
