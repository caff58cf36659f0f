//! The OpenAPI document and the platform agree: requests generated from the document alone
//! (`crates/counter-api/openapi.json`, drawn by `counter-api/tests/openapi/contract/`) reach
//! the platform's logic instead of being refused for their shape, none gets a 5xx, every
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
        op: "post_enrollments",
        field: "application.challenge_id",
        why: "equal to identification.challenge_id",
    },
    Documented {
        op: "post_federation_enrollments",
        field: "signed_application.application",
        why: "answers the peer assertion's challenge and names the requested services",
    },
];

/// Requests per operation: enough for every branch of every oneOf and optional field to
/// come up many times, in a few seconds.
const PER_OPERATION: usize = 40;

/// At most this share of the generated requests may be refused for their shape. Every
/// shape refusal must also be one of [`DOCUMENTED`] (any other fails the test at once), so
/// the share only bounds the rules no schema can state: an enrollment's two challenge ids
/// must be equal, which a request drawn from the schema almost never is, so nearly all of
/// one operation in seven (≈ 14%) is refused for it.
const MAX_SHAPE_SHARE: f64 = 0.16;

const CASES: &[Case] = &[
    Case {
        op: "post_challenges",
        place: Place::Body("/context/amount_jpy"),
        how: Break::AboveMaximum,
    },
    Case {
        op: "post_challenges",
        place: Place::Body("/context/merchant_id"),
        how: Break::Pattern,
    },
    Case {
        op: "post_challenges",
        place: Place::Body("/purpose"),
        how: Break::NotInEnum,
    },
    Case {
        op: "post_challenges",
        place: Place::Body(""),
        how: Break::Unknown,
    },
    Case {
        op: "post_identifications",
        place: Place::Body("/challenge_id"),
        how: Break::TooLong,
    },
    Case {
        op: "post_identifications",
        place: Place::Body("/signature"),
        how: Break::Pattern,
    },
    Case {
        op: "post_identifications",
        place: Place::Body("/auth_certificate"),
        how: Break::Missing,
    },
    Case {
        op: "post_enrollments",
        place: Place::Body("/application/name"),
        how: Break::TooLong,
    },
    Case {
        op: "post_enrollments",
        place: Place::Body("/application/birth_date"),
        how: Break::Pattern,
    },
    Case {
        op: "post_enrollments",
        place: Place::Body("/application/services"),
        how: Break::TooFew,
    },
    Case {
        op: "post_enrollments",
        place: Place::Body("/application/services/0/service_id"),
        how: Break::Pattern,
    },
    Case {
        op: "post_federation_enrollments",
        place: Place::Body("/services"),
        how: Break::TooMany,
    },
    Case {
        op: "post_federation_enrollments",
        place: Place::Body("/services/0/service_id"),
        how: Break::TooLong,
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
async fn generated_requests_reach_the_platforms_logic() {
    let env = Env::start().await;
    // T1 is an administration terminal: the CRL reload is allowed too.
    let terminal = env.client(Some(T1));
    let send_op = async |_: &Operation, req: &Request| send(&terminal, &env, req).await;
    let server = Server {
        name: "platform",
        tags: &["platform"],
        operations: 7,
        seed: 0x0b1a_7f0e,
        per_operation: PER_OPERATION,
        documented: DOCUMENTED,
        max_shape_share: MAX_SHAPE_SHARE,
        cases: CASES,
    };
    check(server, send_op).await;
    env.shutdown().await;
}
