//! Loopback ports for what the app binds itself (the demo's POS API), picked in
//! `[20000, 24576)`: below the kernel's ephemeral range, where
//! WebKitWebDriver picks the app's remote-inspector port (pick, release, and the app binds
//! it a moment later), and below the range the demo's own backends bind in
//! (`counter-demo`'s `listen`). A port picked here and released is then taken only by the
//! program it was meant for, or by a program that names it.

use std::net::{Ipv4Addr, TcpListener};

use crate::E2eError;

/// The range the tests pick in.
const PORTS: std::ops::Range<u16> = 20_000..24_576;

/// A loopback port nobody listens on now, in `PORTS`, from a start that differs
/// between processes and calls.
///
/// # Errors
///
/// When every port of the range is taken.
pub fn free_port() -> Result<u16, E2eError> {
    let span = u32::from(PORTS.end - PORTS.start);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let start = (std::process::id().wrapping_mul(2_654_435_761) ^ nanos) % span;
    let mut last = None;
    for i in 0..span {
        let port = PORTS.start + u16::try_from((start + i) % span).unwrap_or(0);
        match TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
            Ok(_) => return Ok(port),
            Err(e) => last = Some(e),
        }
    }
    Err(E2eError::io(
        "find a free loopback port below the ephemeral range",
    )(last.unwrap_or_else(|| {
        std::io::Error::from(std::io::ErrorKind::AddrInUse)
    })))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]
    use super::*;

    #[test]
    fn a_port_is_free_and_below_the_ephemeral_range() {
        let port = free_port().expect("a free port");
        assert!(PORTS.contains(&port), "{port}");
        let held = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).expect("it binds");
        // Another pick while the first is held never returns the held port.
        for _ in 0..20 {
            assert_ne!(free_port().expect("a free port"), port);
        }
        drop(held);
    }
}
