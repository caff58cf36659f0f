//! SELECT by DF name and by EF identifier (docs/domain/jpki.md §1.1–§1.3).

use crate::common::*;
use jpki_card_sim::{ISD_AID, OTHER_AIDS};

#[test]
fn select_jpki_ap_then_every_ef() {
    let mut card = card();
    assert_eq!(send(&mut card, &SELECT_JPKI), 0x9000);
    for fid in [
        0x0001, 0x0002, 0x000A, 0x000B, 0x0006, 0x0008, 0x0017, 0x0018, 0x001A, 0x001B,
    ] {
        assert_eq!(send(&mut card, &select_ef_apdu(fid)), 0x9000, "{fid:04X}");
    }
    for fid in [0x0000, 0x0003, 0x0009, 0x0016, 0x3F00, 0xFFFF] {
        assert_eq!(send(&mut card, &select_ef_apdu(fid)), 0x6A82, "{fid:04X}");
    }
}

#[test]
fn ef_select_before_the_ap_is_not_found() {
    let mut card = card();
    assert_eq!(send(&mut card, &select_ef_apdu(0x000A)), 0x6A82);
    // READ BINARY with nothing selected: no current EF.
    assert_eq!(send(&mut card, &read_apdu(0, 0)), 0x6986);
}

#[test]
fn other_applications_select_but_have_no_files() {
    let mut card = card();
    for aid in OTHER_AIDS {
        let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, 0x0A];
        apdu.extend_from_slice(&aid);
        assert_eq!(send(&mut card, &apdu), 0x9000);
        assert_eq!(send(&mut card, &select_ef_apdu(0x000A)), 0x6A82);
        assert_eq!(send(&mut card, &select_ef_apdu(0x0018)), 0x6A82);
    }
    let mut isd = vec![0x00, 0xA4, 0x04, 0x0C, 0x07];
    isd.extend_from_slice(&ISD_AID);
    assert_eq!(send(&mut card, &isd), 0x9000);
}

#[test]
fn unknown_and_partial_aids_are_not_found_and_keep_the_selection() {
    let mut card = card();
    assert_eq!(send(&mut card, &SELECT_JPKI), 0x9000);
    assert_eq!(send(&mut card, &select_ef_apdu(0x000A)), 0x9000);
    let partial = [0x00, 0xA4, 0x04, 0x0C, 0x05, 0xD3, 0x92, 0xF0, 0x00, 0x26];
    assert_eq!(send(&mut card, &partial), 0x6A82);
    let unknown = [0x00, 0xA4, 0x04, 0x0C, 0x05, 0xA0, 0x00, 0x00, 0x00, 0x03];
    assert_eq!(send(&mut card, &unknown), 0x6A82);
    // Still in the JPKI AP with 000A current.
    assert_eq!(sw(&card.process(&read_apdu(0, 4))), 0x9000);
}

#[test]
fn wrong_select_parameters() {
    let mut card = card();
    assert_eq!(send(&mut card, &SELECT_JPKI), 0x9000);
    // P1 = 09 (path), 00 (MF), 08: only P1 = 02 selects an EF.
    for p1 in [0x00, 0x01, 0x08, 0x09] {
        assert_eq!(
            send(&mut card, &[0x00, 0xA4, p1, 0x0C, 0x02, 0x00, 0x0A]),
            0x6A86
        );
    }
    // P2 = 00 asks for FCI, which this card does not return.
    assert_eq!(
        send(&mut card, &[0x00, 0xA4, 0x02, 0x00, 0x02, 0x00, 0x0A]),
        0x6A86
    );
    let mut fci = SELECT_JPKI.to_vec();
    fci[3] = 0x00;
    assert_eq!(send(&mut card, &fci), 0x6A86);
    // Lc 1 or 3 for an EF; Le present; no data.
    assert_eq!(
        send(&mut card, &[0x00, 0xA4, 0x02, 0x0C, 0x01, 0x0A]),
        0x6700
    );
    assert_eq!(
        send(&mut card, &[0x00, 0xA4, 0x02, 0x0C, 0x03, 0x00, 0x00, 0x0A]),
        0x6700
    );
    assert_eq!(
        send(&mut card, &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A, 0x00]),
        0x6700
    );
    assert_eq!(send(&mut card, &[0x00, 0xA4, 0x02, 0x0C]), 0x6700);
}

#[test]
fn card_without_sign_certificate_has_no_sign_efs() {
    let mut card = card_without_sign();
    assert!(!card.has_sign_certificate());
    assert_eq!(card.sign_password_tries_left(), None);
    for fid in [0x0001, 0x0002, 0x001A, 0x001B] {
        assert_eq!(select(&mut card, fid), 0x6A82, "{fid:04X}");
    }
    for fid in [0x000A, 0x000B, 0x0006, 0x0008, 0x0017, 0x0018] {
        assert_eq!(select(&mut card, fid), 0x9000, "{fid:04X}");
    }
}

#[test]
fn power_on_returns_to_the_isd() {
    let mut card = card();
    assert_eq!(select(&mut card, 0x000A), 0x9000);
    assert_eq!(card.power_on(), ATR);
    assert_eq!(send(&mut card, &read_apdu(0, 4)), 0x6986);
    assert_eq!(send(&mut card, &select_ef_apdu(0x000A)), 0x6A82);
    assert_eq!(card.warm_reset(), ATR);
    assert_eq!(send(&mut card, &select_ef_apdu(0x000A)), 0x6A82);
}

#[test]
fn class_and_instruction_errors() {
    let mut card = card();
    assert_eq!(send(&mut card, &[]), 0x6700);
    assert_eq!(send(&mut card, &[0x00, 0xA4, 0x04]), 0x6700);
    // Extended length.
    assert_eq!(
        send(&mut card, &[0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x00]),
        0x6700
    );
    // Known INS, wrong CLA; CLA 00 with INS 2A.
    assert_eq!(
        send(&mut card, &[0x80, 0xA4, 0x04, 0x0C, 0x01, 0x00]),
        0x6E00
    );
    assert_eq!(send(&mut card, &[0x0C, 0xB0, 0x00, 0x00, 0x00]), 0x6E00);
    assert_eq!(send(&mut card, &sign_apdu(&[1, 2, 3])[..]), 0x6986);
    let mut cla00 = sign_apdu(&[1, 2, 3]);
    cla00[0] = 0x00;
    assert_eq!(send(&mut card, &cla00), 0x6E00);
    // Unknown INS: GET CHALLENGE, CHANGE REFERENCE DATA, GET RESPONSE.
    for ins in [0x84, 0x24, 0xC0, 0xCA, 0xFF] {
        assert_eq!(
            send(&mut card, &[0x00, ins, 0x00, 0x00]),
            0x6D00,
            "{ins:02X}"
        );
    }
}
