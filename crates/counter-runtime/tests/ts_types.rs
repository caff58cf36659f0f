//! The TypeScript types committed in `ui/src/ipc/generated/` are exactly what
//! `counter_runtime::counter::api::export_ts` writes from the Rust types now: the app's API
//! (screens, actions) and every core view and wire type they carry. `UPDATE_TS=1` rewrites
//! the folder (stale files removed) instead of failing.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

const FIX: &str = "run `UPDATE_TS=1 cargo test -p counter-runtime --test ts_types` \
                   and commit ui/src/ipc/generated";

fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/ipc/generated")
}

/// File name → contents of the files directly in `dir` (none when it does not exist).
fn files_in(dir: &Path) -> BTreeMap<String, String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&p).unwrap())
        })
        .collect()
}

fn fresh_export() -> BTreeMap<String, String> {
    let tmp = tempfile::tempdir().unwrap();
    let written = counter_runtime::counter::api::export_ts(tmp.path()).unwrap();
    let fresh = files_in(tmp.path());
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        fresh.keys().cloned().collect::<Vec<_>>(),
        "export_all reports the files it writes"
    );
    fresh
}

#[test]
fn committed_typescript_types_match_the_rust_types() {
    let fresh = fresh_export();
    for view in [
        "SessionWindow.ts",
        "IdentifyStaffFields.ts",
        "EnrollCustomerFields.ts",
        "EligibilityStaffView.ts",
        "EligibilityCustomerView.ts",
        "Code.ts",
        "CloseReport.ts",
        "Screens.ts",
        "StaffAction.ts",
        "CustomerAction.ts",
        "ActionError.ts",
    ] {
        assert!(fresh.contains_key(view), "{view} is not exported");
    }
    for (name, text) in &fresh {
        assert!(
            !text.contains("bigint"),
            "{name}: a 64-bit integer became `bigint`; give the field \
             #[cfg_attr(feature = \"ts\", ts(type = \"number\"))] (\"number | null\" for an Option)"
        );
    }

    let dir = committed_dir();
    let committed = files_in(&dir);
    if std::env::var_os("UPDATE_TS").is_some_and(|v| v == "1") {
        fs::create_dir_all(&dir).unwrap();
        for stale in committed.keys().filter(|n| !fresh.contains_key(*n)) {
            fs::remove_file(dir.join(stale)).unwrap();
        }
        for (name, text) in &fresh {
            if committed.get(name) != Some(text) {
                fs::write(dir.join(name), text).unwrap();
            }
        }
        return;
    }

    let missing: Vec<&String> = fresh
        .keys()
        .filter(|n| !committed.contains_key(*n))
        .collect();
    let stale: Vec<&String> = committed
        .keys()
        .filter(|n| !fresh.contains_key(*n))
        .collect();
    let changed: Vec<&String> = fresh
        .iter()
        .filter(|(n, t)| committed.get(*n).is_some_and(|c| c != *t))
        .map(|(n, _)| n)
        .collect();
    assert!(
        missing.is_empty() && stale.is_empty() && changed.is_empty(),
        "ui/src/ipc/generated differs from the Rust types: missing {missing:?}, stale {stale:?}, \
         changed {changed:?}; {FIX}"
    );
}
