//! Settlement: the business date (JST) of an instant and the day's totals per brand (the
//! nexo reconciliation model, docs/domain/payments-and-eid-clients.md §1.9), each operation counted
//! on the business day it happened, as a merchant's journal of that day shows it.

use std::collections::{HashMap, HashSet};

use counter_api::acquirer::BrandTotals;
use madoguchi_time::{CivilDate, UnixTime, jst};

/// The business date `YYYY-MM-DD` in JST of the instant `t`.
pub fn business_date(t: UnixTime) -> String {
    jst::business_date(t)
}

/// Checks a `YYYY-MM-DD` date as the settlement path takes it.
pub fn check_date(s: &str) -> Result<(), &'static str> {
    parse_date(s).map(|_| ())
}

fn parse_date(s: &str) -> Result<CivilDate, &'static str> {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return Err("the date is YYYY-MM-DD (the JST business date)");
    }
    CivilDate::parse(s).ok_or("the date is YYYY-MM-DD, a day that exists in the calendar")
}

/// The business day `date` (`YYYY-MM-DD`, JST) as instants `[start, end)`: from 00:00
/// JST to the next 00:00 JST. A date that does not exist (`2026-02-30`) is refused.
pub fn day_bounds(date: &str) -> Result<(UnixTime, UnixTime), &'static str> {
    parse_date(date).map(CivilDate::bounds)
}

/// What an operation did to a payment, as the `operations` table records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MovementKind {
    /// Approved authorisation (opens the payment; no money moves).
    Authorise,
    /// Declined authorisation (final).
    Decline,
    /// Capture: money moves to the merchant (a debit of the cardholder).
    Capture,
    /// Void (before settlement).
    Void,
    /// Reversal of an authorisation whose outcome the terminal did not learn.
    Reversal,
    /// Refund: money moves back to the cardholder (a credit).
    Refund,
}

impl MovementKind {
    /// The kind of a stored `operations.kind`; `None` for an unknown one.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "authorise" => Self::Authorise,
            "decline" => Self::Decline,
            "capture" => Self::Capture,
            "void" => Self::Void,
            "reversal" => Self::Reversal,
            "refund" => Self::Refund,
            _ => return None,
        })
    }

    /// Whether the operation ends an open authorisation.
    fn closes(self) -> bool {
        matches!(self, Self::Capture | Self::Void | Self::Reversal)
    }
}

/// One recorded operation on a payment, as the totals need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Movement {
    /// Order of recording (`operations.id`).
    pub seq: i64,
    /// Payment.
    pub payment_id: String,
    /// Brand of the payment's card.
    pub brand: String,
    /// What happened.
    pub kind: MovementKind,
    /// Amount of the operation (yen; the captured or refunded amount).
    pub amount_jpy: u64,
    /// When.
    pub at: UnixTime,
}

/// The instant the totals of the day `[start, end)` are taken at: the end of the day, or
/// `now` (inclusive) while the day is not over.
pub fn as_of(end: UnixTime, now: UnixTime) -> UnixTime {
    end.min(now.plus_secs(1))
}

