//! The committed files are exactly what the generator makes.

use testkit::fixtures::{self, Drift};

#[test]
fn fixtures_are_current() {
    let files = fixtures::generate_all().unwrap();
    let drift = fixtures::drift(&testkit::workspace_root(), &files).unwrap();
    assert!(
        drift.is_empty(),
        "committed fixtures differ from the generator; run \
         `cargo run -p testkit --bin testkit-gen` and commit:\n{drift:#?}"
    );
    // Nothing outside our two directories, and no absolute paths inside.
    for file in &files {
        assert!(
            file.path.starts_with(fixtures::FIXTURES_DIR)
                || file.path.starts_with(fixtures::PERSONAS_DIR)
        );
        let text = String::from_utf8_lossy(&file.contents);
        assert!(
            !text.contains(env!("CARGO_MANIFEST_DIR")),
            "{}",
            file.path.display()
        );
    }
}

#[test]
fn drift_reports_missing_changed_and_unexpected_files() {
    let dir = tempfile::tempdir().unwrap();
    let files = vec![
        fixtures::GeneratedFile {
            path: format!("{}/a.txt", fixtures::FIXTURES_DIR).into(),
            contents: b"a".to_vec(),
            description: String::new(),
        },
        fixtures::GeneratedFile {
            path: format!("{}/x.toml", fixtures::PERSONAS_DIR).into(),
            contents: b"x".to_vec(),
            description: String::new(),
        },
    ];
    fixtures::write_all(dir.path(), &files).unwrap();
    assert!(fixtures::drift(dir.path(), &files).unwrap().is_empty());
    std::fs::write(dir.path().join(&files[0].path), "changed").unwrap();
    std::fs::remove_file(dir.path().join(&files[1].path)).unwrap();
    let stray = format!("{}/old/stray.pem", fixtures::FIXTURES_DIR);
    std::fs::create_dir_all(dir.path().join(fixtures::FIXTURES_DIR).join("old")).unwrap();
    std::fs::write(dir.path().join(&stray), "stale").unwrap();
    assert_eq!(
        fixtures::drift(dir.path(), &files).unwrap(),
        vec![
            Drift::Different(files[0].path.clone()),
            Drift::Missing(files[1].path.clone()),
            Drift::Unexpected(stray.clone().into()),
        ]
    );
    let removed = fixtures::write_all(dir.path(), &files).unwrap();
    assert_eq!(removed, vec![std::path::PathBuf::from(stray)]);
    assert!(fixtures::drift(dir.path(), &files).unwrap().is_empty());
}
