//! The terminal's HTTPS client against a backend that misbehaves as an attacker would: a
//! redirect to another HTTPS server and to plain HTTP, an answer too large to read, and a
//! value that would change the URL's path. Each gets a typed refusal, and nothing reaches
//! the redirect's target. A backend answering garbage (HTML, truncated or other JSON, with
//! 200 and with 5xx) gets a typed error, and staff read a code of their table.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use backend_kit::devpki::DevPki;
use counter_api::acquirer::{AuthoriseRequest, ReversalReason, ReversalRequest};
use counter_core::{BackendFailure, Code};
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
        match b.bulk_fetch(bad).await {
            Err(BackendFailure::Unreachable {
                sent: false,
                detail,
            }) => {
                assert!(detail.contains("reception number"), "{detail}");
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert_eq!(seen.load(Ordering::SeqCst), 4, "no request left for them");
    backend.shutdown().await;
    other.shutdown().await;
}

/// An answer with `status`, `content_type` and `body` as given.
fn garbage(
    status: StatusCode,
    content_type: &'static str,
    body: &'static str,
) -> axum::response::Response {
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_answers_get_typed_errors_and_staff_codes() {
    let pki = DevPki::generate(&["localhost"]).unwrap();
    const HTML: &str = "<html><body><h1>Service temporarily unavailable</h1></body></html>";
    let router = Router::new()
        // The platform: a captive portal's page with 200.
        .route(
            "/v1/challenges",
            post(|| async { garbage(StatusCode::OK, "text/html", HTML) }),
        )
        // The insurer: JSON of another shape with 200, and a proxy's page with 502.
        .route(
            "/v1/eligibility",
            post(|| async {
                garbage(
                    StatusCode::OK,
                    "application/json",
                    r#"{"status":"ok","result":{"valid":true}}"#,
                )
            }),
        )
        .route(
            "/v1/bulk-prechecks/{reception}",
            get(|| async { garbage(StatusCode::BAD_GATEWAY, "text/html", HTML) }),
        )
        // The acquirer: JSON cut short with 200, JSON of another shape with 503, plain
        // text with 500, and totals of another shape with 200.
        .route(
            "/v1/payments",
            post(|| async {
                garbage(
                    StatusCode::OK,
                    "application/json",
                    r#"{"payment_id":"pay_1","status":"capt"#,
                )
            }),
        )
        .route(
            "/v1/payments/by-idempotency-key/{key}",
            get(|| async {
                garbage(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "application/json",
                    r#"{"error":"maintenance","retry":true}"#,
                )
            }),
        )
        .route(
            "/v1/reversals",
            post(|| async {
                garbage(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "text/plain",
                    "thread 'main' panicked",
                )
            }),
        )
        .route(
            "/v1/settlements/{date}",
            get(|| async { garbage(StatusCode::OK, "application/json", "[1,2,3]") }),
        );
    let backend = tls_server(&pki, router).await;
    let b = client(&pki, format!("https://localhost:{}", backend.addr().port()));

    // The platform: Malformed, and staff read "platform unavailable" (the check can use a
    // fallback), never a crash or an empty screen.
    let request = counter_api::platform::ChallengeRequest {
        purpose: counter_api::platform::ChallengePurpose::Identify,
        context: None,
    };
    let f = b.challenge(&request).await.unwrap_err();
    let detail = match &f {
        BackendFailure::Malformed { detail } => detail.clone(),
        other => panic!("challenge: {other:?}"),
    };
    assert!(
        detail.contains("HTTP 200") && detail.contains("not the expected JSON"),
        "{detail}"
    );
    let code = counter_core::session::platform_code(&f);
    assert_eq!(code, Code::PlatformUnavailable);
    assert!(
        staff_reads(code).contains("fallback"),
        "{}",
        staff_reads(code)
    );

    // The insurer: Malformed with 200, an uncoded problem with 502; both leave the outcome
    // unknown, so the check falls back to "insurer unavailable" with a re-check queued.
    let eligibility = counter_api::insurer::EligibilityRequest {
        assertion: "a.b.c".into(),
        qualification_confirmation_date: "20261206".into(),
        medical_institution_code: "1312345678".into(),
        arbitrary_identifier: None,
        limit_certificate_consent: false,
    };
    let f = b.eligibility(&eligibility).await.unwrap_err();
    assert!(
        matches!(&f, BackendFailure::Malformed { detail } if detail.contains("not the expected JSON")),
        "{f:?}"
    );
    let code = counter_core::eligibility::failure_reason(&f).code();
    assert_eq!(code, Code::InsurerUnavailable);
    assert!(
        staff_reads(code).contains("re-check"),
        "{}",
        staff_reads(code)
    );
    let f = b.bulk_fetch("R-0001").await.unwrap_err();
    match &f {
        BackendFailure::Problem {
            status: 502,
            code,
            detail,
            ..
        } => {
            assert_eq!(code, "internal");
            assert!(detail.contains("without a problem document"), "{detail}");
        }
        other => panic!("bulk fetch: {other:?}"),
    }
    assert!(f.outcome_unknown());

    // The acquirer, through the payment shell and its journal (a SQLite file): the sale
    // is neither approved nor declined on garbage but left in doubt, to be resolved by
    // status query, and staff read "payment in doubt" with what the acquirer last said.
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(std::sync::Mutex::new(
        counter_store::Store::open(dir.path().join("counter.sqlite")).unwrap(),
    ));
    let clock: Arc<dyn counter_runtime::clock::Clock> =
        Arc::new(counter_runtime::clock::SystemClock);
    let payments =
        counter_runtime::payments::Payments::new(store, b.clone(), clock, "counter-1", "shop-1")
            .with_policy(counter_runtime::payments::RetryPolicy {
                max_rounds: 3,
                first_backoff: Duration::from_millis(5),
                max_backoff: Duration::from_millis(20),
            });
    let report = payments
        .sell(1_200, None, "a.b.c".into())
        .await
        .expect("a sale on garbage is reported, not an error");
    assert_eq!(report.code, Code::PaymentInDoubt, "{report:?}");
    assert!(!report.record.state.is_final(), "{report:?}");
    assert_eq!(
        report.record.last_error.as_deref(),
        Some("internal (503)"),
        "{report:?}"
    );
    assert!(
        staff_reads(report.code).contains("Do not ask the customer to pay again"),
        "{}",
        staff_reads(report.code)
    );
    let (in_doubt, _) = payments.unfinished().unwrap();
    assert_eq!(in_doubt.len(), 1, "the journal keeps the sale in doubt");
    // A reversal answered with plain text and 500: unknown too, never "not charged".
    let f = b
        .reverse(
            "key-r",
            &ReversalRequest {
                original_idempotency_key: report.record.idempotency_key.clone(),
                reason: ReversalReason::Timeout,
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&f, BackendFailure::Problem { status: 500, code, .. } if code == "internal"),
        "{f:?}"
    );
    assert!(f.outcome_unknown());

    // The daily close on totals of another shape: refused, "acquirer unavailable".
    let other = tempfile::tempdir().unwrap();
    let store = Arc::new(std::sync::Mutex::new(
        counter_store::Store::open(other.path().join("counter.sqlite")).unwrap(),
    ));
    let payments = counter_runtime::payments::Payments::new(
        store,
        b.clone(),
        Arc::new(counter_runtime::clock::SystemClock),
        "counter-1",
        "shop-1",
    );
    match payments.close_day("2026-12-06").await {
        Err(counter_runtime::error::RuntimeError::Refused(code)) => {
            assert_eq!(code, Code::AcquirerUnavailable);
            assert!(
                staff_reads(code).contains("unreachable"),
                "{}",
                staff_reads(code)
            );
        }
        other => panic!("close on garbage: {other:?}"),
    }
    backend.shutdown().await;
}

/// What staff read for `code` (English): what happened, and the next step.
fn staff_reads(code: Code) -> String {
    let e = code.entry();
    format!("{} / {}", e.en, e.next_en)
}
