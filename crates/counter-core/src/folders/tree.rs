//! A request document read into a small tree of elements with `quick-xml`: names, text and
//! children; attributes, comments and processing instructions are ignored. A document type
//! declaration is refused (no entity of ours is ever defined, and none is expanded), and so
//! are more than [`MAX_ELEMENTS`] elements or a depth beyond [`MAX_DEPTH`].

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;

use super::FolderError;

/// Elements in one request: a bulk request of 1,000 patients (the insurer's limit,
/// `BulkPrecheckRequest::entries`) has about 8 per patient.
pub const MAX_ELEMENTS: usize = 20_000;
/// Nesting: `XmlMsg/MessageBody/QualificationConfirmSearchInfo/field` is 4 deep.
pub const MAX_DEPTH: usize = 16;

/// One element.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Element {
    /// Its name.
    pub name: String,
    /// Its character data (children's excluded), as written, entities resolved.
    pub text: String,
    /// Its child elements in order.
    pub children: Vec<Element>,
}

impl Element {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the child `name`; `None` when absent or empty (an empty
    /// element is an absent optional field, as the real files write them).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }
}

fn malformed(detail: impl Into<String>) -> FolderError {
    FolderError::Malformed {
        detail: detail.into(),
    }
}

/// Parses `text` into its root element.
pub fn parse(text: &str) -> Result<Element, FolderError> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| malformed(format!("not well-formed XML near byte {at}: {e}")))?;
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(malformed("more than one root element"));
            }
            Event::Start(s) => {
                count += 1;
                if count > MAX_ELEMENTS || stack.len() >= MAX_DEPTH {
                    return Err(malformed(format!(
                        "more than {MAX_ELEMENTS} elements or deeper than {MAX_DEPTH}"
                    )));
                }
                stack.push(Element {
                    name: s.name().as_ref().to_owned(),
                    ..Element::default()
                });
            }
            Event::Empty(s) => {
                count += 1;
                let e = Element {
                    name: s.name().as_ref().to_owned(),
                    ..Element::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(e),
                    None => root = Some(e),
                }
            }
            Event::End(_) => {
                // quick-xml checks that end names match their start.
                let Some(done) = stack.pop() else {
                    return Err(malformed("an end tag without its start"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                let content = t.xml10_content();
                match stack.last_mut() {
                    Some(e) => e.text.push_str(&content),
                    None if content.trim().is_empty() => {}
                    None => return Err(malformed("text outside the root element")),
                }
            }
            Event::CData(c) => {
                let content: &str = c.as_ref();
                match stack.last_mut() {
                    Some(e) => e.text.push_str(content),
                    None => return Err(malformed("CDATA outside the root element")),
                }
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => resolve_predefined_entity(&r)
                        .ok_or_else(|| malformed(format!("the entity &{}; is not defined", &*r)))?
                        .to_owned(),
                    Err(e) => return Err(malformed(format!("a bad character reference: {e}"))),
                };
                match stack.last_mut() {
                    Some(e) => e.text.push_str(&c),
                    None => return Err(malformed("a reference outside the root element")),
                }
            }
            Event::DocType(_) => {
                return Err(malformed(
                    "a document type declaration is not allowed in a request",
                ));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(malformed("the document ends inside an element"));
    }
    root.ok_or_else(|| malformed("the file holds no XML element"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn elements_text_and_references() {
        let e = parse(
            "<?xml version=\"1.0\"?>\n<!-- c --><R><A>x &amp; &#x4F50;&#34276;</A><B/><A>2</A>\
             <C><![CDATA[<raw>]]></C></R>",
        )
        .unwrap();
        assert_eq!(e.name, "R");
        assert_eq!(e.field("A"), Some("x & 佐藤"));
        assert_eq!(e.all("A").count(), 2);
        assert_eq!(e.field("B"), None);
        assert!(e.child("B").is_some());
        assert_eq!(e.field("C"), Some("<raw>"));
    }

    #[test]
    fn bad_documents_are_malformed() {
        for bad in [
            "",
            "just text",
            "<a><b></a>",
            "<a>",
            "<a/><b/>",
            "<a>&foo;</a>",
            "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
            "<a>&#0;</a>",
        ] {
            match parse(bad) {
                Err(FolderError::Malformed { .. }) => {}
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        let deep = format!(
            "{}{}",
            "<a>".repeat(MAX_DEPTH + 1),
            "</a>".repeat(MAX_DEPTH + 1)
        );
        assert!(parse(&deep).is_err());
    }
}
