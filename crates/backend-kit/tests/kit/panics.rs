//! A request whose work panics answers `500 internal` without the panic's text.

use axum::Router;
use axum::routing::get;
use backend_kit::ApiError;
use backend_kit::task::run_blocking;

use crate::support::*;

async fn panicking() -> Result<String, ApiError> {
    run_blocking("panicking route", || -> Result<String, ApiError> {
        panic!("secret detail: /srv/platform/crl/bad.crl at offset 10")
    })
    .await
}

#[tokio::test]
async fn a_handler_whose_task_panics_answers_internal_without_the_panic_text() {
    let router = Router::new().route("/panic", get(panicking));
    let server = start(router, Default::default()).await;
    let mut s = server.connect(Some("t1")).await.unwrap();
    let (status, body) = get_on(&mut s, "/panic").await.unwrap();
    assert_eq!(status, 500, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["code"], "internal", "{v}");
    for leak in ["secret", "bad.crl", "panicked", "offset 10"] {
        assert!(!body.contains(leak), "{leak} in {body}");
    }
    // The connection and the server go on.
    assert_eq!(
        get_on(&mut s, "/hello").await.unwrap(),
        (200, "hello".into())
    );
    server.handle.shutdown().await;
}
