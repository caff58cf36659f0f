//! 1,000 requests in a burst, answered by `madoguchi-counter folders` in a process of its
//! own, which is killed with SIGKILL in the middle and started again: the receipt system
//! (this test) takes every answer out of `res/` as soon as it appears, so an answer written
//! twice would be seen twice. Each request must be answered exactly once, in order, and
//! none lost.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::*;

const REQUESTS: usize = 1000;
/// Kill the worker once this many answers were taken.
const KILL_AFTER: usize = 300;
const LIMIT: Duration = Duration::from_secs(240);

/// Starts the worker; its JSON lines (one per file) are collected in `lines`.
fn spawn(env: &Env, lines: &Arc<Mutex<Vec<serde_json::Value>>>) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_madoguchi-counter"))
        .arg("--config")
        .arg(&env.config_path)
        .arg("folders")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let lines = lines.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if let Ok(v) = serde_json::from_str(&line) {
                lines.lock().unwrap().push(v);
            }
        }
    });
    child
}

fn file_id(i: usize) -> String {
    format!("{i:05}")
}

/// Takes every answer out of `res/` (reading it first, with the independent parser) and
/// counts how often each appeared.
fn take_answers(env: &Env, seen: &mut BTreeMap<String, usize>) {
    let mut names: Vec<String> = std::fs::read_dir(env.res())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("OQSsiquc01res_") && n.ends_with(".xml"))
        .collect();
    names.sort();
    for name in names {
        let path = env.res().join(&name);
        let a = Answer::read(&path);
        let id = &name["OQSsiquc01res_".len()..name.len() - 4];
        assert_eq!(
            a.get("MessageHeader/ArbitraryFileIdentifier"),
            Some(id),
            "{name}"
        );
        assert_eq!(a.get("MessageHeader/SegmentOfResult"), Some("1"), "{name}");
        std::fs::remove_file(&path).unwrap();
        *seen.entry(id.to_owned()).or_default() += 1;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_requests_through_a_kill_are_each_answered_once() {
    let env = Env::start("notify").await;
    // The folders exist before the burst: the worker creates them, once.
    let lines = Arc::new(Mutex::new(Vec::new()));
    let mut child = spawn(&env, &lines);
    let start = Instant::now();
    while !env.req().is_dir() {
        assert!(start.elapsed() < LIMIT, "the worker did not create req/");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Every request is unique; every other one in Shift_JIS.
    for i in 0..REQUESTS {
        let id = file_id(i);
        let name = format!("OQSsiquc01req_{id}.xml");
        let bytes = if i % 2 == 0 {
            single_request(&id, "UTF-8", "0", SATO).into_bytes()
        } else {
            shift_jis(&single_request(&id, "Shift_JIS", "1", SATO))
        };
        drop_request(&env, &name, &bytes);
    }

    let mut seen = BTreeMap::new();
    let mut killed = false;
    loop {
        take_answers(&env, &mut seen);
        if !killed && seen.len() >= KILL_AFTER {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            killed = true;
            // What the killed worker had not finished is left for the next one.
            child = spawn(&env, &lines);
        }
        let pending = std::fs::read_dir(env.req()).unwrap().count();
        if killed && seen.len() == REQUESTS && pending == 0 {
            break;
        }
        assert!(
            start.elapsed() < LIMIT,
            "{} answered, {pending} still in req/ after {:?}",
            seen.len(),
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // A little longer: an answer written twice would appear now.
    tokio::time::sleep(Duration::from_millis(500)).await;
    take_answers(&env, &mut seen);
    child.kill().unwrap();
    child.wait().unwrap();

    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "answered more than once: {twice:?}");
    assert_eq!(seen.len(), REQUESTS, "requests lost");
    let done = std::fs::read_dir(env.root.join("done")).unwrap().count();
    assert_eq!(done, REQUESTS);
    let leftovers: Vec<_> = std::fs::read_dir(env.res())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // In order: each worker run answered its requests in the order they were written.
    let answered: Vec<String> = lines
        .lock()
        .unwrap()
        .iter()
        .filter_map(|v| v["processed"]["answer"].as_str().map(str::to_owned))
        .collect();
    // The kill may fall between a request's last step and its line on stdout: one line
    // may be missing, never one too many.
    assert!(
        (REQUESTS - 1..=REQUESTS).contains(&answered.len()),
        "{} answers reported",
        answered.len()
    );
    assert!(
        answered.windows(2).all(|w| w[0] < w[1]),
        "answers out of order"
    );
    println!(
        "{REQUESTS} requests, killed after {KILL_AFTER}, all answered once in {:?}",
        start.elapsed()
    );
    env.insurer.shutdown().await;
}

/// The worker killed at each of its steps (its crash points), then run again: the request
/// is answered once, whichever step the kill fell on.
#[tokio::test(flavor = "multi_thread")]
async fn a_kill_at_every_step_leaves_exactly_one_answer() {
    let env = Env::start("poll").await;
    for (i, step) in counter_runtime::crash::FOLDER_STEPS.iter().enumerate() {
        let id = format!("K{i}");
        let run = |crash: Option<&str>| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_madoguchi-counter"));
            cmd.arg("--config")
                .arg(&env.config_path)
                .args(["folders", "--once"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            if let Some(step) = crash {
                cmd.env("MADOGUCHI_CRASH_AT", step);
            }
            cmd.status().unwrap()
        };
        // The first run creates the folders.
        assert!(run(None).success());
        let name = format!("OQSsiquc01req_{id}.xml");
        drop_request(
            &env,
            &name,
            single_request(&id, "UTF-8", "0", SATO).as_bytes(),
        );
        let status = run(Some(step));
        assert!(!status.success(), "{step}: the crash point was not reached");
        let mut seen = BTreeMap::new();
        take_answers(&env, &mut seen);
        assert!(run(None).success(), "{step}");
        take_answers(&env, &mut seen);
        assert!(run(None).success(), "{step}");
        take_answers(&env, &mut seen);
        assert_eq!(seen.get(&id), Some(&1), "{step}: {seen:?}");
        assert!(!env.req().join(&name).exists(), "{step}");
        assert!(env.root.join("done").join(&name).exists(), "{step}");
    }
    env.insurer.shutdown().await;
}