/// The totals per brand (sorted by brand) of the business day `[start, end)` and the count
/// of authorisations still open, from the operations recorded up to [`as_of`]`(end, now)`.
///
/// Each operation counts on the day it happened, whatever day the payment was authorised
/// on: a capture is a debit (its amount), a refund a credit, a void or a reversal a
/// cancellation, a declined authorisation a decline. A capture voided or reversed later
/// the same day is not a debit (it never reaches the batch; the state machine only lets a
/// capture be cancelled on its own business day). A brand is listed when it had any
/// operation that day, an authorisation included.
///
/// Pending: the merchant's authorisations, of any day, still open at the cut-off (the end
/// of the day, or now while it lasts): authorised before it and neither captured, voided
/// nor reversed before it. A past day's answer therefore never changes, and today's is
/// what a close must wait for.
pub fn totals(
    movements: &[Movement],
    start: UnixTime,
    end: UnixTime,
    now: UnixTime,
) -> (Vec<BrandTotals>, u32) {
    let cutoff = as_of(end, now);
    let mut seen: Vec<&Movement> = movements.iter().filter(|m| m.at < cutoff).collect();
    seen.sort_by_key(|m| m.seq);
    // The position of each payment's last void or reversal: a capture before it was
    // cancelled later (one pass, so a day of ten thousand payments stays linear).
    let mut last_cancel: HashMap<&str, usize> = HashMap::new();
    for (i, m) in seen.iter().enumerate() {
        if matches!(m.kind, MovementKind::Void | MovementKind::Reversal) {
            last_cancel.insert(m.payment_id.as_str(), i);
        }
    }
    let mut out: Vec<BrandTotals> = Vec::new();
    for (i, m) in seen.iter().enumerate() {
        if m.at < start {
            continue;
        }
        let Some(b) = brand_entry(&mut out, &m.brand) else {
            continue;
        };
        match m.kind {
            MovementKind::Authorise => {}
            MovementKind::Decline => b.declined_count += 1,
            MovementKind::Capture => {
                let cancelled_later = last_cancel
                    .get(m.payment_id.as_str())
                    .is_some_and(|&c| c > i);
                if !cancelled_later {
                    b.debit_count += 1;
                    b.debit_jpy += m.amount_jpy;
                }
            }
            MovementKind::Refund => {
                b.credit_count += 1;
                b.credit_jpy += m.amount_jpy;
            }
            MovementKind::Void | MovementKind::Reversal => b.cancelled_count += 1,
        }
    }
    out.sort_by(|a, b| a.brand.cmp(&b.brand));
    (out, pending(&seen))
}

/// The payments whose authorisation is among `seen` and none of whose closing operations is.
fn pending(seen: &[&Movement]) -> u32 {
    let closed: HashSet<&str> = seen
        .iter()
        .filter(|n| n.kind.closes())
        .map(|n| n.payment_id.as_str())
        .collect();
    let open: HashSet<&str> = seen
        .iter()
        .filter(|m| m.kind == MovementKind::Authorise)
        .map(|m| m.payment_id.as_str())
        .filter(|id| !closed.contains(id))
        .collect();
    u32::try_from(open.len()).unwrap_or(u32::MAX)
}

