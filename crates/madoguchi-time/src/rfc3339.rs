//! [`UnixTime`] as an RFC 3339 string (`2025-01-02T03:04:05Z`, RFC 3339 §5.6 with `Z`),
//! for outputs people read, such as certificate verdicts:
//! `#[serde(with = "madoguchi_time::rfc3339")]` on a `UnixTime` field,
//! `#[serde(with = "madoguchi_time::rfc3339::option")]` on an `Option<UnixTime>`.
//! Deserialising accepts what [`UnixTime`]'s `FromStr` accepts.

use serde::{Deserialize, Deserializer, Serializer};

use crate::UnixTime;

/// Writes `t` as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn serialize<S: Serializer>(t: &UnixTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(t)
}

/// Reads an RFC 3339 time (or `@SECONDS`).
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<UnixTime, D::Error> {
    let s = String::deserialize(d)?;
    s.parse().map_err(serde::de::Error::custom)
}

/// The same for an `Option<UnixTime>`: `None` is `null`.
pub mod option {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::UnixTime;

    /// Writes `Some(t)` as `YYYY-MM-DDTHH:MM:SSZ`, `None` as `null`.
    pub fn serialize<S: Serializer>(t: &Option<UnixTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.collect_str(t),
            None => s.serialize_none(),
        }
    }

    /// Reads an RFC 3339 time or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<UnixTime>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| s.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde::{Deserialize, Serialize};

    use crate::UnixTime;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Shown {
        #[serde(with = "crate::rfc3339")]
        at: UnixTime,
        #[serde(with = "crate::rfc3339::option")]
        until: Option<UnixTime>,
        raw: UnixTime,
    }

    #[test]
    fn strings_where_asked_integers_otherwise() {
        let v = Shown {
            at: UnixTime::from_secs(1_735_787_045),
            until: None,
            raw: UnixTime::from_secs(1_735_787_045),
        };
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(
            json,
            r#"{"at":"2025-01-02T03:04:05Z","until":null,"raw":1735787045}"#
        );
        assert_eq!(serde_json::from_str::<Shown>(&json).unwrap(), v);
        let w = Shown {
            until: Some(UnixTime::EPOCH),
            ..v
        };
        let json = serde_json::to_string(&w).unwrap();
        assert!(json.contains(r#""until":"1970-01-01T00:00:00Z""#));
        assert_eq!(serde_json::from_str::<Shown>(&json).unwrap(), w);
        assert!(serde_json::from_str::<Shown>(r#"{"at":"x","until":null,"raw":0}"#).is_err());
    }
}
