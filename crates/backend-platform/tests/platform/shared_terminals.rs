//! Terminals kept in the storage: registered or disabled at one node (or by the operator's
//! function, as the `terminals` command calls it), honoured by every node within one poll
//! and without a restart; the configuration's `[[terminals]]` applied at each start
//! without undoing the operator's changes; a terminal enrolled again (a replacement PC)
//! shuts out its earlier certificate (a stolen PC's). Two real nodes (TLS on loopback) on
//! the suite's storage: one SQLite file, or one PostgreSQL schema.

use std::sync::Arc;

use backend_platform::RunningPlatform;
use backend_platform::config::{CrlFrom, TerminalConfig};
use backend_platform::storage::open;
use counter_api::platform::{ChallengePurpose, ChallengeRequest};

use crate::node_support::*;
use crate::support::*;

/// A terminal no configuration lists.
const NEW: &str = "clinic-b-desk-9";

/// Asks `node` for a challenge as `c`: the status and the problem code, if any.
async fn ask(c: &reqwest::Client, node: &RunningPlatform) -> (u16, String) {
    let req = ChallengeRequest {
        purpose: ChallengePurpose::Identify,
        context: None,
    };
    let (s, _, v) = post(c, &at(node, "/v1/challenges"), &req).await;
    (s.as_u16(), v["code"].as_str().unwrap_or("").to_owned())
}

fn accepted() -> (u16, String) {
    (200, String::new())
}

fn unknown() -> (u16, String) {
    (403, "terminal_unknown".to_owned())
}

/// A client presenting `identity` (certificate PEM, key PEM).
fn client_of(env: &Env, identity: &(String, String)) -> reqwest::Client {
    client_with(&env.server_ca, Some(identity.clone()))
}

/// The SHA-256 of the certificate (PEM) of `identity`, as the server sees it.
fn sha256_of(identity: &(String, String)) -> [u8; 32] {
    let der = backend_kit::tls::certificates("terminal", identity.0.as_bytes()).unwrap();
    let hex = backend_kit::serve::ClientIdentity::from_der(&der[0]).sha256;
    hex::decode(hex).unwrap().try_into().unwrap()
}

/// Waits until both `nodes` hold terminals' generation `g`, each within one poll.
async fn both_hold(nodes: [(&str, &RunningPlatform); 2], g: u64) {
    for (name, node) in nodes {
        let before = polls(node);
        let got = wait_until(node, &format!("{name} holds generation {g}"), |x| {
            x.terminals >= g
        })
        .await;
        assert_within_one_poll(&format!("generation {g} at {name}"), before, &got);
    }
}

/// The scenario of the README: desk 9's PC is stolen; the operator disables the terminal
/// and enrolls the replacement PC under the same id. The stolen PC's certificate (valid
/// for years, from the same CA, with the same CN) is refused at every node within one
/// poll, and the replacement's accepted; a terminal registered without a certificate (as
/// every terminal before the terminals kept one, and the configuration's) accepts any.
#[tokio::test]
async fn a_terminal_enrolled_again_refuses_the_replaced_certificate_at_every_node_within_one_poll()
{
    let env = env_polling().await;
    let b = node_b(&env).await;
    let a = &env.running;
    let nodes = [("A", a), ("B", &b)];
    let stolen = env.terminal_ca.issue(NEW, &[]).unwrap();
    let replacement = env.terminal_ca.issue(NEW, &[]).unwrap();
    let (old_pc, new_pc) = (client_of(&env, &stolen), client_of(&env, &replacement));
    let db = env.settings.database.clone();
    let now = env.clock_now();
    let enroll = |cert: [u8; 32]| {
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            backend_platform::terminals::enroll(&*open(&db).unwrap(), NEW, true, cert, now)
                .unwrap()
                .generation
        })
    };

    // Enrolled with the first PC's certificate: that one alone is accepted.
    let g = enroll(sha256_of(&stolen)).await.unwrap();
    both_hold(nodes, g).await;
    for (name, node) in nodes {
        assert_eq!(ask(&old_pc, node).await, accepted(), "at {name}");
        assert_eq!(ask(&new_pc, node).await, unknown(), "at {name}");
    }
    // The PC is stolen: disabled, then the replacement enrolled under the same id.
    let p = a.platform().clone();
    tokio::task::spawn_blocking(move || p.disable_terminal(NEW))
        .await
        .unwrap()
        .unwrap();
    let g = enroll(sha256_of(&replacement)).await.unwrap();
    both_hold(nodes, g).await;
    for (name, node) in nodes {
        assert_eq!(ask(&new_pc, node).await, accepted(), "at {name}");
        let (s, _, v) = post(&old_pc, &at(node, "/v1/challenges"), &identify_request()).await;
        assert_eq!(s, 403, "at {name}: {v}");
        assert_eq!(v["code"], "terminal_unknown", "at {name}: {v}");
        let detail = v["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("no longer accepted") && detail.contains("enroll it again"),
            "at {name}: {v}"
        );
    }
    // `terminals add` re-enabling the id does not open it to the stolen certificate again.
    let p = a.platform().clone();
    tokio::task::spawn_blocking(move || p.register_terminal(NEW, true))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ask(&old_pc, a).await, unknown());
    assert_eq!(ask(&new_pc, a).await, accepted());
    // Each refusal of a certificate the terminal no longer (or not yet) accepts is audited
    // under the id, with the certificate's hash: the replacement's twice before its
    // enrollment, the stolen one's three times after.
    b.platform().audit.flush();
    a.platform().audit.flush();
    let refused = |who: &(String, String), n| {
        vec![format!("certificate_replaced {}", hex::encode(sha256_of(who))); n]
    };
    let refusals = env.platform_rows(&format!(
        "SELECT reason FROM audit WHERE action = 'terminal' AND terminal_id = '{NEW}'
         AND outcome = 'terminal_unknown' AND reason LIKE 'certificate_replaced %'"
    ));
    assert_eq!(
        refusals,
        [refused(&replacement, 2), refused(&stolen, 3)].concat()
    );
    // A terminal without a certificate of its own (the configuration's T2) accepts any
    // certificate of the terminals' CA with its CN, as before.
    for _ in 0..2 {
        assert_eq!(ask(&env.client(Some(T2)), &b).await, accepted());
    }
    b.shutdown().await;
    env.shutdown().await;
}

