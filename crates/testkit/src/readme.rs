//! The fixtures' README, generated with the files it describes so that the
//! two cannot disagree.

use std::fmt::Write as _;

use crate::date::Date;
use crate::error::Result;
use crate::fixtures::{FIXTURES_DIR, GeneratedFile};
use crate::personas::PersonaDef;

const HEADER: &str = "\
# testkit fixtures (generated: do not edit)

A test JPKI PKI under `O=JPKI-TEST` roots in the real certificate profile
(`crates/testkit/src/lib.rs`, `docs/domain/jpki.md` §2), and the personas of
the virtual My Number card. **Test data only**: fictitious people and
addresses, test PINs, keys that protect nothing.

Regenerate everything (this file included) from the workspace root:

```sh
cargo run -p testkit --bin testkit-gen             # write
cargo run -p testkit --bin testkit-gen -- --check  # compare; exit 1 and list the stale files
```

The output is deterministic: every RSA-2048 key is derived from a label
(`TestKey::derive`: ChaCha20 seeded with SHA-256 of the label), PKCS#1 v1.5
signatures are deterministic, and no clock is read. The test
`fixtures_are_current` fails when these files and the generator drift. A
`Cargo.lock` update of `crypto-primes`/`rsa` may change the derived keys:
then regenerate and commit.
";

/// Renders the README for the generated `files` and the persona table.
pub(crate) fn render(files: &[GeneratedFile], personas: &[PersonaDef]) -> Result<String> {
    let mut out = String::from(HEADER);
    // Writing to a String cannot fail: the `let _ =` below drop Ok(()).
    out.push_str(
        "\n## Personas (`assets/personas/<id>.toml`)\n\n\
         | id | auth PIN | sign password | tries auth/sign | root | certificates valid | for |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for p in personas {
        let (y, m, d, ..) = p.issued;
        let issued = Date::new(y, m, d)?;
        let (by, bm, bd) = p.birth;
        let expires = Date::new(by, bm, bd)?.fifth_birthday_after(issued)?;
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} | {}/{} | {} | {issued} → {expires} 23:59:59 JST | {} |",
            p.id,
            p.auth_pin,
            p.sign_password
                .map(|s| format!("`{s}`"))
                .unwrap_or_else(|| "none (no sign certificate)".to_owned()),
            p.auth_tries,
            p.sign_tries,
            p.generation.short(),
            p.label,
        );
    }
    out.push_str("\n## Files\n\n| file | what it is |\n|---|---|\n");
    let mut sorted: Vec<&GeneratedFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    for file in sorted {
        let shown = file
            .path
            .strip_prefix(FIXTURES_DIR)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| format!("../../../{}", file.path.display()));
        let _ = writeln!(out, "| `{shown}` | {} |", file.description);
    }
    let _ = writeln!(out, "| `README.md` | this file |");
    Ok(out)
}
