//! The clock and the key generator: the only places the runtime reads time or draws random
//! numbers. (Its own `Clock` rather than `backend_kit::Clock`: the terminal does not depend
//! on the servers' plumbing.)

use counter_core::UnixTime;

/// "Now", to the second.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now (whole seconds, UTC).
    fn now(&self) -> UnixTime;
}

/// The system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixTime {
        UnixTime::from_system_time(std::time::SystemTime::now())
    }
}

/// A fresh idempotency key: `<prefix>-<128 random bits>` from the OS's random source, the
/// bits written as 32 letters (`counter_core::letters`). Unique without coordination: Stripe
/// suggests V4 UUIDs "or another random string with enough entropy"
/// (docs/domain/payments-and-eid-clients.md §1.1).
///
/// Letters, not a UUID's hex: the key is journaled beside dates and amounts, and hex digits
/// next to them read, now and then, as a card number to a scan of the terminal's disk
/// (`counter_core::letters` says how). The key's only digits are its prefix's.
pub fn new_key(prefix: &str) -> String {
    let mut bytes = [0u8; 16];
    // getrandom fails only on a broken OS; fall back to time + pid so a key is never empty
    // (uniqueness then rests on the sequence number the callers put in the prefix).
    if getrandom::fill(&mut bytes).is_err() {
        let t = SystemClock.now().as_secs().to_le_bytes();
        bytes[..8].copy_from_slice(&t);
        bytes[8..12].copy_from_slice(&std::process::id().to_le_bytes());
    }
    key_from(prefix, bytes)
}

/// `<prefix>-<bytes as letters>`.
fn key_from(prefix: &str, bytes: [u8; 16]) -> String {
    format!("{prefix}-{}", counter_core::letters::encode(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use counter_store::scan::scan_bytes;

    #[test]
    fn a_key_is_its_prefix_and_thirty_two_letters() {
        let key = key_from("counter-1-000007-auth", [0xff; 16]);
        assert_eq!(key, format!("counter-1-000007-auth-{}", "p".repeat(32)));
        let fresh = new_key("p");
        assert_eq!(fresh.len(), "p-".len() + 32, "{fresh}");
        assert!(
            fresh[2..].bytes().all(|c| c.is_ascii_lowercase()),
            "{fresh}"
        );
        assert_ne!(fresh, new_key("p"), "two keys drawn are different");
    }

    #[test]
    fn a_key_journaled_before_a_date_reads_as_no_card_number() {
        // In a SQLite record the capture key's text is followed by the captured date's. A
        // UUID's last group of these bytes (`424242424206`) and the date make a 16-digit
        // run that passes the Luhn check: what the scan found in a demo's journal.
        let uuid_key = "counter-1-000001-capture-aaaaaaaa-aaaa-4aaa-aaaa-424242424206";
        let record = format!("{uuid_key}2026-12-07");
        assert_eq!(scan_bytes(record.as_bytes(), &[]).len(), 1, "{record}");
        let bytes = [
            0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0x4a, 0xaa, 0xaa, 0xaa, 0x42, 0x42, 0x42, 0x42,
            0x42, 0x06,
        ];
        let key = key_from("counter-1-000001-capture", bytes);
        let record = format!("{key}2026-12-07");
        assert_eq!(scan_bytes(record.as_bytes(), &[]), vec![], "{record}");
    }

    #[test]
    fn fresh_keys_between_dates_and_digits_read_as_no_card_number() {
        for _ in 0..2_000 {
            let record = format!(
                "2026-12-07{}4242{}",
                new_key("counter-1-000001-auth"),
                new_key("1")
            );
            assert_eq!(scan_bytes(record.as_bytes(), &[]), vec![], "{record}");
        }
    }
}
