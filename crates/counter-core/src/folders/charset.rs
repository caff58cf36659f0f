//! The character code of the receipt system's files: `CharacterCodeIdentifier` `0` UTF-8 or
//! `1` Shift_JIS (docs/domain/eligibility.md §2.1). Decoding and encoding go through
//! `encoding_rs` (its Shift_JIS is the WHATWG one, i.e. Windows' code page 932, which is what
//! Japanese Windows programs write under the label `Shift_JIS`).
//!
//! How a request's code is found: a byte-order mark, else the XML declaration's `encoding`,
//! else the bytes themselves (valid UTF-8 is UTF-8, anything else is tried as Shift_JIS).
//! The header's `CharacterCodeIdentifier`, once parsed, must agree ([`Decoded::agrees`]).

use encoding_rs::{Encoding, SHIFT_JIS, UTF_8};

use super::FolderError;

/// `CharacterCodeIdentifier`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CharacterCode {
    /// `0`: UTF-8.
    Utf8,
    /// `1`: Shift_JIS.
    ShiftJis,
}

impl CharacterCode {
    /// The header code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Utf8 => "0",
            Self::ShiftJis => "1",
        }
    }

    /// From the header code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "0" => Some(Self::Utf8),
            "1" => Some(Self::ShiftJis),
            _ => None,
        }
    }

    /// The label of the XML declaration.
    pub fn label(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::ShiftJis => "Shift_JIS",
        }
    }

    fn encoding(self) -> &'static Encoding {
        match self {
            Self::Utf8 => UTF_8,
            Self::ShiftJis => SHIFT_JIS,
        }
    }

    /// Text in this code. Shift_JIS cannot carry every character: `encoding_rs` writes one
    /// it cannot as a decimal character reference (`&#12345;`), which in XML character
    /// data *is* that character, so the answer stays exact for any XML reader.
    pub fn encode(self, text: &str) -> Vec<u8> {
        let (bytes, _, _) = self.encoding().encode(text);
        bytes.into_owned()
    }
}

/// A request decoded: its text and the code it was in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The document.
    pub text: String,
    /// The code found.
    pub code: CharacterCode,
    /// Whether the code could be told from a mark or declaration (or from bytes that only
    /// one of the two codes reads), as opposed to plain ASCII, which both read alike.
    pub certain: bool,
}

impl Decoded {
    /// Whether a header that says `header` agrees with what was found: always when the
    /// bytes were plain ASCII without a declaration.
    pub fn agrees(&self, header: CharacterCode) -> bool {
        !self.certain || header == self.code
    }
}

/// The `encoding` of an XML declaration at the start of `bytes`, if any (ASCII only: both
/// codes write the declaration in ASCII).
fn declared(bytes: &[u8]) -> Option<&str> {
    let head = bytes.strip_prefix(b"<?xml")?;
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(head.get(..end)?).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl.get(at + "encoding".len()..)?.trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = rest.get(1..)?;
    let close = value.find(quote)?;
    value.get(..close)
}

/// Decodes a request file.
pub fn decode(bytes: &[u8]) -> Result<Decoded, FolderError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest, true);
    }
    if let Some(label) = declared(bytes) {
        let code = match Encoding::for_label(label.as_bytes()) {
            Some(e) if e == UTF_8 => CharacterCode::Utf8,
            // `Shift_JIS`, `sjis`, `windows-31j`, `cp932`, … (WHATWG labels).
            Some(e) if e == SHIFT_JIS => CharacterCode::ShiftJis,
            _ => {
                return Err(FolderError::Encoding {
                    detail: format!(
                        "the XML declaration names the encoding {label:?}; write UTF-8 or Shift_JIS"
                    ),
                });
            }
        };
        return match code {
            CharacterCode::Utf8 => utf8(bytes, true),
            CharacterCode::ShiftJis => shift_jis(bytes),
        };
    }
    if bytes.is_ascii() {
        return utf8(bytes, false);
    }
    if std::str::from_utf8(bytes).is_ok() {
        return utf8(bytes, true);
    }
    shift_jis(bytes)
}

