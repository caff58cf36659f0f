//! READ BINARY: offsets, chunking, end of file, access rules (docs/domain/jpki.md §1.2, §1.5).

use crate::common::*;
use jpki_card_sim::{CERT_EF_SIZE, EF_PADDING, SIGN_CERT_EF_SIZE, TOKEN_INFO_LEN};

#[test]
fn auth_certificate_is_free_and_padded() {
    let mut card = card();
    assert_eq!(select(&mut card, 0x000A), 0x9000);
    let (bytes, apdus) = read_all(&mut card);
    let cert = &material().auth.cert_der;
    assert_eq!(bytes.len(), CERT_EF_SIZE);
    assert_eq!(&bytes[..cert.len()], &cert[..]);
    assert!(bytes[cert.len()..].iter().all(|b| *b == EF_PADDING));
    assert_eq!(apdus, u32::try_from(CERT_EF_SIZE / 256).unwrap() + 1);
}

#[test]
fn certificate_read_by_der_header_the_way_hosts_do() {
    let mut card = card();
    assert_eq!(select(&mut card, 0x000B), 0x9000);
    // OpenSC: 4 bytes, size from 30 82 LL LL.
    let head = card.process(&read_apdu(0, 4));
    assert_eq!(sw(&head), 0x9000);
    let h = data(&head);
    assert_eq!(&h[..2], &[0x30, 0x82]);
    let len = usize::from(u16::from_be_bytes([h[2], h[3]])) + 4;
    let mut cert = Vec::new();
    while cert.len() < len {
        let want = u8::try_from((len - cert.len()).min(255)).unwrap();
        let r = card.process(&read_apdu(u16::try_from(cert.len()).unwrap(), want));
        assert_eq!(sw(&r), 0x9000);
        assert_eq!(data(&r).len(), usize::from(want));
        cert.extend_from_slice(data(&r));
    }
    assert_eq!(cert, material().auth.ca_der);
}

#[test]
fn end_of_file_rules() {
    let mut card = card();
    assert_eq!(select(&mut card, 0x000A), 0x9000);
    let size = u16::try_from(CERT_EF_SIZE).unwrap();
    // Exactly up to the end: 9000.
    let r = card.process(&read_apdu(size - 256, 0));
    assert_eq!((sw(&r), data(&r).len()), (0x9000, 256));
    // Partially past the end: the rest + 6282.
    let r = card.process(&read_apdu(size - 10, 0x20));
    assert_eq!((sw(&r), data(&r).len()), (0x6282, 10));
    // At and past the end: 6B00.
    assert_eq!(send(&mut card, &read_apdu(size, 1)), 0x6B00);
    assert_eq!(send(&mut card, &read_apdu(0x7FFF, 0)), 0x6B00);
}

#[test]
fn sign_certificate_needs_the_sign_password() {
    let mut card = card();
    assert_eq!(select(&mut card, 0x0001), 0x9000);
    assert_eq!(send(&mut card, &read_apdu(0, 4)), 0x6982);
    // The auth PIN does not open it.
    assert_eq!(verify(&mut card, 0x0018, AUTH_PIN.as_bytes()), 0x9000);
    assert_eq!(select(&mut card, 0x0001), 0x9000);
    assert_eq!(send(&mut card, &read_apdu(0, 4)), 0x6982);
    assert_eq!(verify(&mut card, 0x001B, SIGN_PASSWORD.as_bytes()), 0x9000);
    assert_eq!(select(&mut card, 0x0001), 0x9000);
    let (bytes, _) = read_all(&mut card);
    assert_eq!(bytes.len(), SIGN_CERT_EF_SIZE);
    assert!(bytes.starts_with(&material().sign.cert_der));
    // Until power-off.
    card.power_off();
    card.power_on();
    assert_eq!(select(&mut card, 0x0001), 0x9000);
    assert_eq!(send(&mut card, &read_apdu(0, 4)), 0x6982);
}

#[test]
fn sign_ca_certificate_is_free() {
    let mut card = card();
    assert_eq!(select(&mut card, 0x0002), 0x9000);
    let (bytes, _) = read_all(&mut card);
    assert!(bytes.starts_with(&material().sign.ca_der));
}

#[test]
fn token_info_and_certificate_presence() {
    let mut card = card();
    assert_eq!(select(&mut card, 0x0006), 0x9000);
    let r = card.process(&read_apdu(0, 0));
    assert_eq!(sw(&r), 0x6282);
    let info = data(&r);
    assert_eq!(info.len(), TOKEN_INFO_LEN);
    assert_eq!(&info[..32], b"JPKIAPICCTOKEN2                 ");
    assert_eq!(select(&mut card, 0x0008), 0x9000);
    let r = card.process(&read_apdu(0, 3));
    assert_eq!((sw(&r), data(&r)), (0x9000, &[0x8F, 0x8F, 0x00][..]));

    let mut minor = card_without_sign();
    assert_eq!(select(&mut minor, 0x0008), 0x9000);
    let r = minor.process(&read_apdu(0, 0));
    assert_eq!((sw(&r), data(&r)), (0x6282, &[0x00, 0x8F, 0x00][..]));
}

#[test]
fn keys_and_pins_are_not_readable() {
    let mut card = card();
    for fid in [0x0017, 0x0018, 0x001A, 0x001B] {
        assert_eq!(select(&mut card, fid), 0x9000);
        assert_eq!(send(&mut card, &read_apdu(0, 0)), 0x6981, "{fid:04X}");
    }
    // Even after both verifications.
    assert_eq!(verify(&mut card, 0x0018, AUTH_PIN.as_bytes()), 0x9000);
    assert_eq!(select(&mut card, 0x0017), 0x9000);
    assert_eq!(send(&mut card, &read_apdu(0, 0)), 0x6981);
}

#[test]
fn read_binary_parameter_errors() {
    let mut card = card();
    assert_eq!(select(&mut card, 0x000A), 0x9000);
    // SFI form (P1 b8 = 1).
    assert_eq!(send(&mut card, &[0x00, 0xB0, 0x8A, 0x00, 0x00]), 0x6A86);
    // No Le; data present.
    assert_eq!(send(&mut card, &[0x00, 0xB0, 0x00, 0x00]), 0x6700);
    assert_eq!(
        send(&mut card, &[0x00, 0xB0, 0x00, 0x00, 0x01, 0x00]),
        0x6700
    );
    assert_eq!(
        send(&mut card, &[0x00, 0xB0, 0x00, 0x00, 0x01, 0x00, 0x00]),
        0x6700
    );
}
