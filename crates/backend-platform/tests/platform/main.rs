//! Acceptance tests of the verification platform: the real server on loopback over TLS
//! with client certificates, driven by reqwest (rustls) with the testkit personas' keys and
//! the virtual card.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod assertions;
mod audit_scans;
mod config;
mod contract;
mod corrections;
mod crafted_crl;
mod crl_audit;
mod federation;
mod flows;
mod holder_race;
mod holders;
mod killed_node;
mod limits;
mod links;
mod lost_answer;
mod malformed;
mod node_processes;
mod node_support;
mod nodes;
/// Requests generated from the OpenAPI document, shared with the other servers' tests.
#[path = "../../../counter-api/tests/openapi/contract/mod.rs"]
mod openapi_contract;
mod operator;
mod refusals;
mod reissued_auth;
mod round_trips;
mod settle;
mod shared_crls;
mod shared_terminals;
mod storage;
mod support;
