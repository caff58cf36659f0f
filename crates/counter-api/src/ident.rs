//! Identifier rules shared by every id on the wire (terminal, merchant, service, platform,
//! challenge ids).
//!
//! An identifier is 1–64 characters of `A–Z a–z 0–9 . _ : -`. The limit keeps ids printable in
//! logs and receipts, and makes the canonical byte strings of
//! [`crate::platform::ChallengeBinding`] unambiguous: an id can hold neither a newline nor
//! `=`, which separate the fields there.

/// Longest identifier accepted (bytes = characters, ASCII only).
pub const MAX_ID_LEN: usize = 64;

/// Why an identifier is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// Empty or longer than [`MAX_ID_LEN`].
    #[error("`{field}` must be 1 to {MAX_ID_LEN} characters long, got {len}")]
    Length {
        /// The field.
        field: &'static str,
        /// Its length.
        len: usize,
    },
    /// A character outside `A–Z a–z 0–9 . _ : -`.
    #[error("`{field}` may only hold A-Z a-z 0-9 . _ : - (found {found:?})")]
    Character {
        /// The field.
        field: &'static str,
        /// The first character refused.
        found: char,
    },
}

/// Checks an identifier (see the module doc).
pub fn check_id(field: &'static str, id: &str) -> Result<(), IdError> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err(IdError::Length {
            field,
            len: id.chars().count(),
        });
    }
    match id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-')))
    {
        Some(found) => Err(IdError::Character { field, found }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(check_id("x", "clinic-1.desk_2:a").is_ok());
        assert!(matches!(check_id("x", ""), Err(IdError::Length { .. })));
        assert!(matches!(
            check_id("x", &"a".repeat(65)),
            Err(IdError::Length { len: 65, .. })
        ));
        assert!(matches!(
            check_id("x", "a\nb"),
            Err(IdError::Character { found: '\n', .. })
        ));
        assert!(matches!(
            check_id("x", "a=b"),
            Err(IdError::Character { found: '=', .. })
        ));
    }
}
