//! The retention purge on the folders (`madoguchi-counter purge`): what the receipt system
//! was answered, and what it asked, and what a crash left half-done in face/, leave the disk
//! once older than `[retention] days`; requests not yet answered, answers the ledger
//! finishes, recent files and other programs' files stay.

use std::process::Command;
use std::time::{Duration, SystemTime};

use crate::support::*;

/// Runs `madoguchi-counter <args>` on `env`'s configuration; its last JSON line. It blocks:
/// the tests run on several threads, so that the in-process insurer answers meanwhile.
fn counter(env: &Env, args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_madoguchi-counter"))
        .arg("--config")
        .arg(&env.config_path)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Sets the file's modification time `days` days back.
fn age(path: &std::path::Path, days: u64) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    let then = SystemTime::now() - Duration::from_secs(days * 86_400);
    file.set_modified(then).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_older_than_the_retention_leave_the_disk_and_the_rest_stays() {
    let env = Env::start("poll").await;
    let mut config = std::fs::read_to_string(&env.config_path).unwrap();
    config.push_str("[retention]\ndays = 30\n");
    std::fs::write(&env.config_path, config).unwrap();

    // The folders, as the worker makes them at its first start.
    let first = counter(&env, &["folders", "--once"]);
    assert_eq!(first["processed"], 0, "{first}");
    // One request answered for real: its answer in res/, the request in done/.
    let request = single_request("R-1", "UTF-8", "0", SATO);
    drop_request(&env, "OQSsiquc01req_R1.xml", request.as_bytes());
    let once = counter(&env, &["folders", "--once"]);
    assert_eq!(once["processed"], 1, "{once}");
    let answer = env.res().join("OQSsiquc01res_R1.xml");
    let archived = env.root.join("done/OQSsiquc01req_R1.xml");
    let listing = |d: &str| -> Vec<String> {
        std::fs::read_dir(env.root.join(d))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert!(
        answer.is_file() && archived.is_file(),
        "{once} res {:?} done {:?} rejected {:?}: {}",
        listing("res"),
        listing("done"),
        listing("rejected"),
        std::fs::read_to_string(&answer).unwrap_or_default()
    );

    // Both 40 days old; beside them, what must stay whatever its age.
    age(&answer, 40);
    age(&archived, 40);
    let writing = env.res().join(".OQSsiquc01res_R2.xml.tmp");
    std::fs::write(&writing, "being written").unwrap();
    age(&writing, 40);
    let waiting = env.req().join("OQSsiquc01req_R3.xml");
    std::fs::write(&waiting, request.as_bytes()).unwrap();
    age(&waiting, 40);
    let rejected_recent = env.root.join("rejected/OQSsiquc01req_R4.xml");
    std::fs::write(&rejected_recent, "recent").unwrap();
    let face_old = env
        .root
        .join("face/OQSsiquc01res_face_chk-1_20261001090000.xml");
    std::fs::write(&face_old, "old").unwrap();
    age(&face_old, 31);
    // A card result's temporary a power cut left in face/ (nothing renames it): it holds
    // the whole result, and goes once past the period; a recent one may still be written.
    let face_crashed = env
        .root
        .join("face/.OQSsiquc01res_face_chk-2_20261001090000.xml.tmp");
    std::fs::write(&face_crashed, "left by a crash").unwrap();
    age(&face_crashed, 31);
    let face_writing = env
        .root
        .join("face/.OQSsiquc01res_face_chk-3_20261001090000.xml.tmp");
    std::fs::write(&face_writing, "being written").unwrap();

    let purged = counter(&env, &["purge"]);
    assert_eq!(purged["ok"], true, "{purged}");
    assert_eq!(purged["purged"]["files"], 4, "{purged}");
    assert_eq!(purged["purged"]["files_failed"], 0, "{purged}");
    // Answered just now: the ledger keeps the request for 30 days.
    assert_eq!(purged["purged"]["requests_forgotten"], 0, "{purged}");
    for gone in [&answer, &archived, &face_old, &face_crashed] {
        assert!(!gone.exists(), "{} stayed", gone.display());
    }
    for kept in [&writing, &waiting, &rejected_recent, &face_writing] {
        assert!(kept.exists(), "{} went", kept.display());
    }
    // Again: nothing left to purge.
    let again = counter(&env, &["purge"]);
    assert_eq!(again["purged"]["files"], 0, "{again}");

    // A folder that cannot be listed (a file where face/ should be): the rest is purged,
    // and one report says what went and names the folder, with what to do.
    let face = env.root.join("face");
    std::fs::remove_dir_all(&face).unwrap();
    std::fs::write(&face, "").unwrap();
    let answer_old = env.res().join("OQSsiquc01res_R9.xml");
    std::fs::write(&answer_old, "old").unwrap();
    age(&answer_old, 40);
    let partial = counter(&env, &["purge"]);
    assert_eq!(partial["ok"], false, "{partial}");
    assert_eq!(partial["code"], "purge_folder_unreadable", "{partial}");
    let named = face.display().to_string();
    assert!(
        partial["detail"].as_str().unwrap().contains(&named),
        "{partial}"
    );
    assert_eq!(
        partial["purged"]["folders_failed"][0]["folder"], named,
        "{partial}"
    );
    assert_eq!(
        partial["purged"]["files"], 1,
        "the other folders were purged: {partial}"
    );
    assert!(!answer_old.exists());
    env.insurer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retention_of_no_days_is_refused_naming_the_key() {
    let env = Env::start("poll").await;
    let mut config = std::fs::read_to_string(&env.config_path).unwrap();
    config.push_str("[retention]\ndays = 0\n");
    std::fs::write(&env.config_path, config).unwrap();
    let refused = counter(&env, &["purge"]);
    assert_eq!(refused["ok"], false, "{refused}");
    let detail = refused["detail"].as_str().unwrap();
    assert!(detail.contains("retention.days"), "{detail}");
    env.insurer.shutdown().await;
}
