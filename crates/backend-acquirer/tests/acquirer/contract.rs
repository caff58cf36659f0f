//! The OpenAPI document and the acquirer agree: requests generated from the document alone
//! (`crates/counter-api/openapi.json`, drawn by `counter-api/tests/openapi/contract/`) reach
//! the acquirer's logic instead of being refused for their shape, none gets a 5xx, every
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
        why: "an acquirer confirms payment links only",
    },
    Documented {
        op: "post_links_release",
        field: "link.kind",
        why: "an acquirer confirms payment links only",
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
/// two kinds of service: half of the links drawn are insurance links, which an acquirer
/// refuses, in two operations of nine (≈ 11%); substitute positions drawn beyond their text
/// add a few percent.
const MAX_SHAPE_SHARE: f64 = 0.20;

const CASES: &[Case] = &[
    Case {
        op: "post_payments",
        place: Place::Body("/amount_jpy"),
        how: Break::AboveMaximum,
    },
    Case {
        op: "post_payments",
        place: Place::Body("/merchant_id"),
        how: Break::TooLong,
    },
    Case {
        op: "post_payments",
        place: Place::Body("/order_ref"),
        how: Break::Pattern,
    },
    Case {
        op: "post_payments",
        place: Place::Body("/capture"),
        how: Break::NotInEnum,
    },
    Case {
        op: "post_payments",
        place: Place::Param("Idempotency-Key"),
        how: Break::TooLong,
    },
    Case {
        op: "post_capture",
        place: Place::Param("payment_id"),
        how: Break::Pattern,
    },
    Case {
        op: "post_capture",
        place: Place::Body("/amount_jpy"),
        how: Break::BelowMinimum,
    },
    Case {
        op: "post_void",
        place: Place::Param("Idempotency-Key"),
        how: Break::Pattern,
    },
    Case {
        op: "post_refund",
        place: Place::Body("/amount_jpy"),
        how: Break::AboveMaximum,
    },
    Case {
        op: "post_reversals",
        place: Place::Body("/original_idempotency_key"),
        how: Break::TooLong,
    },
    Case {
        op: "get_settlement",
        place: Place::Param("date"),
        how: Break::Pattern,
    },
    Case {
        op: "post_links",
        place: Place::Body("/link/card_token_ref"),
        how: Break::Pattern,
    },
    Case {
        op: "post_links",
        place: Place::Body("/sub"),
        how: Break::TooLong,
    },
    Case {
        op: "post_links_release",
        place: Place::Body(""),
        how: Break::Unknown,
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
async fn generated_requests_reach_the_acquirers_logic() {
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
        name: "acquirer",
        tags: &["acquirer", "links"],
        operations: 9,
        seed: 0x00ac_c01e,
        per_operation: PER_OPERATION,
        documented: DOCUMENTED,
        max_shape_share: MAX_SHAPE_SHARE,
        cases: CASES,
    };
    check(server, send_op).await;
}
