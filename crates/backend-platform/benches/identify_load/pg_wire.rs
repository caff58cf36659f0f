//! What the platform asks of PostgreSQL during the load bench, counted from outside the
//! platform's code: a TCP proxy on loopback between the nodes and the server's Unix socket
//! that reads the frontend protocol as it passes, and the CPU of the server's processes.
//!
//! - **Round trips**: the times a connection's client sent something after the server had
//!   answered since its previous send. Statements pipelined in one write (or in several
//!   writes with no answer between) are one round trip; each wait for an answer is one.
//! - **Statements**: Execute (`E`) and simple Query (`Q`) messages (PostgreSQL protocol 3,
//!   "Message Formats"); a simple Query holding several statements counts once.
//! - **Server CPU**: user + system time of every process `pg_stat_activity` lists (the
//!   backends and the background workers: WAL writer, checkpointer...), from
//!   `/proc/<pid>/stat`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Counters of everything that went through the proxy.
#[derive(Debug, Default)]
pub struct Counts {
    pub round_trips: AtomicU64,
    pub statements: AtomicU64,
    pub to_server: AtomicU64,
    pub to_client: AtomicU64,
}

/// A snapshot of [`Counts`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Snapshot {
    pub round_trips: u64,
    pub statements: u64,
    pub to_server: u64,
    pub to_client: u64,
}

impl Counts {
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            round_trips: self.round_trips.load(Ordering::SeqCst),
            statements: self.statements.load(Ordering::SeqCst),
            to_server: self.to_server.load(Ordering::SeqCst),
            to_client: self.to_client.load(Ordering::SeqCst),
        }
    }
}

impl Snapshot {
    pub fn since(self, before: Snapshot) -> Snapshot {
        Snapshot {
            round_trips: self.round_trips - before.round_trips,
            statements: self.statements - before.statements,
            to_server: self.to_server - before.to_server,
            to_client: self.to_client - before.to_client,
        }
    }
}

/// The Unix socket of a libpq connection string `host=<folder> port=<n> ...`.
pub fn socket_of(url: &str) -> String {
    let field = |k: &str| {
        url.split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
            .map(|v| v.trim_matches('\'').to_owned())
    };
    let host = field("host").expect("MADOGUCHI_PG_URL names no host (a socket folder)");
    let port = field("port").unwrap_or_else(|| "5432".into());
    format!("{host}/.s.PGSQL.{port}")
}

/// `url` with its host and port replaced by the proxy's loopback address.
pub fn via_proxy(url: &str, port: u16) -> String {
    let kept: Vec<&str> = url
        .split_whitespace()
        .filter(|kv| !kv.starts_with("host=") && !kv.starts_with("port="))
        .collect();
    format!("host=127.0.0.1 port={port} {}", kept.join(" "))
}

/// Starts the proxy on the current runtime: loopback TCP → the Unix socket `socket`.
pub async fn start_proxy(socket: String) -> (u16, Arc<Counts>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let counts = Arc::new(Counts::default());
    let c = counts.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            tcp.set_nodelay(true).unwrap();
            let unix = match tokio::net::UnixStream::connect(&socket).await {
                Ok(u) => u,
                Err(e) => {
                    eprintln!("pg proxy: cannot reach {socket}: {e}");
                    continue;
                }
            };
            let (c1, c2) = (c.clone(), c.clone());
            let last = Arc::new(AtomicU8::new(0));
            let l2 = last.clone();
            let (mut tr, mut tw) = tcp.into_split();
            let (mut ur, mut uw) = unix.into_split();
            tokio::spawn(async move {
                let mut parser = Frontend::default();
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = match tr.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    // A send after an answer (or the first send) is a new round trip.
                    if last.swap(CLIENT, Ordering::SeqCst) != CLIENT {
                        c1.round_trips.fetch_add(1, Ordering::SeqCst);
                    }
                    c1.to_server.fetch_add(n as u64, Ordering::SeqCst);
                    let statements = parser.feed(&buf[..n]);
                    c1.statements.fetch_add(statements, Ordering::SeqCst);
                    if uw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                let _ = uw.shutdown().await;
            });
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = match ur.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    l2.store(SERVER, Ordering::SeqCst);
                    c2.to_client.fetch_add(n as u64, Ordering::SeqCst);
                    if tw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                let _ = tw.shutdown().await;
            });
        }
    });
    (port, counts)
}

const CLIENT: u8 = 1;
const SERVER: u8 = 2;

/// Splits the frontend stream into messages: the untyped startup packets first (an
/// SSLRequest or GSSENCRequest is followed by another), then `type, int32 length, body`.
#[derive(Default)]
struct Frontend {
    started: bool,
    /// Bytes of the current message's header read so far.
    header: Vec<u8>,
    /// Body bytes of the current message still to skip.
    skip: usize,
}

impl Frontend {
    /// Feeds `data`; returns the statements (Execute, Query) whose header it completed.
    fn feed(&mut self, mut data: &[u8]) -> u64 {
        let mut statements = 0;
        while !data.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(data.len());
                self.skip -= n;
                data = &data[n..];
                continue;
            }
            let header_len = if self.started { 5 } else { 8 };
            let n = (header_len - self.header.len()).min(data.len());
            self.header.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.header.len() < header_len {
                break;
            }
            if self.started {
                let len = u32::from_be_bytes(self.header[1..5].try_into().unwrap()) as usize;
                if matches!(self.header[0], b'E' | b'Q') {
                    statements += 1;
                }
                self.skip = len.saturating_sub(4);
            } else {
                let len = u32::from_be_bytes(self.header[0..4].try_into().unwrap()) as usize;
                let code = u32::from_be_bytes(self.header[4..8].try_into().unwrap());
                // 80877103: SSLRequest, 80877104: GSSENCRequest; else the StartupMessage.
                self.started = !matches!(code, 80_877_103 | 80_877_104);
                self.skip = len.saturating_sub(8);
            }
            self.header.clear();
        }
        statements
    }
}

/// User + system seconds of each process of the PostgreSQL server (by pid).
pub async fn server_cpu(url: &str) -> BTreeMap<i32, f64> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(conn);
    let pids: Vec<i32> = client
        .query("SELECT pid FROM pg_stat_activity", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    drop(client);
    let _ = task.await;
    pids.into_iter()
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let fields: Vec<&str> = stat[stat.rfind(')')? + 2..].split_whitespace().collect();
            let ticks: f64 = fields[11].parse::<f64>().ok()? + fields[12].parse::<f64>().ok()?;
            Some((pid, ticks / 100.0)) // USER_HZ on Linux
        })
        .collect()
}

/// The server's CPU seconds between two [`server_cpu`] samples (processes in both, or
/// started between them).
pub fn server_cpu_delta(before: &BTreeMap<i32, f64>, after: &BTreeMap<i32, f64>) -> f64 {
    after
        .iter()
        .map(|(pid, t)| t - before.get(pid).copied().unwrap_or(0.0))
        .sum()
}

/// Transactions committed and rolled back in the database so far (`pg_stat_database`).
/// The server publishes a backend's counts when it goes idle, at most once a second.
pub async fn transactions(url: &str) -> i64 {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(conn);
    let n: i64 = client
        .query_one(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    drop(client);
    let _ = task.await;
    n
}
