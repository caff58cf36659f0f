//! The TLS accept loop: rustls over TCP, HTTP/1.1 by hyper, the axum router per request,
//! the client certificate's identity as a request extension, graceful shutdown.
//!
//! One loop serves both modes: `serve --config FILE` binds the configured address, the
//! in-process mode (desktop demo, tests) binds `127.0.0.1:0` and reads the port from
//! [`ServerHandle::addr`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// A TLS handshake that takes longer than this is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Request headers must arrive within this after the connection is idle.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// The verified client certificate of the connection a request came on (absent when the
/// client sent none). Handlers get it with `Extension<Peer>`.
#[derive(Clone, Debug, Default)]
pub struct Peer(pub Option<Arc<ClientIdentity>>);

/// What the server knows of a client from its certificate (verified by rustls against the
/// configured client CA before this exists).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientIdentity {
    /// The subject's commonName (the terminal id in Madoguchi's terminal CA).
    pub common_name: Option<String>,
    /// SHA-256 of the certificate DER, lower-case hex.
    pub sha256: String,
}

impl ClientIdentity {
    /// From the leaf certificate's DER.
    pub fn from_der(der: &[u8]) -> Self {
        Self {
            common_name: common_name(der),
            sha256: hex::encode(Sha256::digest(der)),
        }
    }
}

fn common_name(der: &[u8]) -> Option<String> {
    use der::Decode;
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    for rdn in cert.tbs_certificate().subject().iter_rdn() {
        for atv in rdn.iter() {
            if atv.oid == COMMON_NAME {
                return atv
                    .value
                    .decode_as::<der::asn1::Utf8StringRef<'_>>()
                    .map(|s| s.as_str().to_owned())
                    .or_else(|_| {
                        atv.value
                            .decode_as::<der::asn1::PrintableStringRef<'_>>()
                            .map(|s| s.as_str().to_owned())
                    })
                    .ok();
            }
        }
    }
    None
}

/// id-at-commonName (RFC 5280 Appendix A.1, X.520); evaluated at compile time.
const COMMON_NAME: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.5.4.3");

/// A running server: its address and the way to stop it.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl ServerHandle {
    /// The bound address (with the port chosen for `:0`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets open requests finish (connections close after their current
    /// request), and waits for the accept loop to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Serves `router` over TLS on `listener` until [`ServerHandle::shutdown`].
pub fn serve_tls(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    router: Router,
) -> std::io::Result<ServerHandle> {
    let addr = listener.local_addr()?;
    let (stop, stopped) = watch::channel(false);
    let acceptor = TlsAcceptor::from(tls);
    let task = tokio::spawn(accept_loop(listener, acceptor, router, stopped));
    Ok(ServerHandle { addr, stop, task })
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    router: Router,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stopped.changed() => break,
        };
        let (tcp, remote) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let router = router.clone();
        let stopped = stopped.clone();
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::debug!(%remote, "TLS handshake failed: {e}");
                    return;
                }
                Err(_) => return,
            };
            let peer = Peer(
                tls.get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .map(|c| Arc::new(ClientIdentity::from_der(c))),
            );
            serve_connection(tls, peer, router, stopped).await;
        });
    }
}

async fn serve_connection(
    tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
    peer: Peer,
    router: Router,
    mut stopped: watch::Receiver<bool>,
) {
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(peer.clone());
        router.clone().oneshot(req)
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(TokioIo::new(tls), service);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!("connection ended: {e}");
            }
        }
        _ = stopped.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
        }
    }
}
