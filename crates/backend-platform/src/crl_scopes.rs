//! What a CRL set holds per scope (one distribution point of one root generation, the key
//! of the index's scopes): the CRL in use for it, from which file, and its dates.
//! Owns the two rules a set is held to against the set in use and against the clock:
//! [`check_not_older`] (a set never goes back in time for a scope) and [`freshness`] (when
//! its earliest nextUpdate passes). Pure: the time is a parameter.

use jpki_cert::crl::AddedCrl;
use madoguchi_time::UnixTime;

/// The CRL a set uses for one scope: the index builder's account of it
/// ([`AddedCrl`], with `used` true) and the file it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeCrl {
    /// The file (its name in the folder and in the published set).
    pub file: String,
    /// The CRL, as the index builder took it.
    pub crl: AddedCrl,
}

impl ScopeCrl {
    /// The scope, as the messages name it.
    pub fn scope(&self) -> String {
        if self.crl.scope.is_empty() {
            format!(
                "the full CRL of the root with key SHA-256 {}",
                hex::encode(self.crl.issuer_key)
            )
        } else {
            self.crl.scope.clone()
        }
    }

    fn same_scope(&self, other: &Self) -> bool {
        self.crl.issuer_key == other.crl.issuer_key && self.crl.scope_hash == other.crl.scope_hash
    }
}

/// Notes the CRL of `file` that the index builder accepted as `added`: the newest CRL of a
/// scope wins, as in the index (`CrlIndexBuilder::add_crl`'s `used`).
pub fn note(scopes: &mut Vec<ScopeCrl>, file: &str, added: AddedCrl) {
    if !added.used {
        return;
    }
    let crl = ScopeCrl {
        file: file.to_owned(),
        crl: added,
    };
    match scopes.iter_mut().find(|s| s.same_scope(&crl)) {
        Some(s) => *s = crl,
        None => scopes.push(crl),
    }
}

/// A CRL of a new set that is older than the one in use for its scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OlderCrl {
    /// The new set's CRL.
    pub new: ScopeCrl,
    /// The one in use.
    pub in_use: ScopeCrl,
}

impl std::fmt::Display for OlderCrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (n, u) = (&self.new, &self.in_use);
        write!(
            f,
            "CRL {} (scope {}) is older than the one in use, {}: thisUpdate {} against {}",
            n.file,
            n.scope(),
            u.file,
            n.crl.this_update,
            u.crl.this_update
        )?;
        if let (Some(a), Some(b)) = (&n.crl.crl_number, &u.crl.crl_number) {
            write!(
                f,
                ", cRLNumber {} against {}",
                hex::encode(a),
                hex::encode(b)
            )?;
        }
        Ok(())
    }
}

/// Checks that no CRL of `new` is older than the CRL `in_use` has for its scope (an earlier
/// thisUpdate, or a lower cRLNumber where both have one): such a set would accept again a
/// card revoked in between (a download during J-LIS's daily refresh may still get the
/// previous day's CRL, docs/domain/jpki.md §2.5). Returns the scopes of `in_use` that `new`
/// lacks: their cards are refused as revocation-unknown under `new` (it fails closed, so
/// the set is taken, and the caller warns).
pub fn check_not_older<'a>(
    new: &[ScopeCrl],
    in_use: &'a [ScopeCrl],
) -> Result<Vec<&'a ScopeCrl>, Box<OlderCrl>> {
    let mut missing = Vec::new();
    for u in in_use {
        let Some(n) = new.iter().find(|n| n.same_scope(u)) else {
            missing.push(u);
            continue;
        };
        let lower_number = match (&n.crl.crl_number, &u.crl.crl_number) {
            (Some(a), Some(b)) => number_cmp(a, b).is_lt(),
            _ => false,
        };
        if n.crl.this_update < u.crl.this_update || lower_number {
            return Err(Box::new(OlderCrl {
                new: n.clone(),
                in_use: u.clone(),
            }));
        }
    }
    Ok(missing)
}

