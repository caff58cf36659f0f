//! The dotted key at a place in a TOML text, so that an error the TOML parser reports at a
//! byte offset (a value of the wrong type, a table without a key it needs, a key not
//! expected) names the key (`counter.reader`) and its line, as every other configuration
//! error does.
//!
//! The key is taken from the document as `toml` parsed it, with the place of every key and
//! value (`toml::de::DeTable`), not guessed from the line's text: a value inside a
//! multi-line array or string, a quoted key holding `=`, and the tables of an array of
//! tables (`terminals[1].id`) are named as written.

use toml::de::{DeTable, DeValue};

/// The key whose name or value holds byte `offset` of `text` (the innermost one: the
/// table's name when `offset` is on its header), with the line's number, or only the
/// line's number when no key holds it (or the text is not TOML). `None` past the text's end.
pub(crate) fn key_at(text: &str, offset: usize) -> Option<String> {
    // `None` past the text's end.
    let line = text
        .as_bytes()
        .get(..offset)?
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1;
    let key = DeTable::parse(text)
        .ok()
        .and_then(|table| in_table(table.get_ref(), offset));
    Some(match key {
        Some(key) => format!("{key} (line {line})"),
        None => format!("(line {line})"),
    })
}

/// The path, from this table, of the innermost key holding `offset`.
fn in_table(table: &DeTable<'_>, offset: usize) -> Option<String> {
    table.iter().find_map(|(key, value)| {
        let name = key.get_ref();
        match in_value(value.get_ref(), offset) {
            Some(rest) => Some(format!("{name}{rest}")),
            None if key.span().contains(&offset) || value.span().contains(&offset) => {
                Some(name.to_string())
            }
            None => None,
        }
    })
}

/// What follows a key's name on the path to `offset` inside its value (`.reader`, `[1].id`),
/// `None` when the value holds no key or element there.
fn in_value(value: &DeValue<'_>, offset: usize) -> Option<String> {
    match value {
        DeValue::Table(table) => in_table(table, offset).map(|path| format!(".{path}")),
        DeValue::Array(items) => {
            items
                .iter()
                .enumerate()
                .find_map(|(i, item)| match in_value(item.get_ref(), offset) {
                    Some(rest) => Some(format!("[{i}]{rest}")),
                    None if item.span().contains(&offset) => Some(format!("[{i}]")),
                    None => None,
                })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_key_under_its_table() {
        let text = "terminal_id = 3\n[counter]\nmode = \"x\"\nreader = 3\n[pos.tls]\nkey = 1\n";
        let at = |needle: &str| key_at(text, text.find(needle).unwrap());
        assert_eq!(at("3\n").as_deref(), Some("terminal_id (line 1)"));
        assert_eq!(at("\"x\"").as_deref(), Some("counter.mode (line 3)"));
        assert_eq!(at("3\n[pos").as_deref(), Some("counter.reader (line 4)"));
        assert_eq!(at("[counter]").as_deref(), Some("counter (line 2)"));
        assert_eq!(at("tls").as_deref(), Some("pos.tls (line 5)"));
        assert_eq!(at("1\n").as_deref(), Some("pos.tls.key (line 6)"));
        assert_eq!(key_at(text, text.len() + 1), None);
    }

    #[test]
    fn arrays_of_tables_and_text_without_a_key() {
        let text = "[[terminals]]\nid = 3\n# a = b\n[[terminals]]\nid = 4\n";
        assert_eq!(
            key_at(text, text.find('3').unwrap()).as_deref(),
            Some("terminals[0].id (line 2)")
        );
        assert_eq!(
            key_at(text, text.find('4').unwrap()).as_deref(),
            Some("terminals[1].id (line 5)")
        );
        // A comment holds no key, whatever it says.
        assert_eq!(
            key_at(text, text.find('#').unwrap()).as_deref(),
            Some("(line 3)")
        );
        assert_eq!(key_at("x", 0).as_deref(), Some("(line 1)"));
        assert_eq!(key_at("", 0).as_deref(), Some("(line 1)"));
    }

    /// What the old reading of the line's text got wrong: an element on a later line of a
    /// multi-line array, a string holding `=`, a quoted key holding `=`.
    #[test]
    fn keys_the_line_text_would_misname() {
        let text = "[counter]\nreaders = [\n  \"a=b\",\n  7,\n]\n\"odd=key\" = 1\n";
        assert_eq!(
            key_at(text, text.find("\"a=b\"").unwrap()).as_deref(),
            Some("counter.readers[0] (line 3)")
        );
        assert_eq!(
            key_at(text, text.find('7').unwrap()).as_deref(),
            Some("counter.readers[1] (line 4)")
        );
        assert_eq!(
            key_at(text, text.find("1\n").unwrap()).as_deref(),
            Some("counter.odd=key (line 6)")
        );
    }

    /// The places `toml` itself reports, through the configuration's own parse.
    #[test]
    fn the_places_serde_reports() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Counter {
            mode: String,
            reader: String,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct File {
            counter: Counter,
        }
        let named = |text: &str| {
            let e = toml::from_str::<File>(text).unwrap_err();
            key_at(text, e.span().unwrap().start).unwrap()
        };
        assert_eq!(
            named("[counter]\nmode = \"x\"\nreader = 3\n"),
            "counter.reader (line 3)"
        );
        assert_eq!(named("[counter]\nmode = \"x\"\n"), "counter (line 1)");
        assert_eq!(
            named("[counter]\nmode = \"x\"\nreader = \"r\"\nextra = [1,\n 2]\n"),
            "counter.extra (line 4)"
        );
    }
}
