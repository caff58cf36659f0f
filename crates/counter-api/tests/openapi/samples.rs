//! What the document allows, the contract types accept: every body drawn from it
//! deserialises into its type and passes the type's `validate()`, and the document's
//! patterns for identifiers, dates and base64 say exactly what the Rust checks say.

use counter_api::acquirer::{AuthoriseRequest, CaptureRequest, RefundRequest, ReversalRequest};
use counter_api::insurer::{BulkPrecheckRequest, EligibilityRequest, InsuranceNumberCheckRequest};
use counter_api::links::{LinkRelease, LinkRequest};
use counter_api::platform::{
    ChallengeRequest, EnrollmentRequest, FederationEnrollmentRequest, FederationExchangeRequest,
    IdentificationRequest,
};
use serde_json::Value;

use crate::contract::{Doc, Rng, Sampler, validate};

#[test]
fn the_document_uses_only_keywords_the_contract_tests_understand() {
    let unknown = Doc::load().unknown_keywords();
    assert!(
        unknown.is_empty(),
        "teach tests/openapi/contract/ these keywords (generation and validation): {unknown:#?}"
    );
}

/// The body of `name` drawn from the document, through its Rust type's rules. `Err` carries
/// the field a rule the schema cannot state refused.
fn accept(name: &str, v: Value) -> Result<(), String> {
    fn de<T: serde::de::DeserializeOwned>(v: Value) -> T {
        let text = v.to_string();
        serde_json::from_value(v).unwrap_or_else(|e| panic!("{e}: {text}"))
    }
    let field = |e: counter_api::FieldError| e.field;
    match name {
        "ChallengeRequest" => de::<ChallengeRequest>(v).validate().map_err(field),
        "IdentificationRequest" => {
            let r = de::<IdentificationRequest>(v);
            counter_api::ident::check_id("challenge_id", &r.challenge_id).unwrap();
            counter_api::b64::decode("auth_certificate", &r.auth_certificate).unwrap();
            counter_api::b64::decode("signature", &r.signature).unwrap();
            Ok(())
        }
        "EnrollmentRequest" => {
            let r = de::<EnrollmentRequest>(v);
            assert!(!r.sign_certificate.is_empty());
            counter_api::b64::decode("sign_certificate", &r.sign_certificate).unwrap();
            counter_api::b64::decode("application_signature", &r.application_signature).unwrap();
            r.application.validate().map_err(field)?;
            if r.application.challenge_id == r.identification.challenge_id {
                Ok(())
            } else {
                Err("application.challenge_id".into())
            }
        }
        "FederationEnrollmentRequest" => {
            let r = de::<FederationEnrollmentRequest>(v);
            for (i, s) in r.services.iter().enumerate() {
                s.validate(i).map_err(field)?;
            }
            let confirmed = r.services.iter().any(|s| s.needs_confirmation());
            assert!(!confirmed || r.signed_application.is_some());
            match r.signed_application {
                Some(a) => a.application.validate().map_err(field),
                None => Ok(()),
            }
        }
        "FederationExchangeRequest" => {
            de::<FederationExchangeRequest>(v);
            Ok(())
        }
        "LinkRequest" => de::<LinkRequest>(v).validate().map_err(field),
        "LinkRelease" => de::<LinkRelease>(v).validate().map_err(field),
        // Their field rules live in the servers (backend-insurer, backend-acquirer); the
        // backends' contract tests check those.
        "EligibilityRequest" => {
            de::<EligibilityRequest>(v);
            Ok(())
        }
        "InsuranceNumberCheckRequest" => {
            de::<InsuranceNumberCheckRequest>(v);
            Ok(())
        }
        "BulkPrecheckRequest" => {
            de::<BulkPrecheckRequest>(v);
            Ok(())
        }
        "AuthoriseRequest" => {
            de::<AuthoriseRequest>(v);
            Ok(())
        }
        "CaptureRequest" => {
            de::<CaptureRequest>(v);
            Ok(())
        }
        "RefundRequest" => {
            de::<RefundRequest>(v);
            Ok(())
        }
        "ReversalRequest" => {
            de::<ReversalRequest>(v);
            Ok(())
        }
        other => panic!("no Rust type listed for the request body {other}"),
    }
}

/// Refusals of rules no schema can state, which the fields' descriptions give.
const CROSS_FIELD: &[&str] = &[
    // equal to identification.challenge_id
    "application.challenge_id",
    // below the number of characters of the text
    "holder.name_substituted",
    "holder.address_substituted",
];

