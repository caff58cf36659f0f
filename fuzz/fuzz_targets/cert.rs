//! Certificate parser, identity decoder and verifier: no input may panic.
#![no_main]

use std::sync::OnceLock;

use jpki_cert::{NoRevocationCheck, Purpose, SignIdentity, TrustStore, UnixTime, Verifier};
use libfuzzer_sys::fuzz_target;

fn verifiers() -> &'static Option<(Verifier, Verifier)> {
    static V: OnceLock<Option<(Verifier, Verifier)>> = OnceLock::new();
    V.get_or_init(|| {
        let auth = TrustStore::production(Purpose::Auth).ok()?;
        let sign = TrustStore::production(Purpose::Sign).ok()?;
        Some((Verifier::new(auth), Verifier::new(sign)))
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = jpki_cert::JpkiCertificate::from_pem_or_der(data) {
        let _ = SignIdentity::from_certificate(&cert);
        let _ = cert.claimed_profile();
        let _ = cert.crl_distribution_points();
        // The customer-key path of an identification (SPKI decoding with rsa's checks, the
        // variable-time Montgomery set-up, e = 65537 verification over a digest and, with
        // ring, over a message) and the verdict's names.
        if let Ok(key) = jpki_cert::challenge::CertKey::from_certificate(&cert) {
            let _ = key.verify_pkcs1_sha256(&[0; 32], data);
            // The same verification over a message, with ring.
            let _ = key.verify_message_pkcs1_sha256(b"challenge", data);
        }
        let _ = jpki_cert::dn::rfc4514(cert.subject());
        let _ = jpki_cert::dn::rfc4514(cert.issuer());
    }
    if let Some((auth, sign)) = verifiers() {
        let at = UnixTime::from_secs(1_795_000_000);
        let _ = auth.verify(data, at, &NoRevocationCheck);
        let _ = sign.verify_identification(data, b"challenge", data, at, &NoRevocationCheck);
    }
});
