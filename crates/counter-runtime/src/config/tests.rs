//! The configuration file's tests: each refusal names its key and says what to give.
#![allow(clippy::unwrap_used)]
use super::*;

/// A configuration that loads (the other modules' tests add their sections to it).
pub(crate) const GOOD: &str = r#"
terminal_id = "till-1"
merchant_id = "shop-a"
database = "j.sqlite"
[backends]
platform = "https://localhost:1"
platform_id = "pf"
insurer = "https://localhost:2"
acquirer = "https://localhost:3/"
[tls]
ca = "ca.pem"
certificate = "/etc/t.pem"
key = "k.pem"
"#;

#[test]
fn paths_resolve_and_bad_files_name_the_key() {
    let c = Config::parse(GOOD, Path::new("/cfg")).unwrap();
    assert_eq!(c.file.database, Path::new("/cfg/j.sqlite"));
    assert_eq!(c.file.tls.certificate, Path::new("/etc/t.pem"));
    let http = GOOD.replace("https://localhost:2", "http://localhost:2");
    let e = Config::parse(&http, Path::new("/"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("backends.insurer") && e.contains("https"), "{e}");
    let e = Config::parse("terminal_id = 3", Path::new("/"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("configuration") && e.contains("terminal_id (line 1)"),
        "{e}"
    );
    let refused = |id: &str| {
        let text = GOOD.replace("\"till-1\"", &format!("{id:?}"));
        Config::parse(&text, Path::new("/"))
            .unwrap_err()
            .to_string()
    };
    // The backends' rule refuses these.
    for bad in ["", " ", "till 1", "till/1", "窓口1"] {
        let e = refused(bad);
        assert!(
            e.contains("terminal_id")
                && (e.contains("A-Z a-z 0-9 . _ : -") || e.contains("1 to 64")),
            "{bad:?}: {e}"
        );
    }
    // The backends take these, but the terminal's check ids (file-name parts) are
    // named after it.
    for bad in ["clinic:till-1", "till.1", &"t".repeat(40)] {
        let e = refused(bad);
        assert!(
            e.contains("terminal_id")
                && e.contains("cannot name this terminal's eligibility checks"),
            "{bad:?}: {e}"
        );
    }
    let longest = GOOD.replace("\"till-1\"", &format!("{:?}", "t".repeat(39)));
    assert!(Config::parse(&longest, Path::new("/")).is_ok());
    // The merchant id: the backends' rule too, refused at load naming the key.
    let merchant = |id: &str| {
        let text = GOOD.replace("\"shop-a\"", &format!("{id:?}"));
        Config::parse(&text, Path::new("/"))
    };
    for bad in ["", "shop a", "shop/a", "店舗1", &"m".repeat(65)] {
        let e = merchant(bad).unwrap_err().to_string();
        assert!(
            e.contains("merchant_id")
                && (e.contains("A-Z a-z 0-9 . _ : -") || e.contains("1 to 64"))
                && e.contains("write the merchant id the acquirer registered"),
            "{bad:?}: {e}"
        );
    }
    for good in ["shop-a", "clinic:1.desk_2", &"m".repeat(64)] {
        assert!(merchant(good).is_ok(), "{good:?}");
    }
    // A value of the wrong type in a table names the dotted key.
    let typed = format!("{GOOD}[retention]\ndays = \"ninety\"\n");
    let e = Config::parse(&typed, Path::new("/"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("retention.days (line"), "{e}");
    let typo = GOOD
        .replace("timeout_ms", "x")
        .replace("database", "databse");
    assert!(Config::parse(&typo, Path::new("/")).is_err());
    let counter =
        format!("{GOOD}[counter]\nmode = \"pharmacy\"\nreader = \"R 00\"\nexport_dir = \"out\"\n");
    let c = Config::parse(&counter, Path::new("/cfg")).unwrap();
    let cf = c.file.counter.unwrap();
    assert_eq!(
        (cf.mode, cf.export_dir),
        (CounterMode::Pharmacy, "/cfg/out".into())
    );
    assert_eq!(cf.reader, ReaderNames::One("R 00".into()));
    let bad = format!("{counter}medical_institution_code = \"12\"\n");
    let e = Config::parse(&bad, Path::new("/")).unwrap_err().to_string();
    assert!(e.contains("counter.medical_institution_code"), "{e}");
    let e = Config::load(Path::new("/nonexistent/x.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot read"), "{e}");
}

#[test]
fn the_register_api_listens_on_loopback_unless_the_register_authenticates() {
    let with = |pos: &str| Config::parse(&format!("{GOOD}{pos}"), Path::new("/cfg"));
    let c = with("[pos]\n").unwrap();
    assert_eq!(c.pos_listen(), Some("127.0.0.1:8710".parse().unwrap()));
    let c = with("[pos]\nlisten = \"[::1]:9000\"\n").unwrap();
    assert_eq!(c.pos_listen(), Some("[::1]:9000".parse().unwrap()));
    for bad in ["0.0.0.0:8710", "192.168.1.20:8710"] {
        let e = with(&format!("[pos]\nlisten = \"{bad}\"\n"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("pos.listen") && e.contains("api_key_file"),
            "{e}"
        );
    }
    let e = with("[pos]\nlisten = \"localhost\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("pos.listen"), "{e}");
    // With an API key or mutual TLS, the network is allowed; paths resolve.
    let c = with("[pos]\nlisten = \"0.0.0.0:8710\"\napi_key_file = \"k\"\n").unwrap();
    let pos = c.file.pos.unwrap();
    assert_eq!(pos.api_key_file.as_deref(), Some(Path::new("/cfg/k")));
    let tls = "[pos]\nlisten = \"0.0.0.0:8710\"\n[pos.tls]\ncertificate = \"c.pem\"\n\
               key = \"k.pem\"\nclient_ca = \"ca.pem\"\n";
    let pos = with(tls).unwrap().file.pos.unwrap();
    assert_eq!(
        pos.tls.unwrap().client_ca.as_deref(),
        Some(Path::new("/cfg/ca.pem"))
    );
    // TLS without client certificates does not authenticate the register.
    let e = with(&tls.replace("client_ca = \"ca.pem\"\n", ""))
        .unwrap_err()
        .to_string();
    assert!(e.contains("pos.listen"), "{e}");
    // A file's errors name the file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("counter.toml");
    std::fs::write(&path, format!("{GOOD}[pos]\nlisten = \"10.0.0.1:1\"\n")).unwrap();
    let e = Config::load(&path).unwrap_err().to_string();
    assert!(
        e.contains("pos.listen") && e.contains(&path.display().to_string()),
        "{e}"
    );
}

#[test]
fn the_backends_timeout_is_milliseconds_within_their_own_range() {
    let with = |ms: &str| {
        Config::parse(
            &GOOD.replace("database", &format!("timeout_ms = {ms}\ndatabase")),
            Path::new("/"),
        )
    };
    for good in ["100", "5000", "60000"] {
        let c = with(good).unwrap();
        assert_eq!(c.file.timeout_ms, good.parse().ok());
    }
    assert_eq!(
        Config::parse(GOOD, Path::new("/")).unwrap().file.timeout_ms,
        None
    );
    // 0, seconds written by mistake, and a week.
    for bad in ["0", "5", "99", "60001", "600000000"] {
        let e = with(bad).unwrap_err().to_string();
        assert!(
            e.contains("timeout_ms") && e.contains("100 to 60000 milliseconds") && e.contains(bad),
            "{bad}: {e}"
        );
    }
}

#[test]
fn retention_defaults_to_90_days_and_refuses_0() {
    let c = Config::parse(GOOD, Path::new("/cfg")).unwrap();
    assert_eq!(c.file.retention.days, 90);
    let c = Config::parse(&format!("{GOOD}[retention]\ndays = 400\n"), Path::new("/")).unwrap();
    assert_eq!(c.file.retention.policy().days, 400);
    for bad in ["0", "3651"] {
        let e = Config::parse(
            &format!("{GOOD}[retention]\ndays = {bad}\n"),
            Path::new("/"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("retention.days") && e.contains("from 1 to 3650"),
            "{e}"
        );
    }
    let e = Config::parse(&format!("{GOOD}[retention]\ndays = -3\n"), Path::new("/"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("days") || e.contains("invalid value"), "{e}");
}

#[test]
fn the_platform_is_one_url_or_a_list_of_nodes() {
    // One URL, as every configuration before the list.
    let c = Config::parse(GOOD, Path::new("/cfg")).unwrap();
    assert_eq!(c.file.backends.platform.urls(), ["https://localhost:1"]);
    let with = |platform: &str| {
        Config::parse(
            &GOOD.replace(
                "platform = \"https://localhost:1\"",
                &format!("platform = {platform}"),
            ),
            Path::new("/cfg"),
        )
    };
    let c = with(r#"["https://pf-1:8443/", "https://pf-2:8443"]"#).unwrap();
    assert_eq!(
        c.file.backends.platform.urls(),
        ["https://pf-1:8443/", "https://pf-2:8443"]
    );
    for (bad, key, says) in [
        ("[]", "backends.platform", "1 to 8"),
        (
            r#"["https://a:1","https://b:1","https://c:1","https://d:1","https://e:1","https://f:1","https://g:1","https://h:1","https://i:1"]"#,
            "backends.platform",
            "there are 9",
        ),
        (
            r#"["https://pf-1:8443", "http://pf-2:8443"]"#,
            "backends.platform[1]",
            "https",
        ),
        (r#""https://""#, "backends.platform", "https"),
        (
            r#"["https://pf-1:8443", "https://pf-1:8443/"]"#,
            "backends.platform[1]",
            "twice",
        ),
        ("3", "backends.platform (line", "a list of them"),
        ("[1, 2]", "backends.platform (line", "a list of them"),
    ] {
        let e = with(bad).unwrap_err().to_string();
        assert!(e.contains(key) && e.contains(says), "{bad}: {e}");
    }
}

#[test]
fn the_reader_is_a_name_or_a_list_of_patterns() {
    let with = |reader: &str| {
        Config::parse(
            &format!(
                "{GOOD}[counter]\nmode = \"reception\"\nreader = {reader}\nexport_dir = \"out\"\n"
            ),
            Path::new("/cfg"),
        )
    };
    let c = with(r#"["ACS ACR39U ICC Reader*", "*PaSoRi*"]"#).unwrap();
    let reader = c.file.counter.unwrap().reader;
    assert!(reader.matches("ACS ACR39U ICC Reader 00 00"));
    assert!(reader.matches("Sony FeliCa Port/PaSoRi 4.0 00 00"));
    for (bad, says) in [
        ("[]", "1 to 8"),
        (r#""""#, "names no reader"),
        (r#"["ACS*", "*"]"#, "entry 1"),
    ] {
        let e = with(bad).unwrap_err().to_string();
        assert!(
            e.contains("counter.reader") && e.contains(says),
            "{bad}: {e}"
        );
    }
    let e = with("3").unwrap_err().to_string();
    assert!(e.contains("reader name patterns"), "{e}");
}

/// The sample the terminal's package installs (packaging/config/counter.toml) loads.
#[test]
fn the_packaged_sample_loads() {
    let sample = include_str!("../../../../packaging/config/counter.toml");
    let c = Config::parse(sample, Path::new("/etc/madoguchi")).unwrap();
    let counter = c.file.counter.unwrap();
    assert_eq!(counter.mode, CounterMode::Reception);
    assert!(counter.reader.matches("ACS ACR39U ICC Reader 00 00"));
    assert_eq!(c.file.retention.days, 90);
}

#[cfg(unix)]
#[test]
fn a_terminal_key_every_user_may_read_is_refused_with_the_chown_and_chmod_to_run() {
    use std::os::unix::fs::PermissionsExt;
    let pki = backend_kit::devpki::DevPki::generate(&["localhost"]).unwrap();
    let (certificate, key_pem) = pki.terminal_identity("till-1").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pem");
    std::fs::write(dir.path().join("ca.pem"), &pki.server_ca_pem).unwrap();
    std::fs::write(dir.path().join("t.pem"), certificate).unwrap();
    std::fs::write(&key, key_pem).unwrap();
    let text = GOOD.replace("/etc/t.pem", "t.pem");
    let config = Config::parse(&text, dir.path()).unwrap();
    let set = |mode: u32| {
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode)).unwrap();
    };

    for open in [0o644, 0o604] {
        set(open);
        let e = config.backends().err().unwrap();
        assert!(
            matches!(&e, RuntimeError::ExposedSecret { key: named, mode, .. } if named == "tls.key" && *mode == open),
            "{e:?}"
        );
        let text = e.to_string();
        let shown = key.display();
        for part in [
            "tls.key: ".to_owned(),
            format!("{shown} may be read by every user of this machine (mode {open:04o})"),
            format!("sudo chown root:madoguchi-counter {shown}"),
            format!("sudo chmod 0640 {shown}"),
        ] {
            assert!(text.contains(&part), "{part:?} in {text}");
        }
        assert!(
            !text.contains("PRIVATE KEY"),
            "the key is not shown: {text}"
        );
    }

    // The group's (0640) and the owner's (0600) are taken.
    for mode in [0o640, 0o600] {
        set(mode);
        assert!(config.backends().is_ok(), "mode {mode:04o}");
    }
}

#[test]
fn bad_pem_is_a_clear_error() {
    let e = crate::tls::client_config(b"nope", b"", b"")
        .unwrap_err()
        .to_string();
    assert!(e.contains("tls.ca"), "{e}");
}
