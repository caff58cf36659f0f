//! A terminal whose `[[terminals]]` entry registers its certificate (`certificate_sha256`):
//! through the real TLS server, that certificate passes and another of the same CA with
//! the same CN (a stolen PC's after the replacement) is refused; a digest that is not
//! one is refused when the file loads.

use backend_acquirer::Settings;
use counter_api::acquirer::CaptureMode;

use crate::config::{config, write_material};
use crate::support::*;

#[tokio::test]
async fn only_the_registered_certificate_is_accepted() {
    let mut registered = None;
    let env = Env::start_with_ca(|ca, s| {
        let identity = ca.issue(T1, &[]).unwrap();
        s.terminals[0].certificate_sha256 = Some(sha256_of(&identity.0));
        registered = Some(identity);
    })
    .await;
    let registered = client_for(env.server_ca.der.clone(), registered);
    // The other terminals register none: start-up names them.
    let in_force = env.running.acquirer().in_force();
    assert_eq!(in_force.settings.warn_unregistered_terminals(), [T2, T3]);
    let req = env.authorise_req(1_000, TOK_VISA, CaptureMode::Automatic);
    let key = new_key();
    // Another certificate of the terminal CA with T1 as CN.
    let other = env.client(Some(T1));
    let got = post_key(&other, &env.url("/v1/payments"), &key, &req).await;
    let p = assert_problem(&got, 403, "terminal_unknown");
    assert_eq!(p["reason"], "certificate_not_registered", "{p}");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("registered with") && detail.contains("certificate_sha256"),
        "{detail}"
    );
    let status = env.url(&format!("/v1/payments/by-idempotency-key/{key}"));
    assert_problem(&get(&other, &status).await, 403, "terminal_unknown");
    assert_eq!(
        env.count(
            "SELECT COUNT(*) FROM journal WHERE action = 'terminal' \
             AND outcome = 'terminal_unknown' \
             AND reason LIKE 'certificate_not_registered %'"
        ),
        2
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 0);
    // The registered certificate passes, with the same key and assertion (neither was
    // used up by the refusals).
    ok(&post_key(&registered, &env.url("/v1/payments"), &key, &req).await);
    ok(&get(&registered, &status).await);
    // A terminal without a registered certificate keeps today's rule: any of the CA's.
    let unknown = env.url(&format!("/v1/payments/by-idempotency-key/{}", new_key()));
    assert_problem(
        &get(&env.client(Some(T2)), &unknown).await,
        404,
        "not_found",
    );
}

#[test]
fn the_file_takes_a_digest_and_refuses_what_is_not_one() {
    let dir = tempfile::tempdir().unwrap();
    let (s, t) = (Ca::new("s").unwrap(), Ca::new("t").unwrap());
    write_material(dir.path(), (&s, &t), &signer(7));
    let path = dir.path().join("acquirer.toml");
    let with = |digest: &str| {
        config("127.0.0.1:0", "").replace(
            "admin = true",
            &format!("admin = true\ncertificate_sha256 = \"{digest}\""),
        )
    };
    std::fs::write(&path, with(&["AB"; 32].join(":"))).unwrap();
    let ok = Settings::load(&path).unwrap();
    assert_eq!(ok.terminals[0].certificate_sha256, Some([0xab; 32]));
    for bad in ["zz".repeat(32), "ab".repeat(31), "ab".repeat(33)] {
        std::fs::write(&path, with(&bad)).unwrap();
        let e = Settings::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("acquirer.toml")
                && e.contains("certificate_sha256")
                && e.contains("not a SHA-256")
                && e.contains("64 hex"),
            "{e}"
        );
    }
}
