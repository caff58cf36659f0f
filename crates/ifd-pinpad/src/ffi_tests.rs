//! The driver's entry points called as pcscd calls them, in-process, with a
//! small card on the card port (the real pcscd with the real virtual card is
//! `jpki-card-pcsc`'s `tests/integration/pinpad_pcscd.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;
use crate::card_link::{CTRL_GET_ATR, read_message, write_message};
use crate::entry::Key;
use crate::keys::PadKeys;

const ATR: [u8; 4] = [0x3B, 0x02, 0x14, 0x50];
const PIN: &[u8] = b"1234";

/// The auth PIN structure (docs/domain/jpki.md §5.2) with a 5 s time-out.
const AUTH: [u8; 28] = [
    0x05, 0x00, 0x82, 0x04, 0x00, 0x04, 0x04, 0x03, 0x01, 0x11, 0x04, 0x00, 0x00, 0x00, 0x00, 0x09,
    0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x80, 0x04, 0xFF, 0xFF, 0xFF, 0xFF,
];

/// A card with the 4-digit PIN "1234" and 3 tries; every command it got is
/// kept (a test double: it does keep the VERIFY's data, to check it).
struct Card {
    stream: TcpStream,
    got: Arc<Mutex<Vec<Vec<u8>>>>,
}

fn insert_card(addr: std::net::SocketAddr) -> Card {
    let stream = TcpStream::connect(addr).unwrap();
    let mut s = stream.try_clone().unwrap();
    let got = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&got);
    std::thread::spawn(move || {
        let mut tries = 3u8;
        while let Ok(msg) = read_message(&mut s) {
            let reply = match msg.as_slice() {
                [CTRL_GET_ATR] => ATR.to_vec(),
                [_] => continue,
                [0x00, 0x20, 0x00, 0x80, 0x04, pin @ ..] if pin == PIN => {
                    tries = 3;
                    vec![0x90, 0x00]
                }
                [0x00, 0x20, 0x00, 0x80, 0x04, ..] => {
                    tries = tries.saturating_sub(1);
                    vec![0x63, 0xC0 | tries]
                }
                _ => vec![0x90, 0x00],
            };
            seen.lock().unwrap().push(msg);
            if write_message(&mut s, &reply).is_err() {
                break;
            }
        }
    });
    Card { stream, got }
}

/// A reader on fresh ports, under a `Lun` no other test uses.
fn open_reader() -> (Dword, Arc<Reader>) {
    static NEXT: AtomicU64 = AtomicU64::new(0x0100_0000);
    let lun = Dword::try_from(NEXT.fetch_add(0x1_0000, Ordering::SeqCst)).unwrap();
    assert_eq!(open(lun, Ports { card: 0, keys: 0 }), IFD_SUCCESS);
    (lun, reader(lun).unwrap())
}

fn wait_present(lun: Dword) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while unsafe { IFDHICCPresence(lun) } != IFD_ICC_PRESENT {
        assert!(Instant::now() < deadline, "the card never came");
        std::thread::yield_now();
    }
}

fn control(lun: Dword, code: u32, input: &[u8]) -> (ResponseCode, Vec<u8>) {
    let mut out = vec![0u8; 264];
    let mut n: Dword = 0;
    let rc = unsafe {
        IFDHControl(
            lun,
            Dword::from(code),
            input.as_ptr(),
            Dword::try_from(input.len()).unwrap(),
            out.as_mut_ptr(),
            Dword::try_from(out.len()).unwrap(),
            &mut n,
        )
    };
    out.truncate(usize::try_from(n).unwrap());
    (rc, out)
}

/// Runs a verify on its own thread (it blocks until the entry ends) while
/// the test presses keys.
fn verify_async(
    lun: Dword,
    structure: Vec<u8>,
) -> std::thread::JoinHandle<(ResponseCode, Vec<u8>)> {
    std::thread::spawn(move || control(lun, IOCTL_VERIFY_PIN_DIRECT, &structure))
}

