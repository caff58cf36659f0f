//! Bindings of confirmed links (the `links` table, migrations 2 and 4): which platform
//! subject owns an insurance link for which of the insurer's persons.
//!
//! A link is keyed exactly as the platform sent it (see [`LinkKey`]): the eligibility check
//! looks the binding up by the identifiers in the assertion's `svc`, which the platform
//! copies from the same enrolled link, and by the assertion's `sub` and issuer.
//!
//! One binding per key **and person**: the members of a family share 記号・番号, and a card
//! without 枝番 carries only those (docs/domain/eligibility.md §2.9), so a father and his
//! son may both enrol the same key; each is confirmed as his own person of the register and
//! bound to his own subject, and neither binding touches the other. Confirming the key for
//! the same person again from another subject (a new card, a new enrollment) replaces that
//! person's binding, so the previous subject's assertions stop working at once. A subject
//! holds at most one binding of a key.
//!
//! These functions take a [`Connection`] (a transaction derefs to one), so that a flow can
//! read a binding and record an assertion id in the same transaction.

use counter_api::platform::ServiceData;
use madoguchi_time::UnixTime;
use rusqlite::{Connection, OptionalExtension, params};

/// An insurance link as the key of a binding: the identifiers of
/// [`ServiceData::Insurance`], with `""` for an absent symbol or branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkKey<'a> {
    /// 保険者番号.
    pub insurer_number: &'a str,
    /// 記号 (`""`: none given).
    pub symbol: &'a str,
    /// 番号.
    pub number: &'a str,
    /// 枝番 (`""`: none given).
    pub branch: &'a str,
}

impl<'a> LinkKey<'a> {
    /// The key of the link `(insurer_number, symbol, number, branch)`.
    pub fn new(
        insurer_number: &'a str,
        symbol: Option<&'a str>,
        number: &'a str,
        branch: Option<&'a str>,
    ) -> Self {
        Self {
            insurer_number,
            symbol: symbol.unwrap_or_default(),
            number,
            branch: branch.unwrap_or_default(),
        }
    }

    /// The key of an insurance link; `None` for another kind of link.
    pub fn of(link: &'a ServiceData) -> Option<Self> {
        match link {
            ServiceData::Insurance {
                insurer_number,
                symbol,
                number,
                branch,
            } => Some(Self::new(
                insurer_number,
                symbol.as_deref(),
                number,
                branch.as_deref(),
            )),
            _ => None,
        }
    }
}

/// Who owns a link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The platform's pairwise subject of the holder.
    pub sub: String,
    /// The platform (assertion issuer, client certificate CN) that confirmed it.
    pub platform: String,
    /// The insurer's key of the person the link was confirmed against.
    pub person: String,
    /// That person's birth date (`YYYYMMDD`) as the matching record held it.
    pub birth_date: String,
    /// The platform's enrollment the link belongs to.
    pub enrollment_id: String,
    /// When it was confirmed.
    pub linked_at: UnixTime,
}

const COLUMNS: &str = "sub, platform, person, birth_date, enrollment_id, linked_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Binding> {
    Ok(Binding {
        sub: r.get(0)?,
        platform: r.get(1)?,
        person: r.get(2)?,
        birth_date: r.get(3)?,
        enrollment_id: r.get(4)?,
        linked_at: r.get(5)?,
    })
}

/// The binding of `key` that `sub` of `platform` owns, if that subject's link was
/// confirmed (and not replaced or released since).
pub fn binding(
    c: &Connection,
    key: &LinkKey<'_>,
    sub: &str,
    platform: &str,
) -> rusqlite::Result<Option<Binding>> {
    c.query_row(
        &format!(
            "SELECT {COLUMNS} FROM links
             WHERE insurer_number = ?1 AND symbol = ?2 AND number = ?3 AND branch = ?4
               AND sub = ?5 AND platform = ?6"
        ),
        params![
            key.insurer_number,
            key.symbol,
            key.number,
            key.branch,
            sub,
            platform
        ],
        row,
    )
    .optional()
}

/// The binding of `key` to `person`, whoever owns it.
fn binding_of_person(
    c: &Connection,
    key: &LinkKey<'_>,
    person: &str,
) -> rusqlite::Result<Option<Binding>> {
    c.query_row(
        &format!(
            "SELECT {COLUMNS} FROM links
             WHERE insurer_number = ?1 AND symbol = ?2 AND number = ?3 AND branch = ?4
               AND person = ?5"
        ),
        params![
            key.insurer_number,
            key.symbol,
            key.number,
            key.branch,
            person
        ],
        row,
    )
    .optional()
}

