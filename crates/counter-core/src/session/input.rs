//! What goes into a card session: the customer's PIN and signature password (typed on the
//! customer window only), the card's facts and the sign certificate's attributes, the
//! results of the effects, and the people's actions. One type for identification and
//! enrollment; a machine answers an input its flow has no use for with [`super::NotNow`].

use std::fmt;

use counter_api::platform::{ChallengeResponse, EnrollmentResponse, IdentificationResponse, Sex};
use jpki_card::{
    AuthPin, Authentication, CardError, DocumentSignature, PinFormatError, SignPassword,
};
use serde::{Deserialize, Serialize};

use crate::UnixTime;
use crate::backend::BackendFailure;

/// Names one effect; its result must come back with the same ticket. A result whose ticket
/// is not the one the machine waits for (a late answer from a card that has since been
/// removed, a cancelled session) is dropped unread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ticket(pub(crate) u64);

/// Hands out tickets, never the same one twice in one machine.
#[derive(Debug, Default)]
pub(crate) struct Tickets {
    last: u64,
}

impl Tickets {
    /// A ticket not handed out before.
    pub(crate) fn next(&mut self) -> Ticket {
        self.last = self.last.wrapping_add(1);
        Ticket(self.last)
    }
}

/// What the shell learnt from the card before any PIN is asked (docs/domain/eligibility.md R6): the
/// auth PIN's retry counter (`jpki_card::PinStatus`, no try used) and the auth
/// certificate's notAfter (`jpki_card::ReadCertificate` of EF `000A`, parsed by the shell).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardFacts {
    /// Tries the auth PIN has left (3 to 0).
    pub tries_left: u8,
    /// The auth certificate's notAfter, when the shell could parse it.
    pub certificate_not_after: Option<UnixTime>,
}

/// The auth PIN as typed on the **customer** window. There is no other way for a PIN to
/// enter the machine: the staff window has no PIN field, and a reader with a PIN pad takes
/// the PIN itself (docs/domain/payments-and-eid-clients.md §3.4: staff may not ask for, hold or type
/// the PIN). Zeroised on drop, not `Clone`, redacted `Debug`.
#[derive(Debug)]
pub struct CustomerPin(pub(crate) AuthPin);

impl CustomerPin {
    /// The PIN the customer typed on their window; the shape error (not 4 digits) never
    /// echoes the input. Zeroise the typed text afterwards.
    pub fn from_customer_window(typed: &str) -> Result<Self, PinFormatError> {
        AuthPin::new(typed).map(CustomerPin)
    }
}

/// Who pressed Cancel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The customer, on the customer window or the PIN pad.
    Customer,
    /// The staff, on the staff window.
    Staff,
}

/// The 署名用 password as typed on the **customer** window (6–16 letters and digits,
/// docs/domain/jpki.md §1.2). Like [`CustomerPin`], there is no other way in: the staff window has no
/// password field. Zeroised on drop, not `Clone`, redacted `Debug`.
#[derive(Debug)]
pub struct CustomerPassword(pub(crate) SignPassword);

impl CustomerPassword {
    /// The password the customer typed on their window; the shape error never echoes the
    /// input (feed [`Input::PasswordMalformed`] then). Zeroise the typed text afterwards.
    pub fn from_customer_window(typed: &str) -> Result<Self, PinFormatError> {
        SignPassword::new(typed).map(CustomerPassword)
    }
}

/// The four attributes of the sign certificate (基本4情報, docs/domain/jpki.md §2.4), decoded by the
/// shell from the DER that [`super::Effect::ReadSignCertificate`] yields. The application
/// carries them exactly as here, once the customer has confirmed them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignAttributes {
    /// 氏名.
    pub name: String,
    /// 住所.
    pub address: String,
    /// 生年月日, Gregorian `YYYY-MM-DD`.
    pub birth_date: String,
    /// 性別.
    pub sex: Sex,
}

impl fmt::Debug for SignAttributes {
    /// Lengths only: a log line must not carry the customer's name or address.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignAttributes")
            .field(
                "name",
                &format_args!("<{} chars>", self.name.chars().count()),
            )
            .field(
                "address",
                &format_args!("<{} chars>", self.address.chars().count()),
            )
            .finish_non_exhaustive()
    }
}

