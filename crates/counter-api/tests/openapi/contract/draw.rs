//! Values and requests drawn from the document.

use std::collections::HashMap;

use regex_syntax::hir::{Class, Hir, HirKind};
use serde_json::{Map, Value, json};

use super::check::{names, types_of, validate};
use super::document::{ANNOTATIONS, Doc, Operation, Request};

/// A seeded generator (SplitMix64): the same requests at every run.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: i128, hi: i128) -> i128 {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo) as u128 + 1;
        let r = (u128::from(self.next_u64()) << 64 | u128::from(self.next_u64())) % span;
        lo + r as i128
    }

    /// True `n` times in `d`.
    pub fn chance(&mut self, n: u64, d: u64) -> bool {
        self.next_u64() % d < n
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.between(0, xs.len() as i128 - 1) as usize]
    }

    /// A count in `lo..=hi`: often small, sometimes the bound, otherwise uniform.
    pub fn count(&mut self, lo: usize, hi: usize) -> usize {
        let (lo, hi) = (lo as i128, hi.max(lo) as i128);
        (match self.next_u64() % 8 {
            0 | 1 => self.between(lo, hi.min(lo + 3)),
            2 => hi,
            _ => self.between(lo, hi),
        }) as usize
    }
}

/// Draws values and requests from the document.
pub struct Sampler<'d> {
    pub doc: &'d Doc,
    pub rng: Rng,
    hirs: HashMap<String, Hir>,
}

/// Characters for strings the document does not restrict by a pattern.
const FREE_TEXT: &[char] = &[
    'a', 'b', 'z', 'A', 'Z', '0', '9', ' ', '-', '_', '.', 'あ', 'ア', 'ｱ', '漢', '字', '\u{3000}',
    'é', '😀',
];

impl<'d> Sampler<'d> {
    pub fn new(doc: &'d Doc, seed: u64) -> Sampler<'d> {
        Sampler {
            doc,
            rng: Rng::new(seed),
            hirs: HashMap::new(),
        }
    }

    /// A value that satisfies `schema` (checked by [`validate`]).
    pub fn value(&mut self, schema: &Value) -> Value {
        for _ in 0..500 {
            let v = self.draw(schema);
            if validate(self.doc, schema, &v).is_ok() {
                return v;
            }
        }
        panic!("no value satisfies {schema} after 500 draws")
    }

    fn draw(&mut self, schema: &Value) -> Value {
        let s = self.doc.resolve(schema);
        if let Some(b) = s.as_bool() {
            assert!(b, "asked for a value of the schema `false`");
            return Value::Null;
        }
        if let Some(c) = s.get("const") {
            return c.clone();
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            return self.rng.pick(e).clone();
        }
        if let Some(alts) = s
            .get("oneOf")
            .or_else(|| s.get("anyOf"))
            .and_then(Value::as_array)
        {
            let alt = self.rng.pick(alts).clone();
            return self.draw(&merged(s, &alt));
        }
        assert!(s.get("allOf").is_none(), "allOf is not drawn: {s}");
        let types = types_of(s);
        let t = if types.len() > 1 && types.contains(&"null") {
            if self.rng.chance(1, 5) {
                "null"
            } else {
                *types.iter().find(|t| **t != "null").unwrap()
            }
        } else {
            types[0]
        };
        match t {
            "null" => Value::Null,
            "boolean" => Value::Bool(self.rng.chance(1, 2)),
            "integer" | "number" => self.integer(s),
            "string" => Value::String(self.string(s)),
            "array" => {
                let lo = s["minItems"].as_u64().unwrap_or(0) as usize;
                let hi = s["maxItems"]
                    .as_u64()
                    .map_or(lo + 3, |m| m as usize)
                    .min(lo + 3);
                let n = self.rng.count(lo, hi);
                let items = s.get("items").cloned().unwrap_or(Value::Bool(true));
                Value::Array((0..n).map(|_| self.draw(&items)).collect())
            }
            "object" => self.object(s),
            other => panic!("type {other} is not drawn"),
        }
    }

    fn integer(&mut self, s: &Value) -> Value {
        let wide = s["format"].as_str() == Some("int64");
        let default = if wide { 1_i128 << 53 } else { 1_i128 << 31 };
        let lo = s["minimum"].as_i64().map_or(-default, i128::from);
        let hi = s["maximum"].as_i64().map_or(default, i128::from);
        let n = match self.rng.next_u64() % 6 {
            0 => lo,
            1 => hi,
            _ => self.rng.between(lo, hi),
        };
        json!(n as i64)
    }

    fn string(&mut self, s: &Value) -> String {
        let min = s["minLength"].as_u64().unwrap_or(0) as usize;
        let max = s["maxLength"].as_u64().map(|m| m as usize);
        if let Some(p) = s["pattern"].as_str() {
            let hir = self
                .hirs
                .entry(p.to_owned())
                .or_insert_with(|| {
                    regex_syntax::Parser::new()
                        .parse(p)
                        .unwrap_or_else(|e| panic!("pattern {p}: {e}"))
                })
                .clone();
            let budget = max.unwrap_or(32).min(100);
            for _ in 0..100 {
                let mut out = String::new();
                self.draw_hir(&hir, budget, &mut out);
                let n = out.chars().count();
                if n >= min && max.is_none_or(|m| n <= m) {
                    return out;
                }
            }
            panic!("no string of {p} with {min}..{max:?} characters");
        }
        let n = self.rng.count(min, max.unwrap_or(min + 16));
        (0..n).map(|_| *self.rng.pick(FREE_TEXT)).collect()
    }

    fn draw_hir(&mut self, hir: &Hir, budget: usize, out: &mut String) {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(l) => out.push_str(std::str::from_utf8(&l.0).unwrap()),
            HirKind::Class(Class::Unicode(c)) => loop {
                let r = *self.rng.pick(c.ranges());
                let code = self.rng.between(
                    i128::from(u32::from(r.start())),
                    i128::from(u32::from(r.end())),
                );
                if let Some(ch) = char::from_u32(code as u32) {
                    out.push(ch);
                    break;
                }
            },
            HirKind::Class(Class::Bytes(c)) => {
                let r = *self.rng.pick(c.ranges());
                let b = self.rng.between(i128::from(r.start()), i128::from(r.end()));
                out.push(char::from(b as u8));
            }
            HirKind::Repetition(r) => {
                let lo = r.min as usize;
                let hi = r.max.map_or(lo + budget, |m| m as usize);
                for _ in 0..self.rng.count(lo, hi) {
                    self.draw_hir(&r.sub, budget, out);
                }
            }
            HirKind::Capture(c) => self.draw_hir(&c.sub, budget, out),
            HirKind::Concat(parts) => {
                for p in parts {
                    self.draw_hir(p, budget, out);
                }
            }
            HirKind::Alternation(alts) => {
                let a = self.rng.pick(alts).clone();
                self.draw_hir(&a, budget, out);
            }
        }
    }