/// Compares two unsigned big-endian integers of any length.
fn number_cmp(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let trim = |x: &[u8]| -> Vec<u8> { x.iter().copied().skip_while(|b| *b == 0).collect() };
    let (a, b) = (trim(a), trim(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(&b))
}

/// The CRL of `scopes` whose nextUpdate comes first, among those that have one; `None`
/// when none has one. The one place the earliest nextUpdate is found: the load's summary
/// and [`freshness`] both ask here.
pub fn earliest_dated(scopes: &[ScopeCrl]) -> Option<&ScopeCrl> {
    scopes
        .iter()
        .filter_map(|s| s.crl.next_update.map(|t| (t, s)))
        .min_by_key(|(t, _)| *t)
        .map(|(_, s)| s)
}

/// How fresh a set is at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness<'a> {
    /// Every nextUpdate is more than the margin away (or the set is empty).
    Fresh,
    /// This CRL's nextUpdate is within the margin: its cards are refused as
    /// revocation-unknown once it passes, unless a newer CRL is loaded.
    Soon(&'a ScopeCrl),
    /// This CRL's nextUpdate has passed (or it has none): its cards are refused as
    /// revocation-unknown now.
    Past(&'a ScopeCrl),
}

/// The freshness of `scopes` at `now`, warning `margin` seconds ahead.
///
/// A CRL without nextUpdate is never fresh: it comes first of all.
pub fn freshness(scopes: &[ScopeCrl], now: UnixTime, margin: u64) -> Freshness<'_> {
    if let Some(undated) = scopes.iter().find(|s| s.crl.next_update.is_none()) {
        return Freshness::Past(undated);
    }
    let Some((first, next)) =
        earliest_dated(scopes).and_then(|s| s.crl.next_update.map(|t| (s, t)))
    else {
        return Freshness::Fresh;
    };
    if now > next {
        return Freshness::Past(first);
    }
    let left = next.as_secs().saturating_sub(now.as_secs());
    if u64::try_from(left).unwrap_or(u64::MAX) <= margin {
        Freshness::Soon(first)
    } else {
        Freshness::Fresh
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn crl(file: &str, scope: u8, this: i64, next: Option<i64>, n: Option<&[u8]>) -> ScopeCrl {
        ScopeCrl {
            file: file.into(),
            crl: AddedCrl {
                root: "r".into(),
                scope: format!("CN=city{scope}"),
                entries: 0,
                used: true,
                issuer_key: [1; 32],
                scope_hash: [scope; 32],
                this_update: UnixTime::from_secs(this),
                next_update: next.map(UnixTime::from_secs),
                crl_number: n.map(<[u8]>::to_vec),
            },
        }
    }

    const DAY: i64 = 86_400;
    const T: i64 = 1_800_000_000;

    #[test]
    fn an_older_crl_for_a_scope_is_refused_naming_both_files_and_dates() {
        let in_use = [
            crl("a-new.crl", 1, T, None, None),
            crl("b.crl", 2, T, None, None),
        ];
        let new = [
            crl("a-old.crl", 1, T - DAY, None, None),
            crl("b.crl", 2, T, None, None),
        ];
        let e = check_not_older(&new, &in_use).unwrap_err();
        assert_eq!(e.new.file, "a-old.crl");
        assert_eq!(e.in_use.file, "a-new.crl");
        let text = e.to_string();
        for part in [
            "CRL a-old.crl (scope CN=city1)",
            "the one in use, a-new.crl",
            "thisUpdate 2027-01-14T08:00:00Z against 2027-01-15T08:00:00Z",
        ] {
            assert!(text.contains(part), "{part:?} in {text}");
        }
    }

    #[test]
    fn a_lower_crl_number_is_older_even_at_the_same_this_update() {
        let in_use = [crl("a.crl", 1, T, None, Some(&[0x01, 0x00]))];
        let lower = [crl("a.crl", 1, T, None, Some(&[0xff]))];
        let e = check_not_older(&lower, &in_use).unwrap_err();
        assert!(e.to_string().contains("cRLNumber ff against 0100"), "{e}");
        // A leading zero octet changes nothing; a number only on one side is not compared.
        let same = [crl("a.crl", 1, T, None, Some(&[0x00, 0x01, 0x00]))];
        assert!(check_not_older(&same, &in_use).unwrap().is_empty());
        let unnumbered = [crl("a.crl", 1, T, None, None)];
        assert!(check_not_older(&unnumbered, &in_use).unwrap().is_empty());
    }

    #[test]
    fn a_newer_or_equal_set_is_taken_and_a_scope_it_lacks_is_returned() {
        let in_use = [
            crl("a.crl", 1, T, None, None),
            crl("b.crl", 2, T, None, None),
        ];
        let new = [
            crl("a.crl", 1, T + DAY, None, None),
            crl("c.crl", 3, T - DAY, None, None),
        ];
        let missing = check_not_older(&new, &in_use).unwrap();
        assert_eq!(missing, vec![&in_use[1]]);
        assert!(check_not_older(&in_use, &in_use).unwrap().is_empty());
        assert!(check_not_older(&new, &[]).unwrap().is_empty());
    }

    #[test]
    fn the_newest_crl_of_a_scope_is_the_one_noted() {
        let added = |this: i64, used: bool| AddedCrl {
            root: "r".into(),
            scope: "CN=city1".into(),
            entries: 0,
            used,
            issuer_key: [1; 32],
            scope_hash: [1; 32],
            this_update: UnixTime::from_secs(this),
            next_update: None,
            crl_number: None,
        };
        let mut scopes = Vec::new();
        note(&mut scopes, "old.crl", added(T - DAY, true));
        note(&mut scopes, "new.crl", added(T, true));
        note(&mut scopes, "older.crl", added(T - 2 * DAY, false));
        assert_eq!(scopes.len(), 1);
        assert_eq!(scopes[0].file, "new.crl");
    }

    #[test]
    fn freshness_names_the_earliest_next_update_past_within_the_margin_or_none() {
        let margin = 6 * 3600;
        let set = [
            crl("late.crl", 1, T, Some(T + 2 * DAY), None),
            crl("early.crl", 2, T, Some(T + DAY), None),
        ];
        assert_eq!(earliest_dated(&set).unwrap().file, "early.crl");
        let at = |s: i64| UnixTime::from_secs(s);
        assert_eq!(freshness(&set, at(T), margin), Freshness::Fresh);
        assert_eq!(
            freshness(&set, at(T + DAY - margin as i64 - 1), margin),
            Freshness::Fresh
        );
        assert_eq!(
            freshness(&set, at(T + DAY - margin as i64), margin),
            Freshness::Soon(&set[1])
        );
        assert_eq!(
            freshness(&set, at(T + DAY), margin),
            Freshness::Soon(&set[1])
        );
        assert_eq!(
            freshness(&set, at(T + DAY + 1), margin),
            Freshness::Past(&set[1])
        );
        // A CRL without nextUpdate is never fresh; an empty set has nothing to go stale.
        let none = [set[0].clone(), crl("none.crl", 3, T, None, None)];
        assert_eq!(freshness(&none, at(T), margin), Freshness::Past(&none[1]));
        // The earliest nextUpdate leaves it out (the load's summary names a date).
        assert_eq!(earliest_dated(&none).unwrap().file, "late.crl");
        assert_eq!(earliest_dated(&[]), None);
        assert_eq!(freshness(&[], at(T), margin), Freshness::Fresh);
    }
}
