//! Prints reader and card events until interrupted (or for N seconds):
//! `cargo run -p jpki-card-pcsc --example watch [SECONDS]`.

use std::time::{Duration, Instant};

fn main() {
    let secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(u64::MAX / 4);
    match jpki_card_pcsc::list_readers() {
        Ok(readers) => println!("readers now: {readers:?}"),
        Err(e) => println!("readers: {e}"),
    }
    let monitor = match jpki_card_pcsc::Monitor::start() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("cannot start the monitor: {e}");
            std::process::exit(1);
        }
    };
    let start = Instant::now();
    let end = start + Duration::from_secs(secs);
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        if let Some(event) = monitor.recv_timeout(left) {
            println!("{:>8.3}s {event:?}", start.elapsed().as_secs_f64());
        }
    }
    monitor.stop();
}
