//! What the shipped app is made of: `cargo tree` on `madoguchi-app` alone, with its
//! default features and normal dependencies only — what `cargo build -p madoguchi-app
//! --release` compiles and links — holds no demo, test CA, persona, reference backend,
//! virtual card, test-only feature or crash hook.
//!
//! The tree is asked of cargo, not read from a build: within `cargo build --workspace`,
//! features unify across members (the demo build's `crash-points` reaches the
//! `madoguchi-app` binary built in the same run), so only the package alone is the
//! shipping configuration. `scripts/ship-check.sh` (`make ship-check`) builds it that way
//! and looks into the binary as well.

use std::path::PathBuf;
use std::process::Command;

/// Packages the shipped app must not contain: the demo and its test CA and personas,
/// the virtual card and the virtual PIN-pad reader, the reference backends and their
/// shared test plumbing.
const FORBIDDEN_PACKAGES: [&str; 9] = [
    "counter-demo",
    "testkit",
    "jpki-card-sim",
    "ifd-pinpad",
    "backend-platform",
    "backend-insurer",
    "backend-acquirer",
    "backend-kit",
    "madoguchi-app-demo",
];

/// Features (of any package) that are for tests only: the platform trusting the test
/// roots, the backends' throwaway PKI.
const FORBIDDEN_FEATURES: [&str; 2] = ["test-support", "dev-pki"];

/// counter-runtime's features that must be off: the crash hook (`MADOGUCHI_CRASH_AT`)
/// and the in-process virtual card.
const FORBIDDEN_RUNTIME_FEATURES: [&str; 2] = ["crash-points", "virtual-card"];

/// One package of the tree: its name and enabled features.
#[derive(Debug)]
struct Node {
    name: String,
    features: Vec<String>,
}

/// The normal-dependency tree of `package` built alone with its default features, as
/// `cargo tree` resolves it (features included).
fn tree(package: &str) -> Vec<Node> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(&root)
        .args(["tree", "--locked", "-p", package, "-e", "normal"])
        .args(["--prefix", "none", "--format", "{p}|{f}"])
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree -p {package} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let nodes: Vec<Node> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            // "name v1.2.3 (path)|feature,feature" and " (*)" after a repeated one.
            let line = line.trim_end().trim_end_matches(" (*)");
            let (package, features) = line.split_once('|').unwrap_or((line, ""));
            Node {
                name: package
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                features: features
                    .split(',')
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned)
                    .collect(),
            }
        })
        .collect();
    assert!(
        nodes.iter().any(|node| node.name == package),
        "cargo tree's output names {package}: {text}"
    );
    nodes
}

/// What in `nodes` the shipped app must not hold, one line each.
fn forbidden(nodes: &[Node]) -> Vec<String> {
    let mut found = Vec::new();
    for node in nodes {
        if FORBIDDEN_PACKAGES.contains(&node.name.as_str()) {
            found.push(format!("package {}", node.name));
        }
        for feature in &node.features {
            if FORBIDDEN_FEATURES.contains(&feature.as_str())
                || (node.name == "counter-runtime"
                    && FORBIDDEN_RUNTIME_FEATURES.contains(&feature.as_str()))
            {
                found.push(format!("feature {}/{feature}", node.name));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn the_shipped_app_holds_no_demo_no_test_crate_and_no_crash_hook() {
    let nodes = tree("madoguchi-app");
    assert_eq!(forbidden(&nodes), Vec::<String>::new());
    // It does hold the counter (so the tree read is the app's, not an empty one).
    for needed in ["counter-runtime", "counter-core", "jpki-card-pcsc", "tauri"] {
        assert!(
            nodes.iter().any(|node| node.name == needed),
            "the shipped app has {needed}"
        );
    }
}

/// The packages whose `devtools` feature turns the webview's inspector on in a release
/// build (tauri's feature enables the others'): without it, Tauri keeps the inspector to
/// debug builds.
const INSPECTOR_PACKAGES: [&str; 4] = ["tauri", "tauri-runtime", "tauri-runtime-wry", "wry"];

/// The packages of `nodes` that have the inspector's feature on.
fn inspector(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter(|n| INSPECTOR_PACKAGES.contains(&n.name.as_str()))
        .filter(|n| n.features.iter().any(|f| f == "devtools"))
        .map(|n| format!("feature {}/devtools", n.name))
        .collect()
}

#[test]
fn the_shipped_app_has_no_web_inspector() {
    let nodes = tree("madoguchi-app");
    assert!(
        nodes.iter().any(|n| n.name == "wry"),
        "the shipped app's tree holds the webview (wry)"
    );
    assert_eq!(inspector(&nodes), Vec::<String>::new());
    // The check finds the feature where it is on.
    let on = [Node {
        name: "tauri".into(),
        features: vec!["wry".into(), "devtools".into()],
    }];
    assert_eq!(inspector(&on), ["feature tauri/devtools"]);
}

#[test]
fn the_demo_build_holds_what_the_shipped_app_must_not() {
    // The check above can fail: the same reading of the demo build finds everything.
    let found = forbidden(&tree("madoguchi-app-demo"));
    for expected in [
        "package counter-demo",
        "package testkit",
        "package jpki-card-sim",
        "package backend-platform",
        "package backend-insurer",
        "package backend-acquirer",
        "package backend-kit",
        "package madoguchi-app-demo",
        "feature backend-platform/test-support",
        "feature backend-kit/dev-pki",
        "feature counter-runtime/crash-points",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "{expected} in {found:?}"
        );
    }
}
