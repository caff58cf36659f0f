//! The one moment a killed node's timing rarely hits: a node takes the card's answer (the
//! challenge used, the identification accepted and audited) and dies before it answers.
//! Here that node is a TLS server in front of the real platform that passes every request
//! on and, for an identification, closes the connection instead of answering. The
//! terminal lists it first and the real node second.
//!
//! The terminal's platform client sends the same answer to the real node, which says
//! `challenge_replayed`: a lost answer, never a success and never a wrong PIN. With a
//! signer that can sign again, the identification starts over with a new challenge and is
//! accepted once; with the card's PIN given once, it ends with `platform_answer_lost`.

use std::sync::Arc;
use std::time::Duration;

use counter_api::platform::{ChallengeBinding, ChallengePurpose, ChallengeRequest};
use counter_core::Code;
use counter_runtime::clock::SystemClock;
use counter_runtime::ident::{ChallengeSigner, identify_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::support::*;

/// A persona's key in this process, able to sign `signatures` challenges.
struct Signer {
    card: Card,
    signatures: usize,
}

impl ChallengeSigner for Signer {
    async fn sign(&mut self, binding: &ChallengeBinding) -> Result<(Vec<u8>, Vec<u8>), Code> {
        assert!(self.signatures > 0, "asked to sign once too often");
        self.signatures -= 1;
        Ok((
            self.card.auth_der(),
            self.card.auth_sign(&binding.to_be_signed()),
        ))
    }

    fn can_sign_again(&self) -> bool {
        self.signatures > 0
    }
}

/// Starts the node that dies after taking an identification: TLS (a `localhost`
/// certificate of the tests' server CA), each request passed on to `platform` with
/// `forward`; its URL.
async fn dying_node(env: &Env, forward: reqwest::Client) -> String {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let (cert, key) = env.server_ca.issue("localhost", &["localhost"]).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()],
        PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://localhost:{}",
        listener.local_addr().unwrap().port()
    );
    let platform = env.base.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, forward, platform) =
                (acceptor.clone(), forward.clone(), platform.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                // One request per connection: the head, then the body its length says.
                let mut buf = Vec::new();
                let head_end = loop {
                    let mut chunk = [0u8; 4096];
                    let n = tls.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                while buf.len() < head_end + length {
                    let mut chunk = [0u8; 4096];
                    let n = tls.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let body = buf[head_end..head_end + length].to_vec();
                let r = forward
                    .post(format!("{platform}{path}"))
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                let answer = r.bytes().await.unwrap();
                if path == "/v1/identifications" {
                    // The platform accepted it; this node dies before it answers.
                    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
                    return;
                }
                let head = format!(
                    "HTTP/1.1 {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    status,
                    answer.len()
                );
                let _ = tls.write_all(head.as_bytes()).await;
                let _ = tls.write_all(&answer).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    url
}

/// The terminal's platform client for `T1` over `platform`.
fn terminal(env: &Env, platform: Vec<String>) -> counter_runtime::http::Backends {
    let (cert, key) = env.terminal_ca.issue(T1, &[]).unwrap();
    let tls = counter_runtime::tls::client_config(
        env.server_ca.pem.as_bytes(),
        cert.as_bytes(),
        key.as_bytes(),
    )
    .unwrap();
    counter_runtime::http::Backends::new(
        tls,
        counter_runtime::http::Endpoints {
            platform: platform.clone(),
            insurer: platform[0].clone(),
            acquirer: platform[0].clone(),
            timeout: Duration::from_secs(5),
        },
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_lost_with_its_node_is_identified_again_and_never_counted_twice() {
    let env = Env::start().await;
    let card = Card::load("sato-hanako");
    let (s, _, v) = enroll(&env, &env.client(Some(T1)), &card).await;
    assert_eq!(s, 200, "{v}");
    let dying = dying_node(&env, env.client(Some(T1))).await;
    let request = ChallengeRequest {
        purpose: ChallengePurpose::Identify,
        context: None,
    };

    // A signer that can sign again: a new challenge, accepted once.
    let backends = terminal(&env, vec![dying.clone(), env.base.clone()]);
    let mut signer = Signer {
        card: Card::load("sato-hanako"),
        signatures: 2,
    };
    let id = identify_with(
        &backends,
        &mut signer,
        &request,
        "pf-tokyo",
        T1,
        &SystemClock,
    )
    .await
    .unwrap();
    assert_eq!((id.restarts, signer.signatures), (1, 0));
    assert!(!id.response.menu.is_empty());
    assert_eq!(backends.platform_failovers(), 1);
    // The challenge the dying node passed on: accepted and audited once, then replayed at
    // the real node; the new one accepted once. The client reported only the new one.
    let rows = env.platform_rows(
        "SELECT challenge_id || ' ' || outcome FROM audit WHERE action = 'identify' ORDER BY id",
    );
    assert_eq!(rows.len(), 3, "{rows:?}");
    let lost = rows[0].strip_suffix(" ok").unwrap().to_owned();
    assert_eq!(rows[1], format!("{lost} challenge_replayed"));
    assert_eq!(rows[2], format!("{} ok", id.challenge_id));
    assert_ne!(lost, id.challenge_id);

    // The card with its PIN given once cannot sign again: the lost answer is the outcome,
    // with its own code (identify again; no PIN try used), not a wrong PIN or a replay.
    let backends = terminal(&env, vec![dying, env.base.clone()]);
    let mut once = Signer {
        card: Card::load("sato-hanako"),
        signatures: 1,
    };
    let e = identify_with(&backends, &mut once, &request, "pf-tokyo", T1, &SystemClock)
        .await
        .unwrap_err();
    assert_eq!(e, Code::PlatformAnswerLost);
    assert!(e.entry().retryable);
    env.shutdown().await;
}
