//! A node killed with SIGKILL under load. Two processes of the real platform binary on one
//! PostgreSQL schema, the real HAProxy in front; terminals identify concurrently through
//! the terminal's own platform client (`counter_runtime`'s `Backends` and `identify_with`,
//! the persona's key signing in this process as the virtual card would), half through
//! HAProxy's one URL and half with the list of both nodes. Node 1 is killed mid-load.
//!
//! Then: every client's identifications went on at node 2 (HAProxy took node 1 out; the
//! list clients start at node 2), every identification a client was told was accepted is
//! in the audit exactly once, no challenge was accepted twice, and none was lost: each
//! call ended accepted, the ones whose answer died with node 1 after a new challenge, and
//! each of those restarts is one `challenge_replayed` row in the audit.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use counter_api::platform::{ChallengeBinding, ChallengePurpose, ChallengeRequest};
use counter_core::Code;
use counter_runtime::clock::SystemClock;
use counter_runtime::ident::{ChallengeSigner, identify_with};
use testkit::TestKey;
use tokio::sync::Notify;

use crate::node_processes::*;
use crate::support::*;

/// Accepted identifications in all before node 1 is killed.
const KILL_AFTER: usize = 24;
/// Accepted identifications each client makes after the kill.
const AFTER_KILL: usize = 4;

/// A persona's card as the terminal's signer: its committed key in this process.
struct KeySigner {
    certificate: Vec<u8>,
    key: TestKey,
}

impl KeySigner {
    fn of(card: &Card) -> KeySigner {
        KeySigner {
            certificate: card.auth_der(),
            key: TestKey::from_pkcs8_pem("auth", &card.persona.pem.auth_private_key).unwrap(),
        }
    }
}

impl ChallengeSigner for KeySigner {
    async fn sign(&mut self, binding: &ChallengeBinding) -> Result<(Vec<u8>, Vec<u8>), Code> {
        let signature = self.key.sign(&binding.to_be_signed()).unwrap();
        Ok((self.certificate.clone(), signature))
    }

    fn can_sign_again(&self) -> bool {
        true
    }
}