#[test]
fn drawn_bodies_pass_the_contract_types_rules() {
    let doc = Doc::load();
    let mut sampler = Sampler::new(&doc, 0x5eed);
    let ops = doc.operations(&["platform", "insurer", "acquirer", "links"]);
    let mut with_body = 0;
    for op in &ops {
        let Some(schema) = &op.body else { continue };
        let name = schema["$ref"]
            .as_str()
            .and_then(|r| r.rsplit('/').next())
            .unwrap();
        for _ in 0..150 {
            let v = sampler.value(schema);
            let text = v.to_string();
            if let Err(f) = accept(name, v) {
                assert!(
                    CROSS_FIELD.contains(&f.as_str()),
                    "{name}: {f} refused {text}"
                );
            }
        }
        with_body += 1;
    }
    assert!(with_body >= 13, "{with_body} operations with a body");
}

fn pattern(doc: &Doc, pointer: &str) -> regex::Regex {
    let p = doc.root.pointer(pointer).and_then(Value::as_str).unwrap();
    regex::Regex::new(p).unwrap()
}

/// Every date string of the years around the ends of the range and the leap-year
/// exceptions, with every month and day number from 00 to 32 and 13.
fn date_strings(sep: &str) -> Vec<String> {
    let years = (1858..1910)
        .chain(1995..2005)
        .chain(2095..2105)
        .chain(2395..2405)
        .chain(2795..2805)
        .chain(2990..3010)
        .chain([0, 999, 9999]);
    let mut out = Vec::new();
    for y in years {
        for m in 0..=13 {
            for d in 0..=32 {
                out.push(format!("{y:04}{sep}{m:02}{sep}{d:02}"));
            }
        }
    }
    out
}

#[test]
fn date_patterns_say_what_the_calendar_checks_say() {
    let doc = Doc::load();
    let iso = pattern(
        &doc,
        "/components/schemas/Application/properties/birth_date/pattern",
    );
    let compact = pattern(
        &doc,
        "/components/schemas/EligibilityRequest/properties/qualification_confirmation_date/pattern",
    );
    let mut real = 0;
    for s in date_strings("-") {
        let ok = counter_api::attributes::is_iso_date(&s);
        assert_eq!(iso.is_match(&s), ok, "{s}");
        real += usize::from(ok);
    }
    for s in date_strings("") {
        // The insurer's rule (backend_insurer::core::dates::is_yyyymmdd).
        let ok = s.len() == 8 && madoguchi_time::CivilDate::parse(&s).is_some();
        assert_eq!(compact.is_match(&s), ok, "{s}");
    }
    assert!(real > 30_000, "{real}");
    for bad in ["1985-04-1２", "+985-04-12", "1985-04-12\n", " 1985-04-12"] {
        assert!(!iso.is_match(bad), "{bad}");
    }
}

#[test]
fn identifier_and_base64_patterns_say_what_the_rust_checks_say() {
    let doc = Doc::load();
    let id = pattern(
        &doc,
        "/components/schemas/ChallengeContext/properties/merchant_id/pattern",
    );
    let b64 = pattern(
        &doc,
        "/components/schemas/IdentificationRequest/properties/signature/pattern",
    );
    let mut rng = Rng::new(7);
    let alphabet: Vec<char> = "aZ09._:-=/+ \n\u{3000}あ".chars().collect();
    for _ in 0..20_000 {
        let n = rng.count(0, 70);
        let s: String = (0..n).map(|_| *rng.pick(&alphabet)).collect();
        assert_eq!(
            id.is_match(&s),
            counter_api::ident::check_id("x", &s).is_ok(),
            "{s:?}"
        );
    }
    let b64_alphabet: Vec<char> = "AQgwBb09+/=".chars().collect();
    for _ in 0..20_000 {
        // Valid encodings of random bytes, and strings of base64 characters.
        let s = if rng.chance(1, 2) {
            let bytes: Vec<u8> = (0..rng.count(0, 12))
                .map(|_| rng.next_u64() as u8)
                .collect();
            counter_api::b64::encode(&bytes)
        } else {
            (0..rng.count(0, 12))
                .map(|_| *rng.pick(&b64_alphabet))
                .collect()
        };
        assert_eq!(
            b64.is_match(&s),
            counter_api::b64::decode("x", &s).is_ok(),
            "{s:?}"
        );
    }
}

#[test]
fn a_drawn_value_satisfies_the_validator_and_a_broken_one_does_not() {
    let doc = Doc::load();
    let schema = serde_json::json!({"$ref": "#/components/schemas/ChallengeContext"});
    let mut sampler = Sampler::new(&doc, 1);
    let mut v = sampler.value(&schema);
    assert!(validate(&doc, &schema, &v).is_ok());
    v["amount_jpy"] = 100_000_000.into();
    assert!(validate(&doc, &schema, &v).is_err());
    v["amount_jpy"] = 1.into();
    v["extra"] = 1.into();
    assert!(validate(&doc, &schema, &v).is_err());
}
