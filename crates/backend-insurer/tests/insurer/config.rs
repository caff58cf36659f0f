//! The configuration file: a good one starts the server, bad values are named.

use std::path::Path;

use backend_insurer::Settings;
use counter_api::assertion::KeySet;

use crate::support::*;

fn write_files(dir: &Path) {
    let server_ca = Ca::new("server CA");
    let terminal_ca = Ca::new("terminal CA");
    let (cert, key) = server_ca.issue("localhost", &["localhost"]);
    std::fs::write(dir.join("server.pem"), cert).unwrap();
    std::fs::write(dir.join("server.key"), key).unwrap();
    std::fs::write(dir.join("terminal-ca.pem"), terminal_ca.pem).unwrap();
    let keys = serde_json::to_vec(&KeySet::of(PLATFORM, &signer(7))).unwrap();
    std::fs::write(dir.join("pf-tokyo.json"), keys).unwrap();
}

const GOOD: &str = r#"
insurer_id = "kenpo-kanto"
listen = "127.0.0.1:0"
database = "insurer.sqlite"
bulk_processing_secs = 10

[tls]
certificate = "server.pem"
private_key = "server.key"
terminal_ca = "terminal-ca.pem"

[[platforms]]
issuer = "pf-tokyo"
keys = "pf-tokyo.json"

[[terminals]]
id = "clinic-a-desk-1"
"#;

fn load(dir: &Path, text: &str) -> Result<Settings, String> {
    let path = dir.join("insurer.toml");
    std::fs::write(&path, text).unwrap();
    Settings::load(&path).map_err(|e| e.to_string())
}

#[tokio::test]
async fn good_file_starts_the_server() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path());
    let s = load(dir.path(), GOOD).unwrap();
    assert_eq!(s.bulk_processing_secs, 10);
    assert_eq!(s.database, dir.path().join("insurer.sqlite"));
    let running =
        backend_insurer::start_in_process(s, std::sync::Arc::new(backend_kit::SystemClock))
            .await
            .unwrap();
    assert_ne!(running.addr().port(), 0);
    running.shutdown().await;
}

#[test]
fn bad_values_are_named() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path());
    for (from, to, key) in [
        ("listen = \"127.0.0.1:0\"", "listen = \"here\"", "`listen`"),
        (
            "bulk_processing_secs = 10",
            "bulk_processing_secs = -1",
            "`bulk_processing_secs`",
        ),
        (
            "insurer_id = \"kenpo-kanto\"",
            "insurer_id = \"関東\"",
            "`insurer_id`",
        ),
        (
            "keys = \"pf-tokyo.json\"",
            "keys = \"server.pem\"",
            "`platforms[0].keys`",
        ),
        (
            "issuer = \"pf-tokyo\"",
            "issuer = \"pf-osaka\"",
            "`platforms[0].keys`",
        ),
        (
            "certificate = \"server.pem\"",
            "certificate = \"missing.pem\"",
            "`tls.certificate`",
        ),
        (
            "database = \"insurer.sqlite\"",
            "database = \"insurer.sqlite\"\ndemo_data = \"server.pem\"",
            "`demo_data`",
        ),
        (
            "database = \"insurer.sqlite\"",
            "database = \"insurer.sqlite\"\ncolour = 1",
            "colour",
        ),
    ] {
        let err = load(dir.path(), &GOOD.replace(from, to)).unwrap_err();
        assert!(err.contains(key), "{key}: {err}");
        assert!(err.contains("insurer.toml"), "{err}");
    }
    let no_platform = GOOD.replace(
        "[[platforms]]\nissuer = \"pf-tokyo\"\nkeys = \"pf-tokyo.json\"\n",
        "",
    );
    let err = load(dir.path(), &no_platform).unwrap_err();
    assert!(err.contains("`platforms`"), "{err}");
}
