//! The terminals and the CRL set are read from each node's snapshots, never from the
//! storage on a request's path, so the generation poll adds no round trip to an
//! identification:
//! - on both storages, a terminal's row deleted behind the nodes' backs (no generation
//!   bumped) is still accepted after several polls, and refused once the generation moves;
//! - on PostgreSQL, identifications at two nodes complete while a transaction of the test
//!   holds the terminals, the CRL set and the generation numbers locked exclusively (any
//!   statement on them would wait for it), and the nodes' polls wait instead.

use std::time::Duration;

use backend_platform::config::Database;
use counter_api::platform::{ChallengePurpose, ChallengeResponse};

use crate::node_support::*;
use crate::support::*;

/// Identifies `card` as `c` with a challenge from `issuer` answered at `answerer`.
async fn identify(
    c: &reqwest::Client,
    issuer: &backend_platform::RunningPlatform,
    answerer: &backend_platform::RunningPlatform,
    card: &Card,
) -> u16 {
    let req = counter_api::platform::ChallengeRequest {
        purpose: ChallengePurpose::Identify,
        context: None,
    };
    let (s, _, v) = post(c, &at(issuer, "/v1/challenges"), &req).await;
    if s != 200 {
        return s.as_u16();
    }
    let ch: ChallengeResponse = serde_json::from_value(v).unwrap();
    let (s, _, v) = post(c, &at(answerer, "/v1/identifications"), &card.answer(&ch)).await;
    assert!(s == 200 || s == 403, "{v}");
    s.as_u16()
}

#[tokio::test]
async fn requests_read_the_nodes_snapshots_not_the_terminals_table() {
    let env = env_polling().await;
    let b = node_b(&env).await;
    let a = &env.running;
    let card = Card::load("sato-hanako");
    assert_eq!(enroll(&env, &env.client(Some(T1)), &card).await.0, 200);
    let t2 = env.client(Some(T2));
    assert_eq!(identify(&t2, a, &b, &card).await, 200);

    // T2's row goes, behind the nodes' backs: no generation moves.
    exec(
        &env.settings.database,
        &format!("DELETE FROM terminals WHERE terminal_id = '{T2}'"),
    );
    for (name, node) in [("A", a), ("B", &b)] {
        let before = polls(node);
        wait_until(node, &format!("two more polls at {name}"), |x| {
            x.polls >= before + 2
        })
        .await;
    }
    // Polled, and still served from the snapshots at both nodes.
    assert_eq!(identify(&t2, a, &b, &card).await, 200);
    assert_eq!(identify(&t2, &b, a, &card).await, 200);

    // The generation moves: both reload and refuse T2 within one poll.
    exec(
        &env.settings.database,
        "UPDATE shared_generations SET generation = generation + 1 WHERE name = 'terminals'",
    );
    let g = stored_generation(&env.settings.database, "terminals");
    for (name, node) in [("A", a), ("B", &b)] {
        let before = polls(node);
        let got = wait_until(node, &format!("{name} reloads the terminals"), |x| {
            x.terminals >= g
        })
        .await;
        assert_within_one_poll(name, before, &got);
    }
    assert_eq!(identify(&t2, a, &b, &card).await, 403);
    assert_eq!(identify(&t2, &b, a, &card).await, 403);
    b.shutdown().await;
    env.shutdown().await;
}

#[tokio::test]
async fn identifications_complete_while_the_polled_tables_are_locked() {
    let Some(url) = pg_url("identifications beside locked generation tables") else {
        return;
    };
    let env = Env::start_with(EnvOptions {
        database: Some(pg_database(&url)),
        poll_interval: POLL,
        ..EnvOptions::default()
    })
    .await;
    let b = node_b(&env).await;
    let a = &env.running;
    let card = Card::load("sato-hanako");
    let c = env.client(Some(T1));
    assert_eq!(enroll(&env, &c, &card).await.0, 200);
    let Database::Postgres(pg) = &env.settings.database else {
        unreachable!("a PostgreSQL database was asked for");
    };
    let mut locker = pg_connect(&pg.connection, pg.schema.as_deref().unwrap()).await;
    let tx = locker.transaction().await.unwrap();
    tx.batch_execute(
        "LOCK TABLE terminals, crl_files, shared_generations IN ACCESS EXCLUSIVE MODE",
    )
    .await
    .unwrap();
    let (polls_a, polls_b) = (polls(a), polls(&b));
    // Several poll intervals' worth of identifications, every one within a few seconds:
    // none waits for the lock, so none reads those tables.
    for round in 0..6 {
        let (x, y) = if round % 2 == 0 { (a, &b) } else { (&b, a) };
        let got = tokio::time::timeout(Duration::from_secs(10), identify(&c, x, y, &card))
            .await
            .unwrap_or_else(|_| panic!("identification {round} waited for the locked tables"));
        assert_eq!(got, 200, "identification {round}");
        tokio::time::sleep(POLL / 2).await;
    }
    // Meanwhile at most the poll under way when the lock was taken finished: the others
    // wait for the lock, on their own task.
    assert!(polls(a) <= polls_a + 1, "A polled through the lock");
    assert!(polls(&b) <= polls_b + 1, "B polled through the lock");
    tx.rollback().await.unwrap();
    for (name, node, before) in [("A", a, polls_a), ("B", &b, polls_b)] {
        wait_until(node, &format!("{name} polls again"), |x| {
            x.polls >= before + 2
        })
        .await;
    }
    b.shutdown().await;
    env.shutdown().await;
}
