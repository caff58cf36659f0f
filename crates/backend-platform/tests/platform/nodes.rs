//! Two platform nodes on one PostgreSQL database: two real servers in-process (TLS on
//! loopback), the same settings, each its own port. Any node answers any step, and one
//! challenge answered at both at once is accepted exactly once.

use std::sync::Arc;

use counter_api::platform::ChallengePurpose;

use crate::support::*;

#[tokio::test]
async fn a_challenge_issued_at_node_a_is_answered_at_node_b_and_accepted_once_when_raced() {
    let Some(url) = pg_url("two platform nodes on one PostgreSQL database") else {
        return;
    };
    let env = Env::start_with(EnvOptions {
        database: Some(pg_database(&url)),
        ..EnvOptions::default()
    })
    .await;
    let node_b =
        backend_platform::start_in_process(env.settings.clone(), Arc::new(env.clock.clone()))
            .await
            .unwrap();
    let at_b = |path: &str| format!("https://localhost:{}{path}", node_b.addr().port());
    let c = env.client(Some(T1));
    let card = Card::load("sato-hanako");

    // Enrolled at A (challenge and enrollment both there)...
    let (s, _, v) = enroll(&env, &c, &card).await;
    assert_eq!(s, 200, "{v}");
    // ...identified with a challenge from A answered at B, and the replay refused at A.
    let ch = challenge(&env, &c, ChallengePurpose::Identify, None).await;
    let answer = card.answer(&ch);
    let (s, _, v) = post(&c, &at_b("/v1/identifications"), &answer).await;
    assert_eq!(s, 200, "{v}");
    assert!(!v["menu"].as_array().unwrap().is_empty(), "{v}");
    assert_problem(
        &post(&c, &env.url("/v1/identifications"), &answer).await,
        409,
        "challenge_replayed",
    );

    // The same answer sent to both nodes at once, several times: one 200, one 409 each.
    const ROUNDS: usize = 5;
    for _ in 0..ROUNDS {
        let ch = challenge(&env, &c, ChallengePurpose::Identify, None).await;
        let answer = card.answer(&ch);
        let (url_a, url_b) = (env.url("/v1/identifications"), at_b("/v1/identifications"));
        let (a, b) = tokio::join!(post(&c, &url_a, &answer), post(&c, &url_b, &answer));
        let mut statuses = [a.0.as_u16(), b.0.as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "A: {}\nB: {}", a.2, b.2);
        let refused = if a.0 == 409 { &a } else { &b };
        assert_problem(refused, 409, "challenge_replayed");
    }

    // Both nodes audit into the one database, every answer before it went out.
    node_b.platform().audit.flush();
    let mut identify =
        env.platform_rows("SELECT outcome FROM audit WHERE action = 'identify' ORDER BY id");
    identify.sort_unstable();
    let mut expected = vec!["challenge_replayed"; ROUNDS + 1];
    expected.extend(vec!["ok"; ROUNDS + 1]);
    assert_eq!(identify, expected);
    node_b.shutdown().await;
    env.shutdown().await;
}