/// A configured terminal with `certificate_sha256` accepts that certificate alone; another
/// certificate with its CN is told to have the file or the certificate corrected, not to
/// enroll again (which the file's entry would undo at the next start), and its refusal is
/// audited as such.
#[tokio::test]
async fn a_configured_certificate_sha256_accepts_that_certificate_alone() {
    let env = env_polling().await;
    let mine = env.terminal_ca.issue(T2, &[]).unwrap();
    let other = env.terminal_ca.issue(T2, &[]).unwrap();
    let mut s = node_settings(&env, CrlFrom::Storage);
    for t in &mut s.terminals {
        if t.id == T2 {
            t.certificate_sha256 = Some(sha256_of(&mine));
        }
    }
    let node = backend_platform::start_in_process(s, Arc::new(env.clock.clone()))
        .await
        .unwrap();
    assert_eq!(ask(&client_of(&env, &mine), &node).await, accepted());
    assert_eq!(ask(&client_of(&env, &other), &node).await, unknown());
    let (s, _, v) = post(
        &client_of(&env, &other),
        &at(&node, "/v1/challenges"),
        &identify_request(),
    )
    .await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(v["code"], "terminal_unknown", "{v}");
    // The insurer's and the acquirer's reason for the same thing, and the platform's own
    // next step (a restart applies the file; enrolling would take the id away from it).
    assert_eq!(v["reason"], "certificate_not_registered", "{v}");
    let detail = v["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("configuration names")
            && detail.contains("certificate_sha256")
            && detail.contains("restart the platform")
            && !detail.contains("enroll"),
        "{v}"
    );
    node.platform().audit.flush();
    let refusals = env.platform_rows(&format!(
        "SELECT reason FROM audit WHERE action = 'terminal' AND terminal_id = '{T2}'
         AND outcome = 'terminal_unknown'"
    ));
    assert_eq!(
        refusals,
        vec![
            format!(
                "certificate_not_registered {}",
                hex::encode(sha256_of(&other))
            );
            2
        ]
    );
    node.shutdown().await;
    // Dropped from the file again: any certificate with the CN, as before.
    let node = restart_with(&env, &[(T1, true), (T2, false)]).await;
    assert_eq!(ask(&client_of(&env, &other), &node).await, accepted());
    node.shutdown().await;
    env.shutdown().await;
}

