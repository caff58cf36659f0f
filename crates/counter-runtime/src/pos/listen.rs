//! The accept loop: HTTP/1.1 by hyper over TCP, or over rustls when `[pos.tls]` is set,
//! the router per request. A register is one machine on the shop's network: a few
//! connections at most, each given a header deadline so a silent one cannot stay forever.

use std::sync::Arc;
use std::time::Duration;

use axum::{Extension, Router};
use der::Decode;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::CertificateDer;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

/// How long a connection may take to send its headers (and stay idle between requests).
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the requests in progress may take to finish once the server stops.
const DRAIN: Duration = Duration::from_secs(5);

/// The client certificate a register presented on its connection, which the handshake
/// verified against `[pos.tls] client_ca`: every request of the connection carries it, and
/// its subject names the register ([`super::http`] `Register`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum ClientCertificate {
    /// None (plain HTTP, or TLS without client certificates).
    Absent,
    /// Its subject (RFC 4514, e.g. `CN=register-1,O=Shop`).
    Subject(String),
    /// One whose subject cannot name a register (empty, or not decodable): its requests are
    /// refused rather than mixed with another register's.
    Unnamed,
}

impl ClientCertificate {
    /// The leaf of the chain the register presented, if any.
    fn of(chain: Option<&[CertificateDer<'_>]>) -> Self {
        let Some(leaf) = chain.and_then(<[_]>::first) else {
            return Self::Absent;
        };
        match x509_cert::Certificate::from_der(leaf.as_ref()) {
            Ok(cert) => {
                let subject = cert.tbs_certificate().subject().to_string();
                if subject.is_empty() {
                    Self::Unnamed
                } else {
                    Self::Subject(subject)
                }
            }
            Err(_) => Self::Unnamed,
        }
    }
}

/// Accepts until `stopped` turns true.
pub(super) async fn serve(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    router: Router,
    mut stopped: watch::Receiver<bool>,
) {
    let acceptor = tls.map(TlsAcceptor::from);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stopped.changed() => return,
        };
        let (tcp, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!("the register's API could not accept a connection: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let router = router.clone();
        let stopped = stopped.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            match acceptor {
                None => {
                    let router = router.layer(Extension(ClientCertificate::Absent));
                    connection(TokioIo::new(tcp), router, stopped).await
                }
                Some(acceptor) => {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(tls)) => {
                            let cert = ClientCertificate::of(tls.get_ref().1.peer_certificates());
                            let router = router.layer(Extension(cert));
                            connection(TokioIo::new(tls), router, stopped).await
                        }
                        Ok(Err(e)) => {
                            tracing::info!(%peer, "a register's TLS handshake failed: {e}")
                        }
                        Err(_) => tracing::info!(%peer, "a register's TLS handshake timed out"),
                    }
                }
            }
        });
    }
}

async fn connection<I>(io: I, router: Router, mut stopped: watch::Receiver<bool>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = TowerToHyperService::new(router);
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!("a register's connection ended: {e}");
            }
        }
        _ = stopped.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(DRAIN, conn).await;
        }
    }
}
