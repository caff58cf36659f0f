//! Bindings of confirmed links (the `links` table, migration 2): which platform subject owns
//! an insurance link, and which of the insurer's persons the link was confirmed against.
//!
//! A link is keyed exactly as the platform sent it (see [`LinkKey`]): the eligibility check
//! looks the binding up by the identifiers in the assertion's `svc`, which the platform
//! copies from the same enrolled link. One owner per key: confirming a link for another
//! subject replaces the binding, so the previous owner's assertions stop working at once.
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

/// The binding of `key`, if the link was confirmed.
pub fn binding(c: &Connection, key: &LinkKey<'_>) -> rusqlite::Result<Option<Binding>> {
    c.query_row(
        "SELECT sub, platform, person, birth_date, enrollment_id, linked_at FROM links
         WHERE insurer_number = ?1 AND symbol = ?2 AND number = ?3 AND branch = ?4",
        params![key.insurer_number, key.symbol, key.number, key.branch],
        |r| {
            Ok(Binding {
                sub: r.get(0)?,
                platform: r.get(1)?,
                person: r.get(2)?,
                birth_date: r.get(3)?,
                enrollment_id: r.get(4)?,
                linked_at: r.get(5)?,
            })
        },
    )
    .optional()
}

/// Binds `key` to `b`, replacing any binding it had; returns the binding replaced when it
/// belonged to another subject or platform.
pub fn bind(c: &Connection, key: &LinkKey<'_>, b: &Binding) -> rusqlite::Result<Option<Binding>> {
    let before = binding(c, key)?;
    c.execute(
        "INSERT INTO links (insurer_number, symbol, number, branch, sub, platform, person,
                            birth_date, enrollment_id, linked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (insurer_number, symbol, number, branch) DO UPDATE SET
           sub = excluded.sub, platform = excluded.platform, person = excluded.person,
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

/// Removes the binding of `key` if `sub` of `platform` still owns it; whether it did.
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
    Ok(n == 1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::store::MIGRATIONS;

    fn owner(sub: &str) -> Binding {
        Binding {
            sub: sub.into(),
            platform: "pf".into(),
            person: "p1".into(),
            birth_date: "19850412".into(),
            enrollment_id: "enr_1".into(),
            linked_at: UnixTime::from_secs(10),
        }
    }

    #[test]
    fn one_owner_per_link_replaced_and_released_only_by_it() {
        let dir = tempfile::tempdir().unwrap();
        let c = backend_kit::sqlite::open(&dir.path().join("l.sqlite"), MIGRATIONS).unwrap();
        let svc = ServiceData::Insurance {
            insurer_number: "06139999".into(),
            symbol: None,
            number: "10001".into(),
            branch: Some("01".into()),
        };
        let key = LinkKey::of(&svc).unwrap();
        assert_eq!(key.symbol, "");
        assert_eq!(binding(&c, &key).unwrap(), None);
        assert_eq!(bind(&c, &key, &owner("a")).unwrap(), None);
        assert_eq!(bind(&c, &key, &owner("a")).unwrap(), None, "same owner");
        assert_eq!(bind(&c, &key, &owner("b")).unwrap(), Some(owner("a")));
        assert_eq!(binding(&c, &key).unwrap(), Some(owner("b")));
        assert!(
            !release(&c, &key, "a", "pf").unwrap(),
            "a no longer owns it"
        );
        assert!(!release(&c, &key, "b", "pf-other").unwrap());
        assert!(release(&c, &key, "b", "pf").unwrap());
        assert_eq!(binding(&c, &key).unwrap(), None);
        // With the symbol given, it is another key.
        let svc2 = ServiceData::Insurance {
            insurer_number: "06139999".into(),
            symbol: Some("千代".into()),
            number: "10001".into(),
            branch: Some("01".into()),
        };
        bind(&c, &LinkKey::of(&svc2).unwrap(), &owner("a")).unwrap();
        assert_eq!(binding(&c, &key).unwrap(), None);
        let pay = ServiceData::Payment {
            card_token_ref: "t".into(),
        };
        assert_eq!(LinkKey::of(&pay), None);
    }
}
