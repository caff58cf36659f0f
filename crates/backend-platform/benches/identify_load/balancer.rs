//! The load bench's balancer variant (`PLATFORM_BENCH_BALANCER=1` with two nodes): Debian's
//! HAProxy in TCP passthrough through `scripts/haproxy.sh` (the tests' own
//! [`Haproxy`](crate::node_processes::Haproxy)), in front of both nodes, its health checks TLS
//! against the bench's server CA; and the CPU its process spends, which the bench reports
//! beside the nodes' own.

use std::path::Path;

use crate::node_processes::Haproxy;

/// How long HAProxy and the nodes keep a terminal's idle connection in this variant: longer
/// than the preparation and the timed phase together, so that each prepared answer reaches
/// the node its terminal's connection reached when its challenge was issued.
pub const IDLE_SECS: u32 = 300;

/// HAProxy in front of the nodes on `ports`, both seen UP, with its folder under `dir`.
pub fn start(
    dir: &Path,
    ports: &[u16],
    server_ca_pem: &str,
    rt: &tokio::runtime::Runtime,
) -> Haproxy {
    let ca = dir.join("bench-server-ca.pem");
    std::fs::write(&ca, server_ca_pem).unwrap();
    let haproxy = Haproxy::start_with_idle(&dir.join("haproxy-run"), ports, &ca, IDLE_SECS);
    for k in 1..=ports.len() {
        rt.block_on(haproxy.wait_for(&format!("node{k}"), "UP"));
    }
    haproxy
}

/// CPU seconds (user + system) of the HAProxy process started under `dir` so far, from
/// its pid file and /proc (Linux).
pub fn cpu_seconds(dir: &Path) -> f64 {
    let pid_file = dir.join("haproxy-run/haproxy/haproxy.pid");
    let pid = std::fs::read_to_string(&pid_file)
        .unwrap_or_else(|e| panic!("{}: {e}", pid_file.display()));
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..]
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0 // USER_HZ on Linux
}