#[test]
fn the_reader_as_pcscd_drives_it() {
    let (lun, r) = open_reader();
    assert_eq!(unsafe { IFDHICCPresence(lun) }, IFD_ICC_NOT_PRESENT);
    let card = insert_card(r.card_addr());
    wait_present(lun);

    let mut atr = [0u8; MAX_ATR_SIZE];
    let mut len = Dword::try_from(atr.len()).unwrap();
    assert_eq!(
        unsafe { IFDHPowerICC(lun, IFD_POWER_UP, atr.as_mut_ptr(), &mut len) },
        IFD_SUCCESS
    );
    assert_eq!(atr[..usize::try_from(len).unwrap()], ATR);
    let mut len = Dword::try_from(atr.len()).unwrap();
    assert_eq!(
        unsafe { IFDHGetCapabilities(lun, TAG_IFD_ATR, &mut len, atr.as_mut_ptr()) },
        IFD_SUCCESS
    );
    assert_eq!(len, 4);
    let mut one = [0u8; 1];
    let mut len: Dword = 1;
    assert_eq!(
        unsafe { IFDHGetCapabilities(lun, TAG_IFD_SLOTS_NUMBER, &mut len, one.as_mut_ptr()) },
        IFD_SUCCESS
    );
    assert_eq!(one, [1]);
    let mut len: Dword = 1;
    assert_eq!(
        unsafe { IFDHGetCapabilities(lun, 0xDEAD, &mut len, one.as_mut_ptr()) },
        IFD_ERROR_TAG
    );
    assert_eq!(len, 0);
    assert_eq!(
        unsafe { IFDHSetProtocolParameters(lun, SCARD_PROTOCOL_T1, 0, 0, 0, 0) },
        IFD_SUCCESS
    );

    let apdu = [0x00, 0xA4, 0x04, 0x0C, 0x02, 0xD3, 0x92];
    let mut rx = [0u8; 258];
    let mut rx_len = Dword::try_from(rx.len()).unwrap();
    let mut pci = ScardIoHeader {
        protocol: 0,
        length: 0,
    };
    let send = ScardIoHeader {
        protocol: SCARD_PROTOCOL_T1,
        length: 0,
    };
    let rc = unsafe {
        IFDHTransmitToICC(
            lun,
            send,
            apdu.as_ptr(),
            7,
            rx.as_mut_ptr(),
            &mut rx_len,
            &mut pci,
        )
    };
    assert_eq!(
        (rc, rx_len, pci.protocol),
        (IFD_SUCCESS, 2, SCARD_PROTOCOL_T1)
    );
    assert_eq!(rx[..2], [0x90, 0x00]);

    let (rc, features) = control(lun, CM_IOCTL_GET_FEATURE_REQUEST, &[]);
    assert_eq!(rc, IFD_SUCCESS);
    assert_eq!(features, crate::reader::feature_list());
    assert_eq!(
        control(lun, IOCTL_IFD_PIN_PROPERTIES, &[]),
        (IFD_SUCCESS, vec![0, 0, 7, 0])
    );
    assert_eq!(
        control(lun, 0x4200_0001, &[]),
        (IFD_ERROR_NOT_SUPPORTED, vec![])
    );

    // The customer types the PIN: the pad builds the VERIFY, the card says 90 00.
    let mut keys = PadKeys::connect(r.keys_addr()).unwrap();
    let pending = verify_async(lun, AUTH.to_vec());
    let prompt = keys.wait_prompt(Duration::from_secs(5)).unwrap();
    assert_eq!((prompt.min, prompt.max, prompt.timeout_secs), (4, 4, 5));
    keys.type_digits("1234").unwrap();
    assert_eq!(pending.join().unwrap(), (IFD_SUCCESS, vec![0x90, 0x00]));
    let got = card.got.lock().unwrap().clone();
    assert_eq!(
        got.last().unwrap(),
        &[0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34]
    );

    // The record: no digits anywhere, the VERIFY masked.
    let log = keys.log().unwrap();
    assert!(
        log.contains(&"verify 0020008004******** sw=9000".to_owned()),
        "{log:?}"
    );
    assert!(log.contains(&format!("structure {}", crate::record::hex(&AUTH))));
    assert!(log.iter().all(|l| !l.contains("31323334")), "{log:?}");

    assert_eq!(
        unsafe { IFDHPowerICC(lun, IFD_POWER_DOWN, atr.as_mut_ptr(), &mut len) },
        IFD_SUCCESS
    );
    assert_eq!(len, 0);
    drop(card);
    assert_eq!(unsafe { IFDHCloseChannel(lun) }, IFD_SUCCESS);
    assert_eq!(unsafe { IFDHICCPresence(lun) }, IFD_COMMUNICATION_ERROR);
}

#[test]
fn wrong_pin_cancel_timeout_and_length() {
    let (lun, r) = open_reader();
    let _card = insert_card(r.card_addr());
    wait_present(lun);
    let mut keys = PadKeys::connect(r.keys_addr()).unwrap();
    let wait = Duration::from_secs(5);

    let pending = verify_async(lun, AUTH.to_vec());
    keys.wait_prompt(wait).unwrap();
    keys.type_digits("9999").unwrap();
    assert_eq!(pending.join().unwrap(), (IFD_SUCCESS, vec![0x63, 0xC2]));

    let pending = verify_async(lun, AUTH.to_vec());
    keys.wait_prompt(wait).unwrap();
    keys.type_digits("12").unwrap();
    keys.press(Key::Cancel).unwrap();
    assert_eq!(pending.join().unwrap(), (IFD_SUCCESS, vec![0x64, 0x01]));

    let pending = verify_async(lun, AUTH.to_vec());
    keys.wait_prompt(wait).unwrap();
    keys.type_digits("1").unwrap();
    keys.press(Key::Ok).unwrap();
    assert_eq!(pending.join().unwrap(), (IFD_SUCCESS, vec![0x64, 0x03]));

    let mut quick = AUTH;
    quick[0] = 1; // bTimerOut: one second
    let started = Instant::now();
    let (rc, sw) = control(lun, IOCTL_VERIFY_PIN_DIRECT, &quick);
    assert_eq!((rc, sw), (IFD_SUCCESS, vec![0x64, 0x00]));
    assert!(started.elapsed() >= Duration::from_secs(1));
    let log = keys.log().unwrap();
    for outcome in ["entry cancelled", "entry length", "entry timeout"] {
        assert!(log.contains(&outcome.to_owned()), "{outcome}: {log:?}");
    }
    unsafe { IFDHCloseChannel(lun) };
}

