//! The four basic attributes (基本4情報) of a signature certificate, decoded from the
//! subjectAltName `otherName` entries (docs/domain/jpki.md §2.4):
//!
//! ```text
//! GeneralName ::= [0] IMPLICIT OtherName
//! OtherName   ::= SEQUENCE { type-id OID, value [0] EXPLICIT UTF8String }
//! ```
//!
//! Raw values are kept beside the decoded ones: staff confirm the certificate's values
//! with the customer, and normalisation for matching is the caller's business.

use serde::{Deserialize, Serialize};
use x509_cert::ext::pkix::name::GeneralName;

use crate::cert::JpkiCertificate;
use crate::oids;
use crate::verdict::Refusal;

/// The full-width space (U+3000) that separates 氏 and 名 (docs/domain/jpki.md §2.4).
pub const NAME_SEPARATOR: char = '\u{3000}';

/// Decoded 基本4情報 with the raw strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIdentity {
    /// 氏名 as in the certificate (`1.2.392.200149.8.5.5.1`).
    pub name: String,
    /// 氏: the part before the first U+3000 (the whole name if there is none).
    pub family_name: String,
    /// 名: the part after the first U+3000, if any.
    pub given_name: Option<String>,
    /// 氏名代替文字の使用位置情報 (`…5.5.2`), if present.
    pub name_substitution: Option<SubstitutionFlags>,
    /// 性別 (`…5.5.3`).
    pub sex: Sex,
    /// 生年月日 (`…5.5.4`).
    pub birth_date: BirthDate,
    /// 住所 as in the certificate (`…5.5.5`).
    pub address: String,
    /// 住所代替文字の使用位置情報 (`…5.5.6`), if present.
    pub address_substitution: Option<SubstitutionFlags>,
}

/// Substitution flags: one `'0'`/`'1'` per character of the value; `'1'` marks a 代替文字.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubstitutionFlags {
    /// The raw flag string.
    pub raw: String,
    /// Zero-based character positions flagged `'1'`.
    pub substituted: Vec<usize>,
    /// Whether there is exactly one flag per character of the value it describes.
    pub matches_value: bool,
}

/// 性別 code: `1` 男, `2` 女, `3` 不明 (docs/domain/jpki.md §2.4, rated [B/C]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sex {
    /// The raw value.
    pub raw: String,
    /// The decoded value; `None` for a code not listed in docs/domain/jpki.md §2.4.
    pub code: Option<SexCode>,
}

/// Decoded 性別.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SexCode {
    /// `1`
    Male,
    /// `2`
    Female,
    /// `3`
    NotKnown,
}

/// 元号 code, the `E` of `EYYYYMMDD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Era {
    /// `0` 不明
    Unknown,
    /// `1` 明治
    Meiji,
    /// `2` 大正
    Taisho,
    /// `3` 昭和
    Showa,
    /// `4` 平成
    Heisei,
    /// `5` 令和
    Reiwa,
}

/// 生年月日 `EYYYYMMDD`: era code then the Gregorian date (docs/domain/jpki.md §2.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BirthDate {
    /// The raw value, e.g. `420081031`.
    pub raw: String,
    /// The era code.
    pub era: Era,
    /// The Gregorian date `YYYY-MM-DD`; `None` when the era is `0` (不明), where the
    /// digits may be partial (fail closed: no date is invented).
    pub date: Option<String>,
}