#[tokio::test]
async fn a_terminal_registered_at_node_a_is_accepted_at_node_b_within_one_poll_and_a_disabled_one_is_refused_at_both()
 {
    let env = env_polling().await;
    let b = node_b(&env).await;
    let a = &env.running;
    let c = env.client(Some(NEW));
    assert_eq!(ask(&c, a).await, unknown());
    assert_eq!(ask(&c, &b).await, unknown());

    // Registered through node A's library call: A applies it at once...
    let pa = a.platform().clone();
    let written = tokio::task::spawn_blocking(move || pa.register_terminal(NEW, false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ask(&c, a).await, accepted());
    // ...B with its next poll, without a restart.
    let before = polls(&b);
    let got = wait_until(&b, "B holds the registration", |x| {
        x.terminals >= written.generation
    })
    .await;
    assert_within_one_poll("registration at B", before, &got);
    assert_eq!(ask(&c, &b).await, accepted());
    // A whole identification from the new terminal at B.
    let card = Card::load("sato-hanako");
    assert_eq!(enroll(&env, &env.client(Some(T1)), &card).await.0, 200);
    let (s, _, v) = post(&c, &at(a, "/v1/challenges"), &identify_request()).await;
    assert_eq!(s, 200, "{v}");
    let ch = serde_json::from_value(v).unwrap();
    let (s, _, v) = post(&c, &at(&b, "/v1/identifications"), &card.answer(&ch)).await;
    assert_eq!(s, 200, "{v}");

    // Disabled by the operator's function on a storage of its own (what the `terminals
    // disable` command does): both nodes refuse it within one poll.
    let db = env.settings.database.clone();
    let now = env.clock_now();
    let disabled = tokio::task::spawn_blocking(move || {
        backend_platform::terminals::disable(&*open(&db).unwrap(), NEW, now)
    })
    .await
    .unwrap()
    .unwrap();
    assert!(disabled.generation > written.generation);
    for (name, node) in [("A", a), ("B", &b)] {
        let before = polls(node);
        let got = wait_until(node, &format!("{name} holds the disable"), |x| {
            x.terminals >= disabled.generation
        })
        .await;
        assert_within_one_poll(&format!("disable at {name}"), before, &got);
        assert_eq!(ask(&c, node).await, unknown(), "at {name}");
    }
    // Each refusal is audited, whichever node refused.
    b.platform().audit.flush();
    let refusals = env.platform_rows(&format!(
        "SELECT outcome FROM audit WHERE action = 'terminal' AND terminal_id = '{NEW}'"
    ));
    assert_eq!(refusals, vec!["terminal_unknown"; 4]);
    b.shutdown().await;
    env.shutdown().await;
}

fn identify_request() -> ChallengeRequest {
    ChallengeRequest {
        purpose: ChallengePurpose::Identify,
        context: None,
    }
}

/// Starts a node of `env` with `terminals` as its configuration's `[[terminals]]` (a
/// restart with an edited file).
async fn restart_with(env: &Env, terminals: &[(&str, bool)]) -> RunningPlatform {
    let mut s = node_settings(env, CrlFrom::Storage);
    s.terminals = terminals
        .iter()
        .map(|(id, admin)| TerminalConfig {
            id: (*id).into(),
            admin: *admin,
            certificate_sha256: None,
        })
        .collect();
    backend_platform::start_in_process(s, Arc::new(env.clock.clone()))
        .await
        .unwrap()
}

#[tokio::test]
async fn the_configuration_adds_and_removes_its_terminals_at_start_but_never_undoes_the_operator() {
    let env = env_polling().await;
    let t2 = env.client(Some(T2));
    // A restart without T2 in the file disables it (as when the file was the list)...
    let node = restart_with(&env, &[(T1, true)]).await;
    assert_eq!(ask(&t2, &node).await, unknown());
    node.shutdown().await;
    // ...listing it again enables it...
    let node = restart_with(&env, &[(T1, true), (T2, false)]).await;
    assert_eq!(ask(&t2, &node).await, accepted());
    // ...but once the operator disabled it, no file enables it again.
    let p = node.platform().clone();
    tokio::task::spawn_blocking(move || p.disable_terminal(T2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ask(&t2, &node).await, unknown());
    node.shutdown().await;
    let node = restart_with(&env, &[(T1, true), (T2, true)]).await;
    assert_eq!(ask(&t2, &node).await, unknown());
    // A file that changes nothing bumps no generation.
    let g = node.platform().terminals.generation();
    let again = restart_with(&env, &[(T1, true), (T2, true)]).await;
    assert_eq!(again.platform().terminals.generation(), g);
    // The operator's registration enables it again (and keeps it the operator's).
    let p = node.platform().clone();
    tokio::task::spawn_blocking(move || p.register_terminal(T2, false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ask(&t2, &node).await, accepted());
    let rows = env.platform_rows(&format!(
        "SELECT managed_by FROM terminals WHERE terminal_id = '{T2}'"
    ));
    assert_eq!(rows, vec!["operator"]);
    again.shutdown().await;
    node.shutdown().await;
    env.shutdown().await;
}

#[tokio::test]
async fn a_bad_terminal_id_or_an_unknown_terminal_is_a_typed_refusal_and_changes_nothing() {
    use backend_platform::core::terminals::TerminalRuleError;
    use backend_platform::terminals::TerminalError;
    let env = env_polling().await;
    let p = env.running.platform().clone();
    let g = p.terminals.generation();
    let (bad, unknown) = tokio::task::spawn_blocking(move || {
        (
            p.register_terminal("desk 1; DROP TABLE terminals", true),
            p.disable_terminal("nobody"),
        )
    })
    .await
    .unwrap();
    let bad = bad.unwrap_err();
    assert!(
        matches!(bad, TerminalError::Refused(TerminalRuleError::BadId { .. })),
        "{bad:?}"
    );
    assert!(bad.to_string().contains("may only hold"), "{bad}");
    let unknown = unknown.unwrap_err();
    assert!(
        matches!(
            unknown,
            TerminalError::Refused(TerminalRuleError::Unknown(_))
        ),
        "{unknown:?}"
    );
    assert!(unknown.to_string().contains("\"nobody\""), "{unknown}");
    assert_eq!(
        stored_generation(&env.settings.database, "terminals"),
        g,
        "a refused change bumped the generation"
    );
    env.shutdown().await;
}

/// A database restored to an earlier terminals' generation (a failover that lost the last
/// registration): each node follows it down, and then takes the next change, which carries
/// again the generation number it held before.
#[tokio::test]
async fn a_terminals_generation_that_goes_back_is_followed_and_the_next_change_taken() {
    const OTHER: &str = "clinic-b-desk-8";
    let env = env_polling().await;
    let b = node_b(&env).await;
    let db = env.settings.database.clone();
    let now = env.clock_now();
    let register = |id: &'static str| {
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            backend_platform::terminals::register(&*open(&db).unwrap(), id, false, now)
                .unwrap()
                .generation
        })
    };
    let g = register(NEW).await.unwrap();
    wait_until(&b, "B holds the registration", |x| x.terminals == g).await;
    let (new, other) = (env.client(Some(NEW)), env.client(Some(OTHER)));
    assert_eq!(ask(&new, &b).await, accepted());

    // The database loses the registration and its generation: B follows it down.
    exec(
        &db,
        &format!(
            "DELETE FROM terminals WHERE terminal_id = '{NEW}';
             UPDATE shared_generations SET generation = generation - 1 WHERE name = 'terminals'"
        ),
    );
    wait_until(&b, "B follows g - 1", |x| x.terminals == g - 1).await;
    assert_eq!(ask(&new, &b).await, unknown());

    // The next change comes at generation g again: B takes it.
    assert_eq!(register(OTHER).await.unwrap(), g);
    let before = polls(&b);
    let got = wait_until(&b, "B takes the new generation g", |x| x.terminals == g).await;
    assert_within_one_poll("new terminal at B", before, &got);
    assert_eq!(ask(&other, &b).await, accepted());
    assert_eq!(ask(&new, &b).await, unknown());
    b.shutdown().await;
    env.shutdown().await;
}

