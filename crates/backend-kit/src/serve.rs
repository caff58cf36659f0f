//! The TLS accept loop: rustls over TCP, HTTP/1.1 by hyper, the axum router per request,
//! the client certificate's identity as a request extension, graceful shutdown, and the
//! listener's limits ([`ServeLimits`]: connections open at once, handshake and header
//! deadlines).
//!
//! One loop serves both modes: `serve --config FILE` binds the configured address, the
//! in-process mode (desktop demo, tests) binds `127.0.0.1:0` and reads the port from
//! [`ServerHandle::addr`].

mod limits;
mod slots;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

pub use limits::{
    ConnectionsConfig, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
    RESERVED_FDS, ServeLimits, open_file_limit,
};
use slots::{Admission, Slot, Slots};

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
    slots: Arc<Slots>,
}

impl ServerHandle {
    /// The bound address (with the port chosen for `:0`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections open now (each holding one of the [`ServeLimits::max_connections`]
    /// slots).
    pub fn open_connections(&self) -> usize {
        self.slots.open()
    }

    /// Stops accepting, lets open requests finish (connections close after their current
    /// request), and waits for the accept loop to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Serves `router` over TLS on `listener` with the default [`ServeLimits`] until
/// [`ServerHandle::shutdown`].
pub fn serve_tls(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    router: Router,
) -> std::io::Result<ServerHandle> {
    serve_tls_with(listener, tls, router, ServeLimits::default())
}

/// Serves `router` over TLS on `listener` within `limits` until [`ServerHandle::shutdown`].
/// The connection limit is lowered to fit the process's open-file limit
/// ([`ServeLimits::effective_max_connections`]).
pub fn serve_tls_with(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    router: Router,
    limits: ServeLimits,
) -> std::io::Result<ServerHandle> {
    let addr = listener.local_addr()?;
    let (stop, stopped) = watch::channel(false);
    let slots = Slots::new(limits.effective_max_connections());
    let accept = AcceptLoop {
        acceptor: TlsAcceptor::from(tls),
        router,
        limits,
        slots: slots.clone(),
    };
    let task = tokio::spawn(accept.run(listener, stopped));
    Ok(ServerHandle {
        addr,
        stop,
        task,
        slots,
    })
}

/// What every connection of one listener shares.
struct AcceptLoop {
    acceptor: TlsAcceptor,
    router: Router,
    limits: ServeLimits,
    slots: Arc<Slots>,
}

impl AcceptLoop {
    async fn run(self, listener: TcpListener, mut stopped: watch::Receiver<bool>) {
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
            // The slot comes first: a connection over the limit costs no handshake.
            let slot = match self.slots.admit() {
                Admission::Admitted(slot) => slot,
                Admission::Refused => {
                    tracing::debug!(%remote, "connection refused: every slot has a verified client");
                    drop(tcp);
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            let connection = Connection {
                acceptor: self.acceptor.clone(),
                router: self.router.clone(),
                limits: self.limits,
                stopped: stopped.clone(),
                slot,
            };
            tokio::spawn(connection.run(tcp, remote));
        }
    }
}

/// One accepted connection and its slot.
struct Connection {
    acceptor: TlsAcceptor,
    router: Router,
    limits: ServeLimits,
    stopped: watch::Receiver<bool>,
    slot: Slot,
}

impl Connection {
    async fn run(self, tcp: tokio::net::TcpStream, remote: SocketAddr) {
        let evicted = self.slot.evicted();
        let handshake =
            tokio::time::timeout(self.limits.handshake_timeout, self.acceptor.accept(tcp));
        let tls = tokio::select! {
            r = handshake => match r {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::debug!(%remote, "TLS handshake failed: {e}");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%remote, "TLS handshake not finished in time");
                    return;
                }
            },
            _ = evicted.notified() => {
                tracing::debug!(%remote, "closed in its handshake to make room");
                return;
            }
        };
        let peer = Peer(
            tls.get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| Arc::new(ClientIdentity::from_der(c))),
        );
        // rustls verified the certificate against the client CA: such a connection keeps
        // its slot. One without a certificate may be pushed out for a newcomer.
        let close_on = match &peer.0 {
            Some(_) if !self.slot.verified() => return,
            Some(_) => None,
            None => Some(evicted),
        };
        serve_connection(tls, peer, self.router, self.stopped, close_on, self.limits).await;
        drop(self.slot);
    }
}

async fn serve_connection(
    tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
    peer: Peer,
    router: Router,
    mut stopped: watch::Receiver<bool>,
    evicted: Option<Arc<Notify>>,
    limits: ServeLimits,
) {
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(peer.clone());
        router.clone().oneshot(req)
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .serve_connection(TokioIo::new(tls), service);
    tokio::pin!(conn);
    let evicted = async {
        match evicted {
            Some(n) => n.notified().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!("connection ended: {e}");
            }
        }
        _ = evicted => {
            tracing::debug!("connection without a client certificate closed to make room");
        }
        _ = stopped.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
        }
    }
}
