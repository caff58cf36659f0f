//! The single-command operations the flows are made of, each with the
//! meaning of its status words (docs/domain/jpki.md §1.3, §1.4), and [`Then`] to chain a
//! SELECT FILE with the command that uses the file.

use std::mem;

use crate::apdu::{Command, Response};
use crate::commands::{self, Ef};
use crate::error::CardError;
use crate::flow::machine::{Op, Request, Want};
use crate::pin::Secret;
use crate::pinpad;
use crate::status::{StatusKind, StatusWord};

/// One request and its interpreted answer.
enum Slot<T> {
    Unsent(Request),
    Sent,
    Answered(T),
    Taken,
}

impl<T> Slot<T> {
    fn command(command: Command) -> Self {
        Slot::Unsent(Request::Apdu(command))
    }

    fn poll(&mut self) -> Result<Want<T>, CardError> {
        match mem::replace(self, Slot::Taken) {
            Slot::Unsent(request) => {
                *self = Slot::Sent;
                Ok(Want::Send(request))
            }
            Slot::Answered(value) => Ok(Want::Ready(value)),
            Slot::Sent => {
                *self = Slot::Sent;
                Err(CardError::ContractViolation {
                    reason: "polled while a response is pending",
                })
            }
            Slot::Taken => Err(CardError::ContractViolation {
                reason: "polled after completion",
            }),
        }
    }

    fn answer(&mut self, value: T) -> Result<(), CardError> {
        match self {
            Slot::Sent => {
                *self = Slot::Answered(value);
                Ok(())
            }
            _ => Err(CardError::ContractViolation {
                reason: "a response arrived that no command asked for",
            }),
        }
    }
}

/// SELECT the JPKI-AP by AID. Any refusal means this is not a My Number
/// card (docs/domain/jpki.md §1.1). `6F 00` gets one more try: one card answers it to the
/// first command after a power cycle (docs/domain/jpki.md §1.4, rated \[C\]).
pub(crate) struct SelectAp {
    slot: Slot<()>,
    retried: bool,
}

impl SelectAp {
    pub(crate) fn new() -> Self {
        SelectAp {
            slot: Slot::command(commands::select_jpki_ap()),
            retried: false,
        }
    }
}

impl Op for SelectAp {
    type Out = ();
    fn poll(&mut self) -> Result<Want<()>, CardError> {
        self.slot.poll()
    }
    fn on_response(&mut self, response: Response) -> Result<(), CardError> {
        let sw = response.sw();
        if sw.is_success() {
            return self.slot.answer(());
        }
        if sw == StatusWord(0x6F00) && !self.retried && matches!(self.slot, Slot::Sent) {
            self.retried = true;
            self.slot = Slot::command(commands::select_jpki_ap());
            return Ok(());
        }
        Err(CardError::NotAMyNumberCard { sw })
    }
}

/// SELECT an EF. `6A 82` on a 署名用 file means the card has no sign
/// certificate; on any other file it is [`CardError::FileNotFound`].
pub(crate) struct SelectEf {
    ef: Ef,
    slot: Slot<()>,
}

impl SelectEf {
    pub(crate) fn new(ef: Ef) -> Self {
        SelectEf {
            ef,
            slot: Slot::command(commands::select_ef(ef)),
        }
    }
}

impl Op for SelectEf {
    type Out = ();
    fn poll(&mut self) -> Result<Want<()>, CardError> {
        self.slot.poll()
    }
    fn on_response(&mut self, response: Response) -> Result<(), CardError> {
        let sw = response.sw();
        match sw.kind() {
            StatusKind::Success => self.slot.answer(()),
            StatusKind::FileNotFound if self.ef.is_signature_side() => {
                Err(CardError::SignatureCertificateAbsent)
            }
            StatusKind::FileNotFound => Err(CardError::FileNotFound { fid: self.ef.fid() }),
            _ => Err(CardError::from_status("SELECT FILE", sw)),
        }
    }
}

