//! The document and its operations, as the tests walk them.

use serde_json::Value;

/// Keywords that constrain a value; [`Sampler`] and [`validate`] handle each.
pub const KEYWORDS: &[&str] = &[
    "$ref",
    "type",
    "const",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "items",
    "minItems",
    "maxItems",
    "contains",
    "properties",
    "required",
    "additionalProperties",
    "oneOf",
    "anyOf",
    "allOf",
    "if",
    "then",
    "else",
];

/// Keywords that only annotate. `format` is one here: `date` comes with a pattern that says
/// the same, and `int32`/`int64` with a range.
pub const ANNOTATIONS: &[&str] = &[
    "description",
    "format",
    "contentEncoding",
    "title",
    "examples",
    "default",
    "deprecated",
];

/// The document.
pub struct Doc {
    pub root: Value,
}

impl Doc {
    pub fn load() -> Doc {
        Doc {
            root: counter_api::openapi::document().expect("the document builds"),
        }
    }

    /// `s` with its `$ref`s followed (the siblings of a `$ref` here are annotations).
    pub fn resolve<'a>(&'a self, mut s: &'a Value) -> &'a Value {
        while let Some(r) = s.get("$ref").and_then(Value::as_str) {
            s = self
                .root
                .pointer(r.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("unresolved {r}"));
        }
        s
    }

    /// The operations tagged with one of `tags`, in path order.
    pub fn operations(&self, tags: &[&str]) -> Vec<Operation> {
        let mut ops = Vec::new();
        for (path, item) in self.root["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let op_tags: Vec<String> = op["tags"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|t| t.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                if !op_tags.iter().any(|t| tags.contains(&t.as_str())) {
                    continue;
                }
                let security = op["security"]
                    .as_array()
                    .and_then(|a| a.first())
                    .and_then(Value::as_object)
                    .and_then(|o| o.keys().next().cloned());
                let params = op["parameters"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|p| Param {
                                name: p["name"].as_str().unwrap().to_owned(),
                                location: p["in"].as_str().unwrap().to_owned(),
                                required: p["required"].as_bool().unwrap_or(false),
                                schema: p["schema"].clone(),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                ops.push(Operation {
                    id: op["operationId"].as_str().unwrap().to_owned(),
                    method: method.to_uppercase(),
                    path: path.clone(),
                    security,
                    params,
                    body: op
                        .pointer("/requestBody/content/application~1json/schema")
                        .cloned(),
                    responses: op["responses"].clone(),
                });
            }
        }
        ops
    }

    /// The keywords of every schema in the document that are neither in [`KEYWORDS`] nor
    /// in [`ANNOTATIONS`], with where they are.
    pub fn unknown_keywords(&self) -> Vec<String> {
        let mut found = Vec::new();
        let schemas = self.root["components"]["schemas"].as_object().unwrap();
        for (name, s) in schemas {
            walk_keywords(s, &format!("#/components/schemas/{name}"), &mut found);
        }
        for op in self.operations(&["platform", "insurer", "acquirer", "links"]) {
            for p in &op.params {
                walk_keywords(&p.schema, &format!("{} {}", op.id, p.name), &mut found);
            }
        }
        found
    }
}

fn walk_keywords(s: &Value, at: &str, found: &mut Vec<String>) {
    let Some(o) = s.as_object() else { return };
    for (k, v) in o {
        if !KEYWORDS.contains(&k.as_str()) && !ANNOTATIONS.contains(&k.as_str()) {
            found.push(format!("{at}: {k}"));
        }
        match k.as_str() {
            "properties" => {
                for (p, ps) in v.as_object().into_iter().flatten() {
                    walk_keywords(ps, &format!("{at}/{p}"), found);
                }
            }
            "oneOf" | "anyOf" | "allOf" => {
                for (i, b) in v.as_array().into_iter().flatten().enumerate() {
                    walk_keywords(b, &format!("{at}/{k}/{i}"), found);
                }
            }
            "items" | "contains" | "if" | "then" | "else" | "additionalProperties" => {
                walk_keywords(v, &format!("{at}/{k}"), found);
            }
            _ => {}
        }
    }
}

/// One operation of the document.
#[derive(Clone, Debug)]
pub struct Operation {
    pub id: String,
    pub method: String,
    pub path: String,
    /// The security scheme (`terminal_mtls`, `platform_mtls`), none for public endpoints.
    pub security: Option<String>,
    pub params: Vec<Param>,
    pub body: Option<Value>,
    pub responses: Value,
}

/// A path or header parameter.
#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub location: String,
    pub required: bool,
    pub schema: Value,
}

/// A request built from an operation.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// The path with its parameters filled in, percent-encoded.
    pub path: String,
    /// The parameters as drawn (before encoding).
    pub params: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl Request {
    pub(super) fn fill(template: &str, params: &[(String, String)]) -> String {
        let mut path = template.to_owned();
        for (name, value) in params {
            path = path.replace(&format!("{{{name}}}"), &percent_encode(value));
        }
        path
    }
}

/// Every byte but `A-Z a-z 0-9 - . _ ~` percent-encoded (RFC 3986 §2.3).
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
