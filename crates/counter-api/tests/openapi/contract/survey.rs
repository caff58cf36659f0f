//! Generated requests sent, and what the answers say.

use std::collections::HashMap;

use serde_json::Value;

use super::check::validate;
use super::document::{Doc, Operation, Request};
use super::draw::Sampler;

/// A server's answer.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

/// A refusal for the request's shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub code: String,
    pub field: Option<String>,
    pub detail: String,
}

/// What an answer says about the request.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Answered, or refused for a reason of substance (unknown challenge, bad signature,
    /// not this terminal's: 401/403/404/409/422 with a business code).
    Reached,
    /// Refused for its shape: a rule the document should state.
    Shape(Refusal),
    /// A 5xx: never acceptable for a generated request.
    ServerError(u16, String),
}

/// The problem codes that refuse a request for its shape rather than its substance.
pub const SHAPE_CODES: &[&str] = &[
    "malformed_request",
    "invalid_field",
    "invalid_base64",
    "idempotency_key_missing",
    "unsupported_media_type",
    "payload_too_large",
    "method_not_allowed",
];

pub fn classify(a: &Answer) -> Outcome {
    let code = a.body["code"].as_str().unwrap_or_default().to_owned();
    if a.status >= 500 {
        return Outcome::ServerError(a.status, a.body.to_string());
    }
    // A `not_found` with an `instance` is the fallback for a path no route has. Any other
    // `not_found` is counted as the logic's (a payment id of the right shape that names
    // nothing is refused exactly like one of another shape: [`converse`] checks those).
    let path_shape = code == "not_found" && a.body.get("instance").is_some();
    if a.status >= 400 && (SHAPE_CODES.contains(&code.as_str()) || path_shape) {
        return Outcome::Shape(Refusal {
            status: a.status,
            code,
            field: a.body["field"].as_str().map(String::from),
            detail: a.body["detail"].as_str().unwrap_or_default().to_owned(),
        });
    }
    Outcome::Reached
}

/// Whether `a` is an answer the document describes for `op`: a documented status (or its
/// `4XX`/`5XX` range) and a body valid against that response's schema.
pub fn conforms(doc: &Doc, op: &Operation, a: &Answer) -> Result<(), String> {
    let exact = a.status.to_string();
    let range = format!("{}XX", a.status / 100);
    let response = op
        .responses
        .get(&exact)
        .or_else(|| op.responses.get(&range))
        .ok_or_else(|| {
            format!(
                "{} {}: status {} is not documented",
                op.method, op.path, a.status
            )
        })?;
    let media = a.content_type.split(';').next().unwrap_or_default().trim();
    let Some(content) = response.get("content") else {
        return Ok(());
    };
    let schema = content
        .pointer(&format!("/{}/schema", media.replace('/', "~1")))
        .ok_or_else(|| {
            format!(
                "{} {}: {media} is not documented for {}",
                op.method, op.path, a.status
            )
        })?;
    validate(doc, schema, &a.body)
        .map_err(|e| format!("{} {} answered {}: {e}", op.method, op.path, a.status))
}

/// A refusal a rule the schema cannot state explains; its description says it.
#[derive(Clone, Copy, Debug)]
pub struct Documented {
    /// The operation.
    pub op: &'static str,
    /// The problem's `field`.
    pub field: &'static str,
    /// The rule.
    pub why: &'static str,
}

pub(super) fn documented<'a>(
    rules: &'a [Documented],
    op: &str,
    r: &Refusal,
) -> Option<&'a Documented> {
    rules
        .iter()
        .find(|d| d.op == op && r.field.as_deref() == Some(d.field))
}

/// Counts per operation.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub sent: usize,
    pub reached: usize,
    /// Refused for a rule the schema cannot state ([`Documented`]).
    pub documented: usize,
    /// Refused for a rule the document should state but does not.
    pub undocumented: usize,
    pub server_errors: usize,
    /// The answers that reached the logic, by status and problem code (`200`, `422
    /// challenge_unknown`).
    pub answers: std::collections::BTreeMap<String, usize>,
}

