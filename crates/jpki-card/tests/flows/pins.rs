//! PIN outcomes: wrong PIN, blocked, last try, no counter, and the PIN pad.

use jpki_card::{
    AuthPin, Authenticate, CardError, Flow, PinEntry, PinKind, PinStatus, SignDocument,
    SignPassword, StatusWord, Step, TransportError,
};

use crate::fixture::digest;
use crate::script::*;

fn authenticate(confirm: bool) -> Authenticate {
    Authenticate::new(PinEntry::Host(AuthPin::new(AUTH_PIN).unwrap()), digest())
        .confirm_last_try(confirm)
}

fn sign(confirm: bool) -> SignDocument {
    SignDocument::new(SignPassword::new(SIGN_PASSWORD).unwrap(), digest()).confirm_last_try(confirm)
}

fn verify_index(script: &[Expect]) -> usize {
    script
        .iter()
        .position(|e| e.command().len() > 4 && e.command()[1] == 0x20)
        .expect("VERIFY with data")
}

fn counter_index(script: &[Expect]) -> usize {
    index_of(script, &h(EMPTY_VERIFY))
}

#[test]
fn wrong_pin_reports_tries_left_and_stops() {
    let s = authenticate_script(3);
    let at = verify_index(&s);
    let (result, card) = run_script(cut_at(s, at, sw(0x63C2)), authenticate(false));
    assert_eq!(
        result.unwrap_err(),
        CardError::PinIncorrect { tries_left: 2 }
    );
    assert_eq!(
        card.sent.len(),
        at + 1,
        "no retry, nothing after the VERIFY"
    );

    let s = sign_script(5, false);
    let at = verify_index(&s);
    let (result, _) = run_script(cut_at(s, at, sw(0x63C4)), sign(false));
    assert_eq!(
        result.unwrap_err(),
        CardError::PinIncorrect { tries_left: 4 }
    );
}

#[test]
fn verify_that_blocks_the_pin() {
    for blocked in [0x63C0, 0x6984, 0x6983] {
        let s = authenticate_script(3);
        let at = verify_index(&s);
        let (result, _) = run_script(cut_at(s, at, sw(blocked)), authenticate(false));
        assert_eq!(result.unwrap_err(), CardError::PinBlocked, "{blocked:04X}");

        let s = sign_script(5, false);
        let at = verify_index(&s);
        let (result, _) = run_script(cut_at(s, at, sw(blocked)), sign(false));
        assert_eq!(result.unwrap_err(), CardError::PinBlocked, "{blocked:04X}");
    }
}

#[test]
fn a_blocked_counter_sends_no_verify() {
    for blocked in [0x63C0, 0x6984, 0x6983] {
        for confirm in [false, true] {
            let s = authenticate_script(3);
            let at = counter_index(&s);
            let (result, card) = run_script(cut_at(s, at, sw(blocked)), authenticate(confirm));
            assert_eq!(result.unwrap_err(), CardError::PinBlocked);
            assert!(!card.sent_verify_with_data());

            let s = sign_script(5, true);
            let at = counter_index(&s);
            let (result, card) = run_script(
                cut_at(s, at, sw(blocked)),
                sign(confirm).read_auth_certificate(true),
            );
            assert_eq!(result.unwrap_err(), CardError::PinBlocked);
            assert!(!card.sent_verify_with_data());

            let s = authenticate_pin_pad_script([0x90, 0x00]);
            let at = counter_index(&s);
            let flow = Authenticate::new(PinEntry::PinPad { timeout_secs: 30 }, digest())
                .confirm_last_try(confirm);
            let (result, card) = run_script(cut_at(s, at, sw(blocked)), flow);
            assert_eq!(result.unwrap_err(), CardError::PinBlocked);
            assert!(card.pin_pad.is_empty(), "the PIN pad was not even asked");
        }
    }
}

#[test]
fn the_last_try_needs_confirmation() {
    let s = authenticate_script(1);
    let at = counter_index(&s);
    let (result, card) = run_script(s[..=at].to_vec(), authenticate(false));
    assert_eq!(result.unwrap_err(), CardError::LastTryNeedsConfirmation);
    assert!(!card.sent_verify_with_data());

    let s = sign_script(1, false);
    let at = counter_index(&s);
    let (result, card) = run_script(s[..=at].to_vec(), sign(false));
    assert_eq!(result.unwrap_err(), CardError::LastTryNeedsConfirmation);
    assert!(!card.sent_verify_with_data());

    let mut s = authenticate_pin_pad_script([0x90, 0x00]);
    let at = counter_index(&s);
    s[at] = counter(1);
    let flow = Authenticate::new(PinEntry::PinPad { timeout_secs: 30 }, digest());
    let (result, card) = run_script(s[..=at].to_vec(), flow);
    assert_eq!(result.unwrap_err(), CardError::LastTryNeedsConfirmation);
    assert!(card.pin_pad.is_empty());
}

#[test]
fn a_confirmed_last_try_goes_ahead() {
    let (result, _) = run_script(authenticate_script(1), authenticate(true));
    assert_eq!(result.unwrap().tries_left_before, 1);
    let (result, _) = run_script(sign_script(1, false), sign(true));
    assert_eq!(result.unwrap().tries_left_before, 1);
    // Two tries left need no confirmation.
    let (result, _) = run_script(authenticate_script(2), authenticate(false));
    assert_eq!(result.unwrap().tries_left_before, 2);
}