fn utf8(bytes: &[u8], certain: bool) -> Result<Decoded, FolderError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Decoded {
            text: text.to_owned(),
            code: CharacterCode::Utf8,
            certain,
        }),
        Err(e) => Err(FolderError::Encoding {
            detail: format!(
                "the file is declared UTF-8 but byte {} is not UTF-8",
                e.valid_up_to()
            ),
        }),
    }
}

fn shift_jis(bytes: &[u8]) -> Result<Decoded, FolderError> {
    match SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(Decoded {
            text: text.into_owned(),
            code: CharacterCode::ShiftJis,
            certain: true,
        }),
        None => Err(FolderError::Encoding {
            detail: "the file is neither UTF-8 nor valid Shift_JIS".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const SJIS_DECL: &str = "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><a>佐藤</a>";

    #[test]
    fn shift_jis_by_declaration_and_by_bytes() {
        let bytes = CharacterCode::ShiftJis.encode(SJIS_DECL);
        assert_ne!(bytes, SJIS_DECL.as_bytes());
        let d = decode(&bytes).unwrap();
        assert_eq!(
            (d.text.as_str(), d.code),
            (SJIS_DECL, CharacterCode::ShiftJis)
        );
        let bare = CharacterCode::ShiftJis.encode("<a>佐藤</a>");
        let d = decode(&bare).unwrap();
        assert_eq!(d.code, CharacterCode::ShiftJis);
        assert!(d.agrees(CharacterCode::ShiftJis) && !d.agrees(CharacterCode::Utf8));
        for label in ["sjis", "windows-31j", "SHIFT_JIS"] {
            let t = format!("<?xml version='1.0' encoding='{label}'?><a/>");
            assert_eq!(decode(t.as_bytes()).unwrap().code, CharacterCode::ShiftJis);
        }
    }

    #[test]
    fn utf8_by_mark_declaration_bytes_or_ascii() {
        let d = decode("\u{FEFF}<a>佐藤</a>".as_bytes()).unwrap();
        assert_eq!(
            (d.text.as_str(), d.code),
            ("<a>佐藤</a>", CharacterCode::Utf8)
        );
        let d = decode("<?xml version=\"1.0\" encoding=\"utf-8\"?><a/>".as_bytes()).unwrap();
        assert!(d.certain && !d.agrees(CharacterCode::ShiftJis));
        let d = decode("<a>佐藤</a>".as_bytes()).unwrap();
        assert_eq!(d.code, CharacterCode::Utf8);
        let d = decode(b"<a>1</a>").unwrap();
        assert!(!d.certain && d.agrees(CharacterCode::ShiftJis) && d.agrees(CharacterCode::Utf8));
    }

    #[test]
    fn wrong_bytes_and_unknown_encodings_are_errors() {
        let sjis = CharacterCode::ShiftJis.encode("<a>佐藤</a>");
        let mut lying = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>".to_vec();
        lying.extend_from_slice(&sjis);
        let e = decode(&lying).unwrap_err().to_string();
        assert!(e.contains("UTF-8"), "{e}");
        let e = decode(b"<?xml version=\"1.0\" encoding=\"EUC-JP\"?><a/>")
            .unwrap_err()
            .to_string();
        assert!(e.contains("EUC-JP"), "{e}");
        // 0x82 followed by 0x20 is a broken two-byte sequence in Shift_JIS.
        let e = decode(b"<a>\x82\x20</a>").unwrap_err().to_string();
        assert!(e.contains("Shift_JIS"), "{e}");
    }

    #[test]
    fn shift_jis_keeps_what_it_cannot_carry_as_references() {
        // U+20BB7 (𠮷) is outside JIS X 0208.
        let bytes = CharacterCode::ShiftJis.encode("<a>𠮷田</a>");
        let back = decode(&bytes).unwrap().text;
        assert_eq!(back, "<a>&#134071;田</a>");
        assert_eq!(CharacterCode::from_code("1"), Some(CharacterCode::ShiftJis));
        assert_eq!(CharacterCode::from_code("2"), None);
    }
}
