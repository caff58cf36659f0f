//! Every status word of docs/domain/jpki.md §1.4, answered at every step of every flow,
//! against the CardError the step must map it to.

use jpki_card::{
    AuthPin, Authenticate, CardError, CertificateFile, Flow, PinEntry, PinKind, PinStatus,
    ReadCertificate, SignDocument, SignPassword, StatusKind, StatusWord,
};

use crate::fixture::digest;
use crate::script::*;

/// The status words of docs/domain/jpki.md §1.4 (90 00 is the happy path).
const TABLE_1_4: [u16; 12] = [
    0x63C2, 0x63C0, 0x6984, 0x6983, 0x6300, 0x6982, 0x6A82, 0x6A86, 0x6B00, 0x6282, 0x6700, 0x6F00,
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum StepKind {
    SelectAp,
    SelectEf(u16),
    ReadBinary,
    RetryCounter,
    Verify,
    Sign,
}

fn step_of(command: &[u8]) -> StepKind {
    match command {
        [0x00, 0xA4, 0x04, ..] => StepKind::SelectAp,
        [0x00, 0xA4, 0x02, 0x0C, 0x02, a, b] => StepKind::SelectEf(u16::from_be_bytes([*a, *b])),
        [0x00, 0xB0, ..] => StepKind::ReadBinary,
        [0x00, 0x20, 0x00, 0x80] => StepKind::RetryCounter,
        [0x00, 0x20, ..] => StepKind::Verify,
        [0x80, 0x2A, ..] => StepKind::Sign,
        // The PIN-pad structure.
        [0x1E, ..] => StepKind::Verify,
        _ => panic!("unknown command {command:02X?}"),
    }
}

/// What a flow must end with when `sw` answers `step`; `None` when the
/// flow goes on (tested elsewhere). `Ok(())` stands for a successful output.
fn expected(step: StepKind, sw: u16, pin_status: bool) -> Option<Result<(), CardError>> {
    let sw_ = StatusWord(sw);
    let unexpected = |step| Some(Err(CardError::UnexpectedStatus { step, sw: sw_ }));
    let blocked = matches!(sw, 0x63C0 | 0x6984 | 0x6983);
    Some(Err(match (step, sw) {
        (StepKind::SelectAp, 0x6F00) => return None, // one retry, see below
        (StepKind::SelectAp, _) => CardError::NotAMyNumberCard { sw: sw_ },
        (_, 0x6982) => CardError::SecurityStatusNotSatisfied,
        (StepKind::SelectEf(0x001B | 0x0001 | 0x001A), 0x6A82) => {
            CardError::SignatureCertificateAbsent
        }
        (StepKind::SelectEf(fid), 0x6A82) => CardError::FileNotFound { fid },
        (StepKind::SelectEf(_), _) => return unexpected("SELECT FILE"),
        (StepKind::ReadBinary, 0x6282 | 0x6B00) => {
            // End of file with no data: the certificate is cut short.
            return Some(Err(CardError::MalformedResponse {
                step: "READ BINARY",
                reason: String::new(),
            }));
        }
        (StepKind::ReadBinary, _) => return unexpected("READ BINARY"),
        (StepKind::RetryCounter, 0x63C2) => return None,
        (StepKind::RetryCounter, _) if blocked && pin_status => return Some(Ok(())),
        (StepKind::RetryCounter, _) if blocked => CardError::PinBlocked,
        (StepKind::RetryCounter, _) => return unexpected("VERIFY (retry counter)"),
        (StepKind::Verify, 0x63C2) => CardError::PinIncorrect { tries_left: 2 },
        (StepKind::Verify, _) if blocked => CardError::PinBlocked,
        (StepKind::Verify, _) => return unexpected("VERIFY"),
        (StepKind::Sign, _) => return unexpected("COMPUTE DIGITAL SIGNATURE"),
    }))
}

type Runner = fn(Vec<Expect>) -> Result<(), CardError>;

fn run_unit<F: Flow>(script: Vec<Expect>, flow: F) -> Result<(), CardError> {
    run_script(script, flow).0.map(|_| ())
}

fn flows() -> Vec<(&'static str, Vec<Expect>, Runner, bool)> {
    let read = || {
        let mut s = vec![select_ap(), select(0x000A)];
        s.extend(read_file(&crate::fixture::fixture().auth_cert));
        s
    };
    vec![
        (
            "ReadCertificate",
            read(),
            |s| run_unit(s, ReadCertificate::new(CertificateFile::AuthCertificate)),
            false,
        ),
        (
            "PinStatus(auth)",
            vec![select_ap(), select(0x0018), counter(3)],
            |s| run_unit(s, PinStatus::new(PinKind::AuthPin)),
            true,
        ),
        (
            "PinStatus(sign)",
            vec![select_ap(), select(0x001B), counter(5)],
            |s| run_unit(s, PinStatus::new(PinKind::SignPassword)),
            true,
        ),
        (
            "Authenticate",
            authenticate_script(3),
            |s| {
                let pin = PinEntry::Host(AuthPin::new(AUTH_PIN).unwrap());
                run_unit(s, Authenticate::new(pin, digest()))
            },
            false,
        ),
        (
            "SignDocument",
            sign_script(5, true),
            |s| {
                let pw = SignPassword::new(SIGN_PASSWORD).unwrap();
                run_unit(
                    s,
                    SignDocument::new(pw, digest()).read_auth_certificate(true),
                )
            },
            false,
        ),
    ]
}

#[test]
fn every_status_word_at_every_step_of_every_flow() {
    let mut checked = 0;
    for (name, happy, runner, pin_status) in flows() {
        for at in 0..happy.len() {
            let step = step_of(happy[at].command());
            for sw in TABLE_1_4 {
                let Some(want) = expected(step, sw, pin_status) else {
                    continue;
                };
                let got = runner(cut_at(happy.clone(), at, sw.to_be_bytes().to_vec()));
                match (&want, &got) {
                    (
                        Err(CardError::MalformedResponse { step: a, .. }),
                        Err(CardError::MalformedResponse { step: b, .. }),
                    ) => assert_eq!(a, b),
                    _ => assert_eq!(got, want, "{name}: {sw:04X} at #{at} ({step:?})"),
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 500, "{checked}");
}

#[test]
fn classification_of_table_1_4() {
    let kinds: Vec<_> = TABLE_1_4.iter().map(|&sw| StatusWord(sw).kind()).collect();
    assert_eq!(
        kinds,
        [
            StatusKind::TriesLeft(2),
            StatusKind::CounterExhausted,
            StatusKind::ReferenceDataBlocked,
            StatusKind::AuthenticationMethodBlocked,
            StatusKind::NoRetryCounter,
            StatusKind::SecurityStatusNotSatisfied,
            StatusKind::FileNotFound,
            StatusKind::IncorrectP1P2,
            StatusKind::OffsetOutOfRange,
            StatusKind::EndOfFileWarning,
            StatusKind::WrongLength,
            StatusKind::NoPreciseDiagnosis,
        ]
    );
    assert_eq!(StatusWord(0x9000).kind(), StatusKind::Success);
}

#[test]
fn six_f_zero_on_select_ap_gets_one_more_try() {
    // First command after a power cycle on one card (docs/domain/jpki.md §1.4).
    let mut script = vec![apdu(h(SELECT_AP), sw(0x6F00))];
    script.extend(vec![select_ap(), select(0x0018), counter(3)]);
    let (result, card) = run_script(script, PinStatus::new(PinKind::AuthPin));
    assert_eq!(result.unwrap(), 3);
    assert_eq!(card.sent.len(), 4);

    let script = vec![
        apdu(h(SELECT_AP), sw(0x6F00)),
        apdu(h(SELECT_AP), sw(0x6F00)),
    ];
    let (result, _) = run_script(script, PinStatus::new(PinKind::AuthPin));
    assert_eq!(
        result.unwrap_err(),
        CardError::NotAMyNumberCard {
            sw: StatusWord(0x6F00)
        }
    );
}

#[test]
fn not_a_my_number_card() {
    for refusal in [0x6A82, 0x6A86, 0x6D00, 0x6E00, 0x6999] {
        let script = vec![apdu(h(SELECT_AP), sw(refusal))];
        let (result, card) = run_script(
            script,
            ReadCertificate::new(CertificateFile::AuthCertificate),
        );
        assert_eq!(
            result.unwrap_err(),
            CardError::NotAMyNumberCard {
                sw: StatusWord(refusal)
            }
        );
        assert_eq!(card.sent.len(), 1);
    }
}

#[test]
fn the_signature_certificate_is_absent() {
    let pw = || SignPassword::new(SIGN_PASSWORD).unwrap();
    for fid in [0x001B, 0x0001, 0x001A] {
        let s = sign_script(5, false);
        let at = index_of(&s, &select_cmd(fid));
        let (result, card) =
            run_script(cut_at(s, at, sw(0x6A82)), SignDocument::new(pw(), digest()));
        assert_eq!(
            result.unwrap_err(),
            CardError::SignatureCertificateAbsent,
            "{fid:04X}"
        );
        assert_eq!(card.sent_verify_with_data(), fid != 0x001B);
    }
    let script = vec![select_ap(), apdu(select_cmd(0x001B), sw(0x6A82))];
    let (result, _) = run_script(script, PinStatus::new(PinKind::SignPassword));
    assert_eq!(result.unwrap_err(), CardError::SignatureCertificateAbsent);
}

#[test]
fn the_sign_certificate_needs_the_password() {
    // 69 82 on READ BINARY of 0001 (docs/domain/jpki.md §1.2; OpenSC #3169 trace).
    let s = sign_script(5, false);
    let at = index_of(&s, &select_cmd(0x0001)) + 1;
    let (result, _) = run_script(
        cut_at(s, at, sw(0x6982)),
        SignDocument::new(SignPassword::new(SIGN_PASSWORD).unwrap(), digest()),
    );
    assert_eq!(result.unwrap_err(), CardError::SecurityStatusNotSatisfied);
}
