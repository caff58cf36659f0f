//! Property tests: garbled and arbitrary responses never panic a flow, every
//! run powers the card down exactly once, a VERIFY with data is sent at most
//! once and only after a counter that allows it, and a successful result is
//! always self-consistent.

use der::Decode;
use jpki_card::{
    AuthPin, Authenticate, CardError, CardTransport, CertificateFile, Flow, PinEntry, PinKind,
    PinStatus, ReadCertificate, SignDocument, SignPassword, Step, TransportError,
    digest_info_sha256, run,
};
use proptest::prelude::*;
use rsa::{Pkcs1v15Sign, PublicKey};
use x509_cert::Certificate;

use crate::fixture::digest;
use crate::script::*;

const INTERESTING_SW: [u16; 26] = [
    0x9000, 0x9000, 0x6100, 0x6101, 0x6180, 0x6C00, 0x6C01, 0x6CC8, 0x63C0, 0x63C1, 0x63C2, 0x63C3,
    0x6983, 0x6984, 0x6300, 0x6982, 0x6A82, 0x6A86, 0x6B00, 0x6282, 0x6700, 0x6F00, 0x6400, 0x6401,
    0x6403, 0x6B80,
];

#[derive(Debug, Clone, Copy)]
enum Kind {
    Read(CertificateFile),
    Status(PinKind),
    AuthHost { confirm: bool },
    AuthPad { confirm: bool },
    Sign { read_auth: bool, confirm: bool },
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        prop::sample::select(vec![
            CertificateFile::AuthCertificate,
            CertificateFile::AuthCaCertificate,
            CertificateFile::SignCaCertificate,
        ])
        .prop_map(Kind::Read),
        prop::sample::select(vec![PinKind::AuthPin, PinKind::SignPassword]).prop_map(Kind::Status),
        any::<bool>().prop_map(|confirm| Kind::AuthHost { confirm }),
        any::<bool>().prop_map(|confirm| Kind::AuthPad { confirm }),
        (any::<bool>(), any::<bool>())
            .prop_map(|(read_auth, confirm)| Kind::Sign { read_auth, confirm }),
    ]
}

impl Kind {
    fn confirm(self) -> bool {
        matches!(
            self,
            Kind::AuthHost { confirm: true }
                | Kind::AuthPad { confirm: true }
                | Kind::Sign { confirm: true, .. }
        )
    }

    /// The replies of a well-behaved card, in order.
    fn happy_replies(self) -> Vec<Vec<u8>> {
        let f = crate::fixture::fixture();
        let script = match self {
            Kind::Read(which) => {
                let fid = match which {
                    CertificateFile::AuthCertificate => 0x000A,
                    CertificateFile::AuthCaCertificate => 0x000B,
                    _ => 0x0002,
                };
                let mut s = vec![select_ap(), select(fid)];
                s.extend(read_file(&f.auth_cert));
                s
            }
            Kind::Status(PinKind::AuthPin) => vec![select_ap(), select(0x0018), counter(3)],
            Kind::Status(_) => vec![select_ap(), select(0x001B), counter(5)],
            Kind::AuthHost { .. } => authenticate_script(3),
            Kind::AuthPad { .. } => authenticate_pin_pad_script([0x90, 0x00]),
            Kind::Sign { read_auth, .. } => sign_script(5, read_auth),
        };
        script
            .into_iter()
            .map(|e| match e {
                Expect::Apdu { reply, .. } => reply.unwrap(),
                Expect::PinPad { reply, .. } => reply.unwrap().to_vec(),
            })
            .collect()
    }

