//! Only the holder a token is linked to pays with it: an assertion naming a token its
//! subject does not own is refused `link_not_owned` without using the assertion up; a link
//! confirmed for another holder, or released, stops the former owner at once; links
//! survive a restart and a re-registration with the same cardholder, not another one.

use counter_api::acquirer::{AuthoriseRequest, CaptureMode, Cardholder};
use counter_api::assertion::KeySet;
use serde_json::json;

use crate::support::*;

const SUB_B: &str = "sub-pairwise-2";
/// B's token: registered for another person than the test holder.
const TOK_B: &str = "tok_b_1111";

fn request(assertion: String, amount: u64) -> AuthoriseRequest {
    AuthoriseRequest {
        assertion,
        merchant_id: SHOP_A.into(),
        amount_jpy: amount,
        order_ref: format!("order-{}", next_id()),
        capture: CaptureMode::Automatic,
    }
}

fn refused_not_owned(got: &Got) {
    let p = assert_problem(got, 403, "link_not_owned");
    assert_eq!(
        (p["field"].as_str(), p["reason"].as_str()),
        (Some("assertion"), Some("token_not_owned")),
        "{p}"
    );
    assert!(
        p["detail"].as_str().unwrap().contains("enrolled again"),
        "{p}"
    );
}

fn holder_b() -> Cardholder {
    Cardholder {
        name: "鈴木　一郎".into(),
        birth_date: "1958-03-03".into(),
        address: None,
        sex: None,
    }
}

/// A payment request of T1 for shop-a paying `amount` with `token`, whose assertion is
/// for `sub`; with the assertion's `jti`.
fn minted(env: &Env, sub: &str, amount: u64, token: &str) -> (String, AuthoriseRequest) {
    let mut claims = env.claims(T1, SHOP_A, amount, token);
    claims.sub = sub.into();
    let jti = claims.jti.clone();
    (jti, request(env.signer.sign(&claims).unwrap(), amount))
}

/// Whether the assertion `jti` was used up.
fn used(env: &Env, jti: &str) -> bool {
    env.count(&format!(
        "SELECT COUNT(*) FROM used_assertions WHERE jti = '{jti}'"
    )) == 1
}

#[tokio::test]
async fn an_assertion_naming_a_token_its_holder_does_not_own_is_refused_and_not_used_up() {
    let env = Env::start_with(|s| {
        let mut b = token(TOK_B, "VISA", "1111", None, false);
        b.holder = holder_b();
        s.card_tokens.push(b);
    })
    .await;
    // B's token is not confirmed for the test holder A (another person), it is for B...
    let got = env.link(TOK_B, SUB).await;
    assert_eq!(ok(&got), json!({"outcome": "mismatch", "field": "name"}));
    let mut b = certified();
    b.name = holder_b().name;
    b.birth_date = holder_b().birth_date;
    b.sex = counter_api::platform::Sex::Male;
    assert_eq!(
        ok(&env.link_as(TOK_B, SUB_B, b).await),
        json!({"outcome": "confirmed"})
    );
    // ...so an assertion of A (SUB) naming B's token is refused.
    let key = new_key();
    let (jti, req) = minted(&env, SUB, 1_000, TOK_B);
    refused_not_owned(&authorise(&env, &key, &req).await);
    assert!(!used(&env, &jti), "the jti is not used up");
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 0);
    ok(&authorise(
        &env,
        &new_key(),
        &request(env.assertion_for(SUB_B, 1_000, TOK_B), 1_000),
    )
    .await);
    // The refusal is the key's stored answer, like any other problem.
    refused_not_owned(&authorise(&env, &key, &req).await);
    assert_eq!(
        env.count(
            "SELECT COUNT(*) FROM journal WHERE action = 'authorise' AND outcome = 'link_not_owned'"
        ),
        1
    );

    // An unowned token names the same refusal: A's own token released...
    let (jti, own) = minted(&env, SUB, 700, TOK_VISA);
    let got = post(
        &env.platform_client(),
        &env.url("/v1/links/release"),
        &json!({"sub": SUB, "link": {"kind": "payment", "card_token_ref": TOK_VISA}}),
    )
    .await;
    assert_eq!(ok(&got), json!({"released": true}));
    refused_not_owned(&authorise(&env, &new_key(), &own).await);
    assert!(!used(&env, &jti));
    // ...and linked again: the very same assertion (its jti unused) now pays.
    env.link_ok(TOK_VISA, SUB).await;
    let p = ok(&authorise(&env, &new_key(), &own).await);
    assert_eq!(p["status"], "captured");
    assert!(used(&env, &jti));
    // An unknown token keeps its answer.
    let unknown = request(env.assertion_for(SUB, 10, "tok_unknown"), 10);
    assert_problem(
        &authorise(&env, &new_key(), &unknown).await,
        404,
        "not_enrolled",
    );
}

