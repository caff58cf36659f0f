//! READ BINARY edge cases (docs/domain/jpki.md §1.5).

use jpki_card::{CardError, CertificateFile, ReadCertificate};

use crate::fixture::fixture;
use crate::script::*;

fn read(script_reads: Vec<Expect>) -> Result<Vec<u8>, CardError> {
    let mut s = vec![select_ap(), select(0x000A)];
    s.extend(script_reads);
    run_script(s, ReadCertificate::new(CertificateFile::AuthCertificate)).0
}

fn malformed(result: Result<Vec<u8>, CardError>) -> String {
    match result {
        Err(CardError::MalformedResponse {
            step: "READ BINARY",
            reason,
        }) => reason,
        other => panic!("expected MalformedResponse, got {other:?}"),
    }
}

#[test]
fn garbage_headers() {
    for header in [
        "31 82 06 2E",
        "FF FF FF FF",
        "30 80 00 00",
        "30 84 00 00 06 2E",
        "30 7F 00 00",
    ] {
        let mut first = h(header);
        first.resize(256, 0);
        let reason = malformed(read(vec![apdu(h("00 B0 00 00 00"), ok(&first))]));
        assert!(!reason.is_empty());
    }
}

#[test]
fn beyond_the_15_bit_offset_limit() {
    let mut first = h("30 82 7F FC");
    first.resize(256, 0);
    let reason = malformed(read(vec![apdu(h("00 B0 00 00 00"), ok(&first))]));
    assert!(reason.contains("0x7FFF"), "{reason}");
    let mut first = h("30 83 01 00 00");
    first.resize(256, 0);
    malformed(read(vec![apdu(h("00 B0 00 00 00"), ok(&first))]));
}

#[test]
fn fewer_bytes_than_asked() {
    let f = fixture();
    let mut reads = read_file(&f.auth_cert);
    reads.truncate(2);
    reads[1] = apdu(read_cmd(256, 256), ok(&f.auth_cert[256..300]));
    let reason = malformed(read(reads));
    assert!(reason.contains("44 of the 256"), "{reason}");
    // Also on the first read.
    malformed(read(vec![apdu(
        h("00 B0 00 00 00"),
        ok(&f.auth_cert[..100]),
    )]));
}

#[test]
fn more_bytes_than_asked() {
    let f = fixture();
    let mut reads = read_file(&f.auth_cert);
    let last = reads.len() - 1;
    reads[last] = apdu(
        read_cmd(1536, 50),
        ok(&[&f.auth_cert[1536..], &[0u8][..]].concat()),
    );
    let reason = malformed(read(reads));
    assert!(reason.contains("more than"), "{reason}");
}

#[test]
fn an_empty_chunk() {
    let f = fixture();
    let mut reads = read_file(&f.auth_cert);
    reads.truncate(3);
    reads[2] = apdu(read_cmd(512, 256), ok(&[]));
    let reason = malformed(read(reads));
    assert!(reason.contains("no data"), "{reason}");
}

#[test]
fn end_of_file_before_the_certificate_ends() {
    let f = fixture();
    for eof in [0x6282u16, 0x6B00] {
        let mut reads = read_file(&f.auth_cert);
        reads.truncate(3);
        let mut reply = f.auth_cert[512..600].to_vec();
        reply.extend_from_slice(&eof.to_be_bytes());
        reads[2] = apdu(read_cmd(512, 256), reply);
        let reason = malformed(read(reads));
        assert!(reason.contains("file ends after 600"), "{reason}");
    }
}

#[test]
fn end_of_file_exactly_at_the_end_is_fine() {
    // 62 82 with the last bytes: the certificate is complete.
    let f = fixture();
    let mut reads = read_file(&f.auth_cert);
    let last = reads.len() - 1;
    let mut reply = f.auth_cert[1536..].to_vec();
    reply.extend_from_slice(&[0x62, 0x82]);
    reads[last] = apdu(read_cmd(1536, 50), reply);
    assert_eq!(read(reads).unwrap(), f.auth_cert);
}