#[test]
fn a_card_taken_out_ends_the_entry() {
    let (lun, r) = open_reader();
    let card = insert_card(r.card_addr());
    wait_present(lun);
    let mut keys = PadKeys::connect(r.keys_addr()).unwrap();
    let pending = verify_async(lun, AUTH.to_vec());
    keys.wait_prompt(Duration::from_secs(5)).unwrap();
    keys.type_digits("12").unwrap();
    card.stream.shutdown(std::net::Shutdown::Both).unwrap();
    let started = Instant::now();
    assert_eq!(pending.join().unwrap(), (IFD_ICC_NOT_PRESENT, vec![]));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "ended by the removal"
    );
    assert!(keys.log().unwrap().contains(&"entry removed".to_owned()));
    // No card: a verify is refused at once.
    assert_eq!(
        control(lun, IOCTL_VERIFY_PIN_DIRECT, &AUTH),
        (IFD_ICC_NOT_PRESENT, vec![])
    );
    unsafe { IFDHCloseChannel(lun) };
}

#[test]
fn malformed_input_gets_an_error_never_a_crash() {
    let (lun, r) = open_reader();
    let _card = insert_card(r.card_addr());
    wait_present(lun);
    // Framing: refused before the pad, as libccid does.
    assert_eq!(
        control(lun, IOCTL_VERIFY_PIN_DIRECT, &AUTH[..20]),
        (IFD_NOT_SUPPORTED, vec![])
    );
    // A parameter that does not fit: the pad's 6B 80.
    let mut bad = AUTH;
    bad[7] = 0;
    assert_eq!(
        control(lun, IOCTL_VERIFY_PIN_DIRECT, &bad),
        (IFD_SUCCESS, vec![0x6B, 0x80])
    );
    // Null pointers and lengths that lie.
    let mut n: Dword = 0;
    let rc = unsafe {
        IFDHControl(
            lun,
            Dword::from(IOCTL_VERIFY_PIN_DIRECT),
            std::ptr::null(),
            28,
            std::ptr::null_mut(),
            0,
            &mut n,
        )
    };
    assert_eq!((rc, n), (IFD_COMMUNICATION_ERROR, 0));
    let rc = unsafe {
        IFDHControl(
            lun,
            Dword::from(CM_IOCTL_GET_FEATURE_REQUEST),
            std::ptr::null(),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(rc, IFD_COMMUNICATION_ERROR);
    // An answer that does not fit the caller's buffer.
    let mut small = [0u8; 4];
    let rc = unsafe {
        IFDHControl(
            lun,
            Dword::from(CM_IOCTL_GET_FEATURE_REQUEST),
            std::ptr::null(),
            0,
            small.as_mut_ptr(),
            4,
            &mut n,
        )
    };
    assert_eq!((rc, n), (IFD_ERROR_INSUFFICIENT_BUFFER, 0));
    let mut len: Dword = 0;
    assert_eq!(
        unsafe { IFDHPowerICC(lun, 777, std::ptr::null_mut(), &mut len) },
        IFD_NOT_SUPPORTED
    );
    assert_eq!(
        unsafe {
            IFDHGetCapabilities(lun, TAG_IFD_ATR, std::ptr::null_mut(), std::ptr::null_mut())
        },
        IFD_COMMUNICATION_ERROR
    );
    // Names pcscd could pass, and unknown readers.
    assert_eq!(
        unsafe { IFDHCreateChannelByName(0x7F00_0000, std::ptr::null()) },
        IFD_COMMUNICATION_ERROR
    );
    let bad_name = c"/dev/null:0x9C41";
    assert_eq!(
        unsafe { IFDHCreateChannelByName(0x7F00_0000, bad_name.as_ptr()) },
        IFD_COMMUNICATION_ERROR
    );
    assert_eq!(
        unsafe { IFDHCreateChannel(0x7F00_0000, 0) },
        IFD_COMMUNICATION_ERROR
    );
    assert_eq!(
        unsafe { IFDHCloseChannel(0x7F00_0001) },
        IFD_COMMUNICATION_ERROR
    );
    assert_eq!(
        control(0x7F00_0001, CM_IOCTL_GET_FEATURE_REQUEST, &[]).0,
        IFD_COMMUNICATION_ERROR
    );
    unsafe { IFDHCloseChannel(lun) };
}

#[test]
fn a_panic_becomes_an_error_code() {
    assert_eq!(guard(|| panic!("driver bug")), IFD_COMMUNICATION_ERROR);
    assert_eq!(guard(|| IFD_SUCCESS), IFD_SUCCESS);
}

#[test]
fn a_second_reader_on_the_same_lun_is_refused() {
    let (lun, _r) = open_reader();
    assert_eq!(
        open(lun, Ports { card: 0, keys: 0 }),
        IFD_COMMUNICATION_ERROR
    );
    unsafe { IFDHCloseChannel(lun) };
}
