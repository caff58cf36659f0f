//! What the shipped app is made of: `cargo tree` on `madoguchi-app` alone, with its
//! default features and normal dependencies only — what `cargo build -p madoguchi-app
//! --release` compiles and links — holds no demo, test CA, persona, reference backend,
//! virtual card, test-only feature or crash hook.
//!
//! The tree is asked of cargo, not read from a build: within `cargo build --workspace`,
//! features unify across members (the demo build's `crash-points` reaches the
//! `madoguchi-app` binary built in the same run), so only the package alone is the
//! shipping configuration. `scripts/ship-check.sh` (`make ship-check`) builds it that way
//! and looks into the binary as well. What is forbidden is listed once, in
//! `scripts/ship-forbidden.txt`, which both read.

use std::path::PathBuf;
use std::process::Command;

/// What the shipped builds must not hold: the one list, which `scripts/ship-check.sh`
/// reads too (for every shipped build). Change it there, not here.
const FORBIDDEN_LIST: &str = include_str!("../../../scripts/ship-forbidden.txt");

/// The list of the shipped binaries and their builds (`shipped_builds`), which
/// `scripts/ship-check.sh` reads too: a scope of [`FORBIDDEN_LIST`] is `all` or one of
/// its binaries.
const SHIPPED_LIST: &str = include_str!("../../../scripts/shipped.sh");

/// The shipped binaries of [`SHIPPED_LIST`]: the first field (`binaries`, separated by
/// spaces) of each quoted entry of its `shipped_builds=( … )` array.
fn shipped_binaries() -> Vec<&'static str> {
    let array = SHIPPED_LIST
        .split_once("shipped_builds=(")
        .and_then(|(_, rest)| rest.split_once("\n)"))
        .map(|(array, _)| array)
        .expect("scripts/shipped.sh has no shipped_builds=( … ) array");
    let binaries: Vec<&str> = array
        .lines()
        .filter_map(|line| line.trim().strip_prefix('"'))
        .filter_map(|entry| entry.split('|').next())
        .flat_map(str::split_whitespace)
        .collect();
    assert!(
        binaries.contains(&"madoguchi-app"),
        "scripts/shipped.sh lists no madoguchi-app: {binaries:?}"
    );
    binaries
}

/// One entry of [`FORBIDDEN_LIST`]: a crate, or a feature of any crate (`feature`) or of
/// one (`crate/feature`).
#[derive(Debug, PartialEq)]
enum Entry {
    Package(String),
    Feature(String),
}

/// The entries of [`FORBIDDEN_LIST`] for the app's build: those of every shipped build
/// (`all`) and the app's own (`madoguchi-app`: the reference backends). With `every`, all
/// of them whatever their scope (for the cross-check).
fn entries(every: bool) -> Vec<Entry> {
    let mut out = Vec::new();
    for (number, line) in FORBIDDEN_LIST.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default();
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        let [kind, name, scope] = words[..] else {
            panic!(
                "ship-forbidden.txt line {}: {line:?} is not KIND NAME SCOPE",
                number + 1
            );
        };
        // ship-check.sh refuses a scope it does not know (a misspelt one would check
        // nothing), so this reading does too.
        assert!(
            scope == "all" || shipped_binaries().contains(&scope),
            "ship-forbidden.txt line {}: the scope {scope:?} is neither all nor a binary of \
             scripts/shipped.sh",
            number + 1
        );
        if !every && scope != "all" && scope != "madoguchi-app" {
            continue;
        }
        out.push(match kind {
            "package" => Entry::Package(name.to_owned()),
            "feature" => Entry::Feature(name.to_owned()),
            _ => panic!(
                "ship-forbidden.txt line {}: the kind {kind:?} is not package or feature",
                number + 1
            ),
        });
    }
    assert!(!out.is_empty(), "ship-forbidden.txt lists nothing");
    out
}

/// One package of the tree: its name and enabled features.
#[derive(Debug)]
struct Node {
    name: String,
    features: Vec<String>,
}

/// The normal-dependency tree of `selection` (`-p PACKAGE` built alone with its default
/// features, or `--workspace`), as `cargo tree` resolves it (features included); `shows`
/// must be in it, so that an empty or unreadable output fails.
fn tree(selection: &[&str], shows: &str) -> Vec<Node> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(&root)
        .args(["tree", "--locked", "-e", "normal"])
        .args(selection)
        .args(["--prefix", "none", "--format", "{p}|{f}"])
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree {selection:?} failed: {}",
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
        nodes.iter().any(|node| node.name == shows),
        "cargo tree {selection:?}'s output names {shows}: {text}"
    );
    nodes
}

/// What in `nodes` is one of `entries`, one line each ("package NAME", "feature
/// CRATE/FEATURE").
fn forbidden(nodes: &[Node], entries: &[Entry]) -> Vec<String> {
    let mut found = Vec::new();
    for node in nodes {
        if entries.contains(&Entry::Package(node.name.clone())) {
            found.push(format!("package {}", node.name));
        }
        for feature in &node.features {
            let of_crate = format!("{}/{feature}", node.name);
            if entries.contains(&Entry::Feature(feature.clone()))
                || entries.contains(&Entry::Feature(of_crate.clone()))
            {
                found.push(format!("feature {of_crate}"));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn the_shipped_app_holds_no_demo_no_test_crate_and_no_crash_hook() {
    let nodes = tree(&["-p", "madoguchi-app"], "madoguchi-app");
    assert_eq!(forbidden(&nodes, &entries(false)), Vec::<String>::new());
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
    let nodes = tree(&["-p", "madoguchi-app"], "madoguchi-app");
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

/// The check above can fail: the same reading of the whole workspace's graph (where the
/// demo and the tests bring them) finds every entry of the list, so that none is misspelt
/// or renamed; and the app's entries include the reference backends.
#[test]
fn the_workspace_holds_every_entry_of_the_list() {
    let found = forbidden(
        &tree(&["--workspace"], "madoguchi-app-demo"),
        &entries(true),
    );
    for entry in entries(true) {
        let seen = match &entry {
            Entry::Package(name) => found.contains(&format!("package {name}")),
            Entry::Feature(name) if name.contains('/') => {
                found.contains(&format!("feature {name}"))
            }
            Entry::Feature(name) => found
                .iter()
                .any(|f| f.starts_with("feature ") && f.ends_with(&format!("/{name}"))),
        };
        assert!(
            seen,
            "{entry:?} is not found in the workspace's graph: {found:?}"
        );
    }
    let app = entries(false);
    for backend in [
        "backend-platform",
        "backend-insurer",
        "backend-acquirer",
        "backend-kit",
    ] {
        assert!(
            app.contains(&Entry::Package(backend.into())),
            "the app's entries name {backend}"
        );
    }
}
