//! A TCP listener on 127.0.0.1 with its accepting thread. The reader's two
//! ports (the card's and the keys') listen on the loopback address only: the
//! card would see the PIN of every VERIFY, the keys are the PIN.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long stopping waits for the accepting thread to see the wake-up call.
const STOP_CONNECT: Duration = Duration::from_secs(1);

/// A listening port and the thread that hands each connection to a handler.
pub struct Listener {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    /// Listens on `127.0.0.1:port` and calls `on_connect` (on the accepting
    /// thread) for each connection until [`Listener::stop`].
    pub fn start(
        port: u16,
        name: &str,
        on_connect: impl FnMut(TcpStream) + Send + 'static,
    ) -> io::Result<Listener> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let mut on_connect = on_connect;
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        // A handler that panicked loses that connection only.
                        let _ = catch_unwind(AssertUnwindSafe(|| on_connect(stream)));
                    }
                }
            })?;
        Ok(Listener {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting and waits for the accepting thread.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the blocking accept; if it fails, the thread is gone already.
        let _ = TcpStream::connect_timeout(&self.addr, STOP_CONNECT);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    #[test]
    fn listens_on_loopback_and_stops() {
        let (tx, rx) = mpsc::channel();
        let mut l = Listener::start(0, "test", move |s| {
            let _ = tx.send(s.peer_addr().is_ok());
        })
        .unwrap();
        assert!(l.addr().ip().is_loopback());
        TcpStream::connect(l.addr()).unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(true));
        l.stop();
        assert!(TcpStream::connect(l.addr()).is_err());
    }

    #[test]
    fn a_panicking_handler_does_not_end_the_listener() {
        let (tx, rx) = mpsc::channel();
        let mut first = true;
        let _l = {
            let l = Listener::start(0, "test", move |_| {
                if std::mem::take(&mut first) {
                    panic!("handler failed");
                }
                let _ = tx.send(());
            })
            .unwrap();
            TcpStream::connect(l.addr()).unwrap();
            TcpStream::connect(l.addr()).unwrap();
            l
        };
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(()));
    }
}
