//! The OpenAPI document and the insurer agree: requests generated from the document alone
//! (`crates/counter-api/openapi.json`, drawn by `counter-api/tests/openapi/contract/`) reach
//! the insurer's logic instead of being refused for their shape, none gets a 5xx, every
//! answer is one the document describes, and a request that breaks one constraint the
//! document states is refused naming the field.

use crate::openapi_contract::{
    Answer, Break, Case, Documented, Operation, Place, Request, Server, check,
};
use crate::support::*;

/// Refusals for rules no JSON Schema can state; the fields' descriptions in the document
/// give each.
const DOCUMENTED: &[Documented] = &[
    Documented {
        op: "post_links",
        field: "link.kind",
        why: "an insurer confirms insurance links only",
    },
    Documented {
        op: "post_links_release",
        field: "link.kind",
        why: "an insurer confirms insurance links only",
    },
    Documented {
        op: "post_links",
        field: "holder.name_substituted",
        why: "positions below the number of characters of the name",
    },
    Documented {
        op: "post_links",
        field: "holder.address_substituted",
        why: "positions below the number of characters of the address",
    },
];

/// Requests per operation: enough for every branch of every oneOf and optional field to
/// come up many times, in a few seconds.
const PER_OPERATION: usize = 40;

/// At most this share of the generated requests may be refused for their shape. Every
/// shape refusal must also be one of [`DOCUMENTED`] (any other fails the test at once), so
/// the share only bounds the rules no schema can state. `/v1/links` is one document for
/// two kinds of service: half of the links drawn are payment links, which an insurer
/// refuses, in two operations of six (≈ 17%); substitute positions drawn beyond their
/// text refuse about half of the remaining link requests (≈ 5%). 32% leaves two standard
/// deviations of the 80 link requests' draw.
const MAX_SHAPE_SHARE: f64 = 0.32;

const CASES: &[Case] = &[
    Case {
        op: "post_eligibility",
        place: Place::Body("/medical_institution_code"),
        how: Break::Pattern,
    },
    Case {
        op: "post_eligibility",
        place: Place::Body("/qualification_confirmation_date"),
        how: Break::Pattern,
    },
    Case {
        op: "post_eligibility",
        place: Place::Body("/arbitrary_identifier"),
        how: Break::TooLong,
    },
    Case {
        op: "post_eligibility",
        place: Place::Body("/assertion"),
        how: Break::TooLong,
    },
    Case {
        op: "post_eligibility_by_insurance_number",
        place: Place::Body("/insurer_number"),
        how: Break::Pattern,
    },
    Case {
        op: "post_eligibility_by_insurance_number",
        place: Place::Body("/birth_date"),
        how: Break::Missing,
    },
    Case {
        op: "post_eligibility_by_insurance_number",
        place: Place::Body("/number"),
        how: Break::TooLong,
    },
    Case {
        op: "post_eligibility_by_insurance_number",
        place: Place::Body("/branch"),
        how: Break::Pattern,
    },
    Case {
        op: "post_bulk_prechecks",
        place: Place::Body("/entries"),
        how: Break::TooFew,
    },
    Case {
        op: "post_bulk_prechecks",
        place: Place::Body("/entries/0/branch"),
        how: Break::Pattern,
    },
    Case {
        op: "post_bulk_prechecks",
        place: Place::Body("/entries/0/birth_date"),
        how: Break::Pattern,
    },
    Case {
        op: "post_bulk_prechecks",
        place: Place::Body("/entries/0/reference"),
        how: Break::TooLong,
    },
    Case {
        op: "post_links",
        place: Place::Body("/sub"),
        how: Break::Pattern,
    },
    Case {
        op: "post_links",
        place: Place::Body("/holder/birth_date"),
        how: Break::Pattern,
    },
    Case {
        op: "post_links",
        place: Place::Body("/holder/name"),
        how: Break::TooLong,
    },
    Case {
        op: "post_links",
        place: Place::Body("/consented_at"),
        how: Break::Missing,
    },
    Case {
        op: "post_links_release",
        place: Place::Body("/link/insurer_number"),
        how: Break::Pattern,
    },
];

async fn send(c: &reqwest::Client, env: &Env, req: &Request) -> Answer {
    let method = reqwest::Method::from_bytes(req.method.as_bytes()).unwrap();
    let mut b = c.request(method, env.url(&req.path));
    for (k, v) in &req.headers {
        b = b.header(k, v);
    }
    if let Some(body) = &req.body {
        b = b.json(body);
    }
    let (status, content_type, body) = read(b.send().await.unwrap()).await;
    Answer {
        status: status.as_u16(),
        content_type,
        body,
    }
}

#[tokio::test]
async fn generated_requests_reach_the_insurers_logic() {
    let env = Env::start().await;
    let (terminal, platform) = (env.client(Some(T1)), env.platform_client());
    // The link endpoints are the platform's (its client certificate), the others a
    // terminal's, as the document's security requirements say.
    let send_op = async |op: &Operation, req: &Request| {
        let c = match op.security.as_deref() {
            Some("platform_mtls") => &platform,
            _ => &terminal,
        };
        send(c, &env, req).await
    };
    let server = Server {
        name: "insurer",
        tags: &["insurer", "links"],
        operations: 6,
        seed: 0x0111_50e1,
        per_operation: PER_OPERATION,
        documented: DOCUMENTED,
        max_shape_share: MAX_SHAPE_SHARE,
        cases: CASES,
    };
    check(server, send_op).await;
    env.running.shutdown().await;
}
