//! `POST /v1/links` and `POST /v1/links/release`: the platform asks whether a token is
//! the card holder's; only a trusted platform may ask; answers name an attribute, never a
//! value; every answer is journaled without the attributes.

use counter_api::acquirer::Cardholder;
use counter_api::platform::Sex;
use serde_json::json;

use crate::support::*;

/// The token's owner as stored: `(owner_sub, owner_platform)`.
fn owner(env: &Env, token: &str) -> (Option<String>, Option<String>) {
    let c = rusqlite::Connection::open(env.dir.path().join("acquirer.sqlite")).unwrap();
    c.query_row(
        "SELECT owner_sub, owner_platform FROM card_tokens WHERE card_token_ref = ?1",
        [token],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

fn journal(env: &Env, action: &str, outcome: &str) -> i64 {
    env.count(&format!(
        "SELECT COUNT(*) FROM journal WHERE action = '{action}' AND outcome = '{outcome}'"
    ))
}

#[tokio::test]
async fn a_link_is_confirmed_for_the_holder_of_the_record_only() {
    let env = Env::start().await;
    // Env::start linked the three test tokens.
    assert_eq!(journal(&env, "link", "confirmed"), 3);
    assert_eq!(
        owner(&env, TOK_VISA),
        (Some(SUB.into()), Some(PLATFORM.into()))
    );
    // Spacing and full-width forms are the shared rule's business: still the holder.
    let mut same = certified();
    same.name = " 佐藤 花子 ".into();
    assert_eq!(
        ok(&env.link_as(TOK_VISA, "sub-b", same).await),
        json!({"outcome": "confirmed"})
    );
    assert_eq!(
        owner(&env, TOK_VISA),
        (Some("sub-b".into()), Some(PLATFORM.into()))
    );

    // Another person's birth date, another name: the attribute, never the record's value.
    let mut other = certified();
    other.birth_date = "1990-01-01".into();
    let got = env.link_as(TOK_JCB, "sub-c", other).await;
    assert_eq!(
        ok(&got),
        json!({"outcome": "mismatch", "field": "birth_date"})
    );
    let mut other = certified();
    other.name = "佐藤　花男".into();
    let got = env.link_as(TOK_JCB, "sub-c", other).await;
    assert_eq!(ok(&got), json!({"outcome": "mismatch", "field": "name"}));
    // A mismatch changes nothing.
    assert_eq!(
        owner(&env, TOK_JCB),
        (Some(SUB.into()), Some(PLATFORM.into()))
    );

    // The issuer keeps an address and a sex for this one: they are compared too.
    let mut t = token("tok_full", "JCB", "1234", None, false);
    t.holder = Cardholder {
        name: HOLDER_NAME.into(),
        birth_date: HOLDER_BIRTH.into(),
        address: Some("大阪府大阪市北区梅田九丁目９９番９９号".into()),
        sex: Some(Sex::Female),
    };
    let got = post(&env.client(Some(T1)), &env.url("/v1/admin/card-tokens"), &t).await;
    ok(&got);
    let got = env.link("tok_full", "sub-d").await;
    assert_eq!(ok(&got), json!({"outcome": "mismatch", "field": "address"}));
    assert_eq!(owner(&env, "tok_full"), (None, None));

    // A token this acquirer does not hold.
    let got = env.link("tok_nobody", "sub-e").await;
    assert_eq!(ok(&got), json!({"outcome": "unknown"}));

    assert_eq!(journal(&env, "link", "confirmed"), 4);
    assert_eq!(journal(&env, "link", "mismatch:birth_date"), 1);
    assert_eq!(journal(&env, "link", "mismatch:name"), 1);
    assert_eq!(journal(&env, "link", "mismatch:address"), 1);
    assert_eq!(journal(&env, "link", "unknown"), 1);
    // The rows name the caller, the token and the subject, never an attribute.
    assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) FROM journal WHERE action = 'link' AND terminal_id = '{PLATFORM}' \
             AND reason LIKE 'token=tok_full enrollment=enr_% sub=sub-d'"
        )),
        1
    );
    for value in ["花", "1985", "1990", "東京", "大阪", "female"] {
        assert_eq!(
            env.count(&format!(
                "SELECT COUNT(*) FROM journal WHERE reason LIKE '%{value}%' \
                 OR outcome LIKE '%{value}%'"
            )),
            0,
            "{value} in the journal"
        );
    }
}