/// The empty VERIFY `00 20 00 80`: tries left of the selected PIN, no try used.
///
/// `63 Cx` gives x; `63 C0`, `69 83`, `69 84` give 0 (blocked). A JPKI card
/// always answers `63 Cx`, even after a successful VERIFY (docs/domain/jpki.md §1.4, the
/// trace in OpenSC PR #959), so `90 00` or `63 00` ("no counter") means the
/// card did not report a counter: that is [`CardError::UnexpectedStatus`],
/// because a PIN must never be sent without knowing how many tries are left
/// (docs/domain/jpki.md §1.4, §6.3).
pub(crate) struct RetryCounter {
    slot: Slot<u8>,
}

impl RetryCounter {
    pub(crate) fn new() -> Self {
        RetryCounter {
            slot: Slot::command(commands::verify_retry_counter()),
        }
    }
}

impl Op for RetryCounter {
    type Out = u8;
    fn poll(&mut self) -> Result<Want<u8>, CardError> {
        self.slot.poll()
    }
    fn on_response(&mut self, response: Response) -> Result<(), CardError> {
        let sw = response.sw();
        match sw.kind() {
            StatusKind::TriesLeft(n) => self.slot.answer(n),
            _ if sw.is_blocked() => self.slot.answer(0),
            _ => Err(CardError::from_status("VERIFY (retry counter)", sw)),
        }
    }
}

/// VERIFY with the PIN: from the host (the command is built at once, and the
/// caller drops its PIN right after) or on the reader's PIN pad.
pub(crate) struct Verify {
    on_pin_pad: bool,
    slot: Slot<()>,
}

impl Verify {
    /// VERIFY `00 20 00 80 Lc <secret>`; the secret is copied into the
    /// command's zeroising buffer.
    pub(crate) fn host<S: Secret>(secret: &S) -> Self {
        Verify {
            on_pin_pad: false,
            slot: Slot::command(commands::verify(secret)),
        }
    }

    /// VERIFY of the 4-digit auth PIN on the PIN pad (docs/domain/jpki.md §5.2).
    pub(crate) fn pin_pad(timeout_secs: u8) -> Self {
        Verify {
            on_pin_pad: true,
            slot: Slot::Unsent(Request::PinPad(pinpad::auth_pin_verify_structure(
                timeout_secs,
            ))),
        }
    }
}

impl Op for Verify {
    type Out = ();
    fn poll(&mut self) -> Result<Want<()>, CardError> {
        self.slot.poll()
    }
    fn on_response(&mut self, response: Response) -> Result<(), CardError> {
        let sw = response.sw();
        match sw.kind() {
            StatusKind::Success => self.slot.answer(()),
            StatusKind::TriesLeft(tries_left) => Err(CardError::PinIncorrect { tries_left }),
            _ if sw.is_blocked() => Err(CardError::PinBlocked),
            StatusKind::PinPadTimeout if self.on_pin_pad => Err(CardError::PinEntryTimeout),
            StatusKind::PinPadCancelled if self.on_pin_pad => Err(CardError::PinEntryCancelled),
            StatusKind::PinPadPinsDiffer
            | StatusKind::PinPadLengthOutOfRange
            | StatusKind::PinPadInvalidParameter
                if self.on_pin_pad =>
            {
                Err(CardError::PinPadError { sw })
            }
            _ if self.on_pin_pad && sw.sw1() == 0x64 => Err(CardError::PinPadError { sw }),
            _ => Err(CardError::from_status(
                if self.on_pin_pad {
                    "VERIFY (PIN pad)"
                } else {
                    "VERIFY"
                },
                sw,
            )),
        }
    }
}

/// COMPUTE DIGITAL SIGNATURE over a DigestInfo with the selected key; the
/// answer must be a 256-byte RSA-2048 signature (docs/domain/jpki.md §1.6).
pub(crate) struct Sign {
    slot: Slot<Vec<u8>>,
}