/// Binds `key` for `b.person` to `b`'s subject, replacing that person's binding of `key`
/// (and `b`'s subject's binding of `key` to another person, so that a subject keeps one
/// binding per key); the bindings of the key to other persons stay. Returns the binding
/// replaced when it was the same person's under another subject or platform.
pub fn bind(c: &Connection, key: &LinkKey<'_>, b: &Binding) -> rusqlite::Result<Option<Binding>> {
    let before = binding_of_person(c, key, &b.person)?;
    // The subject confirmed as another person under this key before (the register keyed
    // the person anew): this confirmation is the subject's binding now.
    c.execute(
        "DELETE FROM links WHERE insurer_number = ?1 AND symbol = ?2 AND number = ?3
           AND branch = ?4 AND sub = ?5 AND platform = ?6 AND person <> ?7",
        params![
            key.insurer_number,
            key.symbol,
            key.number,
            key.branch,
            b.sub,
            b.platform,
            b.person
        ],
    )?;
    c.execute(
        "INSERT INTO links (insurer_number, symbol, number, branch, sub, platform, person,
                            birth_date, enrollment_id, linked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (insurer_number, symbol, number, branch, person) DO UPDATE SET
           sub = excluded.sub, platform = excluded.platform,
           birth_date = excluded.birth_date, enrollment_id = excluded.enrollment_id,
           linked_at = excluded.linked_at",
        params![
            key.insurer_number,
            key.symbol,
            key.number,
            key.branch,
            b.sub,
            b.platform,
            b.person,
            b.birth_date,
            b.enrollment_id,
            b.linked_at
        ],
    )?;
    Ok(before.filter(|old| old.sub != b.sub || old.platform != b.platform))
}

