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

#[test]
fn both_windows_may_ask_for_the_app_info() {
    let app = app();
    let version = app.package_info().version.to_string();
    for label in ["staff", "customer"] {
        assert_eq!(
            invoke(&app, label, "app_info"),
            Ok(json!({ "version": version, "window": label })),
            "{label}"
        );
    }
}

#[test]
fn only_the_staff_window_may_call_staff_ping() {
    let app = app();
    assert_eq!(invoke(&app, "staff", "staff_ping"), Ok(json!("pong")));
    assert_refused(invoke(&app, "customer", "staff_ping"), "staff_ping");
}

#[test]
fn a_window_without_a_capability_is_refused_every_command() {
    let app = app();
    tauri::WebviewWindowBuilder::new(&app, "other", tauri::WebviewUrl::App("staff.html".into()))
        .build()
        .unwrap();
    for cmd in ["app_info", "staff_ping"] {
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
        for cmd in ["app_info", "staff_ping"] {
            assert_refused(invoke_from(&app, "staff", cmd, origin), cmd);
        }
    }
}
