//! Which window may call which command.

use serde_json::{Value, json};

use super::{app, invoke, invoke_from};

/// The ACL's refusal names the command; anything else (the command's own error)
/// would not prove that the capability check ran.
fn assert_refused(result: Result<Value, Value>, cmd: &str) {
    let error = result.expect_err("the call is refused");
    let message = error.as_str().unwrap_or_default();
    assert!(
        message.contains(cmd) && message.contains("not allowed"),
        "refused by the ACL, naming {cmd}: {error}"
    );
}

/// The commands only the staff window may call.
const STAFF_ONLY: [&str; 8] = [
    "staff_subscribe",
    "staff_action",
    "staff_journal",
    "staff_close_day",
    "staff_settings",
    "demo_cards",
    "demo_place",
    "demo_remove",
];

/// The commands only the customer window may call.
const CUSTOMER_ONLY: [&str; 2] = ["customer_subscribe", "customer_action"];

/// The commands both windows may call.
const SHARED: [&str; 2] = ["app_info", "code_table"];

/// Every command of the app.
fn all() -> impl Iterator<Item = &'static str> {
    SHARED.into_iter().chain(STAFF_ONLY).chain(CUSTOMER_ONLY)
}

/// A call the ACL let through: the command ran (here without a counter, so it answers
/// with the counter's own error, or its arguments' error), it was not refused.
fn assert_allowed(result: Result<Value, Value>, cmd: &str) {
    if let Err(error) = &result {
        let message = error.as_str().unwrap_or_default();
        assert!(
            !message.contains("not allowed"),
            "{cmd} was refused by the ACL: {error}"
        );
    }
}

#[test]
fn both_windows_may_ask_for_the_app_info() {
    let app = app();
    let version = app.package_info().version.to_string();
    for label in ["staff", "customer"] {
        assert_eq!(
            invoke(&app, label, "app_info"),
            Ok(json!({ "version": version, "window": label, "demo": false })),
            "{label}"
        );
    }
}

#[test]
fn the_customer_window_gets_only_the_codes_fit_for_the_customer() {
    let app = app();
    let codes = |label| -> Vec<String> {
        invoke(&app, label, "code_table")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let (staff, customer) = (codes("staff"), codes("customer"));
    assert!(
        staff.contains(&"card_busy".to_owned()),
        "staff get the staff-only lines"
    );
    assert!(
        !customer.contains(&"card_busy".to_owned()),
        "the customer does not"
    );
    assert!(
        customer.contains(&"ask_staff".to_owned()) && customer.contains(&"pin_wrong".to_owned())
    );
    assert!(customer.len() < staff.len());
}

#[test]
fn the_customer_window_cannot_call_a_staff_command() {
    let app = app();
    for cmd in STAFF_ONLY {
        assert_refused(invoke(&app, "customer", cmd), cmd);
    }
}

#[test]
fn the_staff_window_may_call_its_commands_and_not_the_customers() {
    let app = app();
    for cmd in STAFF_ONLY {
        assert_allowed(invoke(&app, "staff", cmd), cmd);
    }
    for cmd in CUSTOMER_ONLY {
        assert_refused(invoke(&app, "staff", cmd), cmd);
    }
}

#[test]
fn the_customer_window_may_call_its_commands() {
    let app = app();
    for cmd in CUSTOMER_ONLY {
        assert_allowed(invoke(&app, "customer", cmd), cmd);
    }
}

#[test]
fn without_a_counter_a_staff_action_says_so_instead_of_failing_obscurely() {
    let app = app();
    let error = invoke(&app, "staff", "staff_settings").expect_err("no counter in the mock app");
    assert_eq!(error["message"]["code"], json!("internal"), "{error}");
}

#[test]
fn a_window_without_a_capability_is_refused_every_command() {
    let app = app();
    tauri::WebviewWindowBuilder::new(&app, "other", tauri::WebviewUrl::App("staff.html".into()))
        .build()
        .unwrap();
    for cmd in all() {
        assert_refused(invoke(&app, "other", cmd), cmd);
    }
}

#[test]
fn a_command_unknown_to_the_acl_is_refused() {
    let app = app();
    assert_refused(invoke(&app, "staff", "no_such_command"), "no_such_command");
}

#[test]
fn a_remote_page_in_a_window_is_refused_every_command() {
    let app = app();
    for origin in ["https://example.com", "http://tauri.localhost"] {
        for cmd in all() {
            assert_refused(invoke_from(&app, "staff", cmd, origin), cmd);
        }
    }
}
