//! A tiny well-formedness checker for the files we write (elements and character data
//! only, no attributes, as the writer produces): balanced tags, one root, every `&`
//! starting a known entity or a character reference, no raw `<` in text. It returns the
//! leaf elements as (path, unescaped text), so tests can read values back.

/// A leaf: its path (`XmlMsg/MessageBody/…/Name`) and its text, unescaped.
pub type Leaf = (String, String);

pub fn check(doc: &str) -> Result<Vec<Leaf>, String> {
    let rest = doc
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .ok_or("missing or unexpected XML declaration")?;
    // (name, whether it has child elements): a leaf is an element without children.
    let mut stack: Vec<(String, bool)> = Vec::new();
    let mut leaves = Vec::new();
    let mut roots = 0;
    let mut text = String::new();
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '<' {
            text.push(c);
            continue;
        }
        let end = rest[i..].find('>').ok_or("unterminated tag")? + i;
        let tag = &rest[i + 1..end];
        while chars.peek().is_some_and(|(j, _)| *j <= end) {
            chars.next();
        }
        if let Some(name) = tag.strip_prefix('/') {
            let (open, has_children) = stack.pop().ok_or(format!("</{name}> closes nothing"))?;
            if open != name {
                return Err(format!("<{open}> closed by </{name}>"));
            }
            if has_children && !text.trim().is_empty() {
                return Err(format!("mixed content before </{name}>: {text:?}"));
            }
            if !has_children {
                let mut path: Vec<&str> = stack.iter().map(|(n, _)| n.as_str()).collect();
                path.push(&open);
                leaves.push((path.join("/"), unescape(&text)?));
            }
        } else {
            if tag.is_empty() || !tag.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(format!("bad tag name {tag:?}"));
            }
            if !text.trim().is_empty() {
                return Err(format!("mixed content before <{tag}>: {text:?}"));
            }
            match stack.last_mut() {
                Some(parent) => parent.1 = true,
                None => roots += 1,
            }
            stack.push((tag.to_owned(), false));
        }
        text.clear();
    }
    if !stack.is_empty() {
        return Err(format!("unclosed {stack:?}"));
    }
    if roots != 1 || !text.trim().is_empty() {
        return Err(format!("{roots} roots, trailing {text:?}"));
    }
    Ok(leaves)
}

fn unescape(t: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = t;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').ok_or(format!("bare & in {t:?}"))? + i;
        let ent = &rest[i + 1..end];
        let c = match ent {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => ent
                .strip_prefix('#')
                .and_then(|n| n.parse::<u32>().ok())
                .and_then(char::from_u32)
                .ok_or(format!("unknown entity &{ent};"))?,
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[test]
fn the_checker_rejects_broken_documents() {
    let d = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    assert!(check(&format!("{d}<A><B>x</B></A>\n")).is_ok());
    assert!(check(&format!("{d}<A><B>x</A></B>\n")).is_err());
    assert!(check(&format!("{d}<A>a & b</A>\n")).is_err());
    assert!(check(&format!("{d}<A>x</A><B/>\n")).is_err());
    assert!(check(&format!("{d}<A>")).is_err());
    assert_eq!(
        check(&format!("{d}<A>&lt;&#13;</A>\n")).unwrap(),
        vec![("A".into(), "<\r".into())]
    );
}
