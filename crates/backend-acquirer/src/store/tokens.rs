//! Card tokens: their receipt data, their cardholder and their owner.

use counter_api::acquirer::{CardTokenRegistration, Cardholder};
use counter_api::platform::Sex;
use madoguchi_time::UnixTime;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::core::ownership::{Owner, keeps_owner};

/// A registered card token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Brand.
    pub brand: String,
    /// Last 4 digits.
    pub last4: String,
    /// Demo limit.
    pub limit_jpy: Option<u64>,
    /// Demo block.
    pub blocked: bool,
    /// The cardholder as the issuer holds them; `None` for a token registered before the
    /// acquirer kept them (it can never be confirmed).
    pub holder: Option<Cardholder>,
    /// The holder the token is linked to, if any.
    pub owner: Option<Owner>,
}

/// What a registration did to the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registered {
    /// A new token.
    New,
    /// An existing token; its owner (if any) is kept: the cardholder is unchanged.
    Updated,
    /// An existing token whose cardholder changed: its link was dropped (the holder must
    /// enrol again).
    LinkDropped,
}

/// Registers (or re-registers) a token: an upsert that writes the cardholder, keeps the
/// owner when the cardholder is unchanged (links survive the demo's registration at every
/// start) and clears it when it changed (the token may now be someone else's; see
/// [`keeps_owner`]). The caller holds the store's only connection, so the read and the
/// write are not interleaved with another request.
pub fn put_token(
    c: &Connection,
    t: &CardTokenRegistration,
    now: UnixTime,
) -> rusqlite::Result<Registered> {
    let existing = token(c, &t.card_token_ref)?;
    let h = &t.holder;
    let limit = t.limit_jpy.map(|l| i64::try_from(l).unwrap_or(i64::MAX));
    let sex = h.sex.map(Sex::as_str);
    let Some(existing) = existing else {
        c.execute(
            "INSERT INTO card_tokens (card_token_ref, brand, last4, limit_jpy, blocked,
                 registered_at, holder_name, holder_birth_date, holder_address, holder_sex)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                t.card_token_ref,
                t.brand,
                t.last4,
                limit,
                t.blocked,
                now,
                h.name,
                h.birth_date,
                h.address,
                sex
            ],
        )?;
        return Ok(Registered::New);
    };
    let keep = keeps_owner(existing.holder.as_ref(), h);
    c.execute(
        "UPDATE card_tokens SET brand = ?2, last4 = ?3, limit_jpy = ?4, blocked = ?5,
             holder_name = ?6, holder_birth_date = ?7, holder_address = ?8, holder_sex = ?9,
             owner_sub = CASE WHEN ?10 THEN owner_sub END,
             owner_platform = CASE WHEN ?10 THEN owner_platform END,
             owner_enrollment = CASE WHEN ?10 THEN owner_enrollment END,
             linked_at = CASE WHEN ?10 THEN linked_at END
         WHERE card_token_ref = ?1",
        params![
            t.card_token_ref,
            t.brand,
            t.last4,
            limit,
            t.blocked,
            h.name,
            h.birth_date,
            h.address,
            sex,
            keep
        ],
    )?;
    Ok(if keep || existing.owner.is_none() {
        Registered::Updated
    } else {
        Registered::LinkDropped
    })
}

/// A token.
pub fn token(c: &Connection, token_ref: &str) -> rusqlite::Result<Option<Token>> {
    c.query_row(
        "SELECT brand, last4, limit_jpy, blocked, holder_name, holder_birth_date,
             holder_address, holder_sex, owner_sub, owner_platform, owner_enrollment, linked_at
         FROM card_tokens WHERE card_token_ref = ?1",
        params![token_ref],
        row_token,
    )
    .optional()
}

fn row_token(r: &Row<'_>) -> rusqlite::Result<Token> {
    let holder = match (
        r.get::<_, Option<String>>(4)?,
        r.get::<_, Option<String>>(5)?,
    ) {
        (Some(name), Some(birth_date)) => Some(Cardholder {
            name,
            birth_date,
            address: r.get(6)?,
            sex: r
                .get::<_, Option<String>>(7)?
                .as_deref()
                .and_then(parse_sex),
        }),
        _ => None,
    };
    let owner = match (
        r.get::<_, Option<String>>(8)?,
        r.get::<_, Option<String>>(9)?,
    ) {
        (Some(sub), Some(platform)) => Some(Owner {
            sub,
            platform,
            enrollment: r.get::<_, Option<String>>(10)?.unwrap_or_default(),
            linked_at: r.get::<_, Option<UnixTime>>(11)?.unwrap_or_default(),
        }),
        _ => None,
    };
    Ok(Token {
        brand: r.get(0)?,
        last4: r.get(1)?,
        limit_jpy: r.get::<_, Option<i64>>(2)?.map(|l| l.max(0).unsigned_abs()),
        blocked: r.get(3)?,
        holder,
        owner,
    })
}

/// Makes `owner` the token's owner, replacing any previous one (whose assertions stop
/// paying at once).
pub fn set_owner(c: &Connection, token_ref: &str, owner: &Owner) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE card_tokens SET owner_sub = ?2, owner_platform = ?3, owner_enrollment = ?4,
             linked_at = ?5
         WHERE card_token_ref = ?1",
        params![
            token_ref,
            owner.sub,
            owner.platform,
            owner.enrollment,
            owner.linked_at
        ],
    )?;
    Ok(())
}

