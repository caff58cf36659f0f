//! The card holder's 基本4情報 as the signature certificate's subjectAltName
//! carries them (docs/domain/jpki.md §2.4), and the opaque card ID of the subject CN.

use const_oid::ObjectIdentifier;
use jpki_card_sim::Sex;
use sha2::{Digest, Sha256};

use crate::date::Date;
use crate::error::Result;
use crate::profile::{
    PD_ADDRESS, PD_COMMON_NAME, PD_DATE_OF_BIRTH, PD_GENDER, PD_SUBSTITUTE_ADDRESS,
    PD_SUBSTITUTE_COMMON_NAME,
};

/// A card holder. Flags are kept as strings so tests can also build odd ones
/// (e.g. a flag string whose length does not match the name, as in the
/// synthetic MynaWallet certificate, docs/domain/jpki.md §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// 氏名, 氏 U+3000 名, with 代替文字 already in place.
    pub name: String,
    /// 氏名代替文字の使用位置情報: one `0`/`1` per character of `name`
    /// (the U+3000 counts as a character).
    pub name_flags: String,
    /// 生年月日 (Gregorian).
    pub birth_date: Date,
    /// 性別.
    pub sex: Sex,
    /// 住所 from the prefecture, 全角 digits and hyphens, ≤ 200 characters
    /// in real certificates ([`crate::profile::MAX_ADDRESS_CHARS`]).
    pub address: String,
    /// 住所代替文字の使用位置情報: one `0`/`1` per character of `address`.
    pub address_flags: String,
}

impl Holder {
    /// A holder with no substituted characters (all flags `0`).
    pub fn new(name: &str, birth_date: Date, sex: Sex, address: &str) -> Holder {
        Holder {
            name: name.to_owned(),
            name_flags: zeros(name),
            birth_date,
            sex,
            address: address.to_owned(),
            address_flags: zeros(address),
        }
    }

    /// Marks the characters at `positions` (0-based, counted in characters)
    /// of the name as 代替文字. Positions past the end are ignored.
    pub fn with_substituted_name_chars(mut self, positions: &[usize]) -> Holder {
        self.name_flags = flags(&self.name, positions);
        self
    }

    /// Marks the characters at `positions` of the address as 代替文字.
    pub fn with_substituted_address_chars(mut self, positions: &[usize]) -> Holder {
        self.address_flags = flags(&self.address, positions);
        self
    }

    /// The subjectAltName otherName entries in the observed order: .1 name,
    /// .4 birth date, .3 sex, .5 address, .2 name flags, .6 address flags
    /// (docs/domain/jpki.md §2.4).
    pub fn other_names(&self) -> Result<Vec<(ObjectIdentifier, String)>> {
        Ok(vec![
            (PD_COMMON_NAME, self.name.clone()),
            (PD_DATE_OF_BIRTH, self.birth_date.jpki_birth_date()?),
            (PD_GENDER, self.sex.code().to_string()),
            (PD_ADDRESS, self.address.clone()),
            (PD_SUBSTITUTE_COMMON_NAME, self.name_flags.clone()),
            (PD_SUBSTITUTE_ADDRESS, self.address_flags.clone()),
        ])
    }
}

fn zeros(text: &str) -> String {
    "0".repeat(text.chars().count())
}

fn flags(text: &str, positions: &[usize]) -> String {
    (0..text.chars().count())
        .map(|i| if positions.contains(&i) { '1' } else { '0' })
        .collect()
}

/// A 23-character opaque card ID for the subject CN, derived from `seed`.
///
/// Real ones look like `308014E45JEFIG14104003A` and
/// `997794E9AGCIEG13221003A` (docs/domain/jpki.md §2.2); their structure is not public.
/// We imitate the shape of those two (**\[C\]**, nothing may parse it): 6 digits,
/// `E`, 6 of `[0-9A-J]`, `G`, 5 digits, `003A`.
pub fn card_id(seed: &str) -> String {
    let hash = Sha256::digest(seed.as_bytes());
    let digit = |b: u8| char::from(b'0' + b % 10);
    let mixed = |b: u8| {
        let v = b % 20;
        if v < 10 {
            char::from(b'0' + v)
        } else {
            char::from(b'A' + v - 10)
        }
    };
    let mut id = String::with_capacity(23);
    id.extend(hash.iter().take(6).map(|b| digit(*b)));
    id.push('E');
    id.extend(hash.iter().skip(6).take(6).map(|b| mixed(*b)));
    id.push('G');
    id.extend(hash.iter().skip(12).take(5).map(|b| digit(*b)));
    id.push_str("003A");
    id
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn card_ids_have_the_real_shape() {
        for seed in ["a", "sato-hanako", "suzuki-ichiro"] {
            let id = card_id(seed);
            assert_eq!(id.len(), 23, "{id}");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            );
            assert!(id.ends_with("003A"));
        }
        assert_ne!(card_id("a"), card_id("b"));
    }

    #[test]
    fn flags_count_characters_not_bytes() {
        let holder = Holder::new(
            "鈴木　一郎",
            Date::new(1958, 3, 3).unwrap(),
            Sex::Male,
            "東京都",
        )
        .with_substituted_name_chars(&[0, 4, 99]);
        assert_eq!(holder.name_flags, "10001");
        assert_eq!(holder.address_flags, "000");
        let names = holder.other_names().unwrap();
        assert_eq!(names[1].1, "319580303");
        assert_eq!(names[2].1, "1");
    }
}
