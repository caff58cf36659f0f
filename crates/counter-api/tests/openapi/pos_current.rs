//! The committed POS API document is the one its types generate, and it uses only the JSON
//! Schema keywords the shared validator understands (the terminal's tests check its answers
//! with it).

use super::contract::Doc;

#[test]
fn pos_openapi_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pos-openapi.json");
    let generated = counter_api::pos_openapi::document_json().unwrap();
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        panic!(
            "crates/counter-api/pos-openapi.json is stale: regenerate it with\n  \
             cargo run -p counter-api --bin counter-api-openapi -- --pos > crates/counter-api/pos-openapi.json\n\
             and commit it"
        );
    }
    let doc = Doc {
        root: serde_json::from_str(&generated).unwrap(),
    };
    assert_eq!(doc.root["openapi"], "3.1.0");
    let ops: Vec<String> = doc
        .operations(&["pos"])
        .iter()
        .map(|o| format!("{} {}", o.method, o.path))
        .collect();
    assert_eq!(
        ops,
        [
            "POST /v1/sales",
            "GET /v1/sales/{order_ref}",
            "POST /v1/sales/{order_ref}/cancel",
            "POST /v1/sales/{order_ref}/refunds",
            "POST /v1/sales/{order_ref}/void",
        ]
    );
    assert_eq!(doc.unknown_keywords(), Vec::<String>::new());
    for op in doc.operations(&["pos"]) {
        assert!(
            op.responses.get("401").is_some(),
            "{}: the API key's refusal is documented",
            op.id
        );
    }
}
