//! How long check details are kept (docs/domain/eligibility.md §5 R10: keep personal data no longer
//! than needed). The store purges records older than the cutoff; the period is the site's
//! setting.

use madoguchi_time::jst::CivilDate;
use serde::{Deserialize, Serialize};

use crate::UnixTime;

/// Seconds in a civil day.
const DAY: i64 = 86_400;

/// Keep records for `days` whole JST days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPolicy {
    /// Whole days kept before today (at least 1).
    pub days: u32,
}

impl RetentionPolicy {
    /// The purge cutoff at `now`: the start (00:00 JST) of the day `days` days before
    /// today. A record made at or after the cutoff is kept, one made before is purged, so
    /// today and the `days` days before it stay complete. `days` 0 counts as 1.
    pub fn cutoff(&self, now: UnixTime) -> UnixTime {
        let (today_start, _) = CivilDate::of(now).bounds();
        today_start.minus_secs(i64::from(self.days.max(1)).saturating_mul(DAY))
    }

    /// Whether a record made at `at` is to be purged at `now`.
    pub fn purge(&self, at: UnixTime, now: UnixTime) -> bool {
        at < self.cutoff(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eligibility::testdata::NOW;

    #[test]
    fn cutoff_is_a_jst_midnight() {
        let p = RetentionPolicy { days: 30 };
        let cutoff = p.cutoff(NOW);
        // NOW is 2026-11-25 10:00 JST; 30 days before today is 2026-10-26, 00:00 JST.
        assert_eq!(
            madoguchi_time::jst::compact_timestamp(cutoff),
            "20261026000000"
        );
        assert!(!p.purge(cutoff, NOW));
        assert!(p.purge(cutoff.minus_secs(1), NOW));
        assert_eq!(
            RetentionPolicy { days: 0 }.cutoff(NOW),
            RetentionPolicy { days: 1 }.cutoff(NOW)
        );
    }
}
