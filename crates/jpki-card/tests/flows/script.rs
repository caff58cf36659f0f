//! A scripted transport: each expected command comes with a canned reply;
//! any other command is recorded as a violation and fails the exchange.
//! Plus builders for the APDUs of docs/domain/jpki.md §1.3, written out independently of
//! the crate's own builders.

use std::collections::VecDeque;

use jpki_card::{CardError, CardTransport, Flow, TransportError, run_with_trace};

use crate::fixture::{digest, fixture};

/// Parses spaced hex: `"00 A4 04 0C"`.
pub fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).expect("hex")
}

/// `data` followed by `90 00`.
pub fn ok(data: &[u8]) -> Vec<u8> {
    let mut v = data.to_vec();
    v.extend_from_slice(&[0x90, 0x00]);
    v
}

/// A bare status word.
pub fn sw(sw: u16) -> Vec<u8> {
    sw.to_be_bytes().to_vec()
}

#[derive(Debug, Clone)]
pub enum Expect {
    Apdu {
        command: Vec<u8>,
        reply: Result<Vec<u8>, TransportError>,
    },
    PinPad {
        structure: Vec<u8>,
        reply: Result<[u8; 2], TransportError>,
    },
}

impl Expect {
    pub fn command(&self) -> &[u8] {
        match self {
            Expect::Apdu { command, .. } => command,
            Expect::PinPad { structure, .. } => structure,
        }
    }

    /// The same expectation with another reply (status word only).
    pub fn answering(self, bytes: Vec<u8>) -> Expect {
        match self {
            Expect::Apdu { command, .. } => Expect::Apdu {
                command,
                reply: Ok(bytes),
            },
            Expect::PinPad { structure, .. } => Expect::PinPad {
                structure,
                reply: Ok([bytes[0], bytes[1]]),
            },
        }
    }

    pub fn failing(self, error: TransportError) -> Expect {
        match self {
            Expect::Apdu { command, .. } => Expect::Apdu {
                command,
                reply: Err(error),
            },
            Expect::PinPad { structure, .. } => Expect::PinPad {
                structure,
                reply: Err(error),
            },
        }
    }
}

pub fn apdu(command: Vec<u8>, reply: Vec<u8>) -> Expect {
    Expect::Apdu {
        command,
        reply: Ok(reply),
    }
}

pub const SELECT_AP: &str = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";

pub fn select_ap() -> Expect {
    apdu(h(SELECT_AP), sw(0x9000))
}

pub fn select_cmd(fid: u16) -> Vec<u8> {
    let [a, b] = fid.to_be_bytes();
    vec![0x00, 0xA4, 0x02, 0x0C, 0x02, a, b]
}

pub fn select(fid: u16) -> Expect {
    apdu(select_cmd(fid), sw(0x9000))
}

pub fn read_cmd(offset: usize, le: usize) -> Vec<u8> {
    vec![0x00, 0xB0, (offset >> 8) as u8, offset as u8, le as u8]
}

/// The READ BINARY exchanges of a card whose EF holds `der` followed by
/// `FF` padding (the EF is larger than the certificate, docs/domain/jpki.md §1.5).
pub fn read_file(der: &[u8]) -> Vec<Expect> {
    let mut ef = der.to_vec();
    ef.resize(der.len() + 700, 0xFF);
    let mut out = vec![apdu(read_cmd(0, 256), ok(&ef[..256]))];
    let mut offset = 256;
    while offset < der.len() {
        let le = 256.min(der.len() - offset);
        out.push(apdu(read_cmd(offset, le), ok(&ef[offset..offset + le])));
        offset += le;
    }
    out
}

pub const EMPTY_VERIFY: &str = "00 20 00 80";

pub fn counter(tries: u8) -> Expect {
    apdu(h(EMPTY_VERIFY), sw(0x63C0 | u16::from(tries)))
}

pub fn verify(secret: &str, reply: u16) -> Expect {
    let mut command = h("00 20 00 80");
    command.push(secret.len() as u8);
    command.extend_from_slice(secret.as_bytes());
    apdu(command, sw(reply))
}

pub fn pso_cmd() -> Vec<u8> {
    let mut command = h("80 2A 00 80 33 30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20");
    command.extend_from_slice(&digest());
    command.push(0x00);
    command
}

pub fn pso(signature: &[u8]) -> Expect {
    apdu(pso_cmd(), ok(signature))
}

pub const AUTH_PIN: &str = "1234";
pub const SIGN_PASSWORD: &str = "ABC123";

/// The whole Authenticate exchange with a host PIN (14 APDUs).
pub fn authenticate_script(tries: u8) -> Vec<Expect> {
    let f = fixture();
    let mut s = vec![select_ap(), select(0x000A)];
    s.extend(read_file(&f.auth_cert));
    s.push(select(0x0018));
    s.push(counter(tries));
    s.push(verify(AUTH_PIN, 0x9000));
    s.push(select(0x0017));
    s.push(pso(&f.auth_signature));
    s
}

/// The PIN_VERIFY_STRUCTURE of docs/domain/jpki.md §5.2 with a 30-second timeout.
pub const PIN_PAD_STRUCTURE: &str =
    "1E 00 82 04 00 04 04 03 01 11 04 00 00 00 00 09 00 00 00 00 20 00 80 04 FF FF FF FF";