/// What one client lived through.
#[derive(Debug, Default)]
struct Report {
    terminal: String,
    through_haproxy: bool,
    /// The challenges of the identifications it was told were accepted.
    accepted: Vec<String>,
    after_kill: usize,
    restarts: u32,
    /// Requests its platform client sent again because a node failed.
    failovers: u64,
    /// Calls that ended without an accepted identification.
    failed: Vec<String>,
    /// The node the client's next platform call starts at (its list's index).
    node_at_end: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_under_load_loses_no_identification_and_accepts_none_twice() {
    let what = "a node killed with SIGKILL under load, behind HAProxy";
    let Some(pg) = pg_url(what) else { return };
    if !haproxy_available(what) {
        return;
    }
    let mut cluster = Cluster::start(&pg, 2).await;
    let ports: Vec<u16> = cluster.nodes.iter().map(|n| n.port).collect();
    let haproxy = Haproxy::start(
        &cluster.dir.path().join("run"),
        &ports,
        &cluster.dir.path().join("server-ca.pem"),
    );
    haproxy.wait_for("node1", "UP").await;
    haproxy.wait_for("node2", "UP").await;
    let node_urls: Vec<String> = cluster.nodes.iter().map(Node::url).collect();

    let personas = ["sato-hanako", "suzuki-ichiro", "tanaka-yuki"];
    let cards: Vec<Card> = personas.iter().map(|p| Card::load(p)).collect();
    for card in &cards {
        cluster.enroll(&node_urls[0], card).await;
    }

    // Six terminals: t1-t3 through HAProxy, t4-t6 with both nodes listed (node 1 first).
    let total = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(AtomicBool::new(false));
    let kill_now = Arc::new(Notify::new());
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut clients = Vec::new();
    for t in 1..=6 {
        let terminal = format!("t{t}");
        let through_haproxy = t <= 3;
        let platform = if through_haproxy {
            vec![haproxy.url.clone()]
        } else {
            node_urls.clone()
        };
        let backends = cluster.terminal(&terminal, platform);
        let mut signer = KeySigner::of(&cards[t % cards.len()]);
        let (total, killed, kill_now) = (total.clone(), killed.clone(), kill_now.clone());
        clients.push(tokio::spawn(async move {
            let request = ChallengeRequest {
                purpose: ChallengePurpose::Identify,
                context: None,
            };
            let mut r = Report {
                terminal: terminal.clone(),
                through_haproxy,
                ..Report::default()
            };
            loop {
                let after = killed.load(Ordering::SeqCst);
                if after && r.after_kill >= AFTER_KILL {
                    break;
                }
                if Instant::now() > deadline {
                    r.failed
                        .push("deadline: the load did not finish in 120 s".into());
                    break;
                }
                let outcome = identify_with(
                    &backends,
                    &mut signer,
                    &request,
                    "pf-test",
                    &terminal,
                    &SystemClock,
                )
                .await;
                match outcome {
                    Ok(id) => {
                        assert!(!id.response.menu.is_empty(), "{terminal}: an empty menu");
                        r.accepted.push(id.challenge_id);
                        r.restarts += id.restarts;
                        if after {
                            r.after_kill += 1;
                        }
                        if total.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER {
                            kill_now.notify_one();
                        }
                    }
                    Err(code) => r.failed.push(format!("{code:?}")),
                }
                if r.failed.len() > 3 {
                    break;
                }
            }
            r.node_at_end = backends.platform_node();
            r.failovers = backends.platform_failovers();
            r
        }));
    }

    // Mid-load: SIGKILL node 1.
    tokio::time::timeout(Duration::from_secs(60), kill_now.notified())
        .await
        .expect("the terminals did not reach the kill point in 60 s");
    let before: BTreeMap<String, u64> = haproxy
        .servers()
        .into_iter()
        .map(|(n, _, stot)| (n, stot))
        .collect();
    cluster.nodes[0].kill();
    killed.store(true, Ordering::SeqCst);
    let mut reports = Vec::new();
    for c in clients {
        reports.push(c.await.unwrap());
    }
    haproxy.wait_for("node1", "DOWN").await;
    let after: BTreeMap<String, u64> = haproxy
        .servers()
        .into_iter()
        .map(|(n, _, stot)| (n, stot))
        .collect();

    // None lost: every call of every client ended accepted, after the kill too.
    for r in &reports {
        eprintln!(
            "{} ({}): {} accepted, {} after the kill, {} requests sent again, {} new challenges after lost answers, next call at node {}",
            r.terminal,
            if r.through_haproxy {
                "HAProxy"
            } else {
                "node list"
            },
            r.accepted.len(),
            r.after_kill,
            r.failovers,
            r.restarts,
            r.node_at_end + 1
        );
        assert!(r.failed.is_empty(), "{}: {:?}", r.terminal, r.failed);
        assert_eq!(r.after_kill, AFTER_KILL, "{}", r.terminal);
        // The retries went to the other node: with the list, node 2 is where the client is.
        if !r.through_haproxy {
            assert_eq!(r.node_at_end, 1, "{}", r.terminal);
            assert!(r.failovers >= 1, "{}", r.terminal);
        }
    }
    // Through HAProxy, node 2 took the connections after node 1 was taken out.
    assert!(
        after["node2"] > before["node2"],
        "node 2 got no connection after the kill: {before:?} → {after:?}"
    );

    // The audit, which both nodes wrote into the one database.
    let ok = cluster.rows(
        "SELECT challenge_id FROM audit WHERE action = 'identify' AND outcome = 'ok' ORDER BY id",
    );
    let replayed: BTreeSet<String> = cluster
        .rows("SELECT challenge_id FROM audit WHERE action = 'identify' AND outcome = 'challenge_replayed'")
        .into_iter()
        .collect();
    let mut ok_count: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &ok {
        *ok_count.entry(c).or_default() += 1;
    }
    // No challenge accepted twice.
    let twice: Vec<_> = ok_count.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "accepted twice: {twice:?}");
    // Every identification a client was told was accepted has its row.
    let reported: BTreeSet<&str> = reports
        .iter()
        .flat_map(|r| r.accepted.iter().map(String::as_str))
        .collect();
    let accepted_in_all: usize = reports.iter().map(|r| r.accepted.len()).sum();
    assert_eq!(
        reported.len(),
        accepted_in_all,
        "a challenge reported twice"
    );
    for c in &reported {
        assert_eq!(ok_count.get(c), Some(&1), "{c} is not in the audit once");
    }
    // Every restart is one lost answer: its challenge replayed at node 2, and accepted (if
    // at all) only by node 1 before it died, never reported.
    let restarts: u32 = reports.iter().map(|r| r.restarts).sum();
    assert_eq!(replayed.len(), restarts as usize, "replays: {replayed:?}");
    for c in &replayed {
        assert!(!reported.contains(c.as_str()), "{c} reported and replayed");
    }
    for c in ok_count.keys() {
        assert!(
            reported.contains(c) || replayed.contains(*c),
            "{c} accepted but neither reported nor replayed"
        );
    }
    eprintln!(
        "{accepted_in_all} identifications accepted and reported, {restarts} answers lost with node 1 and identified again, {} audit rows 'ok'",
        ok.len()
    );
    drop(haproxy);
}
