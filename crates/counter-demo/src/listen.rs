//! Where the demo's in-process backends listen: a loopback port *below* the kernel's
//! ephemeral range, taken by binding it (never probed and released).
//!
//! Why not port 0: the end-to-end tests drive the app through WebKitWebDriver, which picks
//! a free ephemeral port for WebKit's remote inspector, releases it, and has the app bind
//! it a moment later. A backend bound to port 0 in that moment can take the same port, and
//! the WebDriver session never starts ("Failed to start remote inspector server …: Address
//! already in use"). Ports outside the ephemeral range are only ever taken by a program
//! that names them, so the two cannot meet.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use tokio::net::TcpListener;

/// The lowest port the demo uses. The end-to-end tests pick the port they hand to the
/// demo's POS API below it (`madoguchi-e2e`'s `free_port`), so a port they picked and
/// released cannot be taken here before the app binds it.
const LOWEST: u16 = 24_576;
/// The kernel's usual ephemeral floor (`net.ipv4.ip_local_port_range`), when it cannot be read.
const EPHEMERAL_FLOOR: u16 = 32_768;
/// Ports tried before giving up.
const TRIES: u16 = 512;

/// Binds a loopback port in `[LOWEST, ephemeral floor)`, starting at a place that differs
/// between processes and calls, and moving on while a port is taken.
///
/// # Errors
///
/// The last bind error when [`TRIES`] ports in a row are taken or refused.
pub(crate) async fn loopback_listener() -> io::Result<TcpListener> {
    let ports = candidates(ephemeral_floor(), seed());
    let mut last = io::Error::new(io::ErrorKind::AddrInUse, "no port tried");
    for port in ports {
        match TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await {
            Ok(listener) => return Ok(listener),
            Err(e) => last = e,
        }
    }
    Err(io::Error::new(
        last.kind(),
        format!(
            "no free loopback port between {LOWEST} and the ephemeral range after {TRIES} tries: {last}"
        ),
    ))
}

/// The first port of the kernel's ephemeral range, from /proc; the usual default elsewhere
/// or when the range starts too low to leave the demo any room.
fn ephemeral_floor() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u16>().ok())
        .filter(|floor| *floor > LOWEST + TRIES)
        .unwrap_or(EPHEMERAL_FLOOR)
}

/// A start that differs between processes (the pid) and between calls (the clock).
fn seed() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    std::process::id().wrapping_mul(2_654_435_761) ^ nanos
}

/// [`TRIES`] ports in `[LOWEST, floor)`, from a start picked by `seed`, wrapping around.
fn candidates(floor: u16, seed: u32) -> impl Iterator<Item = u16> {
    let span = u32::from(floor.saturating_sub(LOWEST)).max(1);
    let start = seed % span;
    (0..u32::from(TRIES)).map(move |i| {
        let offset = (start + i) % span;
        // offset < span <= u16::MAX - LOWEST, so the sum fits.
        LOWEST.saturating_add(u16::try_from(offset).unwrap_or(0))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]
    use super::*;

    #[test]
    fn candidates_stay_below_the_ephemeral_floor_and_wrap() {
        let floor = 32_768;
        for seed in [0, 1, 12_767, 12_768, u32::MAX] {
            let ports: Vec<u16> = candidates(floor, seed).collect();
            assert_eq!(ports.len(), usize::from(TRIES));
            assert!(
                ports.iter().all(|p| (LOWEST..floor).contains(p)),
                "seed {seed}: {ports:?}"
            );
            let mut unique = ports.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), ports.len(), "seed {seed}: a port tried twice");
        }
        // The start wraps to LOWEST once the range ends.
        let ports: Vec<u16> = candidates(floor, u32::from(floor - LOWEST - 1)).collect();
        assert_eq!(&ports[..2], &[floor - 1, LOWEST]);
    }

    #[tokio::test]
    async fn a_taken_port_is_passed_over_and_the_listener_is_outside_the_ephemeral_range() {
        let first = loopback_listener().await.expect("a first port");
        let second = loopback_listener().await.expect("a second port");
        let (a, b) = (
            first.local_addr().expect("addr").port(),
            second.local_addr().expect("addr").port(),
        );
        assert_ne!(a, b);
        for port in [a, b] {
            assert!((LOWEST..ephemeral_floor()).contains(&port), "{port}");
        }
        assert!(first.local_addr().expect("addr").ip().is_loopback());
    }
}