#[test]
fn a_card_that_reports_no_counter_gets_no_pin() {
    for no_counter in [0x9000, 0x6300] {
        let s = authenticate_script(3);
        let at = counter_index(&s);
        let (result, card) = run_script(cut_at(s, at, sw(no_counter)), authenticate(true));
        assert_eq!(
            result.unwrap_err(),
            CardError::UnexpectedStatus {
                step: "VERIFY (retry counter)",
                sw: StatusWord(no_counter)
            }
        );
        assert!(!card.sent_verify_with_data());

        let script = vec![
            select_ap(),
            select(0x0018),
            apdu(h(EMPTY_VERIFY), sw(no_counter)),
        ];
        let (result, _) = run_script(script, PinStatus::new(PinKind::AuthPin));
        assert!(matches!(result, Err(CardError::UnexpectedStatus { .. })));
    }
}

#[test]
fn pin_status_of_a_blocked_pin_is_zero() {
    for blocked in [0x63C0, 0x6984, 0x6983] {
        let script = vec![
            select_ap(),
            select(0x001B),
            apdu(h(EMPTY_VERIFY), sw(blocked)),
        ];
        let (result, _) = run_script(script, PinStatus::new(PinKind::SignPassword));
        assert_eq!(result.unwrap(), 0);
    }
}

#[test]
fn pin_pad_replies() {
    let table: &[(u16, CardError)] = &[
        (0x6400, CardError::PinEntryTimeout),
        (0x6401, CardError::PinEntryCancelled),
        (
            0x6402,
            CardError::PinPadError {
                sw: StatusWord(0x6402),
            },
        ),
        (
            0x6403,
            CardError::PinPadError {
                sw: StatusWord(0x6403),
            },
        ),
        (
            0x6B80,
            CardError::PinPadError {
                sw: StatusWord(0x6B80),
            },
        ),
        (
            0x6410,
            CardError::PinPadError {
                sw: StatusWord(0x6410),
            },
        ),
        (0x63C2, CardError::PinIncorrect { tries_left: 2 }),
        (0x63C0, CardError::PinBlocked),
        (0x6984, CardError::PinBlocked),
        (0x6983, CardError::PinBlocked),
        (0x6982, CardError::SecurityStatusNotSatisfied),
        (
            0x6700,
            CardError::UnexpectedStatus {
                step: "VERIFY (PIN pad)",
                sw: StatusWord(0x6700),
            },
        ),
    ];
    for (reply, expected) in table {
        let s = authenticate_pin_pad_script(reply.to_be_bytes());
        let at = s
            .iter()
            .position(|e| matches!(e, Expect::PinPad { .. }))
            .unwrap();
        let (result, card) = run_script(
            s[..=at].to_vec(),
            Authenticate::new(PinEntry::PinPad { timeout_secs: 30 }, digest()),
        );
        assert_eq!(&result.unwrap_err(), expected, "{reply:04X}");
        assert_eq!(card.pin_pad.len(), 1);
    }
}

#[test]
fn a_reader_without_pin_pad() {
    let s = authenticate_pin_pad_script([0x90, 0x00]);
    let at = s
        .iter()
        .position(|e| matches!(e, Expect::PinPad { .. }))
        .unwrap();
    let mut s = s[..=at].to_vec();
    let last = s.pop().unwrap();
    s.push(last.failing(TransportError::PinPadUnsupported));
    let (result, _) = run_script(
        s,
        Authenticate::new(PinEntry::PinPad { timeout_secs: 30 }, digest()),
    );
    assert_eq!(
        result.unwrap_err(),
        CardError::Transport(TransportError::PinPadUnsupported)
    );
}

#[test]
fn host_verify_gets_no_pin_pad_meaning_for_64xx() {
    let s = authenticate_script(3);
    let at = verify_index(&s);
    let (result, _) = run_script(cut_at(s, at, sw(0x6400)), authenticate(false));
    assert_eq!(
        result.unwrap_err(),
        CardError::UnexpectedStatus {
            step: "VERIFY",
            sw: StatusWord(0x6400)
        }
    );
}

#[test]
fn a_pin_pad_reply_must_be_two_bytes() {
    let mut flow = Authenticate::new(PinEntry::PinPad { timeout_secs: 30 }, digest());
    let mut script = authenticate_pin_pad_script([0x90, 0x00]).into_iter();
    loop {
        match flow.next() {
            Step::Transmit(command) => {
                let expected = script.next().unwrap();
                assert_eq!(&*command.to_bytes(), expected.command());
                let Expect::Apdu { reply, .. } = expected else {
                    panic!()
                };
                flow.handle_response(&reply.unwrap());
            }
            Step::VerifyOnPinPad(_) => {
                flow.handle_response(&[0x90, 0x00, 0x00]);
                break;
            }
            Step::Done => panic!("ended early"),
        }
    }
    assert!(matches!(flow.next(), Step::Done));
    assert!(matches!(
        flow.finish(),
        Err(CardError::MalformedResponse {
            step: "VERIFY (PIN pad)",
            ..
        })
    ));
}
