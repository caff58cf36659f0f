//! Streaming CRL reader, index loader and OCSP response parser: no input may panic.
#![no_main]

use jpki_cert::crl::{CrlIndex, read_crl};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut n = 0u64;
    let _ = read_crl(data, |e| {
        n += e.serial.len() as u64;
        Ok(())
    });
    if let Ok(idx) = CrlIndex::from_bytes(data.to_vec()) {
        for s in idx.scopes() {
            let _ = idx.lookup(&s.issuer_key, &[0x01, 0x23, 0x45, 0x67]);
            let _ = idx.scope_for(&s.issuer_key, None);
        }
    }
    let _ = <jpki_cert::ocsp::types::OcspResponse as der::Decode>::from_der(data);
});
