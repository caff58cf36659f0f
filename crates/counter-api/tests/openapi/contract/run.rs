//! One server's contract test from end to end, so that each backend states only what is
//! its own: the operations it serves, the refusals its document describes in words, the
//! constraints to break, and how a request reaches it.

use super::converse::{Case, converse};
use super::document::{Doc, Operation, Request};
use super::draw::Sampler;
use super::survey::{Answer, Documented, survey};

/// What one server's contract test needs to know of it.
pub struct Server<'a> {
    /// Its name in the printed table (`platform`, `insurer`, `acquirer`).
    pub name: &'a str,
    /// The document's tags of its operations.
    pub tags: &'a [&'a str],
    /// How many operations those tags hold (a new one must be added on purpose).
    pub operations: usize,
    /// The generator's seed, so that every run sends the same requests.
    pub seed: u64,
    /// Requests drawn per operation.
    pub per_operation: usize,
    /// Refusals for rules no JSON Schema can state, described in the document's words.
    pub documented: &'a [Documented],
    /// The most of the generated requests that may be refused for their shape.
    pub max_shape_share: f64,
    /// One stated constraint broken per case, each to be refused naming the field.
    pub cases: &'a [Case],
}

/// Surveys `server` with generated requests (no 5xx, every answer described by the
/// document, few refused for their shape, none for an undocumented rule), prints the
/// table, then breaks each of its cases; panics with every failure found.
pub async fn check<F>(server: Server<'_>, mut send: F)
where
    F: AsyncFnMut(&Operation, &Request) -> Answer,
{
    let doc = Doc::load();
    let ops = doc.operations(server.tags);
    assert_eq!(ops.len(), server.operations, "{ops:?}");
    let mut sampler = Sampler::new(&doc, server.seed);

    let found = survey(
        &mut sampler,
        &ops,
        server.per_operation,
        server.documented,
        &mut send,
    )
    .await;
    println!("{}", found.table(server.name));
    assert!(found.problems.is_empty(), "{}", found.problems.join("\n"));
    assert!(
        found.shape_share() <= server.max_shape_share,
        "{:.1}% of the generated requests were refused for their shape",
        100.0 * found.shape_share()
    );

    let failures = converse(&mut sampler, &ops, server.cases, server.documented, send).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
