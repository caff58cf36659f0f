//! The platform's limits through the real TLS server: one terminal's challenge quota does
//! not stop another terminal, and thousands of idle connections without a client
//! certificate do not stop an identification.

use std::sync::Arc;
use std::time::{Duration, Instant};

use backend_kit::ServeLimits;
use counter_api::platform::{ChallengePurpose, ChallengeRequest};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;

use crate::support::*;

#[tokio::test]
async fn one_terminal_exhausting_its_challenge_quota_does_not_stop_another() {
    let env = Env::start_with(EnvOptions {
        challenges_per_terminal: 5,
        ..EnvOptions::default()
    })
    .await;
    let (greedy, desk) = (env.client(Some(T2)), env.client(Some(T1)));
    let ask = ChallengeRequest {
        purpose: ChallengePurpose::Identify,
        context: None,
    };
    for _ in 0..5 {
        let (s, _, v) = post(&greedy, &env.url("/v1/challenges"), &ask).await;
        assert_eq!(s, 200, "{v}");
    }
    let v = assert_problem(
        &post(&greedy, &env.url("/v1/challenges"), &ask).await,
        429,
        "challenge_quota_exceeded",
    );
    assert!(v["detail"].as_str().unwrap().contains('5'), "{v}");
    // The other desk enrols and identifies as if nothing happened.
    let card = Card::load("sato-hanako");
    assert_eq!(enroll(&env, &desk, &card).await.0, 200);
    let ch = challenge(&env, &desk, ChallengePurpose::Identify, None).await;
    let (s, _, v) = post(&desk, &env.url("/v1/identifications"), &card.answer(&ch)).await;
    assert_eq!(s, 200, "{v}");
    // The greedy terminal's challenges expire, and with them its quota is back.
    env.clock.advance(61);
    let (s, _, v) = post(&greedy, &env.url("/v1/challenges"), &ask).await;
    assert_eq!(s, 200, "{v}");
    env.shutdown().await;
}

/// Idle connections the test opens: `MADOGUCHI_IDLE_CONNECTIONS`, 2,000 by default.
fn idle_connections() -> usize {
    std::env::var("MADOGUCHI_IDLE_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

/// Fails with instructions when the open-file limit cannot hold `n` idle client sockets,
/// the server's connections and the rest of the test.
fn check_open_file_limit(n: usize) {
    let need = n + 1024;
    if let Some(soft) = backend_kit::serve::open_file_limit() {
        assert!(
            soft >= need,
            "this test holds {n} idle connections and needs an open-file limit of at least \
             {need} (it is {soft}): run `ulimit -n {need}` first, or set \
             MADOGUCHI_IDLE_CONNECTIONS to fewer than {}",
            soft.saturating_sub(1024)
        );
    }
}

/// A TLS client trusting the server's CA and presenting no certificate.
fn anonymous(env: &Env) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(env.server_ca.der.clone()))
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(backend_kit::tls::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

#[tokio::test]
async fn idle_connections_without_a_certificate_do_not_stop_an_identification() {
    let n = idle_connections();
    check_open_file_limit(n);
    // Long deadlines, so that only the connection limit can make room.
    let limits = ServeLimits {
        max_connections: 256,
        handshake_timeout: Duration::from_secs(60),
        header_timeout: Duration::from_secs(120),
    };
    let env = Env::start_with(EnvOptions {
        connections: limits,
        ..EnvOptions::default()
    })
    .await;
    let card = Card::load("sato-hanako");
    assert_eq!(enroll(&env, &env.client(Some(T1)), &card).await.0, 200);

    // Half of them never send a ClientHello; the other half finish the handshake without
    // a certificate and then send nothing.
    let addr = env.running.addr();
    let connector = anonymous(&env);
    let mut silent = Vec::with_capacity(n / 2);
    let mut idle_tls = Vec::with_capacity(n / 2);
    for i in 0..n {
        let tcp = TcpStream::connect(addr).await.unwrap();
        if i % 2 == 0 {
            silent.push(tcp);
        } else {
            let name = ServerName::try_from("localhost").unwrap();
            // A handshake may lose its slot to the next ones; it is idle either way.
            if let Ok(s) = connector.connect(name, tcp).await {
                idle_tls.push(s);
            }
        }
    }
    assert!(
        env.running.open_connections() <= limits.max_connections,
        "{} connections open",
        env.running.open_connections()
    );

    // A terminal's new connection gets in and identifies, well within its deadline.
    let started = Instant::now();
    let identify = async {
        let desk = env.client(Some(T1));
        let ch = challenge(&env, &desk, ChallengePurpose::Identify, None).await;
        post(&desk, &env.url("/v1/identifications"), &card.answer(&ch)).await
    };
    let (s, _, v) = tokio::time::timeout(Duration::from_secs(10), identify)
        .await
        .expect("no identification within 10 s while idle connections are held");
    assert_eq!(s, 200, "{v}");
    eprintln!(
        "{n} idle connections ({} finished TLS), identification in {:?}, {} open on the server",
        idle_tls.len(),
        started.elapsed(),
        env.running.open_connections()
    );
    drop((silent, idle_tls));
    env.shutdown().await;
}
