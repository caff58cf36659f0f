//! The fixtures' README, generated with the files it describes so that the
//! two cannot disagree.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::fixtures::FIXTURES_DIR;

/// What one generated file is, from its path.
fn describe(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let purpose = |n: &str| {
        if n.starts_with("auth") {
            "利用者証明用 (auth)"
        } else {
            "署名用 (sign)"
        }
    };
    let generation = |n: &str| {
        if n.contains("-g1") {
            "gen-1, 2015-10-20 → 2025-10-19: expired"
        } else if n.contains("-g2") {
            "gen-2, 2019-09-14 → 2029-09-14: older valid generation"
        } else {
            "gen-3, 2023-07-16 → 2033-07-15: current generation"
        }
    };
    if path.starts_with("assets/personas") {
        let id = name.trim_end_matches(".toml");
        return format!(
            "persona `{id}` for the virtual card (`jpki-card-sim`'s format): holder, test PIN/password, \
             retry counters, ATR, certificates and PKCS#8 keys"
        );
    }
    if name.ends_with(".key.pem") && path.starts_with(format!("{FIXTURES_DIR}/roots")) {
        return format!(
            "PKCS#8 private key of the {} root ({})",
            purpose(&name),
            generation(&name)
        );
    }
    if path.starts_with(format!("{FIXTURES_DIR}/roots")) {
        return format!(
            "root certificate, {} ({})",
            purpose(&name),
            generation(&name)
        );
    }
    if name == "ee-spare.key.pem" {
        return "PKCS#8 key for ad-hoc end-entity certificates (`Pki::spare_key`, default subject key of `CertSpec`)".to_owned();
    }
    if name == "rogue.key.pem" {
        return "PKCS#8 key of no root (`Pki::rogue_key`): bad signatures, wrong key identifiers"
            .to_owned();
    }
    if name.ends_with(".crl") {
        return format!(
            "CRL (DER), {}, issued by the gen-3 root for 横浜市中区 (issuingDistributionPoint = that CRLDP DirName); \
             thisUpdate 2026-11-20T15:00:00Z, nextUpdate 2031-11-20T15:00:00Z, CRL number 20261121; \
             revokes yamamoto-shota ({}) and one unrelated serial",
            purpose(&name),
            if name.starts_with("auth") {
                "keyCompromise"
            } else {
                "affiliationChanged"
            }
        );
    }
    "generated file".to_owned()
}

/// Renders the README for the generated `files` (paths relative to the
/// workspace root).
pub fn render(files: &[PathBuf]) -> String {
    let mut out = String::new();
    out.push_str(
        "# testkit fixtures (generated: do not edit)\n\
         \n\
         Test JPKI PKI under `O=JPKI-TEST` roots in the real certificate profile\n\
         (see `crates/testkit/src/lib.rs` and `shared/domain/jpki.md` §2), plus the\n\
         personas of the virtual My Number card. **Test data only**: fictitious people,\n\
         test PINs, keys that protect nothing.\n\
         \n\
         Regenerate everything (this file included) from the workspace root:\n\
         \n\
         ```sh\n\
         cargo run -p testkit --bin testkit-gen            # write\n\
         cargo run -p testkit --bin testkit-gen -- --check # compare, exit 1 and list files when stale\n\
         ```\n\
         \n\
         The output is deterministic: every RSA-2048 key is derived from a label\n\
         (`TestKey::derive`), signatures are PKCS#1 v1.5 (deterministic), and no clock\n\
         is read. The test `fixtures_are_current` fails when these files and the\n\
         generator drift.\n\
         \n\
         | file | what it is |\n\
         |---|---|\n",
    );
    let mut sorted: Vec<&PathBuf> = files.iter().collect();
    sorted.sort();
    for path in sorted {
        let shown = path
            .strip_prefix(FIXTURES_DIR)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| format!("../../../{}", path.display()));
        // Writing to a String cannot fail.
        let _ = writeln!(out, "| `{shown}` | {} |", describe(path));
    }
    out
}
