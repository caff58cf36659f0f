//! A value checked against a schema of the document, with the keywords it uses.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::{Map, Value};

use super::document::Doc;

pub(super) fn types_of(s: &Value) -> Vec<&str> {
    match &s["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ if s.get("properties").is_some() => vec!["object"],
        _ => vec!["string"],
    }
}

pub(super) fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn regex(p: &str) -> regex::Regex {
    static CACHE: OnceLock<Mutex<HashMap<String, regex::Regex>>> = OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
    cache
        .entry(p.to_owned())
        .or_insert_with(|| regex::Regex::new(p).unwrap_or_else(|e| panic!("pattern {p}: {e}")))
        .clone()
}

/// Checks `v` against `schema` ([`KEYWORDS`]); the error says where and what.
pub fn validate(doc: &Doc, schema: &Value, v: &Value) -> Result<(), String> {
    check(doc, schema, v, "")
}

pub(super) fn check(doc: &Doc, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    let s = doc.resolve(schema);
    if let Some(b) = s.as_bool() {
        return if b {
            Ok(())
        } else {
            Err(format!("{at}: no value is allowed"))
        };
    }
    let fail = |what: String| Err(format!("{at}: {what}"));
    if s.get("type").is_some() {
        let ok = types_of(s).iter().any(|t| match *t {
            "null" => v.is_null(),
            "boolean" => v.is_boolean(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "string" => v.is_string(),
            "array" => v.is_array(),
            "object" => v.is_object(),
            _ => false,
        });
        if !ok {
            return fail(format!("{v} is not of type {}", s["type"]));
        }
    }
    if let Some(c) = s.get("const")
        && c != v
    {
        return fail(format!("{v} is not {c}"));
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        return fail(format!("{v} is not one of {}", s["enum"]));
    }
    if let Some(text) = v.as_str() {
        let n = text.chars().count() as u64;
        if s["minLength"].as_u64().is_some_and(|m| n < m)
            || s["maxLength"].as_u64().is_some_and(|m| n > m)
        {
            return fail(format!(
                "{n} characters is outside {}..{}",
                s["minLength"], s["maxLength"]
            ));
        }
        if let Some(p) = s["pattern"].as_str()
            && !regex(p).is_match(text)
        {
            return fail(format!("{text:?} does not match {p}"));
        }
    }
    if let Some(n) = v
        .as_i64()
        .map(i128::from)
        .or_else(|| v.as_u64().map(i128::from))
        && (s["minimum"].as_i64().is_some_and(|m| n < i128::from(m))
            || s["maximum"].as_i64().is_some_and(|m| n > i128::from(m)))
    {
        return fail(format!("{n} is outside {}..{}", s["minimum"], s["maximum"]));
    }
    if let Some(items) = v.as_array() {
        let n = items.len() as u64;
        if s["minItems"].as_u64().is_some_and(|m| n < m)
            || s["maxItems"].as_u64().is_some_and(|m| n > m)
        {
            return fail(format!(
                "{n} items is outside {}..{}",
                s["minItems"], s["maxItems"]
            ));
        }
        if let Some(is) = s.get("items") {
            for (i, x) in items.iter().enumerate() {
                check(doc, is, x, &format!("{at}[{i}]"))?;
            }
        }
        if let Some(c) = s.get("contains")
            && !items.iter().any(|x| check(doc, c, x, at).is_ok())
        {
            return fail("no item matches `contains`".into());
        }
    }
    if let Some(o) = v.as_object() {
        for r in names(&s["required"]) {
            if !o.contains_key(&r) {
                return fail(format!("`{r}` is missing"));
            }
        }
        let empty = Map::new();
        let props = s["properties"].as_object().unwrap_or(&empty);
        for (k, x) in o {
            let sub = format!("{at}.{k}");
            match (props.get(k), s.get("additionalProperties")) {
                (Some(ps), _) => check(doc, ps, x, &sub)?,
                (None, Some(ap)) => check(doc, ap, x, &sub)?,
                (None, None) => {}
            }
        }
    }
    if let Some(alts) = s.get("oneOf").and_then(Value::as_array) {
        let matching = alts.iter().filter(|a| check(doc, a, v, at).is_ok()).count();
        if matching != 1 {
            return fail(format!("{matching} branches of oneOf match"));
        }
    }
    if let Some(alts) = s.get("anyOf").and_then(Value::as_array)
        && !alts.iter().any(|a| check(doc, a, v, at).is_ok())
    {
        return fail("no branch of anyOf matches".into());
    }
    for a in s["allOf"].as_array().into_iter().flatten() {
        check(doc, a, v, at)?;
    }
    if let Some(cond) = s.get("if") {
        let branch = if check(doc, cond, v, at).is_ok() {
            s.get("then")
        } else {
            s.get("else")
        };
        if let Some(b) = branch {
            check(doc, b, v, at)?;
        }
    }
    Ok(())
}
