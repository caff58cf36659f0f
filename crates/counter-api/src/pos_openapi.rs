//! The OpenAPI 3.1 document of the POS payment API ([`crate::pos`]), generated from its types
//! with `utoipa` like the backends' document ([`crate::openapi`]).
//!
//! The committed copy is `crates/counter-api/pos-openapi.json`; the test `pos_openapi_is_current`
//! fails when it drifts from [`document`]. Regenerate it from the workspace root with
//!
//! ```sh
//! cargo run -p counter-api --bin counter-api-openapi -- --pos > crates/counter-api/pos-openapi.json
//! ```
//!
//! The paths are declared on empty carrier functions here; the terminal's server
//! (`counter_runtime::pos`) is held to them by its tests, which check every answer against
//! this document.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::openapi::DocumentError;
use crate::pos::{
    CreateRefund, CreateSale, PosMessage, PosProblem, Sale, SaleReceipt, SaleRefund,
    SaleRefundState, SaleState,
};

/// The document.
pub fn document() -> Result<serde_json::Value, DocumentError> {
    Ok(serde_json::to_value(PosApiDoc::openapi())?)
}

/// The document as pretty JSON with a final newline: the committed file's exact bytes.
pub fn document_json() -> Result<String, DocumentError> {
    let mut s = serde_json::to_string_pretty(&document()?)?;
    s.push('\n');
    Ok(s)
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Madoguchi POS payment API",
        description = "What a shop's register (POS) sends to the Madoguchi counter terminal: a sale of an amount for an order reference, which the customer pays with their My Number card and PIN on the terminal's customer window. The register reads the outcome by its order reference, cancels before the customer confirmed, voids or refunds afterwards. Every sale is journaled on the terminal before the customer is asked for anything; a sale whose outcome is unknown is `in_doubt` (never declined) until the terminal resolved it with the acquirer. Errors are RFC 9457 problem details (application/problem+json) whose `code` is a line of the terminal's code table, with the request field at fault. The terminal listens on loopback by default (no authentication); on the network it requires an API key (`Authorization: Bearer`) or a client certificate (mutual TLS). Each register reaches only its own sales: the terminal journals every sale with the register that sent it, named by its client certificate's subject, else by the API key (one name for every register that presents the key), and answers another register's sale as no sale (`404 pos_order_unknown`).",
        license(name = "MIT OR Apache-2.0"),
    ),
    servers((url = "http://127.0.0.1:8710", description = "The terminal's default address (loopback)")),
    paths(post_sales, get_sale, post_cancel, post_void, post_refunds),
    components(schemas(
        CreateSale, CreateRefund, Sale, SaleState, SaleRefund, SaleRefundState, SaleReceipt,
        PosMessage, PosProblem,
    )),
    modifiers(&Security),
    tags((name = "pos", description = "The register's sales at this terminal")),
)]
struct PosApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.description = Some(
            "The API key written in the terminal's configuration ([pos] api_key_file), as `Authorization: Bearer <key>`. Required when the terminal listens beyond loopback without mutual TLS."
                .into(),
        );
        components.add_security_scheme("pos_api_key", SecurityScheme::Http(bearer));
        components.add_security_scheme(
            "pos_mtls",
            SecurityScheme::MutualTls {
                description: Some(
                    "The register's client certificate, issued by the CA the terminal's configuration names ([pos.tls] client_ca)."
                        .into(),
                ),
                extensions: None,
                deprecated: None,
            },
        );
    }
}

// The paths. Each function is only a carrier for its `#[utoipa::path]` attribute.

