//! The load bench's measurements of its own process: CPU per thread, `openssl speed` beside
//! it, and the profilers' switches (callgrind, perf) around the timed phase.

use std::collections::BTreeMap;

/// Runs `callgrind_control ARGS <this process>` (the bench runs under callgrind).
pub fn callgrind_control(args: &[&str]) {
    let pid = std::process::id().to_string();
    match std::process::Command::new("callgrind_control")
        .args(args)
        .arg(&pid)
        .output()
    {
        Ok(o) if o.status.success() => {}
        Ok(o) => println!(
            "callgrind_control {args:?} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => println!("callgrind_control {args:?}: {e}"),
    }
}

/// Writes `command` to perf's control FIFO (`perf record --control fifo:FIFO`).
pub fn perf_control(fifo: &str, command: &str) {
    use std::io::Write;
    match std::fs::OpenOptions::new().write(true).open(fifo) {
        Ok(mut f) => {
            if let Err(e) = writeln!(f, "{command}") {
                println!("perf control {fifo}: {e}");
            }
        }
        Err(e) => println!("perf control {fifo}: {e}"),
    }
}

/// Runs `openssl speed -seconds 3 rsa2048` and prints its RSA-2048 figures beside the
/// server's CPU per identification (`server_us`).
pub fn openssl_speed(server_us: f64) {
    let out = match std::process::Command::new("openssl")
        .args(["speed", "-seconds", "3", "rsa2048"])
        .output()
    {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            println!(
                "openssl speed failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            return;
        }
        Err(e) => {
            println!("openssl speed could not run: {e}");
            return;
        }
    };
    // The summary line: `rsa 2048 bits 0.000241s 0.000016s   4142.2  61678.7` (sign and
    // verify seconds, then sign/s and verify/s; OpenSSL 3.4+ add encrypt/decrypt columns).
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(fields) = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.starts_with(&["rsa", "2048", "bits"]))
        .map(|f| f[3..].to_vec())
    else {
        println!("openssl speed: no rsa 2048 line in its output:\n{text}");
        return;
    };
    let secs = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.trim_end_matches('s').parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    let (sign_us, verify_us) = (secs(0) * 1e6, secs(1) * 1e6);
    println!(
        "openssl speed -seconds 3 rsa2048 (same run, after the timed phase): verify {verify_us:.1} us, sign {sign_us:.1} us; \
         server CPU per identification = {:.1} RSA-2048 verifications of openssl",
        server_us / verify_us
    );
}

/// CPU seconds (user, system) per thread, from /proc/self/task (Linux).
pub fn cpu_by_thread() -> BTreeMap<String, (f64, f64)> {
    let mut out = BTreeMap::new();
    let tick = 100.0; // USER_HZ on Linux
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for e in dir.flatten() {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let name = stat[stat.find('(').unwrap_or(0) + 1..close].to_owned();
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        let (u, s): (f64, f64) = (
            fields[11].parse().unwrap_or(0.0),
            fields[12].parse().unwrap_or(0.0),
        );
        out.insert(
            format!("{name}#{}", e.file_name().to_string_lossy()),
            (u / tick, s / tick),
        );
    }
    out
}

/// Per thread-name CPU spent between two samples, summed over threads of the same name.
pub fn cpu_delta(
    before: &BTreeMap<String, (f64, f64)>,
    after: &BTreeMap<String, (f64, f64)>,
) -> BTreeMap<String, (f64, f64)> {
    let mut out = BTreeMap::new();
    for (k, (u, s)) in after {
        let (bu, bs) = before.get(k).copied().unwrap_or((0.0, 0.0));
        let name = k.split('#').next().unwrap_or("").to_owned();
        let e = out.entry(name).or_insert((0.0, 0.0));
        e.0 += u - bu;
        e.1 += s - bs;
    }
    out
}

/// Context switches (voluntary + involuntary) of this process's threads so far whose name
/// `keep` accepts, from /proc/self/task/*/status (Linux).
pub fn context_switches(keep: impl Fn(&str) -> bool) -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    let mut total = 0;
    for e in dir.flatten() {
        let Ok(status) = std::fs::read_to_string(e.path().join("status")) else {
            continue;
        };
        let name = status
            .lines()
            .find_map(|l| l.strip_prefix("Name:"))
            .unwrap_or("")
            .trim();
        if !keep(name) {
            continue;
        }
        total += status
            .lines()
            .filter(|l| l.contains("ctxt_switches:"))
            .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .sum::<u64>();
    }
    total
}

/// The load average (1, 5, 15 minutes) from /proc/loadavg.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
