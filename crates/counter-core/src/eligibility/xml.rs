//! A small tree of named elements written two ways: as XML (UTF-8, 2-space indent) and as
//! the JSON form the Web-API path carries (`{"XmlMsg":{"MessageHeader":…}}`,
//! docs/domain/eligibility.md §2.1). Written by hand: we only ever write this one shape, element
//! content and no attributes.

/// What an element holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// Character data.
    Text(String),
    /// Child elements, each name once (a JSON object).
    Children(Vec<Node>),
    /// Repeated child elements of one name (`ResultList/ResultOfQualificationConfirmation[]`;
    /// a JSON object holding one array, even of one item).
    List(Vec<Node>),
}

/// One element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The element name (the spec's field name).
    pub name: &'static str,
    /// Its content.
    pub body: Body,
}

impl Node {
    /// `<name>text</name>`.
    pub fn text(name: &'static str, text: impl Into<String>) -> Self {
        Self {
            name,
            body: Body::Text(text.into()),
        }
    }

    /// An element with children.
    pub fn parent(name: &'static str, children: Vec<Node>) -> Self {
        Self {
            name,
            body: Body::Children(children),
        }
    }

    /// A list element of repeated items.
    pub fn list(name: &'static str, items: Vec<Node>) -> Self {
        Self {
            name,
            body: Body::List(items),
        }
    }
}

/// Appends `<name>value</name>` when the value is present (absent optional fields are
/// left out, as in the real files).
pub fn push_opt(out: &mut Vec<Node>, name: &'static str, value: Option<&str>) {
    if let Some(v) = value {
        out.push(Node::text(name, v));
    }
}

/// The XML document: declaration, then `root`, newline-terminated.
pub fn to_xml(root: &Node) -> String {
    to_xml_declared(root, "UTF-8")
}

/// The XML document whose declaration names `encoding` (`UTF-8` or `Shift_JIS`, the two
/// `CharacterCodeIdentifier` values, docs/domain/eligibility.md §2.1). The text is still a
/// Rust string: the caller encodes it in the declared code.
pub fn to_xml_declared(root: &Node, encoding: &str) -> String {
    let mut s = format!("<?xml version=\"1.0\" encoding=\"{encoding}\"?>\n");
    write_xml(&mut s, root, 0);
    s
}

fn write_xml(s: &mut String, n: &Node, depth: usize) {
    let indent = "  ".repeat(depth);
    s.push_str(&indent);
    s.push('<');
    s.push_str(n.name);
    s.push('>');
    match &n.body {
        Body::Text(t) => s.push_str(&escape_xml(t)),
        // An empty element stays on one line: no whitespace text to misread.
        Body::Children(c) | Body::List(c) if c.is_empty() => {}
        Body::Children(c) | Body::List(c) => {
            s.push('\n');
            for child in c {
                write_xml(s, child, depth + 1);
            }
            s.push_str(&indent);
        }
    }
    s.push_str("</");
    s.push_str(n.name);
    s.push_str(">\n");
}

/// Escapes character data: the five predefined entities (`&` `<` `>` `"` `'`), CR as a
/// character reference (a parser would turn a raw CR into LF, XML 1.0 §2.11), and every
/// character XML 1.0 cannot carry at all (§2.2: controls other than TAB, LF, CR;
/// U+FFFE, U+FFFF) as U+FFFD, so that the document stays well-formed.
pub fn escape_xml(t: &str) -> String {
    let mut s = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&apos;"),
            '\r' => s.push_str("&#13;"),
            '\t' | '\n' => s.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => s.push('\u{FFFD}'),
            c => s.push(c),
        }
    }
    s
}

/// The JSON document `{"<root>":…}`, members in element order, newline-terminated.
pub fn to_json(root: &Node) -> String {
    let mut s = String::from("{");
    write_member(&mut s, root);
    s.push_str("}\n");
    s
}

fn write_member(s: &mut String, n: &Node) {
    s.push_str(&escape_json(n.name));
    s.push(':');
    write_value(s, n);
}

fn write_value(s: &mut String, n: &Node) {
    match &n.body {
        Body::Text(t) => s.push_str(&escape_json(t)),
        Body::Children(c) => {
            s.push('{');
            for (i, child) in c.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                write_member(s, child);
            }
            s.push('}');
        }
        Body::List(items) => {
            // One member named after the items (all share a name; an empty list has none
            // to name and is written `{}`).
            s.push('{');
            if let Some(first) = items.first() {
                s.push_str(&escape_json(first.name));
                s.push_str(":[");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    write_value(s, item);
                }
                s.push(']');
            }
            s.push('}');
        }
    }
}

/// A JSON string literal (RFC 8259 §7): `"` and `\` escaped, control characters as
/// `\uXXXX` (or their short forms); everything else as UTF-8.
pub fn escape_json(t: &str) -> String {
    let mut s = String::with_capacity(t.len() + 2);
    s.push('"');
    for c in t.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if c < ' ' => s.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sample() -> Node {
        Node::parent(
            "Root",
            vec![
                Node::text("Name", "A&B <c> \"d\" 'e'"),
                Node::list("L", vec![Node::parent("I", vec![Node::text("X", "1")])]),
                Node::list("Empty", vec![]),
            ],
        )
    }

    #[test]
    fn xml_escapes_and_indents() {
        assert_eq!(
            to_xml(&sample()),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Root>\n  \
             <Name>A&amp;B &lt;c&gt; &quot;d&quot; &apos;e&apos;</Name>\n  <L>\n    <I>\n      \
             <X>1</X>\n    </I>\n  </L>\n  <Empty></Empty>\n</Root>\n"
        );
        assert_eq!(escape_xml("a\rb\u{1}c\u{FFFF}"), "a&#13;b\u{FFFD}c\u{FFFD}");
    }

    #[test]
    fn json_keeps_order_and_lists() {
        let j = to_json(&sample());
        assert_eq!(
            j,
            "{\"Root\":{\"Name\":\"A&B <c> \\\"d\\\" 'e'\",\"L\":{\"I\":[{\"X\":\"1\"}]},\"Empty\":{}}}\n"
        );
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(v["Root"]["Name"], "A&B <c> \"d\" 'e'");
        assert_eq!(escape_json("\u{1}\\"), "\"\\u0001\\\\\"");
    }
}