    fn object(&mut self, s: &Value) -> Value {
        let empty = Map::new();
        let props = s["properties"].as_object().unwrap_or(&empty);
        let required = names(&s["required"]);
        let mut m = Map::new();
        for (k, ps) in props {
            if required.contains(k) || self.rng.chance(1, 2) {
                m.insert(k.clone(), self.draw(ps));
            }
        }
        if let Some(cond) = s.get("if") {
            let branch = if validate(self.doc, cond, &Value::Object(m.clone())).is_ok() {
                s.get("then")
            } else {
                s.get("else")
            };
            if let Some(b) = branch {
                let b_required = names(&b["required"]);
                for (k, ps) in b["properties"].as_object().unwrap_or(&empty) {
                    if ps == &Value::Bool(false) {
                        m.remove(k);
                    } else if m.contains_key(k) || b_required.contains(k) {
                        m.insert(k.clone(), self.draw(ps));
                    }
                }
                for k in b_required {
                    if !m.contains_key(&k) {
                        m.insert(k.clone(), self.draw(&props[&k]));
                    }
                }
            }
        }
        Value::Object(m)
    }

    /// A request for `op`: every required parameter, the optional ones half the time, and a
    /// body. A path parameter is never `.` or `..`, which a URL cannot carry as a segment.
    pub fn request(&mut self, op: &Operation) -> Request {
        let mut params = Vec::new();
        let mut headers = Vec::new();
        for p in &op.params {
            if !p.required && self.rng.chance(1, 2) {
                continue;
            }
            let value = loop {
                let v = self.value(&p.schema);
                let s = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                if p.location != "path" || (s != "." && s != "..") {
                    break s;
                }
            };
            match p.location.as_str() {
                "path" => params.push((p.name.clone(), value)),
                "header" => headers.push((p.name.clone(), value)),
                other => panic!("parameters in {other} are not drawn"),
            }
        }
        let body = op.body.as_ref().map(|s| self.value(s));
        Request {
            method: op.method.clone(),
            path: Request::fill(&op.path, &params),
            params,
            headers,
            body,
        }
    }
}

/// A branch of `s`'s oneOf/anyOf with the constraints beside the oneOf/anyOf added, for
/// drawing: the tighter bound of each, the branch's pattern (the value is validated against
/// the whole schema after drawing).
fn merged(s: &Value, branch: &Value) -> Value {
    let mut m = s.as_object().cloned().unwrap_or_default();
    m.remove("oneOf");
    m.remove("anyOf");
    if m.keys().all(|k| ANNOTATIONS.contains(&k.as_str())) {
        return branch.clone();
    }
    for (k, v) in branch.as_object().into_iter().flatten() {
        let tighter = match (k.as_str(), m.get(k).and_then(Value::as_i64), v.as_i64()) {
            ("maxLength" | "maxItems" | "maximum", Some(a), Some(b)) => json!(a.min(b)),
            ("minLength" | "minItems" | "minimum", Some(a), Some(b)) => json!(a.max(b)),
            _ => v.clone(),
        };
        m.insert(k.clone(), tighter);
    }
    Value::Object(m)
}
