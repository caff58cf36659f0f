//! The listener's limits: at most `max_connections` open, the oldest connection without a
//! client certificate closed for a newcomer, newcomers refused when every slot is verified,
//! and handshakes that do not finish closed at their deadline.

use std::time::Duration;

use axum::Router;
use backend_kit::ServeLimits;
use tokio::net::TcpStream;

use crate::support::*;

fn limits(max: usize, handshake_ms: u64) -> ServeLimits {
    ServeLimits {
        max_connections: max,
        handshake_timeout: Duration::from_millis(handshake_ms),
        header_timeout: Duration::from_secs(60),
    }
}

#[tokio::test]
async fn silent_and_certificate_less_connections_cannot_keep_a_client_out() {
    let server = start(Router::new(), limits(8, 60_000)).await;
    // Twenty connections that never send a ClientHello, and four that finish the handshake
    // without a certificate and then idle: far more than the 8 slots.
    let mut silent = Vec::new();
    for _ in 0..20 {
        silent.push(TcpStream::connect(server.addr()).await.unwrap());
    }
    let mut anonymous = Vec::new();
    for _ in 0..4 {
        anonymous.push(server.connect(None).await.unwrap());
    }
    server.wait_open_at_most(8).await;
    // A client with a certificate gets in at once, and keeps its connection.
    let mut client = server.connect(Some("t1")).await.unwrap();
    assert_eq!(get_on(&mut client, "/hello").await.unwrap().0, 200);
    for _ in 0..20 {
        silent.push(TcpStream::connect(server.addr()).await.unwrap());
    }
    server.wait_open_at_most(8).await;
    assert_eq!(get_on(&mut client, "/hello").await.unwrap().0, 200);
    // The oldest were pushed out: the first silent connection was closed by the server.
    assert!(closed_by_server(&mut silent[0], Duration::from_secs(5)).await);
    server.handle.shutdown().await;
}

#[tokio::test]
async fn when_every_slot_has_a_verified_client_a_newcomer_is_refused() {
    let server = start(Router::new(), limits(2, 60_000)).await;
    let mut a = server.connect(Some("t1")).await.unwrap();
    let mut b = server.connect(Some("t2")).await.unwrap();
    assert_eq!(get_on(&mut a, "/hello").await.unwrap().0, 200);
    assert_eq!(get_on(&mut b, "/hello").await.unwrap().0, 200);
    let mut c = TcpStream::connect(server.addr()).await.unwrap();
    assert!(closed_by_server(&mut c, Duration::from_secs(5)).await);
    // The verified ones are untouched; once one leaves, there is room again.
    assert_eq!(get_on(&mut a, "/hello").await.unwrap().0, 200);
    drop(b);
    server.wait_open_at_most(1).await;
    let mut d = server.connect(Some("t3")).await.unwrap();
    assert_eq!(get_on(&mut d, "/hello").await.unwrap().0, 200);
    server.handle.shutdown().await;
}

#[tokio::test]
async fn a_handshake_not_finished_by_its_deadline_is_closed() {
    let server = start(Router::new(), limits(64, 300)).await;
    let mut silent = TcpStream::connect(server.addr()).await.unwrap();
    let started = std::time::Instant::now();
    assert!(closed_by_server(&mut silent, Duration::from_secs(5)).await);
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    server.wait_open_at_most(0).await;
    server.handle.shutdown().await;
}