/// What a [`survey`] found.
#[derive(Debug, Default)]
pub struct Survey {
    pub per_op: Vec<(String, Tally)>,
    /// Every undocumented refusal, 5xx and non-conforming answer, with its request.
    pub problems: Vec<String>,
    /// The documented refusals by rule.
    pub by_rule: HashMap<String, usize>,
}

impl Survey {
    pub fn total(&self) -> Tally {
        let mut t = Tally::default();
        for (_, x) in &self.per_op {
            t.sent += x.sent;
            t.reached += x.reached;
            t.documented += x.documented;
            t.undocumented += x.undocumented;
            t.server_errors += x.server_errors;
        }
        t
    }

    /// Share of the requests refused for their shape (documented or not).
    pub fn shape_share(&self) -> f64 {
        let t = self.total();
        (t.documented + t.undocumented) as f64 / t.sent.max(1) as f64
    }

    /// The table the test prints.
    pub fn table(&self, server: &str) -> String {
        let mut s = format!(
            "contract survey of the {server}: requests generated from openapi.json\n{:<28} {:>5} {:>8} {:>11} {:>13} {:>4}\n",
            "operation", "sent", "reached", "documented", "undocumented", "5xx"
        );
        let total = ("total".to_owned(), self.total());
        for (op, t) in self.per_op.iter().chain(std::iter::once(&total)) {
            s.push_str(&format!(
                "{op:<28} {:>5} {:>8} {:>11} {:>13} {:>4}\n",
                t.sent, t.reached, t.documented, t.undocumented, t.server_errors
            ));
        }
        s.push_str("answers that reached the logic:\n");
        for (op, t) in &self.per_op {
            let answers: Vec<String> = t
                .answers
                .iter()
                .map(|(a, n)| format!("{n} × {a}"))
                .collect();
            s.push_str(&format!("  {op:<28} {}\n", answers.join(", ")));
        }
        let t = self.total();
        s.push_str(&format!(
            "reached the logic: {:.1}%; refused for a documented rule the schema cannot state: {:.1}%; other shape refusals: {}\n",
            100.0 * t.reached as f64 / t.sent.max(1) as f64,
            100.0 * t.documented as f64 / t.sent.max(1) as f64,
            t.undocumented
        ));
        let mut rules: Vec<_> = self.by_rule.iter().collect();
        rules.sort();
        for (rule, n) in rules {
            s.push_str(&format!("  {n:>4} × {rule}\n"));
        }
        s
    }
}

/// Sends `per_op` requests drawn for each of `ops` through `send` and counts the outcomes.
pub async fn survey<F>(
    sampler: &mut Sampler<'_>,
    ops: &[Operation],
    per_op: usize,
    rules: &[Documented],
    mut send: F,
) -> Survey
where
    F: AsyncFnMut(&Operation, &Request) -> Answer,
{
    let mut survey = Survey::default();
    for op in ops {
        let mut t = Tally::default();
        for _ in 0..per_op {
            let req = sampler.request(op);
            let a = send(op, &req).await;
            t.sent += 1;
            if let Err(e) = conforms(sampler.doc, op, &a) {
                survey.problems.push(format!("{e}\n  request: {req:?}"));
            }
            match classify(&a) {
                Outcome::Reached => {
                    t.reached += 1;
                    let code = a.body["code"].as_str().unwrap_or_default();
                    *t.answers
                        .entry(format!("{} {code}", a.status).trim().to_owned())
                        .or_default() += 1;
                }
                Outcome::Shape(r) => match documented(rules, &op.id, &r) {
                    Some(d) => {
                        t.documented += 1;
                        *survey
                            .by_rule
                            .entry(format!("{} {}: {}", op.id, d.field, d.why))
                            .or_default() += 1;
                    }
                    None => {
                        t.undocumented += 1;
                        survey.problems.push(format!(
                            "{} {} refused for its shape: {r:?}\n  request: {req:?}",
                            op.method, op.path
                        ));
                    }
                },
                Outcome::ServerError(s, body) => {
                    t.server_errors += 1;
                    survey.problems.push(format!(
                        "{} {} answered {s}: {body}\n  request: {req:?}",
                        op.method, op.path
                    ));
                }
            }
        }
        survey.per_op.push((op.id.clone(), t));
    }
    survey
}