    /// Runs the flow over `card` and checks the result is self-consistent.
    fn run_and_check<T: CardTransport>(self, card: &mut T) -> Result<(), CardError> {
        match self {
            Kind::Read(which) => {
                let der = run(card, ReadCertificate::new(which))?;
                assert_eq!(der_len(&der), Some(der.len()));
            }
            Kind::Status(which) => {
                let tries = run(card, PinStatus::new(which))?;
                assert!(tries <= 15);
            }
            Kind::AuthHost { confirm } | Kind::AuthPad { confirm } => {
                let pin = match self {
                    Kind::AuthHost { .. } => PinEntry::Host(AuthPin::new(AUTH_PIN).unwrap()),
                    _ => PinEntry::PinPad { timeout_secs: 30 },
                };
                let auth = run(
                    card,
                    Authenticate::new(pin, digest()).confirm_last_try(confirm),
                )?;
                assert!(auth.tries_left_before >= if confirm { 1 } else { 2 });
                assert_signed(&auth.certificate, &auth.signature);
            }
            Kind::Sign { read_auth, confirm } => {
                let pw = SignPassword::new(SIGN_PASSWORD).unwrap();
                let flow = SignDocument::new(pw, digest())
                    .read_auth_certificate(read_auth)
                    .confirm_last_try(confirm);
                let signed = run(card, flow)?;
                assert_signed(&signed.sign_certificate, &signed.signature);
                assert_eq!(signed.auth_certificate.is_some(), read_auth);
            }
        }
        Ok(())
    }
}

fn der_len(der: &[u8]) -> Option<usize> {
    match *der {
        [0x30, 0x81, a, ..] => Some(3 + usize::from(a)),
        [0x30, 0x82, a, b, ..] => Some(4 + usize::from(u16::from_be_bytes([a, b]))),
        [0x30, 0x83, a, b, c, ..] => {
            Some(5 + (usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c)))
        }
        _ => None,
    }
}

fn assert_signed(certificate: &[u8], signature: &[u8]) {
    let cert = Certificate::from_der(certificate).expect("an accepted certificate parses");
    let spki = cert.tbs_certificate().subject_public_key_info();
    let key = PublicKey::try_from(der::referenced::OwnedToRef::owned_to_ref(spki)).unwrap();
    key.verify(
        Pkcs1v15Sign::new_unprefixed(),
        &digest_info_sha256(&digest()),
        signature,
    )
    .expect("an accepted signature verifies");
}

#[derive(Debug, Clone)]
enum Garble {
    Keep,
    Sw(u16),
    Truncate(usize),
    Garbage(Vec<u8>),
    /// Overwrite the first data bytes (garbage DER headers).
    Prefix(Vec<u8>),
    DropData,
    ExtraByte,
    Transport,
}

fn garble() -> impl Strategy<Value = Garble> {
    prop_oneof![
        30 => Just(Garble::Keep),
        2 => prop::sample::select(INTERESTING_SW.to_vec()).prop_map(Garble::Sw),
        1 => any::<u16>().prop_map(Garble::Sw),
        1 => (0usize..300).prop_map(Garble::Truncate),
        1 => prop::collection::vec(any::<u8>(), 0..300).prop_map(Garble::Garbage),
        1 => prop::collection::vec(any::<u8>(), 1..6).prop_map(Garble::Prefix),
        1 => Just(Garble::DropData),
        1 => Just(Garble::ExtraByte),
        1 => Just(Garble::Transport),
    ]
}

fn apply(garble: &Garble, reply: &[u8]) -> Result<Vec<u8>, TransportError> {
    let (data, sw) = reply.split_at(reply.len().saturating_sub(2));
    Ok(match garble {
        Garble::Keep => reply.to_vec(),
        Garble::Sw(new) => [data, &new.to_be_bytes()[..]].concat(),
        Garble::Truncate(n) => reply[..(*n).min(reply.len())].to_vec(),
        Garble::Garbage(g) => g.clone(),
        Garble::Prefix(p) => {
            let mut d = data.to_vec();
            for (dst, src) in d.iter_mut().zip(p) {
                *dst = *src;
            }
            [&d[..], sw].concat()
        }
        Garble::DropData => sw.to_vec(),
        Garble::ExtraByte => [data, &[0x00], sw].concat(),
        Garble::Transport => return Err(TransportError::CardRemoved),
    })
}

/// Answers the i-th exchange with the i-th happy reply, garbled; checks the
/// PIN safety rules as it goes.
struct GarbledCard {
    replies: Vec<Vec<u8>>,
    garbles: Vec<Garble>,
    i: usize,
    confirm: bool,
    last_sw: Option<[u8; 2]>,
    verifies: usize,
    power_downs: usize,
    violations: Vec<String>,
}

