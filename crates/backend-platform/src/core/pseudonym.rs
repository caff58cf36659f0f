//! Pairwise pseudonymous subject ids (the `sub` of assertions): services never see a
//! certificate serial (docs/domain/eligibility.md §3.3: a service provider may not keep serials), and
//! two services cannot join their records on `sub`.
//!
//! `sub = base64url(HMAC-SHA-256(secret, "madoguchi-sub/1" ‖ 0x00 ‖ service_id ‖ 0x00 ‖ subject_id))`
//! where `subject_id` is the registry's random id of the enrolled card (not its serial).
//! The 0x00 separators keep `("ab","c")` and `("a","bc")` apart (ids never hold 0x00).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The pairwise subject of `subject_id` for `service_id`.
pub fn pairwise_subject(secret: &[u8], service_id: &str, subject_id: &str) -> String {
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret) {
        Ok(m) => m,
        // HMAC takes keys of any length (RFC 2104 §2); this arm is unreachable.
        Err(_) => return String::new(),
    };
    mac.update(b"madoguchi-sub/1\0");
    mac.update(service_id.as_bytes());
    mac.update(b"\0");
    mac.update(subject_id.as_bytes());
    counter_api::b64::encode_url(&mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_and_stable() {
        let s = [9u8; 32];
        let a = pairwise_subject(&s, "kenpo", "subj-1");
        assert_eq!(a, pairwise_subject(&s, "kenpo", "subj-1"));
        assert_ne!(a, pairwise_subject(&s, "acq", "subj-1"));
        assert_ne!(a, pairwise_subject(&s, "kenpo", "subj-2"));
        assert_ne!(a, pairwise_subject(&[8u8; 32], "kenpo", "subj-1"));
        assert_ne!(
            pairwise_subject(&s, "ab", "c"),
            pairwise_subject(&s, "a", "bc")
        );
        assert_eq!(a.len(), 43);
    }
}
