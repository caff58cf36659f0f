//! The register's (POS) payment API: a small HTTP server on the terminal, so that a shop's
//! register hands the amount to the counter instead of a cashier typing it again. Its
//! document is `crates/counter-api/pos-openapi.json` (`counter_api::pos_openapi`); its wire
//! types are `counter_api::pos`.
//!
//! The server only translates: each request becomes a [`PosCommand`] for the running
//! [`Counter`], whose machine decides (`counter_core::counter`, the register's rules) and
//! whose event loop journals the order before the customer is asked for anything; answers
//! and refusals come back as the sale or as a problem document naming the code of the
//! table and the field at fault. Each command carries the register as it authenticated (its
//! client certificate's subject, else the API key, else none), with which its orders are
//! journaled: a register reaches only its own (`counter_core::pos::own`).
//!
//! # Calling contract
//!
//! With a running [`Counter`], build [`PosSettings::from_config`] (`None` when the
//! configuration has no `[pos]` section) and [`start`] the server; it serves until the
//! returned [`PosServer`] is dropped or [`PosServer::stop`]ped. It listens on loopback unless
//! the configuration makes the register authenticate (an API key, or client certificates),
//! and never logs the API key or a request's headers.

mod http;
mod listen;
mod settings;

use std::net::SocketAddr;

use tokio::sync::watch;

pub use crate::counter::pos::{PosAnswer, PosCommand};
pub use settings::{ApiKey, PosSettings};

use crate::counter::Counter;
use crate::error::RuntimeError;

/// The running server; it stops when dropped.
#[derive(Debug)]
pub struct PosServer {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl PosServer {
    /// The address it listens on (with the port the system chose for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets the requests in progress finish (a few seconds at most) and
    /// returns.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        let task = &mut self.task;
        let _ = task.await;
    }
}

impl Drop for PosServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Binds `settings.listen` and serves the register's API over `counter`.
pub async fn start(counter: Counter, settings: PosSettings) -> Result<PosServer, RuntimeError> {
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| RuntimeError::Config {
            key: "pos.listen".into(),
            reason: format!("cannot listen on {}: {e}", settings.listen),
        })?;
    let addr = listener.local_addr().map_err(|e| RuntimeError::Config {
        key: "pos.listen".into(),
        reason: format!("cannot read the address listened on: {e}"),
    })?;
    if settings.api_key.is_some() && settings.tls.is_none() && !addr.ip().is_loopback() {
        tracing::warn!(
            %addr,
            "the register's API key travels unencrypted on the network: configure [pos.tls]"
        );
    }
    let router = http::router(counter, settings.api_key.clone());
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(listen::serve(
        listener,
        settings.tls.clone(),
        router,
        stopped,
    ));
    tracing::info!(%addr, tls = settings.tls.is_some(), "the register's API listens");
    Ok(PosServer { addr, stop, task })
}
