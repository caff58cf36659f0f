//! The rules of the servers that utoipa's attributes cannot state, added to the generated
//! document in this one place (JSON Schema 2020-12, which OpenAPI 3.1 uses):
//!
//! * **internally tagged variants** (`ServiceLink`): utoipa writes each variant as
//!   `allOf: [$ref Variant, {kind}]`, which no instance can satisfy when the variant refuses
//!   unknown fields (its `additionalProperties: false` does not know `kind`). serde takes
//!   `kind` out before the variant sees the rest, so the variant is written inline as one
//!   object with `kind`;
//! * **bounds on array items**: the substitute positions of the certified attributes are
//!   below the longest text (`#[schema(maximum)]` on a `Vec` field bounds nothing);
//! * **conditions between fields** (`if`/`then`/`else`): a payment challenge has a context and
//!   the others none; an application naming an insurance or payment service carries the
//!   disclosure consent; a federated enrollment of such services carries the signed
//!   application;
//! * **variants a field does not take**: a link a service confirms is never a peer
//!   platform's, and a federated enrollment links insurance and payment services only;
//! * **a length in bytes**: an order reference is at most 64 bytes of UTF-8, which
//!   `maxLength` (characters) cannot say. The schema allows the two cases that always fit,
//!   64 ASCII characters or 16 characters of any kind (4 bytes each at most), and the
//!   description gives the rule; a longer non-ASCII reference within 64 bytes is accepted
//!   by the acquirer though the schema does not allow it (stricter, never looser).
//!
//! Each rule finds what it edits or fails with [`DocumentError::Shape`], so a renamed type
//! cannot leave a rule silently unapplied.

use serde_json::{Map, Value, json};

use super::DocumentError;
use crate::attributes::{MAX_ADDRESS_CHARS, MAX_NAME_CHARS};

/// Applies every rule to `doc` (utoipa's document as JSON).
pub(super) fn apply(doc: &mut Value) -> Result<(), DocumentError> {
    inline_tagged_variants(doc, "ServiceLink", "kind")?;
    bound_substitute_positions(doc)?;
    challenge_context_with_payment_only(doc)?;
    consent_with_confirmed_links(doc)?;
    federated_enrollment_rules(doc)?;
    service_links_only(doc, "LinkRequest")?;
    service_links_only(doc, "LinkRelease")?;
    order_ref_within_64_bytes(doc)
}

fn shape(what: impl Into<String>) -> DocumentError {
    DocumentError::Shape(what.into())
}

/// The component schema `name`.
fn schema<'a>(doc: &'a Value, name: &str) -> Result<&'a Value, DocumentError> {
    doc.pointer(&format!("/components/schemas/{name}"))
        .ok_or_else(|| shape(format!("the schema {name}")))
}

/// The component schema `name`, as an object to edit.
fn schema_mut<'a>(
    doc: &'a mut Value,
    name: &str,
) -> Result<&'a mut Map<String, Value>, DocumentError> {
    doc.pointer_mut(&format!("/components/schemas/{name}"))
        .and_then(Value::as_object_mut)
        .ok_or_else(|| shape(format!("the schema {name}")))
}

/// The property `field` of the component schema `name`, as an object to edit.
fn property_mut<'a>(
    doc: &'a mut Value,
    name: &str,
    field: &str,
) -> Result<&'a mut Map<String, Value>, DocumentError> {
    doc.pointer_mut(&format!("/components/schemas/{name}/properties/{field}"))
        .and_then(Value::as_object_mut)
        .ok_or_else(|| shape(format!("the property {name}.{field}")))
}

/// The variants of the `oneOf` schema `name` whose `kind` is one of `kinds`, in order.
fn variants_of_kind(doc: &Value, name: &str, kinds: &[&str]) -> Result<Vec<Value>, DocumentError> {
    let variants = schema(doc, name)?
        .get("oneOf")
        .and_then(Value::as_array)
        .ok_or_else(|| shape(format!("the variants (oneOf) of {name}")))?;
    let picked: Vec<Value> = variants
        .iter()
        .filter(|v| {
            v.pointer("/properties/kind/enum/0")
                .and_then(Value::as_str)
                .is_some_and(|k| kinds.contains(&k))
        })
        .cloned()
        .collect();
    if picked.len() != kinds.len() {
        return Err(shape(format!("the variants {kinds:?} of {name}")));
    }
    Ok(picked)
}

