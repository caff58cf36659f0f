//! Settlement: the business date (JST) of an instant and the day's totals per brand (the
//! nexo reconciliation model, payments-and-eid-clients.md §1.9).

use counter_api::acquirer::{BrandTotals, PaymentStatus};

/// JST is UTC+9 all year (no daylight saving).
const JST_OFFSET_SECS: i64 = 9 * 3600;

/// The business date `YYYY-MM-DD` in JST of the Unix time `t`.
pub fn business_date(t: i64) -> String {
    let days = (t + JST_OFFSET_SECS).div_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's
/// `civil_from_days` algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Checks a `YYYY-MM-DD` date as the settlement path takes it.
pub fn check_date(s: &str) -> Result<(), &'static str> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r)
            .is_some_and(|x| x.iter().all(|c| c.is_ascii_digit()))
    };
    let ok = b.len() == 10
        && digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10);
    if !ok {
        return Err("the date is YYYY-MM-DD (the JST business date)");
    }
    let m: u32 = s.get(5..7).and_then(|x| x.parse().ok()).unwrap_or(0);
    let d: u32 = s.get(8..10).and_then(|x| x.parse().ok()).unwrap_or(0);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err("the date is YYYY-MM-DD with a month 01-12 and a day 01-31");
    }
    Ok(())
}

/// One payment of the day, as the totals need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayPayment {
    /// Brand.
    pub brand: String,
    /// State.
    pub status: PaymentStatus,
    /// Captured (yen).
    pub captured: u64,
    /// Refunded (yen).
    pub refunded: u64,
    /// Refund operations.
    pub refund_count: u32,
}

/// The totals per brand (sorted by brand) and the count of payments still authorised.
pub fn totals(day: &[DayPayment]) -> (Vec<BrandTotals>, u32) {
    let mut out: Vec<BrandTotals> = Vec::new();
    let mut pending = 0;
    for p in day {
        let i = match out.iter().position(|b| b.brand == p.brand) {
            Some(i) => i,
            None => {
                out.push(BrandTotals {
                    brand: p.brand.clone(),
                    debit_count: 0,
                    debit_jpy: 0,
                    credit_count: 0,
                    credit_jpy: 0,
                    cancelled_count: 0,
                    declined_count: 0,
                });
                out.len() - 1
            }
        };
        let Some(b) = out.get_mut(i) else { continue };
        match p.status {
            PaymentStatus::Authorised => pending += 1,
            PaymentStatus::Captured
            | PaymentStatus::PartiallyRefunded
            | PaymentStatus::Refunded => {
                b.debit_count += 1;
                b.debit_jpy += p.captured;
                b.credit_count += p.refund_count;
                b.credit_jpy += p.refunded;
            }
            PaymentStatus::Voided | PaymentStatus::Reversed => b.cancelled_count += 1,
            PaymentStatus::Declined => b.declined_count += 1,
        }
    }
    out.sort_by(|a, b| a.brand.cmp(&b.brand));
    (out, pending)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_date_is_jst() {
        // 2026-11-23T14:59:59Z is 23:59:59 JST; one second later is the 24th in Japan.
        assert_eq!(business_date(1_795_445_999), "2026-11-23");
        assert_eq!(business_date(1_795_446_000), "2026-11-24");
        assert_eq!(business_date(0), "1970-01-01");
        assert_eq!(business_date(951_782_400 - 9 * 3600), "2000-02-29");
    }

    #[test]
    fn dates_are_checked() {
        assert!(check_date("2026-11-24").is_ok());
        for bad in [
            "2026-13-01",
            "2026-1-01",
            "20261124",
            "2026-11-24x",
            "２０２６-11-24",
        ] {
            assert!(check_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn totals_per_brand() {
        let p = |brand: &str, status, captured, refunded, refund_count| DayPayment {
            brand: brand.into(),
            status,
            captured,
            refunded,
            refund_count,
        };
        use PaymentStatus as S;
        let (t, pending) = totals(&[
            p("VISA", S::Captured, 1000, 0, 0),
            p("VISA", S::PartiallyRefunded, 500, 200, 1),
            p("JCB", S::Voided, 0, 0, 0),
            p("JCB", S::Declined, 0, 0, 0),
            p("JCB", S::Authorised, 0, 0, 0),
        ]);
        assert_eq!(pending, 1);
        assert_eq!(t[0].brand, "JCB");
        assert_eq!((t[0].cancelled_count, t[0].declined_count), (1, 1));
        assert_eq!((t[1].debit_count, t[1].debit_jpy), (2, 1500));
        assert_eq!((t[1].credit_count, t[1].credit_jpy), (1, 200));
    }
}