#[tokio::test]
async fn a_link_confirmed_for_another_holder_stops_the_first_at_once() {
    let env = Env::start().await;
    let a = request(env.assertion_for(SUB, 500, TOK_VISA), 500);
    let b = request(env.assertion_for(SUB_B, 500, TOK_VISA), 500);
    refused_not_owned(&authorise(&env, &new_key(), &b).await);
    // The token is confirmed for another subject (the same person enrolled another card,
    // or the platform now knows the holder by another subject).
    env.link_ok(TOK_VISA, SUB_B).await;
    refused_not_owned(&authorise(&env, &new_key(), &a).await);
    ok(&authorise(&env, &new_key(), &b).await);
    // The same subject from another trusted platform is another holder.
    let env2 = Env::start_with(|s| {
        s.trusted_platforms.push(KeySet::of("pf-osaka", &signer(9)));
    })
    .await;
    let mut claims = env2.claims(T1, SHOP_A, 300, TOK_VISA);
    claims.sub = SUB_B.into();
    claims.iss = "pf-osaka".into();
    env2.link_ok(TOK_VISA, SUB_B).await;
    let req = request(signer(9).sign(&claims).unwrap(), 300);
    refused_not_owned(&authorise(&env2, &new_key(), &req).await);
    let got = post(
        &env2.client(Some("pf-osaka")),
        &env2.url("/v1/links"),
        &link_request(TOK_VISA, SUB_B, certified()),
    )
    .await;
    assert_eq!(ok(&got)["outcome"], "confirmed");
    ok(&authorise(&env2, &new_key(), &req).await);
}

#[tokio::test]
async fn links_survive_a_restart_and_a_re_registration_of_the_same_holder_only() {
    let mut env = Env::start().await;
    env.link_ok(TOK_JCB, SUB_B).await;
    // A restart on the same database re-registers the tokens (same holders): links kept.
    env.restart(env.settings()).await;
    ok(&authorise(
        &env,
        &new_key(),
        &request(env.assertion_for(SUB, 100, TOK_VISA), 100),
    )
    .await);
    ok(&authorise(
        &env,
        &new_key(),
        &request(env.assertion_for(SUB_B, 100, TOK_JCB), 100),
    )
    .await);
    // The administration terminal re-registers VISA with the same holder: kept.
    let admin = env.client(Some(T1));
    let url = env.url("/v1/admin/card-tokens");
    let visa = token(TOK_VISA, "VISA", "4242", Some(50_000), false);
    let got = post(&admin, &url, &visa).await;
    assert_eq!(ok(&got)["link_dropped"], false);
    ok(&authorise(
        &env,
        &new_key(),
        &request(env.assertion_for(SUB, 100, TOK_VISA), 100),
    )
    .await);
    // ...and with another holder: the token is someone else's now, the link is dropped.
    let mut moved = visa.clone();
    moved.holder = holder_b();
    let got = post(&admin, &url, &moved).await;
    assert_eq!(ok(&got)["link_dropped"], true);
    refused_not_owned(
        &authorise(
            &env,
            &new_key(),
            &request(env.assertion_for(SUB, 100, TOK_VISA), 100),
        )
        .await,
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM journal WHERE action = 'card_token' AND outcome = 'ok:link_dropped'"),
        1
    );
    // A restart whose configuration gives JCB another holder drops its link too.
    let mut s = env.settings();
    for t in &mut s.card_tokens {
        if t.card_token_ref == TOK_JCB {
            t.holder = holder_b();
        }
    }
    env.restart(s).await;
    refused_not_owned(
        &authorise(
            &env,
            &new_key(),
            &request(env.assertion_for(SUB_B, 100, TOK_JCB), 100),
        )
        .await,
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM card_tokens WHERE owner_sub IS NOT NULL"),
        1,
        "only TOK_BLOCKED is still linked"
    );
}

#[tokio::test]
async fn a_terminal_named_like_a_trusted_platform_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let (server_ca, terminal_ca) = (Ca::new("s").unwrap(), Ca::new("t").unwrap());
    let mut s = settings(dir.path(), &server_ca, &terminal_ca, &signer(7));
    s.terminals.push(backend_acquirer::config::TerminalConfig {
        id: PLATFORM.into(),
        merchant_id: SHOP_A.into(),
        admin: false,
        certificate_sha256: None,
    });
    let e =
        backend_acquirer::start_in_process(s, std::sync::Arc::new(backend_kit::ManualClock::new()))
            .await
            .unwrap_err()
            .to_string();
    assert!(e.contains("terminals[3].id") && e.contains(PLATFORM), "{e}");
}