/// One thing that happened, for the flows' `handle`
/// ([`Identification::handle`](crate::identify::Identification::handle),
/// [`Enrollment::handle`](crate::enroll::Enrollment::handle)). The people's actions and the
/// card's events fit both flows; the results of effects come back with the effect's
/// [`Ticket`].
#[derive(Debug)]
pub enum Input {
    /// A card lies on the reader. `pin_pad`: the reader takes the PIN on its own keypad
    /// (`CardTransport::has_pin_pad`). A new card always starts from scratch.
    CardPlaced {
        /// Whether the reader has a PIN pad.
        pin_pad: bool,
    },
    /// The result of [`super::Effect::ReadCard`].
    CardRead {
        /// The effect's ticket.
        ticket: Ticket,
        /// The facts, or why they could not be read.
        result: Result<CardFacts, CardError>,
    },
    /// The customer typed the auth PIN on the customer window (readers without a PIN pad).
    PinEntered(CustomerPin),
    /// What the customer typed is not 4 digits ([`CustomerPin::from_customer_window`]
    /// refused it); the machine says so and waits for the PIN again.
    PinMalformed,
    /// The customer pressed "enter the PIN" again after a wrong PIN, a PIN pad timeout or
    /// a cancel on the pad (readers with a PIN pad: the pad is armed only then).
    RetryPin,
    /// The staff confirmed, having talked with the customer, that the last try of the PIN
    /// or of the password (whichever the step asks about) may be used (docs/domain/jpki.md §6.3).
    StaffConfirmedLastTry,
    /// The result of [`super::Effect::RequestChallenge`].
    ChallengeIssued {
        /// The effect's ticket.
        ticket: Ticket,
        /// The platform's answer.
        result: Result<ChallengeResponse, BackendFailure>,
    },
    /// The result of [`super::Effect::Authenticate`].
    Signed {
        /// The effect's ticket.
        ticket: Ticket,
        /// The card's signature, or why there is none.
        result: Result<Authentication, CardError>,
    },
    /// The result of [`super::Effect::Identify`].
    Identified {
        /// The effect's ticket.
        ticket: Ticket,
        /// The platform's answer.
        result: Result<IdentificationResponse, BackendFailure>,
    },
    /// Enrollment: the customer typed the signature password on the customer window.
    PasswordEntered(CustomerPassword),
    /// Enrollment: what the customer typed is not 6–16 letters and digits.
    PasswordMalformed,
    /// The result of [`super::Effect::ReadSignCertificate`], decoded. A certificate the
    /// shell cannot decode is `CardError::MalformedResponse`.
    SignCertificateRead {
        /// The effect's ticket.
        ticket: Ticket,
        /// The attributes, or why there are none.
        result: Result<SignAttributes, CardError>,
    },
    /// Enrollment: the customer confirmed name, address, birth date and sex on their
    /// screen, and answered whether the platform may send them to the services named to
    /// confirm each link (asked when a service needs it: insurance and payment links).
    AttributesConfirmed {
        /// Whether the customer agreed to that disclosure.
        disclosure_consent: bool,
    },
    /// Enrollment: the customer said the attributes are not (or no longer) right.
    AttributesRejected,
    /// The result of [`super::Effect::SignApplication`].
    ApplicationSigned {
        /// The effect's ticket.
        ticket: Ticket,
        /// The sign certificate and its signature over the application.
        result: Result<DocumentSignature, CardError>,
    },
    /// The result of [`super::Effect::Enroll`].
    Enrolled {
        /// The effect's ticket.
        ticket: Ticket,
        /// The platform's answer.
        result: Result<EnrollmentResponse, BackendFailure>,
    },
    /// The card left the reader (PC/SC removal event). Ends the session at any step
    /// (docs/domain/eligibility.md R8).
    CardRemoved,
    /// Someone pressed Cancel.
    Cancel(Actor),
    /// The clock moved (the shell sends one about every second while a session runs);
    /// `now` is the `handle` argument.
    Tick,
    /// The customer asked for more time (WCAG 2.2.1).
    ExtendTime,
    /// Start again with the card still on the reader, after a failure that allows it.
    StartAgain,
}

impl Input {
    /// The input's name, for a [`super::NotNow`] and the log (never its contents).
    pub fn name(&self) -> &'static str {
        match self {
            Input::CardPlaced { .. } => "card_placed",
            Input::CardRead { .. } => "card_read",
            Input::PinEntered(_) => "pin_entered",
            Input::PinMalformed => "pin_malformed",
            Input::RetryPin => "retry_pin",
            Input::StaffConfirmedLastTry => "staff_confirmed_last_try",
            Input::ChallengeIssued { .. } => "challenge_issued",
            Input::Signed { .. } => "signed",
            Input::Identified { .. } => "identified",
            Input::PasswordEntered(_) => "password_entered",
            Input::PasswordMalformed => "password_malformed",
            Input::SignCertificateRead { .. } => "sign_certificate_read",
            Input::AttributesConfirmed { .. } => "attributes_confirmed",
            Input::AttributesRejected => "attributes_rejected",
            Input::ApplicationSigned { .. } => "application_signed",
            Input::Enrolled { .. } => "enrolled",
            Input::CardRemoved => "card_removed",
            Input::Cancel(_) => "cancel",
            Input::Tick => "tick",
            Input::ExtendTime => "extend_time",
            Input::StartAgain => "start_again",
        }
    }

    /// The ticket of an effect's result; `None` for the events and the people's actions.
    pub fn ticket(&self) -> Option<Ticket> {
        match self {
            Input::CardRead { ticket, .. }
            | Input::ChallengeIssued { ticket, .. }
            | Input::Signed { ticket, .. }
            | Input::Identified { ticket, .. }
            | Input::SignCertificateRead { ticket, .. }
            | Input::ApplicationSigned { ticket, .. }
            | Input::Enrolled { ticket, .. } => Some(*ticket),
            _ => None,
        }
    }
}
