//! Which window may call which command.

use serde_json::{Value, json};
use tauri::Manager;

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

use madoguchi_app::command_list::{COMMANDS, Callers, WINDOWS};

/// The commands `callers` may call, from the one list.
fn of(callers: Callers) -> Vec<&'static str> {
    COMMANDS
        .iter()
        .filter(|(_, c)| *c == callers)
        .map(|(name, _)| *name)
        .collect()
}

/// Every command of the app.
fn all() -> impl Iterator<Item = &'static str> {
    COMMANDS.iter().map(|(name, _)| *name)
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
    for cmd in of(Callers::Staff) {
        assert_refused(invoke(&app, "customer", cmd), cmd);
    }
}

#[test]
fn neither_counter_window_may_call_the_setup_commands() {
    let app = app();
    for label in ["staff", "customer"] {
        for cmd in of(Callers::Setup) {
            assert_refused(invoke(&app, label, cmd), cmd);
        }
    }
}

#[test]
fn the_setup_window_may_read_its_message_and_nothing_of_the_counter() {
    let app = app();
    tauri::WebviewWindowBuilder::new(&app, "setup", tauri::WebviewUrl::App("setup.html".into()))
        .build()
        .unwrap();
    // Allowed, and answered `internal`: this app has no setup problem (it has no counter
    // either).
    let error = invoke(&app, "setup", "setup_problem").expect_err("no problem to show");
    assert_eq!(error["message"]["code"], json!("internal"), "{error}");
    for cmd in all().filter(|c| !of(Callers::Setup).contains(c)) {
        assert_refused(invoke(&app, "setup", cmd), cmd);
    }
}

#[test]
fn without_a_configuration_the_app_opens_only_the_setup_window_with_the_message() {
    let problem = madoguchi_app::setup::Problem::NoConfig {
        lookup: madoguchi_app::lookup::Lookup {
            path: "/etc/madoguchi/counter.toml".into(),
            origin: madoguchi_app::lookup::Origin::Default,
        },
        why: "there is no such file".into(),
    };
    let mut app = madoguchi_app::setup::app(tauri::test::mock_builder(), &problem).unwrap();
    // Runs the app's setup (which opens its windows) on the mock runtime, once.
    #[allow(deprecated)]
    app.run_iteration(|_, _| {});
    let labels: Vec<String> = app.webview_windows().into_keys().collect();
    assert_eq!(labels, ["setup"]);
    let message = invoke(&app, "setup", "setup_problem").expect("the setup window reads it");
    assert_eq!(message, json!(problem.message()));
    assert!(
        message
            .as_str()
            .unwrap()
            .contains("It looked for /etc/madoguchi/counter.toml"),
        "{message}"
    );
    assert_allowed(invoke(&app, "setup", "setup_close"), "setup_close");
}

#[test]
fn the_staff_window_may_call_its_commands_and_not_the_customers() {
    let app = app();
    for cmd in of(Callers::Staff) {
        assert_allowed(invoke(&app, "staff", cmd), cmd);
    }
    for cmd in of(Callers::Customer) {
        assert_refused(invoke(&app, "staff", cmd), cmd);
    }
}

#[test]
fn the_customer_window_may_call_its_commands() {
    let app = app();
    for cmd in of(Callers::Customer) {
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

#[test]
fn every_window_may_call_exactly_what_the_one_list_says() {
    let app = app();
    for (cmd, callers) in COMMANDS {
        for window in WINDOWS {
            if app.get_webview_window(window).is_none() {
                continue; // the setup window opens only without a configuration
            }
            let result = invoke(&app, window, cmd);
            if callers.allow(window) {
                assert_allowed(result, cmd);
            } else {
                assert_refused(result, cmd);
            }
        }
    }
}

#[test]
fn the_handler_names_exactly_the_commands_of_the_one_list() {
    let source = include_str!("../../src/commands.rs");
    let start = source
        .find("generate_handler![")
        .expect("commands.rs has the handler");
    let body = &source[start + "generate_handler![".len()..];
    let body = &body[..body.find(']').expect("the handler's list ends")];
    let handled: Vec<&str> = body
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(handled, all().collect::<Vec<_>>());
}

#[test]
fn each_windows_permission_set_grants_exactly_what_the_one_list_says() {
    for window in WINDOWS {
        let path = format!("{}/permissions/{window}.toml", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        let set: toml::Value = toml::from_str(&text).unwrap();
        let sets = set["set"].as_array().expect("a [[set]]");
        assert_eq!(sets.len(), 1, "{path}: one set per window");
        assert_eq!(
            sets[0]["identifier"].as_str(),
            Some(format!("{window}-commands").as_str())
        );
        let mut granted: Vec<String> = sets[0]["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect();
        granted.sort();
        let mut listed: Vec<String> = COMMANDS
            .iter()
            .filter(|(_, callers)| callers.allow(window))
            .map(|(name, _)| format!("allow-{}", name.replace('_', "-")))
            .collect();
        listed.sort();
        assert_eq!(granted, listed, "{path}");
        // And the window's capability grants that set, to that window only.
        let path = format!("{}/capabilities/{window}.json", env!("CARGO_MANIFEST_DIR"));
        let capability: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(capability["windows"], json!([window]), "{path}");
        assert_eq!(
            capability["permissions"],
            json!([format!("{window}-commands")]),
            "{path}"
        );
    }
}
