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

/// A fresh idempotency key: `<prefix>-<V4 UUID>` from the OS's random source (unique
/// without coordination, as Stripe's V4 UUID advice; docs/domain/payments-and-eid-clients.md §1.1).
///
/// The UUID's hyphens matter: 32 hex digits in one run hold, now and then, 13 to 19 decimal
/// digits in a row that pass the Luhn check, and an auditor's card number scan
/// (`counter_store::scan`) would report a key in the journal as a card number. The groups of
/// a UUID (8-4-4-4-12) hold at most 12 digits in a row and are not laid out as a printed card.
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

/// `<prefix>-<bytes as a V4 UUID>` (RFC 9562 §5.4: version 4, variant 10).
fn key_from(prefix: &str, mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{prefix}-{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use counter_store::scan::scan_bytes;

    #[test]
    fn a_key_is_a_v4_uuid_after_its_prefix() {
        let key = key_from("counter-1-000007-auth", [0xff; 16]);
        assert_eq!(
            key,
            "counter-1-000007-auth-ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        let fresh = new_key("p");
        assert_eq!(fresh.len(), "p-".len() + 36, "{fresh}");
        assert_ne!(fresh, new_key("p"), "two keys drawn are different");
    }

    #[test]
    fn a_key_of_decimal_digits_only_is_no_card_number() {
        // 0x42 repeated: every hex digit decimal, the worst case for the scan. In one run
        // (`4242…`, 32 digits) the scan would not look inside; a 16-digit run of it passes
        // the Luhn check (4242 4242 4242 4242 is a well-known test card number).
        for fill in [0x42u8, 0x12, 0x90, 0x00, 0x99] {
            let key = key_from("counter-1-000001-auth", [fill; 16]);
            let hits = scan_bytes(key.as_bytes(), &[]);
            assert!(hits.is_empty(), "{key}: {hits:?}");
        }
    }

    #[test]
    fn random_bytes_that_read_as_a_card_number_in_one_run_do_not_in_a_key() {
        // In one run of hex these bytes read `a4242424242424242a…`: sixteen digits that
        // pass the Luhn check between two letters, which the scan reports.
        let mut bytes = [0xaa; 16];
        bytes[..9].copy_from_slice(&[0xa4, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x2a]);
        let one_run = hex::encode(bytes);
        assert_eq!(scan_bytes(one_run.as_bytes(), &[]).len(), 1, "{one_run}");
        let key = key_from("counter-1-000001-auth", bytes);
        assert_eq!(scan_bytes(key.as_bytes(), &[]), vec![], "{key}");
    }
}
