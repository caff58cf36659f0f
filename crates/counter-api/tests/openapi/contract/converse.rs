//! One stated constraint broken in a request that got through, and the refusal expected.

use serde_json::{Value, json};

use super::check::{check, regex};
use super::document::{Doc, Operation, Request};
use super::draw::Sampler;
use super::survey::{Answer, Documented, Outcome, classify, documented};

/// How to break a stated constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Break {
    /// One character over `maxLength`.
    TooLong,
    /// A first character the `pattern` refuses (same length).
    Pattern,
    /// One over `maximum`.
    AboveMaximum,
    /// One under `minimum`.
    BelowMinimum,
    /// One item over `maxItems`.
    TooMany,
    /// One item under `minItems`.
    TooFew,
    /// A value outside the `enum`.
    NotInEnum,
    /// A required property left out (the pointer names it).
    Missing,
    /// A property the object does not have (`additionalProperties: false`; the pointer
    /// names the object, `""` for the body).
    Unknown,
}

/// Where a constraint is.
#[derive(Clone, Copy, Debug)]
pub enum Place {
    /// A JSON pointer into the body.
    Body(&'static str),
    /// A path or header parameter.
    Param(&'static str),
}

/// One constraint to break in a request of `op` that reached the logic.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    pub op: &'static str,
    pub place: Place,
    pub how: Break,
}

/// The field a problem names for a body pointer: `/entries/0/branch` → `entries[0].branch`.
pub fn field_name(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        if seg.bytes().all(|b| b.is_ascii_digit()) && !seg.is_empty() {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}

/// The schema that governs the value at `pointer` of `body` (branches of oneOf chosen by
/// the value).
fn schema_at(doc: &Doc, schema: &Value, body: &Value, pointer: &str) -> Option<Value> {
    let mut s = doc.resolve(schema).clone();
    let mut v = body.clone();
    for seg in pointer.split('/').skip(1) {
        s = settle(doc, &s, &v);
        let (next_s, next_v) = if let Ok(i) = seg.parse::<usize>() {
            (s.get("items")?.clone(), v.get(i)?.clone())
        } else {
            (
                s.pointer(&format!("/properties/{seg}"))?.clone(),
                v.get(seg)?.clone(),
            )
        };
        s = doc.resolve(&next_s).clone();
        v = next_v;
    }
    Some(settle(doc, &s, &v))
}

/// `s` with its oneOf resolved to the branch `v` satisfies.
fn settle(doc: &Doc, s: &Value, v: &Value) -> Value {
    let s = doc.resolve(s);
    match s.get("oneOf").and_then(Value::as_array) {
        Some(alts) => alts
            .iter()
            .find(|a| check(doc, a, v, "").is_ok())
            .map(|a| settle(doc, a, v))
            .unwrap_or_else(|| s.clone()),
        None => s.clone(),
    }
}

/// `value` with one stated constraint of `schema` broken, or why it cannot be.
fn broken(s: &Value, value: &Value, how: Break, header: bool) -> Result<Option<Value>, String> {
    Ok(Some(match how {
        Break::TooLong => {
            let max = s["maxLength"].as_u64().ok_or("no maxLength")? as usize;
            let c = value.as_str().and_then(|t| t.chars().next()).unwrap_or('a');
            Value::String(std::iter::repeat_n(c, max + 1).collect())
        }
        Break::Pattern => {
            let p = s["pattern"].as_str().ok_or("no pattern")?;
            let text = value.as_str().ok_or("not a string")?;
            let rest: String = text.chars().skip(1).collect();
            // A header cannot carry a control character, and HTTP drops its leading spaces;
            // elsewhere a control character breaks every pattern of the document that
            // restricts characters.
            let candidates: &[&str] = if header {
                &["é"]
            } else {
                &["\u{7}", "x", " ", "#"]
            };
            let n = text.chars().count().max(1) as u64;
            let bad = candidates
                .iter()
                .map(|c| format!("{c}{rest}"))
                .find(|t| {
                    !regex(p).is_match(t)
                        && s["maxLength"].as_u64().is_none_or(|m| n <= m)
                        && s["minLength"].as_u64().is_none_or(|m| n >= m)
                })
                .ok_or_else(|| format!("no first character breaks {p} in {text:?}"))?;
            Value::String(bad)
        }
        Break::AboveMaximum => json!(s["maximum"].as_i64().ok_or("no maximum")? + 1),
        Break::BelowMinimum => json!(s["minimum"].as_i64().ok_or("no minimum")? - 1),
        Break::TooMany | Break::TooFew => {
            let items = value.as_array().ok_or("not an array")?;
            let first = items.first().cloned().ok_or("no item to copy")?;
            let n = if how == Break::TooMany {
                s["maxItems"].as_u64().ok_or("no maxItems")? as usize + 1
            } else {
                (s["minItems"].as_u64().ok_or("no minItems")? as usize)
                    .checked_sub(1)
                    .ok_or("minItems is 0")?
            };
            Value::Array(vec![first; n])
        }
        Break::NotInEnum => {
            s.get("enum").ok_or("no enum")?;
            json!("not-a-member")
        }
        Break::Missing => return Ok(None),
        Break::Unknown => {
            let mut o = value.as_object().ok_or("not an object")?.clone();
            o.insert("unexpected".into(), json!(1));
            Value::Object(o)
        }
    }))
}

/// For each case: draws requests of its operation until one has the place and reaches the
/// logic (or, for an operation no drawn request can get through, is refused only for a
/// [`Documented`] rule), breaks the constraint the document states there, sends it and
/// expects a refusal for its shape that names the field (`field`, or for a
/// `malformed_request` its detail). Returns what went wrong, one line per case.
pub async fn converse<F>(
    sampler: &mut Sampler<'_>,
    ops: &[Operation],
    cases: &[Case],
    rules: &[Documented],
    mut send: F,
) -> Vec<String>
where
    F: AsyncFnMut(&Operation, &Request) -> Answer,
{
    let mut failures = Vec::new();
    for case in cases {
        let op = ops
            .iter()
            .find(|o| o.id == case.op)
            .unwrap_or_else(|| panic!("no operation {}", case.op));
        let mut base = None;
        let mut fallback = None;
        for _ in 0..200 {
            let req = sampler.request(op);
            let has = match case.place {
                Place::Body(_) if matches!(case.how, Break::Unknown) => req.body.is_some(),
                Place::Body(p) => req
                    .body
                    .as_ref()
                    .and_then(|b| b.pointer(p))
                    .is_some_and(|v| case.how == Break::Missing || !v.is_null()),
                Place::Param(_) => true,
            };
            if !has {
                continue;
            }
            match classify(&send(op, &req).await) {
                Outcome::Reached => {
                    base = Some(req);
                    break;
                }
                Outcome::Shape(r) if documented(rules, &op.id, &r).is_some() => {
                    fallback.get_or_insert(req);
                }
                _ => {}
            }
        }
        let Some(mut req) = base.or(fallback) else {
            failures.push(format!(
                "{case:?}: no drawn request got past the shape rules"
            ));
            continue;
        };
        let expected = match case.place {
            Place::Body(p) => field_name(p),
            Place::Param(name) => name.to_owned(),
        };
        let result = match case.place {
            Place::Body(p) => {
                let body = req.body.as_mut().unwrap();
                let target = if case.how == Break::Missing {
                    p.rsplit_once('/').map(|(parent, _)| parent).unwrap_or("")
                } else {
                    p
                };
                let s = schema_at(sampler.doc, op.body.as_ref().unwrap(), body, target)
                    .ok_or_else(|| format!("no schema at {target}"));
                s.and_then(|s| broken(&s, body.pointer(target).unwrap(), case.how, false))
                    .map(|b| match b {
                        Some(v) => *body.pointer_mut(target).unwrap() = v,
                        None => {
                            let (parent, key) = p.rsplit_once('/').unwrap();
                            body.pointer_mut(parent)
                                .and_then(Value::as_object_mut)
                                .unwrap()
                                .remove(key);
                        }
                    })
            }
            Place::Param(name) => {
                let p = op.params.iter().find(|p| p.name == name).unwrap();
                let header = p.location == "header";
                let list = if header {
                    &mut req.headers
                } else {
                    &mut req.params
                };
                let slot = list.iter_mut().find(|(n, _)| n == name).unwrap();
                broken(&p.schema, &json!(slot.1), case.how, header).map(|b| {
                    slot.1 = b
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default();
                })
            }
        };
        if let Err(e) = result {
            failures.push(format!("{case:?}: {e}"));
            continue;
        }
        req.path = Request::fill(&op.path, &req.params);
        let a = send(op, &req).await;
        let leaf = expected
            .rsplit(['.', '['])
            .next()
            .unwrap_or_default()
            .to_owned();
        let named = match classify(&a) {
            // A path parameter of another shape names no resource.
            _ if matches!(case.place, Place::Param(_))
                && a.status == 404
                && a.body["code"] == "not_found"
                && a.body["field"] == expected.as_str() =>
            {
                true
            }
            Outcome::Shape(r) => {
                // serde names the field in a `malformed_request`'s detail: "missing field
                // `x`", or the path of the value it could not take ("a.b: unknown variant").
                r.field.as_deref() == Some(expected.as_str())
                    || (r.code == "malformed_request"
                        && (r.detail.contains(&format!("`{leaf}`"))
                            || r.detail.contains(&format!("{expected}: "))
                            || (case.how == Break::Unknown && r.detail.contains("unexpected"))))
            }
            _ => false,
        };
        if !named {
            failures.push(format!(
                "{case:?}: expected a refusal naming `{expected}`, got {} {}\n  request: {req:?}",
                a.status, a.body
            ));
        }
    }
    failures
}
