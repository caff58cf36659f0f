//! The card flows as deterministic, sans-IO state machines.
//!
//! A flow never touches a reader: it says what to send ([`Step`]), is told
//! what came back, and in the end yields its output or a [`CardError`]. The
//! blocking [`run`](crate::run) drives a flow over a
//! [`CardTransport`](crate::CardTransport); an async or threaded driver can do
//! the same by following the contract on [`Flow`].
//!
//! Flows (docs/domain/jpki.md §1.3, §1.9; every one starts with SELECT of the JPKI AID):
//! * [`ReadCertificate`]: a free certificate (auth, auth CA, sign CA).
//! * [`PinStatus`]: the retry counter of the auth PIN or the sign password.
//! * [`Authenticate`]: the 利用者証明 signature over a challenge digest.
//! * [`SignDocument`]: the 署名用 signature over a document digest.
//! * [`ReadSignCertificate`]: the 署名用 certificate, after the sign password.
//!
//! Under every flow a shared exchange layer handles `61 xx` (GET RESPONSE
//! `00 C0 00 00 xx`, data concatenated) and `6C xx` (the same command re-sent
//! once with Le = xx), so the flows only see complete responses (docs/domain/jpki.md §1.7).
//!
//! Choices where docs/domain/jpki.md leaves room, each documented where it is made:
//! * `6F 00` to the first SELECT of the AID gets one more SELECT (one card
//!   answers it to the first command after a power cycle, §1.4, rated \[C\]); any
//!   other refusal is [`CardError::NotAMyNumberCard`].
//! * The empty VERIFY must answer `63 Cx`; `90 00` or `63 00` ("no counter")
//!   is [`CardError::UnexpectedStatus`] and no PIN is sent (§1.4: the card
//!   always reports its counter, even after a successful VERIFY).
//! * The last try needs the caller's confirmation for both secrets (§6.3).
//! * Certificates are parsed as X.509 right after reading, before any PIN
//!   try is spent; the signature is checked against them after signing (§6.4).

mod authenticate;
mod exchange;
mod machine;
mod ops;
mod pin_status;
mod read_binary;
mod read_certificate;
mod read_sign_certificate;
mod sign_document;
mod sign_unlock;

pub use authenticate::{Authenticate, Authentication, PinEntry};
pub use pin_status::{PinKind, PinStatus};
pub use read_certificate::{CertificateFile, ReadCertificate};
pub use read_sign_certificate::{ReadSignCertificate, SignCertificate};
pub use sign_document::{DocumentSignature, SignDocument};

use crate::apdu::Command;
use crate::error::CardError;
use crate::transport::TransportError;

/// What a flow wants its driver to do next.
#[derive(Debug)]
pub enum Step {
    /// Send this command APDU with [`CardTransport::transmit`](crate::CardTransport::transmit)
    /// (encode it with [`Command::to_bytes`], and drop both once sent: the
    /// data of a VERIFY is a PIN), then hand the whole response (data + SW1 SW2)
    /// to [`Flow::handle_response`], or the error to [`Flow::handle_transport_error`].
    Transmit(Command),
    /// Have the reader's PIN pad collect the PIN and send the VERIFY: pass this
    /// PC/SC `PIN_VERIFY_STRUCTURE` to
    /// [`CardTransport::verify_on_pin_pad`](crate::CardTransport::verify_on_pin_pad)
    /// and hand its two status bytes to [`Flow::handle_response`] (docs/domain/jpki.md §5).
    VerifyOnPinPad(Vec<u8>),
    /// The flow is over (success or failure): call [`Flow::finish`], then
    /// power the card down (docs/domain/jpki.md §1.8).
    Done,
}

/// A card flow: a state machine that turns responses into the next command.
///
/// # Calling contract
///
/// The flow is driven in a loop, one exchange at a time (the model is
/// quinn-proto's `Connection`: the caller owns all I/O, the flow owns all
/// decisions):
///
/// 1. Call [`next`](Flow::next).
/// 2. On [`Step::Transmit`] or [`Step::VerifyOnPinPad`], perform that one
///    exchange, then call exactly one of [`handle_response`](Flow::handle_response)
///    (with the bytes that came back) or
///    [`handle_transport_error`](Flow::handle_transport_error). Go to 1.
/// 3. On [`Step::Done`], call [`finish`](Flow::finish) for the result, then
///    power the card down whatever the result: powering down is the only
///    reliable logout (docs/domain/jpki.md §1.8).
///
/// Breaking the contract (two `next` calls without a response, a response
/// nobody asked for, `finish` before `Done`) never panics: the flow ends with
/// [`CardError::ContractViolation`].
///
/// After `Done`, `next` keeps returning `Done`. Flows are deterministic: the
/// same responses always give the same commands. They hold no clock and
/// never wait; timeouts belong to the transport. A flow that holds a PIN
/// drops it (zeroised) as soon as the VERIFY has been built, or as soon as
/// the flow fails before that.
pub trait Flow {
    /// What the flow yields on success.
    type Output;

    /// The next thing to do. See the calling contract above.
    fn next(&mut self) -> Step;

    /// The response to the last [`Step::Transmit`] (data followed by SW1 SW2),
    /// or the two status bytes of the last [`Step::VerifyOnPinPad`].
    fn handle_response(&mut self, response: &[u8]);

    /// The transport could not perform the last exchange; the flow ends with
    /// [`CardError::Transport`].
    fn handle_transport_error(&mut self, error: TransportError);

    /// The result, once [`next`](Flow::next) has returned [`Step::Done`].
    fn finish(self) -> Result<Self::Output, CardError>;
}