/// Clears the token's owner if `sub` of `platform` still owns it; true when it did.
pub fn release_owner(
    c: &Connection,
    token_ref: &str,
    sub: &str,
    platform: &str,
) -> rusqlite::Result<bool> {
    let n = c.execute(
        "UPDATE card_tokens SET owner_sub = NULL, owner_platform = NULL,
             owner_enrollment = NULL, linked_at = NULL
         WHERE card_token_ref = ?1 AND owner_sub = ?2 AND owner_platform = ?3",
        params![token_ref, sub, platform],
    )?;
    Ok(n == 1)
}

/// The stored sex, written by [`Sex::as_str`] only; anything else reads as not held.
fn parse_sex(s: &str) -> Option<Sex> {
    [Sex::Male, Sex::Female, Sex::NotKnown]
        .into_iter()
        .find(|x| x.as_str() == s)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const fn at(secs: i64) -> UnixTime {
        UnixTime::from_secs(secs)
    }

    fn registration(name: &str) -> CardTokenRegistration {
        CardTokenRegistration {
            card_token_ref: "tok_1".into(),
            brand: "VISA".into(),
            last4: "4242".into(),
            limit_jpy: Some(5_000),
            blocked: false,
            holder: Cardholder {
                name: name.into(),
                birth_date: "1985-04-12".into(),
                address: Some("東京都".into()),
                sex: Some(Sex::Female),
            },
        }
    }

    fn owner(sub: &str) -> Owner {
        Owner {
            sub: sub.into(),
            platform: "pf".into(),
            enrollment: "enr_1".into(),
            linked_at: at(7),
        }
    }

    fn open(dir: &tempfile::TempDir) -> Connection {
        backend_kit::sqlite::open(&dir.path().join("a.sqlite"), crate::schema::MIGRATIONS).unwrap()
    }

    #[test]
    fn re_registration_keeps_the_owner_only_for_the_same_holder() {
        let dir = tempfile::tempdir().unwrap();
        let c = open(&dir);
        let r = registration("佐藤　花子");
        assert_eq!(put_token(&c, &r, at(1)).unwrap(), Registered::New);
        let t = token(&c, "tok_1").unwrap().unwrap();
        assert_eq!((t.holder.as_ref(), t.owner), (Some(&r.holder), None));
        assert_eq!(t.limit_jpy, Some(5_000));
        set_owner(&c, "tok_1", &owner("a")).unwrap();
        let mut same = r.clone();
        same.blocked = true;
        assert_eq!(put_token(&c, &same, at(2)).unwrap(), Registered::Updated);
        let t = token(&c, "tok_1").unwrap().unwrap();
        assert_eq!((t.blocked, t.owner), (true, Some(owner("a"))));
        let other = registration("鈴木　一郎");
        assert_eq!(
            put_token(&c, &other, at(3)).unwrap(),
            Registered::LinkDropped
        );
        let t = token(&c, "tok_1").unwrap().unwrap();
        assert_eq!((t.holder, t.owner), (Some(other.holder.clone()), None));
        assert_eq!(put_token(&c, &r, at(4)).unwrap(), Registered::Updated);
    }

    #[test]
    fn only_the_owner_releases() {
        let dir = tempfile::tempdir().unwrap();
        let c = open(&dir);
        put_token(&c, &registration("佐藤　花子"), at(1)).unwrap();
        set_owner(&c, "tok_1", &owner("a")).unwrap();
        assert!(!release_owner(&c, "tok_1", "b", "pf").unwrap());
        assert!(!release_owner(&c, "tok_1", "a", "pf-other").unwrap());
        assert!(!release_owner(&c, "tok_other", "a", "pf").unwrap());
        set_owner(&c, "tok_1", &owner("b")).unwrap();
        assert!(!release_owner(&c, "tok_1", "a", "pf").unwrap(), "replaced");
        assert!(release_owner(&c, "tok_1", "b", "pf").unwrap());
        assert_eq!(token(&c, "tok_1").unwrap().unwrap().owner, None);
    }

    #[test]
    fn tokens_of_a_version_2_database_survive_without_a_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        {
            let old = &crate::schema::MIGRATIONS[..2];
            let c = backend_kit::sqlite::open(&path, old).unwrap();
            c.execute(
                "INSERT INTO card_tokens (card_token_ref, brand, last4, limit_jpy, blocked,
                     registered_at) VALUES ('tok_old', 'JCB', '0005', NULL, 0, 1)",
                [],
            )
            .unwrap();
        }
        let c = backend_kit::sqlite::open(&path, crate::schema::MIGRATIONS).unwrap();
        let t = token(&c, "tok_old").unwrap().unwrap();
        assert_eq!((t.brand.as_str(), t.holder, t.owner), ("JCB", None, None));
        // Registering it with a holder later is a change: nothing to keep, nothing dropped.
        let mut r = registration("佐藤　花子");
        r.card_token_ref = "tok_old".into();
        assert_eq!(put_token(&c, &r, at(2)).unwrap(), Registered::Updated);
    }
}
