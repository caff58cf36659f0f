//! The dotted key at a place in a TOML text, so that an error the TOML parser reports at a
//! byte offset (a value of the wrong type, a table without a key it needs) names the key
//! (`counter.reader`) and its line, as every other configuration error does.

/// The key written on the line holding byte `offset` of `text`, under the table header
/// above it (`counter.reader`), or the table's name when that line is its header or
/// holds no `=`; with the line's number. `None` past the text's end.
pub(crate) fn key_at(text: &str, offset: usize) -> Option<String> {
    if offset > text.len() {
        return None;
    }
    let mut table = String::new();
    let mut start = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let end = start + line.len();
        let trimmed = line.trim();
        let header = trimmed
            .strip_prefix("[[")
            .and_then(|t| t.split("]]").next())
            .or_else(|| trimmed.strip_prefix('[').and_then(|t| t.split(']').next()));
        if let Some(name) = header {
            table = name.trim().to_owned();
        }
        if offset < end || end == text.len() {
            let number = index + 1;
            let key = match (header, trimmed.split_once('=')) {
                (None, Some((key, _))) if !trimmed.starts_with('#') => {
                    let key = key.trim().trim_matches('"');
                    if table.is_empty() {
                        key.to_owned()
                    } else {
                        format!("{table}.{key}")
                    }
                }
                _ if table.is_empty() => return Some(format!("(line {number})")),
                _ => table.clone(),
            };
            return Some(format!("{key} (line {number})"));
        }
        start = end;
    }
    None
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
        assert_eq!(at("1\n").as_deref(), Some("pos.tls.key (line 6)"));
        assert_eq!(key_at(text, text.len() + 1), None);
    }

    #[test]
    fn arrays_of_tables_comments_and_text_without_a_key() {
        let text = "[[terminals]]\nid = 3\n# a = b\n";
        assert_eq!(key_at(text, 15).as_deref(), Some("terminals.id (line 2)"));
        assert_eq!(
            key_at(text, text.find('#').unwrap()).as_deref(),
            Some("terminals (line 3)")
        );
        assert_eq!(key_at("x", 0).as_deref(), Some("(line 1)"));
        assert_eq!(key_at("", 0), None);
    }
}