/// Rewrites each `allOf: [{$ref: V}, {properties: {tag}}]` variant of the `oneOf` schema
/// `name` as V's object with the tag property added, and drops the components V that are
/// no longer referenced.
fn inline_tagged_variants(doc: &mut Value, name: &str, tag: &str) -> Result<(), DocumentError> {
    let variants = schema(doc, name)?
        .get("oneOf")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| shape(format!("the variants (oneOf) of {name}")))?;
    let mut inlined = Vec::with_capacity(variants.len());
    let mut referenced = Vec::new();
    for v in &variants {
        let bad = || shape(format!("a variant of {name} as allOf [$ref, {{{tag}}}]"));
        let parts = v.get("allOf").and_then(Value::as_array).ok_or_else(bad)?;
        let (Some(target), Some(tagged)) = (parts.first(), parts.get(1)) else {
            return Err(bad());
        };
        let reference = target.get("$ref").and_then(Value::as_str).ok_or_else(bad)?;
        let component = reference
            .strip_prefix("#/components/schemas/")
            .ok_or_else(bad)?
            .to_owned();
        let tag_schema = tagged
            .pointer(&format!("/properties/{tag}"))
            .cloned()
            .ok_or_else(bad)?;
        let mut object = schema(doc, &component)?
            .as_object()
            .cloned()
            .ok_or_else(bad)?;
        object
            .entry("properties")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or_else(bad)?
            .insert(tag.to_owned(), tag_schema);
        object
            .entry("required")
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .ok_or_else(bad)?
            .push(json!(tag));
        if let Some(d) = v.get("description") {
            object.insert("description".into(), d.clone());
        }
        inlined.push(Value::Object(object));
        referenced.push(component);
    }
    schema_mut(doc, name)?.insert("oneOf".into(), Value::Array(inlined));
    for component in referenced {
        let reference = format!("\"#/components/schemas/{component}\"");
        if !doc.to_string().contains(&reference)
            && let Some(schemas) = doc
                .pointer_mut("/components/schemas")
                .and_then(Value::as_object_mut)
        {
            schemas.remove(&component);
        }
    }
    Ok(())
}

/// A substitute position is a character position of its text, so below the longest text.
fn bound_substitute_positions(doc: &mut Value) -> Result<(), DocumentError> {
    for (field, max_chars) in [
        ("name_substituted", MAX_NAME_CHARS),
        ("address_substituted", MAX_ADDRESS_CHARS),
    ] {
        let items = property_mut(doc, "CertifiedAttributes", field)?
            .get_mut("items")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| shape(format!("the items of CertifiedAttributes.{field}")))?;
        items.insert("maximum".into(), json!(max_chars.saturating_sub(1)));
    }
    Ok(())
}

/// `ChallengeRequest::validate`: `context` is required for `payment` and refused (absent or
/// null) for the other purposes.
fn challenge_context_with_payment_only(doc: &mut Value) -> Result<(), DocumentError> {
    let s = schema_mut(doc, "ChallengeRequest")?;
    s.insert(
        "if".into(),
        json!({"properties": {"purpose": {"const": "payment"}}, "required": ["purpose"]}),
    );
    s.insert(
        "then".into(),
        json!({
            "properties": {"context": {"$ref": "#/components/schemas/ChallengeContext"}},
            "required": ["context"]
        }),
    );
    s.insert(
        "else".into(),
        json!({"properties": {"context": {"type": "null"}}}),
    );
    Ok(())
}

/// The condition "`services` names an insurance or payment service".
fn names_confirmed_service() -> Value {
    json!({
        "properties": {"services": {"contains": {
            "properties": {"kind": {"enum": ["insurance", "payment"]}},
            "required": ["kind"]
        }}},
        "required": ["services"]
    })
}

/// `Application::validate`: insurance and payment links need the disclosure consent.
fn consent_with_confirmed_links(doc: &mut Value) -> Result<(), DocumentError> {
    let s = schema_mut(doc, "Application")?;
    s.insert("if".into(), names_confirmed_service());
    s.insert(
        "then".into(),
        json!({
            "properties": {"disclosure_consent": {"const": true}},
            "required": ["disclosure_consent"]
        }),
    );
    Ok(())
}

/// The platform's federated enrollment: insurance and payment services only, and for them
/// the application the customer signed.
fn federated_enrollment_rules(doc: &mut Value) -> Result<(), DocumentError> {
    let variants = variants_of_kind(doc, "ServiceLink", &["insurance", "payment"])?;
    let items = property_mut(doc, "FederationEnrollmentRequest", "services")?
        .get_mut("items")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| shape("the items of FederationEnrollmentRequest.services"))?;
    items.clear();
    items.insert("oneOf".into(), Value::Array(variants));
    let s = schema_mut(doc, "FederationEnrollmentRequest")?;
    s.insert("if".into(), names_confirmed_service());
    s.insert(
        "then".into(),
        json!({
            "properties": {"signed_application": {"$ref": "#/components/schemas/SignedApplication"}},
            "required": ["signed_application"]
        }),
    );
    Ok(())
}

/// The acquirer's rule on `AuthoriseRequest.order_ref`: 1 to 64 bytes of UTF-8 (see the
/// module doc).
fn order_ref_within_64_bytes(doc: &mut Value) -> Result<(), DocumentError> {
    property_mut(doc, "AuthoriseRequest", "order_ref")?.insert(
        "anyOf".into(),
        json!([
            {"pattern": "^[\\x20-\\x7E]*$"},
            {"maxLength": 64 / 4}
        ]),
    );
    Ok(())
}

/// `LinkRequest::validate`, `LinkRelease::validate`: a service confirms insurance or payment
/// links, never a peer platform's.
fn service_links_only(doc: &mut Value, name: &str) -> Result<(), DocumentError> {
    let variants = variants_of_kind(doc, "ServiceData", &["insurance", "payment"])?;
    let link = property_mut(doc, name, "link")?;
    let description = link.get("description").cloned();
    link.clear();
    link.insert("oneOf".into(), Value::Array(variants));
    if let Some(d) = description {
        link.insert("description".into(), d);
    }
    Ok(())
}