impl GarbledCard {
    fn reply(&mut self) -> Result<Vec<u8>, TransportError> {
        let i = self.i;
        self.i += 1;
        let base = self
            .replies
            .get(i)
            .cloned()
            .unwrap_or_else(|| vec![0x90, 0x00]);
        let reply = apply(self.garbles.get(i).unwrap_or(&Garble::Keep), &base);
        if let Ok(r) = &reply {
            self.last_sw = r.len().checked_sub(2).map(|n| [r[n], r[n + 1]]);
        }
        reply
    }

    fn check_verify_allowed(&mut self) {
        self.verifies += 1;
        if self.verifies > 1 {
            self.violations.push("a second VERIFY with data".into());
        }
        let allowed = match self.last_sw {
            Some([0x63, x]) if x & 0xF0 == 0xC0 => {
                let tries = x & 0x0F;
                tries >= 2 || (tries == 1 && self.confirm)
            }
            _ => false,
        };
        if !allowed {
            self.violations
                .push(format!("VERIFY after {:02X?}", self.last_sw));
        }
    }
}

impl CardTransport for GarbledCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self.power_downs > 0 {
            self.violations.push("transmit after power down".into());
        }
        if command.len() > 4 && command[1] == 0x20 {
            self.check_verify_allowed();
        }
        self.reply()
    }

    fn verify_on_pin_pad(&mut self, _: &[u8]) -> Result<[u8; 2], TransportError> {
        self.check_verify_allowed();
        let r = self.reply()?;
        match r.len().checked_sub(2) {
            Some(n) => Ok([r[n], r[n + 1]]),
            None => Err(TransportError::Timeout),
        }
    }

    fn power_down(&mut self) -> Result<(), TransportError> {
        self.power_downs += 1;
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn garbled_responses(kind in kind(), garbles in prop::collection::vec(garble(), 0..24)) {
        let mut card = GarbledCard {
            replies: kind.happy_replies(),
            garbles,
            i: 0,
            confirm: kind.confirm(),
            last_sw: None,
            verifies: 0,
            power_downs: 0,
            violations: Vec::new(),
        };
        let _typed: Result<(), CardError> = kind.run_and_check(&mut card);
        prop_assert_eq!(card.power_downs, 1);
        prop_assert!(card.violations.is_empty(), "{:?}", card.violations);
    }

    #[test]
    fn arbitrary_responses_end_every_flow(
        kind in kind(),
        responses in prop::collection::vec(
            (prop::collection::vec(any::<u8>(), 0..8), prop::sample::select(INTERESTING_SW.to_vec()), any::<bool>()),
            0..40,
        ),
    ) {
        let responses: Vec<Vec<u8>> = responses
            .into_iter()
            .map(|(data, sw, raw)| if raw { data } else { [&data[..], &sw.to_be_bytes()].concat() })
            .collect();
        let steps = drive(kind, &responses);
        prop_assert!(steps <= responses.len() + 1, "{} steps for {} responses", steps, responses.len());
    }
}

/// Drives a flow by hand; returns the number of exchanges before `Done`.
fn drive(kind: Kind, responses: &[Vec<u8>]) -> usize {
    fn go<F: Flow>(mut flow: F, responses: &[Vec<u8>]) -> usize {
        let mut n = 0;
        while let Step::Transmit(_) | Step::VerifyOnPinPad(_) = flow.next() {
            match responses.get(n) {
                Some(r) => flow.handle_response(r),
                None => flow.handle_transport_error(TransportError::Timeout),
            }
            n += 1;
        }
        let _ = flow.finish();
        n
    }
    match kind {
        Kind::Read(which) => go(ReadCertificate::new(which), responses),
        Kind::Status(which) => go(PinStatus::new(which), responses),
        Kind::AuthHost { confirm } => go(
            Authenticate::new(PinEntry::Host(AuthPin::new(AUTH_PIN).unwrap()), digest())
                .confirm_last_try(confirm),
            responses,
        ),
        Kind::AuthPad { confirm } => go(
            Authenticate::new(PinEntry::PinPad { timeout_secs: 5 }, digest())
                .confirm_last_try(confirm),
            responses,
        ),
        Kind::Sign { read_auth, confirm } => go(
            SignDocument::new(SignPassword::new(SIGN_PASSWORD).unwrap(), digest())
                .read_auth_certificate(read_auth)
                .confirm_last_try(confirm),
            responses,
        ),
    }
}
