//! A server CA, a client CA, a TLS server on loopback over a small router, and raw HTTP/1.1
//! clients with and without a client certificate.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use backend_kit::{ServeLimits, ServerHandle};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

pub struct Ca {
    pub pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key).unwrap();
        Ca {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// (certificate PEM, key PEM) for `cn`.
    pub fn issue(&self, cn: &str, sans: &[&str]) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

pub struct Server {
    pub handle: ServerHandle,
    pub server_ca: Ca,
    pub client_ca: Ca,
}

/// A server of `router` (plus `GET /hello`) within `limits`.
pub async fn start(router: Router, limits: ServeLimits) -> Server {
    let server_ca = Ca::new("kit test server CA");
    let client_ca = Ca::new("kit test client CA");
    let (cert, key) = server_ca.issue("localhost", &["localhost"]);
    let tls = backend_kit::tls::server_config(
        cert.as_bytes(),
        key.as_bytes(),
        Some(client_ca.pem.as_bytes()),
    )
    .unwrap();
    let router = router.route("/hello", get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let handle = backend_kit::serve_tls_with(listener, tls, router, limits).unwrap();
    Server {
        handle,
        server_ca,
        client_ca,
    }
}

impl Server {
    pub fn addr(&self) -> SocketAddr {
        self.handle.addr()
    }

    /// A TLS connection, presenting a certificate of the client CA for `cn` if given.
    pub async fn connect(&self, cn: Option<&str>) -> std::io::Result<TlsStream<TcpStream>> {
        let mut roots = rustls::RootCertStore::empty();
        for c in backend_kit::tls::certificates("server CA", self.server_ca.pem.as_bytes()).unwrap()
        {
            roots.add(c).unwrap();
        }
        let builder = rustls::ClientConfig::builder_with_provider(backend_kit::tls::provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots);
        let config = match cn {
            Some(cn) => {
                let (cert, key) = self.client_ca.issue(cn, &[]);
                builder
                    .with_client_auth_cert(
                        backend_kit::tls::certificates("client", cert.as_bytes()).unwrap(),
                        backend_kit::tls::private_key(key.as_bytes()).unwrap(),
                    )
                    .unwrap()
            }
            None => builder.with_no_client_auth(),
        };
        let tcp = TcpStream::connect(self.addr()).await?;
        TlsConnector::from(Arc::new(config))
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
    }

    /// Waits until the server holds `n` connections or fewer (a deadline of 10 s).
    pub async fn wait_open_at_most(&self, n: usize) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while self.handle.open_connections() > n {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} connections open, expected at most {n}",
                self.handle.open_connections()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Sends `GET path` (keep-alive) and reads one response: (status, body).
pub async fn get_on<S>(s: &mut S, path: &str) -> std::io::Result<(u16, String)>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    s.write_all(req.as_bytes()).await?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            continue;
        };
        let len: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .unwrap_or(0);
        if body.len() >= len {
            let status = head.split(' ').nth(1).unwrap().parse().unwrap();
            return Ok((status, body.to_owned()));
        }
    }
}

/// Whether the server closed `s` within `within` (reads EOF or an error).
pub async fn closed_by_server<S>(s: &mut S, within: Duration) -> bool
where
    S: tokio::io::AsyncRead + Unpin,
{
    let mut b = [0u8; 64];
    matches!(
        tokio::time::timeout(within, s.read(&mut b)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}