#[utoipa::path(post, path = "/v1/sales", tag = "pos",
    security((), ("pos_api_key" = []), ("pos_mtls" = [])),
    params(("Idempotency-Key" = String, Header, description = "The register's key for this sale (1 to 255 visible ASCII characters), its own: another register's sale under the same key is not this one. A new one per sale, the same one when the register retries it (the same key from the same register with the same body answers the same sale on the JST day it was made; with another body: `422 pos_idempotency_mismatch`; a key used on another JST day: `422 pos_key_from_another_day`, never that day's sale). Missing or of another shape: `400 pos_request_invalid`", pattern = r"^[\x21-\x7E]{1,255}$", min_length = 1, max_length = 255)),
    request_body = CreateSale,
    responses(
        (status = 201, description = "Journaled: the customer window shows the amount and waits for the card (`waiting_for_customer`)", body = Sale),
        (status = 200, description = "The same request came before: the sale as it stands now", body = Sale),
        (status = 400, description = "pos_request_invalid: a field (named in `field`) or the body is not valid", body = PosProblem, content_type = "application/problem+json"),
        (status = 401, description = "pos_unauthorised: the API key is missing or wrong", body = PosProblem, content_type = "application/problem+json"),
        (status = 409, description = "counter_busy (another customer is served), counter_not_cashier, pos_order_ref_taken (the order reference has a sale under another key, or another register's sale): try again later, or with a new order reference", body = PosProblem, content_type = "application/problem+json"),
        (status = 413, description = "pos_request_invalid: the body is over 16 KiB", body = PosProblem, content_type = "application/problem+json"),
        (status = 422, description = "pos_idempotency_mismatch: the key came before from this register with another body; pos_key_from_another_day: the key was used on another JST day (a new sale takes a new key and order reference; a retry across midnight reads its sale by order reference)", body = PosProblem, content_type = "application/problem+json"),
        (status = 503, description = "sales_in_doubt (a payment is being resolved first), storage_failure: try again later", body = PosProblem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_sales() {}

#[utoipa::path(get, path = "/v1/sales/{order_ref}", tag = "pos",
    security((), ("pos_api_key" = []), ("pos_mtls" = [])),
    params(("order_ref" = String, Path, description = "The register's order reference", pattern = r"^[A-Za-z0-9._:-]{1,64}$", min_length = 1, max_length = 64)),
    responses(
        (status = 200, description = "The sale as it stands (from the journal, or from the counter while the customer is at the till)", body = Sale),
        (status = 400, description = "pos_request_invalid: the order reference is not of the documented shape", body = PosProblem, content_type = "application/problem+json"),
        (status = 401, description = "pos_unauthorised", body = PosProblem, content_type = "application/problem+json"),
        (status = 404, description = "pos_order_unknown: no sale of this register has this order reference", body = PosProblem, content_type = "application/problem+json"),
        (status = 503, description = "storage_failure", body = PosProblem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn get_sale() {}

#[utoipa::path(post, path = "/v1/sales/{order_ref}/cancel", tag = "pos",
    security((), ("pos_api_key" = []), ("pos_mtls" = [])),
    params(("order_ref" = String, Path, description = "The register's order reference", pattern = r"^[A-Za-z0-9._:-]{1,64}$", min_length = 1, max_length = 64)),
    responses(
        (status = 200, description = "Cancelled (or ended unpaid before): nothing was charged. Sending it again answers the same", body = Sale),
        (status = 400, description = "pos_request_invalid", body = PosProblem, content_type = "application/problem+json"),
        (status = 401, description = "pos_unauthorised", body = PosProblem, content_type = "application/problem+json"),
        (status = 404, description = "pos_order_unknown: no sale of this register has this order reference", body = PosProblem, content_type = "application/problem+json"),
        (status = 409, description = "pos_cancel_too_late: the customer confirmed the payment; read the outcome, then void or refund", body = PosProblem, content_type = "application/problem+json"),
        (status = 503, description = "storage_failure", body = PosProblem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_cancel() {}

#[utoipa::path(post, path = "/v1/sales/{order_ref}/void", tag = "pos",
    security((), ("pos_api_key" = []), ("pos_mtls" = [])),
    params(("order_ref" = String, Path, description = "The register's order reference", pattern = r"^[A-Za-z0-9._:-]{1,64}$", min_length = 1, max_length = 64)),
    responses(
        (status = 200, description = "Voided (or voided before), or still `approved` with code `void_pending` when the void is not made yet (the acquirer did not answer, or still holds the approval): the customer stays charged until it is made, and the terminal keeps sending it; read the status again later", body = Sale),
        (status = 400, description = "pos_request_invalid", body = PosProblem, content_type = "application/problem+json"),
        (status = 401, description = "pos_unauthorised", body = PosProblem, content_type = "application/problem+json"),
        (status = 404, description = "pos_order_unknown: no sale of this register has this order reference", body = PosProblem, content_type = "application/problem+json"),
        (status = 409, description = "invalid_payment_state (not approved, refunded, or after its business day: refund instead), payment_busy, payment_in_doubt", body = PosProblem, content_type = "application/problem+json"),
        (status = 503, description = "acquirer_unavailable, storage_failure", body = PosProblem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_void() {}

#[utoipa::path(post, path = "/v1/sales/{order_ref}/refunds", tag = "pos",
    security((), ("pos_api_key" = []), ("pos_mtls" = [])),
    params(
        ("order_ref" = String, Path, description = "The register's order reference", pattern = r"^[A-Za-z0-9._:-]{1,64}$", min_length = 1, max_length = 64),
        ("Idempotency-Key" = String, Header, description = "The register's key for this refund, its own: another register's refund under the same key is not this one. The same key with the same body from the same register refunds once and answers the sale again; with another body: `422 pos_idempotency_mismatch`", pattern = r"^[\x21-\x7E]{1,255}$", min_length = 1, max_length = 255),
    ),
    request_body = CreateRefund,
    responses(
        (status = 200, description = "The sale with its refunds (`refunded_jpy`); the refund's own state is in `refunds`", body = Sale),
        (status = 400, description = "pos_request_invalid", body = PosProblem, content_type = "application/problem+json"),
        (status = 401, description = "pos_unauthorised", body = PosProblem, content_type = "application/problem+json"),
        (status = 404, description = "pos_order_unknown: no sale of this register has this order reference", body = PosProblem, content_type = "application/problem+json"),
        (status = 409, description = "invalid_payment_state (not approved), refund_exceeds_captured, payment_busy, payment_in_doubt", body = PosProblem, content_type = "application/problem+json"),
        (status = 413, description = "pos_request_invalid: the body is over 16 KiB", body = PosProblem, content_type = "application/problem+json"),
        (status = 422, description = "pos_idempotency_mismatch", body = PosProblem, content_type = "application/problem+json"),
        (status = 503, description = "acquirer_unavailable, storage_failure", body = PosProblem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_refunds() {}