#[tokio::test]
async fn only_a_trusted_platform_may_confirm_or_release_links() {
    let env = Env::start().await;
    let req = link_request(TOK_VISA, "sub-x", certified());
    // A terminal's certificate (even an administration terminal's) is not the platform's.
    for terminal in [T1, T2] {
        let got = post(&env.client(Some(terminal)), &env.url("/v1/links"), &req).await;
        let p = assert_problem(&got, 403, "forbidden");
        assert_eq!(p["reason"], "not_a_trusted_platform");
    }
    let got = post(&env.client(Some("pf-osaka")), &env.url("/v1/links"), &req).await;
    assert_problem(&got, 403, "forbidden");
    let got = post(&env.client(None), &env.url("/v1/links"), &req).await;
    assert_problem(&got, 401, "terminal_unauthenticated");
    let release = json!({"sub": SUB, "link": {"kind": "payment", "card_token_ref": TOK_VISA}});
    let got = post(
        &env.client(Some(T1)),
        &env.url("/v1/links/release"),
        &release,
    )
    .await;
    assert_problem(&got, 403, "forbidden");
    // Nothing changed; every refusal was journaled with the certificate's name.
    assert_eq!(
        owner(&env, TOK_VISA),
        (Some(SUB.into()), Some(PLATFORM.into()))
    );
    assert_eq!(journal(&env, "link", "forbidden"), 3);
    assert_eq!(journal(&env, "link", "terminal_unauthenticated"), 1);
    assert_eq!(journal(&env, "link_release", "forbidden"), 1);
    assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) FROM journal WHERE action = 'link' AND terminal_id = '{T1}'"
        )),
        1
    );
}

#[tokio::test]
async fn malformed_link_requests_get_problems_naming_the_field() {
    let env = Env::start().await;
    let c = env.platform_client();
    let url = env.url("/v1/links");
    let good = serde_json::to_value(link_request(TOK_VISA, "sub-x", certified())).unwrap();
    let with = |path: &[&str], value: serde_json::Value| {
        let mut v = good.clone();
        let mut at = &mut v;
        for (i, k) in path.iter().enumerate() {
            if i + 1 == path.len() {
                at[*k] = value.clone();
            } else {
                at = &mut at[*k];
            }
        }
        v
    };
    for (path, value, field) in [
        (&["sub"][..], json!("a b"), "sub"),
        (&["enrollment_id"][..], json!(""), "enrollment_id"),
        (
            &["holder", "birth_date"][..],
            json!("19850412"),
            "holder.birth_date",
        ),
        (&["holder", "name"][..], json!(""), "holder.name"),
        (
            &["link"][..],
            json!({"kind": "insurance", "insurer_number": "06139999", "number": "1"}),
            "link.kind",
        ),
        (&["link"][..], json!({"kind": "platform"}), "link.kind"),
        (
            &["link", "card_token_ref"][..],
            json!("tok bad"),
            "link.card_token_ref",
        ),
    ] {
        let got = post(&c, &url, &with(path, value)).await;
        let p = assert_problem(&got, 422, "invalid_field");
        assert_eq!(p["field"], field, "{p}");
    }
    let got = post(&c, &url, &with(&["surprise"], json!(1))).await;
    let p = assert_problem(&got, 400, "malformed_request");
    assert!(p["detail"].as_str().unwrap().contains("surprise"), "{p}");
    let got = post(&c, &url, &with(&["holder", "sex"], json!("x"))).await;
    assert_problem(&got, 400, "malformed_request");
    let got = post(
        &c,
        &env.url("/v1/links/release"),
        &json!({"sub": "", "link": {"kind": "payment", "card_token_ref": TOK_VISA}}),
    )
    .await;
    assert_eq!(assert_problem(&got, 422, "invalid_field")["field"], "sub");
    assert_eq!(journal(&env, "link", "invalid_field"), 7);
    assert_eq!(journal(&env, "link", "malformed_request"), 2);
    assert_eq!(journal(&env, "link_release", "invalid_field"), 1);
    // Nothing moved.
    assert_eq!(
        owner(&env, TOK_VISA),
        (Some(SUB.into()), Some(PLATFORM.into()))
    );
}

#[tokio::test]
async fn a_release_forgets_the_owner_only_for_the_subject_that_owns_it() {
    let env = Env::start().await;
    let c = env.platform_client();
    let url = env.url("/v1/links/release");
    let release =
        |sub: &str| json!({"sub": sub, "link": {"kind": "payment", "card_token_ref": TOK_VISA}});
    let got = post(&c, &url, &release("sub-other")).await;
    assert_eq!(ok(&got), json!({"released": false}));
    assert_eq!(owner(&env, TOK_VISA).0.as_deref(), Some(SUB));
    let got = post(&c, &url, &release(SUB)).await;
    assert_eq!(ok(&got), json!({"released": true}));
    assert_eq!(owner(&env, TOK_VISA), (None, None));
    let got = post(&c, &url, &release(SUB)).await;
    assert_eq!(ok(&got), json!({"released": false}));
    let got = post(
        &c,
        &url,
        &json!({"sub": SUB, "link": {"kind": "payment", "card_token_ref": "tok_nobody"}}),
    )
    .await;
    assert_eq!(ok(&got), json!({"released": false}));
    assert_eq!(journal(&env, "link_release", "released"), 1);
    assert_eq!(journal(&env, "link_release", "not_owned"), 3);
}
