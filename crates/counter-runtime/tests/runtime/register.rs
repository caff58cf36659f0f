//! A shop's register, as the tests play it: requests to the terminal's POS API over real
//! HTTP (or HTTPS), every answer checked against the committed OpenAPI document
//! (`crates/counter-api/pos-openapi.json`, through counter-api's shared validator).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::openapi_contract::{Answer, Doc, conforms};

/// The register.
pub struct Register {
    base: String,
    http: reqwest::Client,
    doc: Doc,
    /// The API key it presents, if any.
    pub key: Option<String>,
}

/// An answer: status and JSON body.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// The sale's state, or the problem's code.
    pub fn state(&self) -> &str {
        self.body["state"]
            .as_str()
            .or_else(|| self.body["code"].as_str())
            .unwrap_or_default()
    }
}

/// A rustls client trusting only `ca_pem` (none: plain HTTP only), with `identity` (cert,
/// key PEM) as its client certificate.
pub fn tls(ca_pem: Option<&str>, identity: Option<(&str, &str)>) -> rustls::ClientConfig {
    match (ca_pem, identity) {
        (Some(ca), Some((cert, key))) => {
            counter_runtime::tls::client_config(ca.as_bytes(), cert.as_bytes(), key.as_bytes())
                .unwrap()
        }
        (ca, _) => {
            let mut roots = rustls::RootCertStore::empty();
            if let Some(ca) = ca {
                use rustls::pki_types::CertificateDer;
                use rustls::pki_types::pem::PemObject;
                for c in CertificateDer::pem_slice_iter(ca.as_bytes()) {
                    roots.add(c.unwrap()).unwrap();
                }
            }
            rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth()
        }
    }
}

impl Register {
    /// A register sending to `base` (`http://127.0.0.1:port`), with `tls` for `https://`.
    pub fn new(base: String, tls: rustls::ClientConfig) -> Register {
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Register {
            base,
            http,
            doc: Doc {
                root: counter_api::pos_openapi::document().unwrap(),
            },
            key: None,
        }
    }

    /// Sends `method` to `template` (with `{order_ref}` filled), with an idempotency key
    /// and a body; the answer must be one the document describes.
    pub async fn try_call(
        &self,
        method: &str,
        template: &str,
        order_ref: &str,
        idempotency_key: Option<&str>,
        body: Option<Value>,
    ) -> Result<Reply, reqwest::Error> {
        let url = format!(
            "{}{}",
            self.base,
            template.replace("{order_ref}", order_ref)
        );
        let mut req = match method {
            "GET" => self.http.get(url),
            _ => self.http.post(url),
        };
        if let Some(k) = idempotency_key {
            req = req.header("Idempotency-Key", k);
        }
        if let Some(k) = &self.key {
            req = req.bearer_auth(k);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await?;
        let status = r.status().as_u16();
        let content_type = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = r.text().await?;
        let body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {template}: not JSON ({e}): {text}"));
        let answer = Answer {
            status,
            content_type,
            body: body.clone(),
        };
        let op = self
            .doc
            .operations(&["pos"])
            .into_iter()
            .find(|o| o.method == method && o.path == template)
            .unwrap_or_else(|| panic!("{method} {template} is not in the document"));
        conforms(&self.doc, &op, &answer)
            .unwrap_or_else(|e| panic!("the answer breaks the document: {e}\n{body:#}"));
        Ok(Reply { status, body })
    }

    pub async fn call(
        &self,
        method: &str,
        template: &str,
        order_ref: &str,
        idempotency_key: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        self.try_call(method, template, order_ref, idempotency_key, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {template}: {e}"))
    }

    pub async fn create(&self, order_ref: &str, amount_jpy: u64, key: &str) -> Reply {
        let body = json!({"amount_jpy": amount_jpy, "order_ref": order_ref});
        self.call("POST", "/v1/sales", "", Some(key), Some(body))
            .await
    }

    pub async fn status(&self, order_ref: &str) -> Reply {
        self.call("GET", "/v1/sales/{order_ref}", order_ref, None, None)
            .await
    }

    pub async fn cancel(&self, order_ref: &str) -> Reply {
        self.call(
            "POST",
            "/v1/sales/{order_ref}/cancel",
            order_ref,
            None,
            None,
        )
        .await
    }

    pub async fn void(&self, order_ref: &str) -> Reply {
        self.call("POST", "/v1/sales/{order_ref}/void", order_ref, None, None)
            .await
    }

    pub async fn refund(&self, order_ref: &str, amount_jpy: u64, key: &str) -> Reply {
        let body = json!({ "amount_jpy": amount_jpy });
        self.call(
            "POST",
            "/v1/sales/{order_ref}/refunds",
            order_ref,
            Some(key),
            Some(body),
        )
        .await
    }

    /// Reads the sale until `f` holds (20 s at most); the last answer.
    pub async fn status_until(
        &self,
        order_ref: &str,
        what: &str,
        f: impl Fn(&Reply) -> bool,
    ) -> Reply {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let r = self.status(order_ref).await;
            if f(&r) {
                return r;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}; last answer {:#}",
                r.body
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
