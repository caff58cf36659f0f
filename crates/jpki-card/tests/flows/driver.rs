//! The driver: power-down on every exit, masked traces, and the Flow
//! calling contract when a flow is driven by hand.

use jpki_card::{
    AuthPin, Authenticate, CardError, CardTransport, CertificateFile, Flow, PinEntry, PinKind,
    PinStatus, ReadCertificate, Step, TransportError, run, run_with_trace,
};

use crate::fixture::{digest, fixture};
use crate::script::*;

fn authenticate() -> Authenticate {
    Authenticate::new(PinEntry::Host(AuthPin::new(AUTH_PIN).unwrap()), digest())
}

#[test]
fn power_down_on_success_card_error_and_transport_error() {
    // Success and card errors: run_script checks power_downs == 1.
    let (result, _) = run_script(authenticate_script(3), authenticate());
    assert!(result.is_ok());
    let (result, _) = run_script(vec![apdu(h(SELECT_AP), sw(0x6A82))], authenticate());
    assert!(result.is_err());
    // A transport error in the middle of a READ BINARY.
    let mut s = authenticate_script(3);
    s.truncate(5);
    let last = s.pop().unwrap();
    s.push(last.failing(TransportError::CardRemoved));
    let (result, card) = run_script(s, authenticate());
    assert_eq!(
        result.unwrap_err(),
        CardError::Transport(TransportError::CardRemoved)
    );
    assert_eq!(card.sent.len(), 5);
}

#[test]
fn a_failing_power_down_does_not_mask_the_result() {
    let mut card = ScriptedCard::new(authenticate_script(3));
    card.power_down_error = Some(TransportError::ReaderUnavailable("unplugged".into()));
    let mut traces = Vec::new();
    let result = run_with_trace(&mut card, authenticate(), |t| traces.push(t.to_string()));
    assert!(result.is_ok());
    assert_eq!(card.power_downs, 1);
    assert_eq!(
        traces.last().unwrap(),
        "# power down failed: the card reader is not available: unplugged"
    );

    let mut card = ScriptedCard::new(vec![select_ap(), select(0x0018), counter(0)]);
    card.power_down_error = Some(TransportError::CardRemoved);
    let result = run(&mut card, PinStatus::new(PinKind::AuthPin));
    assert_eq!(result.unwrap(), 0);
    assert_eq!(card.power_downs, 1);
}

#[test]
fn traces_are_masked() {
    let mut card = ScriptedCard::new(authenticate_script(3));
    let mut traces = Vec::new();
    run_with_trace(&mut card, authenticate(), |t| traces.push(t.to_string())).unwrap();
    assert!(traces.contains(&"> 00 20 00 80 04 ** ** ** **".to_string()));
    assert!(traces.contains(&"> 00 20 00 80".to_string()));
    assert!(traces.contains(&"< 63 C3".to_string()));
    assert!(traces.contains(&"> 00 A4 02 0C 02 00 0A".to_string()));
    assert!(
        traces
            .iter()
            .any(|t| t.starts_with("< 30 82 06 2E") && t.contains("(256 bytes) 90 00"))
    );
    assert_eq!(traces.len(), 14 * 2 + 1);

    let mut card = ScriptedCard::new(authenticate_pin_pad_script([0x63, 0xC2]));
    let mut traces = Vec::new();
    let flow = Authenticate::new(PinEntry::PinPad { timeout_secs: 30 }, digest());
    let _ = run_with_trace(&mut card, flow, |t| traces.push(t.to_string()));
    assert!(traces.contains(
        &"> PIN pad 1E 00 82 04 00 04 04 03 01 11 04 00 00 00 00 09 00 00 00 | 00 20 00 80 04 ** ** ** **"
            .to_string()
    ));
}

#[test]
fn run_takes_trait_objects() {
    let f = fixture();
    let mut s = vec![select_ap(), select(0x000A)];
    s.extend(read_file(&f.auth_cert));
    let mut boxed: Box<dyn CardTransport> = Box::new(ScriptedCard::new(s));
    let der = run(
        &mut *boxed,
        ReadCertificate::new(CertificateFile::AuthCertificate),
    )
    .unwrap();
    assert_eq!(der, f.auth_cert);
    let dynamic: &mut dyn CardTransport = &mut *boxed;
    // A new flow on the same (now powered-down, exhausted) double fails cleanly.
    assert!(run(dynamic, PinStatus::new(PinKind::AuthPin)).is_err());
}

#[test]
fn contract_violations_end_the_flow_without_panicking() {
    // next() twice without a response.
    let mut flow = PinStatus::new(PinKind::AuthPin);
    assert!(matches!(flow.next(), Step::Transmit(_)));
    assert!(matches!(flow.next(), Step::Done));
    assert!(matches!(flow.next(), Step::Done));
    assert!(matches!(
        flow.finish(),
        Err(CardError::ContractViolation { .. })
    ));

    // A response nobody asked for.
    let mut flow = PinStatus::new(PinKind::AuthPin);
    flow.handle_response(&[0x90, 0x00]);
    assert!(matches!(flow.next(), Step::Done));
    assert!(matches!(
        flow.finish(),
        Err(CardError::ContractViolation { .. })
    ));

    // finish() before Done.
    let mut flow = PinStatus::new(PinKind::AuthPin);
    let _ = flow.next();
    assert!(matches!(
        flow.finish(),
        Err(CardError::ContractViolation { .. })
    ));

    // Inputs after Done change nothing.
    let mut flow = PinStatus::new(PinKind::AuthPin);
    let _ = flow.next();
    flow.handle_transport_error(TransportError::Timeout);
    assert!(matches!(flow.next(), Step::Done));
    flow.handle_response(&[0x90, 0x00]);
    flow.handle_transport_error(TransportError::CardRemoved);
    assert_eq!(
        flow.finish().unwrap_err(),
        CardError::Transport(TransportError::Timeout)
    );
}

#[test]
fn short_responses_are_malformed() {
    for short in [vec![], vec![0x90]] {
        let (result, _) = run_script(
            vec![apdu(h(SELECT_AP), short)],
            PinStatus::new(PinKind::AuthPin),
        );
        assert!(matches!(
            result,
            Err(CardError::MalformedResponse {
                step: "SELECT (JPKI AP)",
                ..
            })
        ));
    }
}