/// A database restored to an earlier terminals' generation and changed again up to the
/// generation a node holds, both between two of the node's polls (and within one second):
/// the same number, with another stamp. The node takes the change at its next poll: the
/// terminal the restore lost is refused, the one registered since accepted.
#[tokio::test]
async fn a_restore_and_the_next_terminal_change_between_two_polls_reach_the_node() {
    const OTHER: &str = "clinic-b-desk-8";
    let env = Env::start().await;
    let mut settings = node_settings(&env, CrlFrom::Storage);
    settings.poll_interval = std::time::Duration::from_secs(3600);
    let b = backend_platform::start_in_process(settings, Arc::new(env.clock.clone()))
        .await
        .unwrap();
    let db = env.settings.database.clone();
    let now = env.clock_now();
    let register = |id: &'static str| {
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            backend_platform::terminals::register(&*open(&db).unwrap(), id, false, now)
                .unwrap()
                .generation
        })
    };
    let restore = saved_generation(&db, "terminals");
    let g = register(NEW).await.unwrap();
    poll_now(&b).await;
    assert_eq!(b.platform().terminals.generation(), g);
    let (new, other) = (env.client(Some(NEW)), env.client(Some(OTHER)));
    assert_eq!(ask(&new, &b).await, accepted());

    // The database loses the registration; the next one brings back the number g.
    exec(
        &db,
        &format!("DELETE FROM terminals WHERE terminal_id = '{NEW}'; {restore}"),
    );
    assert_eq!(register(OTHER).await.unwrap(), g);
    poll_now(&b).await;
    assert_eq!(ask(&other, &b).await, accepted());
    assert_eq!(ask(&new, &b).await, unknown());
    b.shutdown().await;
    env.shutdown().await;
}