/// Authenticate with the PIN pad: the VERIFY becomes a PIN-pad exchange.
pub fn authenticate_pin_pad_script(reply: [u8; 2]) -> Vec<Expect> {
    let mut s = authenticate_script(3);
    let at = s
        .iter()
        .position(|e| e.command().starts_with(&h("00 20 00 80 04")))
        .expect("verify");
    s[at] = Expect::PinPad {
        structure: h(PIN_PAD_STRUCTURE),
        reply: Ok(reply),
    };
    s
}

/// The whole SignDocument exchange.
pub fn sign_script(tries: u8, read_auth: bool) -> Vec<Expect> {
    let f = fixture();
    let mut s = vec![select_ap()];
    if read_auth {
        s.push(select(0x000A));
        s.extend(read_file(&f.auth_cert));
    }
    s.push(select(0x001B));
    s.push(counter(tries));
    s.push(verify(SIGN_PASSWORD, 0x9000));
    s.push(select(0x0001));
    s.extend(read_file(&f.sign_cert));
    s.push(select(0x001A));
    s.push(pso(&f.sign_signature));
    s
}

/// Index of the first expectation whose command is `command`.
pub fn index_of(script: &[Expect], command: &[u8]) -> usize {
    script
        .iter()
        .position(|e| e.command() == command)
        .unwrap_or_else(|| panic!("{} not in script", hex::encode(command)))
}

/// The script up to and including `at`, where the card answers `reply`.
pub fn cut_at(mut script: Vec<Expect>, at: usize, reply: Vec<u8>) -> Vec<Expect> {
    script.truncate(at + 1);
    let last = script.pop().expect("non-empty");
    script.push(last.answering(reply));
    script
}

#[derive(Debug, Default)]
pub struct ScriptedCard {
    script: VecDeque<Expect>,
    /// Every APDU sent, in order.
    pub sent: Vec<Vec<u8>>,
    /// Every PIN_VERIFY_STRUCTURE handed to the PIN pad.
    pub pin_pad: Vec<Vec<u8>>,
    pub power_downs: usize,
    pub power_down_error: Option<TransportError>,
    pub violations: Vec<String>,
}

impl ScriptedCard {
    pub fn new(script: Vec<Expect>) -> Self {
        ScriptedCard {
            script: script.into(),
            ..Default::default()
        }
    }

    /// Whether any VERIFY with data went to the card or the PIN pad.
    pub fn sent_verify_with_data(&self) -> bool {
        !self.pin_pad.is_empty() || self.sent.iter().any(|c| c.len() > 4 && c[1] == 0x20)
    }

    pub fn remaining(&self) -> usize {
        self.script.len()
    }

    fn violation(&mut self, what: String) -> TransportError {
        self.violations.push(what);
        TransportError::Other("unexpected exchange".into())
    }
}

impl CardTransport for ScriptedCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent.push(command.to_vec());
        if self.power_downs > 0 {
            return Err(self.violation("transmit after power down".into()));
        }
        match self.script.pop_front() {
            Some(Expect::Apdu { command: c, reply }) if c == command => reply,
            other => Err(self.violation(format!(
                "unexpected command {} (expected {:?})",
                hex::encode_upper(command),
                other.map(|e| hex::encode_upper(e.command()))
            ))),
        }
    }

    fn has_pin_pad(&mut self) -> bool {
        true
    }

    fn verify_on_pin_pad(&mut self, structure: &[u8]) -> Result<[u8; 2], TransportError> {
        self.pin_pad.push(structure.to_vec());
        match self.script.pop_front() {
            Some(Expect::PinPad {
                structure: s,
                reply,
            }) if s == structure => reply,
            other => Err(self.violation(format!(
                "unexpected PIN pad structure {} (expected {:?})",
                hex::encode_upper(structure),
                other.map(|e| hex::encode_upper(e.command()))
            ))),
        }
    }

    fn power_down(&mut self) -> Result<(), TransportError> {
        self.power_downs += 1;
        match &self.power_down_error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
}

/// Runs `flow` over `script` and checks the invariants every run must keep:
/// the script was followed and used up, the card was powered down exactly
/// once, and no trace line shows a PIN.
pub fn run_script<F: Flow>(
    script: Vec<Expect>,
    flow: F,
) -> (Result<F::Output, CardError>, ScriptedCard) {
    let mut card = ScriptedCard::new(script);
    let mut traces = Vec::new();
    let result = run_with_trace(&mut card, flow, |t| traces.push(t.to_string()));
    assert!(
        card.violations.is_empty(),
        "violations: {:?}",
        card.violations
    );
    assert_eq!(
        card.remaining(),
        0,
        "script not used up; result {:?}",
        result.as_ref().err()
    );
    assert_eq!(
        card.power_downs, 1,
        "power_down must be called exactly once"
    );
    assert_eq!(traces.last().map(String::as_str), Some("# power down"));
    for t in &traces {
        for secret in [AUTH_PIN, SIGN_PASSWORD] {
            let spaced = hex::encode_upper(secret)
                .as_bytes()
                .chunks(2)
                .map(|c| std::str::from_utf8(c).unwrap().to_string())
                .collect::<Vec<_>>()
                .join(" ");
            assert!(!t.contains(&spaced), "trace shows a secret: {t}");
        }
    }
    (result, card)
}
