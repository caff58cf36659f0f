//! The terminal's HTTPS client against a backend that misbehaves as an attacker would: a
//! redirect to another HTTPS server and to plain HTTP, an answer too large to read, and a
//! value that would change the URL's path. Each gets a typed refusal, and nothing reaches
//! the redirect's target.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use backend_kit::devpki::DevPki;
use counter_api::acquirer::{AuthoriseRequest, ReversalReason, ReversalRequest};
use counter_core::BackendFailure;
use counter_runtime::http::{Backends, Endpoints, MAX_ANSWER_BYTES};
use tokio::net::TcpListener;

/// A TLS server on loopback serving `router`, trusted by the terminal's client.
async fn tls_server(pki: &DevPki, router: Router) -> backend_kit::serve::ServerHandle {
    let tls = backend_kit::tls::server_config(
        pki.server_cert_pem.as_bytes(),
        pki.server_key_pem.as_bytes(),
        None,
    )
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    backend_kit::serve::serve_tls(listener, tls, router).unwrap()
}

/// Counts every request `router` gets.
fn counted(router: Router, seen: Arc<AtomicUsize>) -> Router {
    router.layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            let seen = seen.clone();
            async move {
                seen.fetch_add(1, Ordering::SeqCst);
                next.run(req).await
            }
        },
    ))
}

fn client(pki: &DevPki, acquirer: String) -> Backends {
    let (cert, key) = pki.terminal_identity("counter-1").unwrap();
    let tls = counter_runtime::tls::client_config(
        pki.server_ca_pem.as_bytes(),
        cert.as_bytes(),
        key.as_bytes(),
    )
    .unwrap();
    Backends::new(
        tls,
        Endpoints {
            platform: vec![acquirer.clone()],
            insurer: acquirer.clone(),
            acquirer,
            timeout: Duration::from_secs(5),
        },
    )
    .unwrap()
}

fn authorise() -> AuthoriseRequest {
    AuthoriseRequest {
        assertion: "eyJhbGciOiJFUzI1NiJ9.SECRET-ASSERTION.sig".into(),
        merchant_id: "shop-1".into(),
        amount_jpy: 1_200,
        order_ref: "order-1".into(),
        capture: counter_api::acquirer::CaptureMode::Manual,
    }
}

fn malformed(r: Result<impl std::fmt::Debug, BackendFailure>, what: &str) -> String {
    match r {
        Err(BackendFailure::Malformed { detail }) => detail,
        other => panic!("{what}: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_oversized_answers_and_path_injection_are_refused() {
    let pki = DevPki::generate(&["localhost"]).unwrap();

    // Where the redirects point: a plain TCP port and another HTTPS server, both counting.
    let plain = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain_port = plain.local_addr().unwrap().port();
    let plain_seen = Arc::new(AtomicUsize::new(0));
    let counter = plain_seen.clone();
    tokio::spawn(async move {
        while let Ok((_socket, _)) = plain.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let other_seen = Arc::new(AtomicUsize::new(0));
    let other = tls_server(
        &pki,
        counted(
            Router::new().fallback(|| async { StatusCode::OK }),
            other_seen.clone(),
        ),
    )
    .await;
    let other_port = other.addr().port();

    // The misbehaving backend.
    let seen = Arc::new(AtomicUsize::new(0));
    let to = move |url: String| {
        move || async move {
            (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, url)]).into_response()
        }
    };
    let router = Router::new()
        .route(
            "/v1/payments",
            post(to(format!("http://127.0.0.1:{plain_port}/v1/payments"))),
        )
        .route(
            "/v1/reversals",
            post(to(format!("https://localhost:{other_port}/v1/reversals"))),
        )
        .route(
            "/v1/settlements/{date}",
            get(|| async { vec![b'{'; MAX_ANSWER_BYTES + 1] }),
        )
        .route(
            "/v1/payments/by-idempotency-key/{key}",
            get(|| async {
                // No Content-Length: the cap holds while the body streams in.
                let chunks = (0..40).map(|_| Ok::<_, std::io::Error>(vec![b' '; 64 * 1024]));
                axum::body::Body::from_stream(futures_util::stream::iter(chunks))
            }),
        );
    let backend = tls_server(&pki, counted(router, seen.clone())).await;
    let b = client(&pki, format!("https://localhost:{}", backend.addr().port()));

    // A redirect to plain HTTP: not followed; the body (assertion, key) stays here.
    let detail = malformed(b.authorise("key-1", &authorise()).await, "redirect to http");
    assert!(detail.contains("redirect"), "{detail}");
    // A redirect to another HTTPS server: not followed either.
    let reversal = ReversalRequest {
        original_idempotency_key: "key-1".into(),
        reason: ReversalReason::Timeout,
    };
    malformed(b.reverse("key-2", &reversal).await, "redirect to https");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        plain_seen.load(Ordering::SeqCst),
        0,
        "nothing reached plain HTTP"
    );
    assert_eq!(
        other_seen.load(Ordering::SeqCst),
        0,
        "nothing reached the other server"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 2);

    // Answers too large to read, said so or streamed.
    let detail = malformed(b.settlement("2026-12-06").await, "oversized");
    assert!(detail.contains("larger than"), "{detail}");
    let detail = malformed(b.status("key-3").await, "oversized stream");
    assert!(detail.contains("larger than"), "{detail}");
    assert_eq!(seen.load(Ordering::SeqCst), 4);

    // Values that would change the path: refused before anything is sent.
    for bad in [
        "../../admin/keys",
        "2026-12-06/../../x",
        "a?debug=1",
        "%2e%2e",
    ] {
        match b.settlement(bad).await {
            Err(BackendFailure::Unreachable {
                sent: false,
                detail,
            }) => {
                assert!(detail.contains("path segment"), "{detail}");
            }
            other => panic!("{bad}: {other:?}"),
        }
        match b.status(bad).await {
            Err(BackendFailure::Unreachable { sent: false, .. }) => {}
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert_eq!(seen.load(Ordering::SeqCst), 4, "no request left for them");
    backend.shutdown().await;
    other.shutdown().await;
}
