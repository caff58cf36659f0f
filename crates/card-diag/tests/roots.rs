//! `madoguchi-card --root FILE`: an added J-LIS root is checked against the J-LIS root
//! profile as `madoguchi-platform roots add` checks it, before any reader is touched, and
//! its SHA-256 is printed. Real roots come from `crates/jpki-cert/anchors/` (as J-LIS
//! publishes them), flawed ones from `crates/testkit/fixtures/bad-roots/` and one in the
//! profile that is compiled in nowhere from `crates/testkit/fixtures/added-roots/`
//! (`testkit-gen`).
//! Needs no pcscd: the `roots` command touches no reader, and a refused root stops every
//! command before it looks for one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn crates() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn real(file: &str) -> PathBuf {
    crates().join("jpki-cert/anchors").join(file)
}

fn bad(file: &str) -> PathBuf {
    crates().join("testkit/fixtures/bad-roots").join(file)
}

fn card(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_madoguchi-card"))
        .args(args)
        // No reader may be reached: a command that got that far would fail differently.
        .env("PCSCLITE_CSOCK_NAME", "/nonexistent/pcscd.comm")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn root_args<'a>(files: &'a [&'a Path], command: &'a str) -> Vec<&'a std::ffi::OsStr> {
    let mut args = Vec::new();
    for f in files {
        args.push("--root".as_ref());
        args.push(f.as_os_str());
    }
    args.push(command.as_ref());
    args
}

#[test]
fn a_real_jlis_root_is_added_with_its_fingerprint() {
    let (auth, sign) = (real("authca03-2023.pem"), real("signca03-2023.pem"));
    // The same root as J-LIS publishes it, in DER (a .cer).
    let dir = tempfile::tempdir().unwrap();
    let pem = std::fs::read_to_string(&auth).unwrap();
    let (_, der) = der::pem::decode_vec(pem.as_bytes()).unwrap();
    let cer = dir.path().join("authca03.cer");
    std::fs::write(&cer, der).unwrap();

    let out = card(&root_args(&[&auth, &sign, &cer], "roots"));
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    for expected in [
        format!(
            "added root {}: J-LIS user-authentication root",
            auth.display()
        ),
        format!("added root {}: J-LIS signature root", sign.display()),
        format!("added root {}: J-LIS user-authentication root", cer.display()),
        "SHA-256 64:11:4F:29:62:0C:24:ED:26:31:D4:64:76:A0:40:E7:EE:74:0D:95:60:89:C0:0B:03:6A:6A:81:18:C3:22:B5".into(),
        "SHA-256 D2:27:F6:CD:E1:1D:35:C5:25:21:78:F1:06:F8:43:D2:46:51:94:49:75:41:3B:53:9F:A2:FB:68:DB:FA:36:5F".into(),
        "RSA-2048".into(),
        "this root is compiled in already (as authca03)".into(),
        "this root is compiled in already (as signca03)".into(),
        "auth roots (Production):".into(),
        "sign roots (Production):".into(),
    ] {
        assert!(stdout.contains(&expected), "missing {expected:?} in:\n{stdout}");
    }
    // A root compiled in already is used once, not once per file.
    assert_eq!(
        stdout.matches("  authca03 ").count(),
        1,
        "authca03 listed more than once:\n{stdout}"
    );
}

#[test]
fn a_root_that_does_not_fit_the_profile_is_refused_with_its_flaw() {
    for (file, flaw) in [
        (bad("authca-wrong-subject.pem"), "O=JPKI-ROGUE"),
        (bad("authca-1024-bit.pem"), "RSA-1024"),
        (bad("authca-two-years.pem"), "about ten years"),
        (bad("signca-not-a-ca.pem"), "CA:TRUE"),
        (bad("authca-expired.pem"), "expired at"),
        // A real J-LIS root, but generation 1 expired on 2025-10-19.
        (real("authca01-2015-expired.pem"), "expired at 2025-10-19"),
    ] {
        // Refused before a reader is looked for, whatever the command.
        for command in ["roots", "read-cert"] {
            let out = card(&root_args(&[&real("authca03-2023.pem"), &file], command));
            let stderr = text(&out.stderr);
            assert!(!out.status.success(), "{file:?} was accepted: {stderr}");
            assert!(
                stderr.starts_with(&format!(
                    "madoguchi-card: --root {}: not added, it does not fit the J-LIS root profile: ",
                    file.display()
                )),
                "{stderr}"
            );
            assert!(stderr.contains(flaw), "{flaw:?} not in: {stderr}");
            assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
        }
    }

    let missing = crates().join("no-such-root.cer");
    let out = card(&root_args(&[&missing], "roots"));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no-such-root.cer: cannot read it"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn added_roots_and_test_roots_do_not_mix() {
    let auth = real("authca03-2023.pem");
    let roots = crates().join("testkit/fixtures/roots");
    let out = card(&[
        "--test-roots".as_ref(),
        roots.as_os_str(),
        "--root".as_ref(),
        auth.as_os_str(),
        "roots".as_ref(),
    ]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("--test-roots") && stderr.contains("--root"),
        "{stderr}"
    );
    // The test roots alone are listed as such.
    let out = card(&["--test-roots".as_ref(), roots.as_os_str(), "roots".as_ref()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("auth roots (Test):"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_root_compiled_in_nowhere_is_listed_as_one_more_auth_root() {
    let added = crates().join("testkit/fixtures/added-roots/authca-added.pem");
    let listing = |files: &[&Path]| {
        let out = card(&root_args(files, "roots"));
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        // The labels under each "<purpose> roots (Production):" heading.
        let labels = |purpose: &str| -> Vec<String> {
            stdout
                .split(&format!("{purpose} roots (Production):\n"))
                .nth(1)
                .unwrap_or_default()
                .lines()
                .take_while(|l| l.starts_with("  "))
                .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
                .collect()
        };
        (labels("auth"), labels("sign"), stdout)
    };
    let (auth_alone, sign_alone, _) = listing(&[]);
    let (auth, sign, stdout) = listing(&[&added]);
    let mut expected = auth_alone.clone();
    expected.push("authca-added".to_owned());
    assert_eq!(auth, expected, "{stdout}");
    // The signature roots do not take an authentication root.
    assert_eq!(sign, sign_alone, "{stdout}");
    assert!(
        stdout.contains(
            "\n  compare this fingerprint with the one J-LIS publishes for this root before you trust it\n"
        ),
        "{stdout}"
    );
}