impl SignIdentity {
    /// Decodes the attributes of a signature certificate. Refusal `identity_malformed` when
    /// an attribute is missing, repeated, not a UTF8String, or (birth date) not `EYYYYMMDD`.
    pub fn from_certificate(cert: &JpkiCertificate) -> Result<Self, Refusal> {
        let bad = |d: String| Refusal::IdentityMalformed { detail: d };
        let san = cert
            .exts
            .san
            .as_ref()
            .ok_or_else(|| bad("no subjectAltName".into()))?;
        let mut values: [Option<String>; 6] = Default::default();
        let order = [
            oids::PD_NAME,
            oids::PD_NAME_SUBSTITUTION,
            oids::PD_SEX,
            oids::PD_BIRTH_DATE,
            oids::PD_ADDRESS,
            oids::PD_ADDRESS_SUBSTITUTION,
        ];
        for gn in &san.0 {
            let GeneralName::OtherName(on) = gn else {
                continue;
            };
            let Some(i) = order.iter().position(|o| *o == on.type_id) else {
                continue;
            };
            let s: String = on
                .value
                .decode_as::<der::asn1::Utf8StringRef<'_>>()
                .map_err(|e| bad(format!("{} is not a UTF8String: {e}", on.type_id)))?
                .as_str()
                .to_owned();
            if values[i].replace(s).is_some() {
                return Err(bad(format!("{} appears twice", on.type_id)));
            }
        }
        let [name, name_flags, sex, birth, address, address_flags] = values;
        let name = name.ok_or_else(|| bad("name (1.2.392.200149.8.5.5.1) missing".into()))?;
        let sex = sex.ok_or_else(|| bad("sex (…5.5.3) missing".into()))?;
        let birth = birth.ok_or_else(|| bad("birth date (…5.5.4) missing".into()))?;
        let address = address.ok_or_else(|| bad("address (…5.5.5) missing".into()))?;
        let (family_name, given_name) = match name.split_once(NAME_SEPARATOR) {
            Some((f, g)) => (f.to_owned(), Some(g.to_owned())),
            None => (name.clone(), None),
        };
        Ok(Self {
            name_substitution: name_flags
                .map(|f| SubstitutionFlags::decode(f, &name))
                .transpose()?,
            address_substitution: address_flags
                .map(|f| SubstitutionFlags::decode(f, &address))
                .transpose()?,
            family_name,
            given_name,
            name,
            sex: Sex::decode(sex),
            birth_date: BirthDate::decode(birth)?,
            address,
        })
    }
}

impl SubstitutionFlags {
    fn decode(raw: String, value: &str) -> Result<Self, Refusal> {
        let mut substituted = Vec::new();
        for (i, c) in raw.chars().enumerate() {
            match c {
                '0' => {}
                '1' => substituted.push(i),
                _ => {
                    return Err(Refusal::IdentityMalformed {
                        detail: format!("substitution flags {raw:?} contain {c:?}"),
                    });
                }
            }
        }
        Ok(Self {
            matches_value: raw.chars().count() == value.chars().count(),
            raw,
            substituted,
        })
    }
}

impl Sex {
    fn decode(raw: String) -> Self {
        let code = match raw.as_str() {
            "1" => Some(SexCode::Male),
            "2" => Some(SexCode::Female),
            "3" => Some(SexCode::NotKnown),
            _ => None,
        };
        Self { raw, code }
    }
}

impl BirthDate {
    /// Decodes `EYYYYMMDD` (nine ASCII digits).
    pub fn decode(raw: String) -> Result<Self, Refusal> {
        let bad = || Refusal::IdentityMalformed {
            detail: format!("birth date {raw:?} is not EYYYYMMDD"),
        };
        let b = raw.as_bytes();
        if b.len() != 9 || !b.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        let era = match b[0] {
            b'0' => Era::Unknown,
            b'1' => Era::Meiji,
            b'2' => Era::Taisho,
            b'3' => Era::Showa,
            b'4' => Era::Heisei,
            b'5' => Era::Reiwa,
            _ => return Err(bad()),
        };
        let num = |r: std::ops::Range<usize>| raw.get(r).and_then(|s| s.parse::<u32>().ok());
        let (y, m, d) = (num(1..5), num(5..7), num(7..9));
        let date = match (era, y, m, d) {
            (Era::Unknown, ..) => None,
            (_, Some(y), Some(m), Some(d))
                if (1..=12).contains(&m)
                    && d >= 1
                    && d <= madoguchi_time::days_in_month(i64::from(y), m) =>
            {
                Some(format!("{y:04}-{m:02}-{d:02}"))
            }
            _ => return Err(bad()),
        };
        Ok(Self { raw, era, date })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn birth_dates() {
        let b = BirthDate::decode("420081031".into()).unwrap();
        assert_eq!(
            (b.era, b.date.as_deref()),
            (Era::Heisei, Some("2008-10-31"))
        );
        assert_eq!(BirthDate::decode("000000000".into()).unwrap().date, None);
        for bad in [
            "620081031",
            "42008103",
            "420081331",
            "420080230",
            "4200810３1",
        ] {
            assert!(BirthDate::decode(bad.into()).is_err(), "{bad}");
        }
    }

    #[test]
    fn substitution_flags() {
        let f = SubstitutionFlags::decode("00100".into(), "山田\u{3000}太郎").unwrap();
        assert_eq!((f.substituted, f.matches_value), (vec![2], true));
        assert!(
            !SubstitutionFlags::decode("0".into(), "ab")
                .unwrap()
                .matches_value
        );
        assert!(SubstitutionFlags::decode("0x".into(), "ab").is_err());
    }
}