/// The totals of `brand` in `out`, added empty when missing.
fn brand_entry<'a>(out: &'a mut Vec<BrandTotals>, brand: &str) -> Option<&'a mut BrandTotals> {
    if !out.iter().any(|b| b.brand == brand) {
        out.push(BrandTotals {
            brand: brand.to_owned(),
            debit_count: 0,
            debit_jpy: 0,
            credit_count: 0,
            credit_jpy: 0,
            cancelled_count: 0,
            declined_count: 0,
        });
    }
    out.iter_mut().find(|b| b.brand == brand)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_date_is_jst() {
        // 2026-11-23T14:59:59Z is 23:59:59 JST; one second later is the 24th in Japan.
        assert_eq!(business_date(at(1_795_445_999)), "2026-11-23");
        assert_eq!(business_date(at(1_795_446_000)), "2026-11-24");
        assert_eq!(business_date(UnixTime::EPOCH), "1970-01-01");
        assert_eq!(business_date(at(951_782_400 - 9 * 3600)), "2000-02-29");
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
    fn day_bounds_are_jst_midnights() {
        // 2026-11-24 00:00 JST is 2026-11-23T15:00:00Z.
        assert_eq!(
            day_bounds("2026-11-24"),
            Ok((at(1_795_446_000), at(1_795_446_000 + 86_400)))
        );
        assert_eq!(day_bounds("1970-01-01"), Ok((at(-9 * 3600), at(15 * 3600))));
        assert_eq!(
            day_bounds("2000-02-29").map(|(s, _)| business_date(s)),
            Ok("2000-02-29".to_owned())
        );
        for bad in ["2026-02-29", "2026-04-31", "2026-13-01"] {
            assert!(day_bounds(bad).is_err(), "{bad}");
        }
    }

    const D: i64 = 1_795_446_000; // 2026-11-24 00:00 JST
    const DAY: i64 = 86_400;

    const fn at(secs: i64) -> UnixTime {
        UnixTime::from_secs(secs)
    }

    fn mv(seq: i64, id: &str, brand: &str, kind: MovementKind, amount: u64, t: i64) -> Movement {
        Movement {
            seq,
            payment_id: id.into(),
            brand: brand.into(),
            kind,
            amount_jpy: amount,
            at: at(t),
        }
    }

    fn day(movements: &[Movement], n: i64, now: i64) -> (Vec<BrandTotals>, u32) {
        totals(movements, at(D + n * DAY), at(D + (n + 1) * DAY), at(now))
    }

    #[test]
    fn totals_per_brand_on_one_day() {
        use MovementKind as K;
        let t = D + 3600;
        let ms = [
            mv(1, "p1", "VISA", K::Authorise, 1000, t),
            mv(2, "p1", "VISA", K::Capture, 1000, t),
            mv(3, "p2", "VISA", K::Authorise, 500, t),
            mv(4, "p2", "VISA", K::Capture, 500, t),
            mv(5, "p2", "VISA", K::Refund, 200, t + 1),
            mv(6, "p3", "JCB", K::Authorise, 300, t),
            mv(7, "p3", "JCB", K::Void, 0, t + 2),
            mv(8, "p4", "JCB", K::Decline, 300, t),
            mv(9, "p5", "JCB", K::Authorise, 300, t),
            // Captured then voided the same day: a cancellation, not a debit.
            mv(10, "p6", "JCB", K::Authorise, 700, t),
            mv(11, "p6", "JCB", K::Capture, 700, t),
            mv(12, "p6", "JCB", K::Void, 0, t + 5),
        ];
        let (t, pending) = day(&ms, 0, D + DAY + 10);
        assert_eq!(pending, 1);
        assert_eq!(t[0].brand, "JCB");
        assert_eq!((t[0].cancelled_count, t[0].declined_count), (2, 1));
        assert_eq!((t[0].debit_count, t[0].debit_jpy), (0, 0));
        assert_eq!((t[1].debit_count, t[1].debit_jpy), (2, 1500));
        assert_eq!((t[1].credit_count, t[1].credit_jpy), (1, 200));
    }

    #[test]
    fn each_operation_counts_on_its_own_day() {
        use MovementKind as K;
        // Authorised on D, captured (800 of 1000) on D+1, 300 refunded on D+2.
        let ms = [
            mv(1, "p1", "VISA", K::Authorise, 1000, D + 10 * 3600),
            mv(2, "p1", "VISA", K::Capture, 800, D + DAY + 3600),
            mv(3, "p1", "VISA", K::Refund, 300, D + 2 * DAY + 3600),
        ];
        let later = D + 3 * DAY;
        let zero = |b: &BrandTotals| (b.debit_count, b.credit_count, b.cancelled_count);

        // D: no money moved; the authorisation was open at the end of the day.
        let (t, pending) = day(&ms, 0, later);
        assert_eq!(pending, 1);
        assert_eq!(t.iter().map(zero).collect::<Vec<_>>(), vec![(0, 0, 0)]);
        // The same while D lasts, and before the authorisation nothing at all.
        assert_eq!(day(&ms, 0, D + 11 * 3600).1, 1);
        assert_eq!(day(&ms, 0, D + 3600), (vec![], 0));

        // D+1: the debit, nothing pending any more.
        let (t, pending) = day(&ms, 1, later);
        assert_eq!(pending, 0);
        assert_eq!((t[0].debit_count, t[0].debit_jpy), (1, 800));
        assert_eq!(t[0].credit_count, 0);
        // While D+1 lasts but before the capture: pending, no debit yet.
        let (t, pending) = day(&ms, 1, D + DAY + 60);
        assert_eq!((t.len(), pending), (0, 1));

        // D+2: the credit only.
        let (t, pending) = day(&ms, 2, later);
        assert_eq!(pending, 0);
        assert_eq!((t[0].debit_count, t[0].debit_jpy), (0, 0));
        assert_eq!((t[0].credit_count, t[0].credit_jpy), (1, 300));

        // A day without operations.
        assert_eq!(day(&ms, 3, later), (vec![], 0));
    }
}
