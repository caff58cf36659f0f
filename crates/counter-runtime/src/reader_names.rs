//! `[counter] reader`: which PC/SC readers the counter watches. One name, exactly as
//! `pcsc_scan` lists it, or a list of name patterns, in which `*` stands for any run of
//! characters (pcscd appends " 00 00" and the like to a model's name, and a serial number
//! may be in it): a counter lists its contact reader and its contactless one, and a card
//! placed on any reader that matches is the one read.
//!
//! Nothing here looks at a card's ATR: a My Number card is recognised by selecting its
//! JPKI application (docs/domain/jpki.md §1.8), so cards of every generation are read on
//! any reader, with no list of ATRs to keep.

use std::fmt;

use serde::Deserialize;

/// The readers' names or patterns, as written.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(
    untagged,
    expecting = "a reader's name, or a list of reader name patterns (`*` for any characters)"
)]
pub enum ReaderNames {
    /// `reader = "ACS ACR39U ICC Reader 00 00"` (a pattern too, when it holds `*`).
    One(String),
    /// `reader = ["ACS ACR39U*", "*PaSoRi*"]`.
    Patterns(Vec<String>),
}

/// Why a reader key cannot be used; the configuration names the key and the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReaderNamesError {
    /// No name, or too many.
    #[error("list 1 to {max} reader names or patterns (there are {count})")]
    Count {
        /// How many were written.
        count: usize,
        /// [`ReaderNames::MAX`].
        max: usize,
    },
    /// An empty name, or a pattern that is only `*`: it would take any reader, the
    /// virtual or test readers a machine may have too.
    #[error(
        "entry {index} ({pattern:?}) names no reader: write the reader's name as pcsc_scan \
         lists it, with * for the parts that vary"
    )]
    Empty {
        /// Its place in the list (0 for a single name).
        index: usize,
        /// As written.
        pattern: String,
    },
}

impl ReaderNames {
    /// The most patterns a counter lists: a contact reader, a contactless one, and spares
    /// of other models; more would make the choice hard to follow.
    pub const MAX: usize = 8;

    /// The names or patterns, in the order written.
    pub fn patterns(&self) -> &[String] {
        match self {
            Self::One(name) => std::slice::from_ref(name),
            Self::Patterns(list) => list,
        }
    }

    /// Checks the list: 1 to [`Self::MAX`] entries, each with something besides `*` and
    /// spaces.
    pub fn check(&self) -> Result<(), ReaderNamesError> {
        let patterns = self.patterns();
        if patterns.is_empty() || patterns.len() > Self::MAX {
            return Err(ReaderNamesError::Count {
                count: patterns.len(),
                max: Self::MAX,
            });
        }
        for (index, pattern) in patterns.iter().enumerate() {
            if pattern.chars().all(|c| c == '*' || c.is_whitespace()) {
                return Err(ReaderNamesError::Empty {
                    index,
                    pattern: pattern.clone(),
                });
            }
        }
        Ok(())
    }

    /// Whether the reader `name` is one of these.
    pub fn matches(&self, name: &str) -> bool {
        self.patterns().iter().any(|p| glob(p, name))
    }

    /// The name to connect to when no reader has been seen yet: the first entry (a
    /// reader's exact name, when it is one).
    pub fn first(&self) -> &str {
        self.patterns().first().map(String::as_str).unwrap_or("")
    }
}

impl fmt::Display for ReaderNames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.patterns().join(", "))
    }
}

/// `pattern` matches all of `name`, `*` standing for any run of characters (none
/// included); every other character stands for itself.
fn glob(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    // split always yields a first part: the text before the first `*`.
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        // No `*`: the whole name.
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            // `find` gives a char boundary, and `part` ends on one: the slice cannot panic.
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn names(list: &[&str]) -> ReaderNames {
        ReaderNames::Patterns(list.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn an_exact_name_matches_itself_only() {
        let one = ReaderNames::One("ACS ACR39U ICC Reader 00 00".into());
        assert!(one.matches("ACS ACR39U ICC Reader 00 00"));
        assert!(!one.matches("ACS ACR39U ICC Reader 00 01"));
        assert!(!one.matches("ACS ACR39U ICC Reader 00 00 "));
        assert_eq!(one.first(), "ACS ACR39U ICC Reader 00 00");
    }

    #[test]
    fn patterns_take_a_contact_and_a_contactless_reader() {
        let both = names(&["ACS ACR39U ICC Reader*", "*PaSoRi*"]);
        for reader in [
            "ACS ACR39U ICC Reader 00 00",
            "ACS ACR39U ICC Reader [CCID] 01 00",
            "Sony FeliCa Port/PaSoRi 4.0 00 00",
        ] {
            assert!(both.matches(reader), "{reader}");
        }
        for reader in ["Virtual PCD 00 00", "ACS ACR1252 Reader 00 00", ""] {
            assert!(!both.matches(reader), "{reader}");
        }
        assert_eq!(both.to_string(), "ACS ACR39U ICC Reader*, *PaSoRi*");
    }

    #[test]
    fn a_star_in_the_middle_and_repeated_parts() {
        assert!(glob("A*C", "ABC"));
        assert!(glob("A*C", "AC"));
        assert!(!glob("A*C", "ACB"));
        assert!(glob("*00 00", "Virtual PCD 00 00"));
        assert!(glob("a*b*b", "abbb"));
        assert!(!glob("a*b*c", "acb"));
        assert!(glob("**x", "x"));
    }

    #[test]
    fn empty_and_catch_all_lists_are_refused() {
        assert_eq!(
            names(&[]).check(),
            Err(ReaderNamesError::Count { count: 0, max: 8 })
        );
        let nine: Vec<String> = (0..9).map(|i| format!("R{i}*")).collect();
        assert!(matches!(
            ReaderNames::Patterns(nine).check(),
            Err(ReaderNamesError::Count { count: 9, .. })
        ));
        let e = names(&["ACS*", " * "]).check().unwrap_err();
        assert_eq!(
            e,
            ReaderNamesError::Empty {
                index: 1,
                pattern: " * ".into()
            }
        );
        assert!(e.to_string().contains("pcsc_scan"), "{e}");
        assert!(ReaderNames::One(String::new()).check().is_err());
        assert!(names(&["ACS*", "*PaSoRi*"]).check().is_ok());
    }
}