/// Removes the binding of `key` that `sub` of `platform` owns, if any; whether there was
/// one. Another subject's binding of the key (another member of the family) stays.
pub fn release(
    c: &Connection,
    key: &LinkKey<'_>,
    sub: &str,
    platform: &str,
) -> rusqlite::Result<bool> {
    let n = c.execute(
        "DELETE FROM links WHERE insurer_number = ?1 AND symbol = ?2 AND number = ?3
           AND branch = ?4 AND sub = ?5 AND platform = ?6",
        params![
            key.insurer_number,
            key.symbol,
            key.number,
            key.branch,
            sub,
            platform
        ],
    )?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::store::MIGRATIONS;

    fn open(dir: &tempfile::TempDir) -> Connection {
        backend_kit::sqlite::open(&dir.path().join("l.sqlite"), MIGRATIONS).unwrap()
    }

    fn owner(sub: &str, person: &str) -> Binding {
        Binding {
            sub: sub.into(),
            platform: "pf".into(),
            person: person.into(),
            birth_date: "19850412".into(),
            enrollment_id: "enr_1".into(),
            linked_at: UnixTime::from_secs(10),
        }
    }

    /// Every binding of `key`, by person.
    fn bindings(c: &Connection, key: &LinkKey<'_>) -> Vec<Binding> {
        let mut stmt = c
            .prepare(&format!(
                "SELECT {COLUMNS} FROM links WHERE insurer_number = ?1 AND symbol = ?2
                   AND number = ?3 AND branch = ?4 ORDER BY person"
            ))
            .unwrap();
        stmt.query_map(
            params![key.insurer_number, key.symbol, key.number, key.branch],
            row,
        )
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    const FAMILY: LinkKey<'static> = LinkKey {
        insurer_number: "06139999",
        symbol: "福岡",
        number: "10005",
        branch: "",
    };

    #[test]
    fn one_binding_per_person_replaced_and_released_only_by_its_subject() {
        let dir = tempfile::tempdir().unwrap();
        let c = open(&dir);
        let svc = ServiceData::Insurance {
            insurer_number: "06139999".into(),
            symbol: None,
            number: "10001".into(),
            branch: Some("01".into()),
        };
        let key = LinkKey::of(&svc).unwrap();
        assert_eq!(key.symbol, "");
        assert_eq!(binding(&c, &key, "a", "pf").unwrap(), None);
        assert_eq!(bind(&c, &key, &owner("a", "p1")).unwrap(), None);
        assert_eq!(
            bind(&c, &key, &owner("a", "p1")).unwrap(),
            None,
            "same owner"
        );
        // The same person from another subject: replaced, and said so.
        assert_eq!(
            bind(&c, &key, &owner("b", "p1")).unwrap(),
            Some(owner("a", "p1"))
        );
        assert_eq!(binding(&c, &key, "a", "pf").unwrap(), None);
        assert_eq!(
            binding(&c, &key, "b", "pf").unwrap(),
            Some(owner("b", "p1"))
        );
        assert_eq!(binding(&c, &key, "b", "pf-other").unwrap(), None);
        assert!(
            !release(&c, &key, "a", "pf").unwrap(),
            "a no longer owns it"
        );
        assert!(!release(&c, &key, "b", "pf-other").unwrap());
        assert!(release(&c, &key, "b", "pf").unwrap());
        assert_eq!(bindings(&c, &key), []);
        // With the symbol given, it is another key.
        let svc2 = ServiceData::Insurance {
            insurer_number: "06139999".into(),
            symbol: Some("千代".into()),
            number: "10001".into(),
            branch: Some("01".into()),
        };
        bind(&c, &LinkKey::of(&svc2).unwrap(), &owner("a", "p1")).unwrap();
        assert_eq!(binding(&c, &key, "a", "pf").unwrap(), None);
        let pay = ServiceData::Payment {
            card_token_ref: "t".into(),
        };
        assert_eq!(LinkKey::of(&pay), None);
    }

    #[test]
    fn two_persons_of_one_key_are_bound_side_by_side() {
        let dir = tempfile::tempdir().unwrap();
        let c = open(&dir);
        let (father, son) = (owner("s-father", "kenichi"), owner("s-son", "ken"));
        assert_eq!(bind(&c, &FAMILY, &father).unwrap(), None);
        assert_eq!(bind(&c, &FAMILY, &son).unwrap(), None, "nothing replaced");
        assert_eq!(bindings(&c, &FAMILY), [son.clone(), father.clone()]);
        assert_eq!(
            binding(&c, &FAMILY, "s-father", "pf").unwrap(),
            Some(father.clone())
        );
        assert_eq!(
            binding(&c, &FAMILY, "s-son", "pf").unwrap(),
            Some(son.clone())
        );
        // The father's new card replaces his binding only.
        let renewed = owner("s-father-2", "kenichi");
        assert_eq!(bind(&c, &FAMILY, &renewed).unwrap(), Some(father));
        assert_eq!(bindings(&c, &FAMILY), [son.clone(), renewed.clone()]);
        // The son's release leaves the father's binding.
        assert!(release(&c, &FAMILY, "s-son", "pf").unwrap());
        assert_eq!(bindings(&c, &FAMILY), [renewed]);
    }

    #[test]
    fn a_subject_keeps_one_binding_per_key() {
        let dir = tempfile::tempdir().unwrap();
        let c = open(&dir);
        bind(&c, &FAMILY, &owner("s-son", "ken")).unwrap();
        bind(&c, &FAMILY, &owner("s-father", "kenichi")).unwrap();
        // The register keyed the son anew: his subject is confirmed as the new key.
        assert_eq!(bind(&c, &FAMILY, &owner("s-son", "ken-2")).unwrap(), None);
        assert_eq!(
            binding(&c, &FAMILY, "s-son", "pf").unwrap(),
            Some(owner("s-son", "ken-2"))
        );
        assert_eq!(
            bindings(&c, &FAMILY),
            [owner("s-son", "ken-2"), owner("s-father", "kenichi")]
        );
    }

    /// A database of migration 2's schema with a binding opens with its binding kept, and
    /// then takes a second person under the same key.
    #[test]
    fn bindings_of_the_old_schema_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.sqlite");
        let old = backend_kit::sqlite::open(&path, &MIGRATIONS[..3]).unwrap();
        old.execute(
            "INSERT INTO links (insurer_number, symbol, number, branch, sub, platform, person,
                                birth_date, enrollment_id, linked_at)
             VALUES ('06139999', '福岡', '10005', '', 's-father', 'pf', 'kenichi',
                     '19850412', 'enr_1', 10)",
            [],
        )
        .unwrap();
        drop(old);
        let c = backend_kit::sqlite::open(&path, MIGRATIONS).unwrap();
        let father = owner("s-father", "kenichi");
        assert_eq!(
            binding(&c, &FAMILY, "s-father", "pf").unwrap(),
            Some(father.clone())
        );
        assert_eq!(bind(&c, &FAMILY, &owner("s-son", "ken")).unwrap(), None);
        assert_eq!(bindings(&c, &FAMILY), [owner("s-son", "ken"), father]);
    }
}