/// Length of an RSA-2048 signature.
pub(crate) const SIGNATURE_LEN: usize = 256;

impl Sign {
    pub(crate) fn new(digest_info: &[u8; 51]) -> Result<Self, CardError> {
        let command = commands::compute_digital_signature(digest_info)
            .map_err(|e| CardError::malformed("COMPUTE DIGITAL SIGNATURE", e.to_string()))?;
        Ok(Sign {
            slot: Slot::command(command),
        })
    }
}

impl Op for Sign {
    type Out = Vec<u8>;
    fn poll(&mut self) -> Result<Want<Vec<u8>>, CardError> {
        self.slot.poll()
    }
    fn on_response(&mut self, response: Response) -> Result<(), CardError> {
        const STEP: &str = "COMPUTE DIGITAL SIGNATURE";
        let sw = response.sw();
        if !sw.is_success() {
            return Err(CardError::from_status(STEP, sw));
        }
        let signature = response.into_data();
        if signature.len() != SIGNATURE_LEN {
            return Err(CardError::malformed(
                STEP,
                format!(
                    "the signature has {} bytes, expected {SIGNATURE_LEN}",
                    signature.len()
                ),
            ));
        }
        self.slot.answer(signature)
    }
}

/// `first` (which yields nothing, e.g. a SELECT), then `second`.
pub(crate) struct Then<A, B> {
    first: A,
    first_done: bool,
    second: B,
}

impl<A: Op<Out = ()>, B: Op> Then<A, B> {
    pub(crate) fn new(first: A, second: B) -> Self {
        Then {
            first,
            first_done: false,
            second,
        }
    }
}

impl<A: Op<Out = ()>, B: Op> Op for Then<A, B> {
    type Out = B::Out;
    fn poll(&mut self) -> Result<Want<B::Out>, CardError> {
        if !self.first_done {
            match self.first.poll()? {
                Want::Send(request) => return Ok(Want::Send(request)),
                Want::Ready(()) => self.first_done = true,
            }
        }
        self.second.poll()
    }
    fn on_response(&mut self, response: Response) -> Result<(), CardError> {
        if self.first_done {
            self.second.on_response(response)
        } else {
            self.first.on_response(response)
        }
    }
}

/// SELECT an EF and read the certificate in it.
pub(crate) type ReadFile = Then<SelectEf, crate::flow::read_binary::ReadBinary>;
/// SELECT a PIN EF and ask its retry counter.
pub(crate) type PinCounter = Then<SelectEf, RetryCounter>;
/// SELECT a key EF and sign with it.
pub(crate) type SignWith = Then<SelectEf, Sign>;

/// [`ReadFile`] for `ef`.
pub(crate) fn read_file(ef: Ef) -> ReadFile {
    Then::new(
        SelectEf::new(ef),
        crate::flow::read_binary::ReadBinary::new(),
    )
}

/// [`PinCounter`] for `ef`.
pub(crate) fn pin_counter(ef: Ef) -> PinCounter {
    Then::new(SelectEf::new(ef), RetryCounter::new())
}

/// [`SignWith`] with the key in `ef`.
pub(crate) fn sign_with(ef: Ef, digest_info: &[u8; 51]) -> Result<SignWith, CardError> {
    Ok(Then::new(SelectEf::new(ef), Sign::new(digest_info)?))
}

/// Whether `tries_left` allows a VERIFY with data: 0 is blocked, 1 needs the
/// caller's confirmation (docs/domain/jpki.md §1.4, §6.3).
pub(crate) fn check_tries(tries_left: u8, confirm_last_try: bool) -> Result<(), CardError> {
    match tries_left {
        0 => Err(CardError::PinBlocked),
        1 if !confirm_last_try => Err(CardError::LastTryNeedsConfirmation),
        _ => Ok(()),
    }
}
