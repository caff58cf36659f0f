//! The committed OpenAPI document and problem table are the ones the types generate.

#[test]
fn openapi_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let generated = counter_api::openapi::document_json().unwrap();
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        panic!(
            "crates/counter-api/openapi.json is stale: regenerate it with\n  \
             cargo run -p counter-api --bin counter-api-openapi > crates/counter-api/openapi.json\n\
             and commit it"
        );
    }
    let v: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(v["openapi"], "3.1.0");
    for p in [
        "/v1/challenges",
        "/v1/identifications",
        "/v1/enrollments",
        "/v1/keys",
        "/v1/eligibility",
        "/v1/payments",
    ] {
        assert!(v["paths"].get(p).is_some(), "{p} missing");
    }
}

#[test]
fn problem_code_table_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("PROBLEMS.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != counter_api::problem::codes_markdown() {
        panic!(
            "crates/counter-api/PROBLEMS.md is stale: regenerate it with\n  \
             cargo run -p counter-api --bin counter-api-openapi -- --problems > crates/counter-api/PROBLEMS.md"
        );
    }
}
