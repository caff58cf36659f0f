//! What goes into the enrollment machine: the signature password (typed on the customer
//! window only), the sign certificate's attributes as the shell decoded them, the
//! customer's check of them, and the results of the effects.

use std::fmt;

use counter_api::platform::{ChallengeResponse, EnrollmentResponse, Sex};
use jpki_card::{Authentication, CardError, DocumentSignature, PinFormatError, SignPassword};
use serde::{Deserialize, Serialize};

use crate::backend::BackendFailure;
use crate::identify::{Actor, CardFacts, CustomerPin, Ticket};

/// The 署名用 password as typed on the **customer** window (6–16 letters and digits,
/// jpki.md §1.2). Like [`CustomerPin`], there is no other way in: the staff window has no
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

/// The four attributes of the sign certificate (基本4情報, jpki.md §2.4), decoded by the
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

/// One thing that happened, for [`super::Enrollment::handle`].
#[derive(Debug)]
pub enum Input {
    /// A card lies on the reader; `pin_pad`: the reader takes the auth PIN itself.
    CardPlaced {
        /// Whether the reader has a PIN pad.
        pin_pad: bool,
    },
    /// The result of [`super::Effect::ReadCard`] (the auth PIN's tries, the auth
    /// certificate's expiry).
    CardRead {
        /// The effect's ticket.
        ticket: Ticket,
        /// The facts, or why they could not be read.
        result: Result<CardFacts, CardError>,
    },
    /// The customer typed the signature password on the customer window.
    PasswordEntered(CustomerPassword),
    /// What the customer typed is not 6–16 letters and digits.
    PasswordMalformed,
    /// The staff confirmed, with the customer, using the last try of the password or of
    /// the PIN (whichever the step asks about; jpki.md §6.3).
    StaffConfirmedLastTry,
    /// The result of [`super::Effect::ReadSignCertificate`], decoded. A certificate the
    /// shell cannot decode is `CardError::MalformedResponse`.
    SignCertificateRead {
        /// The effect's ticket.
        ticket: Ticket,
        /// The attributes, or why there are none.
        result: Result<SignAttributes, CardError>,
    },
    /// The customer confirmed name, address, birth date and sex on their screen, and
    /// answered whether the platform may send them to the services named to confirm each
    /// link (asked when a service needs it: insurance and payment links).
    AttributesConfirmed {
        /// Whether the customer agreed to that disclosure.
        disclosure_consent: bool,
    },
    /// The customer said the attributes are not (or no longer) right.
    AttributesRejected,
    /// The customer typed the auth PIN on the customer window (no PIN pad).
    PinEntered(CustomerPin),
    /// What the customer typed as the PIN is not 4 digits.
    PinMalformed,
    /// The customer pressed "enter the PIN" again (PIN pad readers).
    RetryPin,
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
        /// The card's signature over the challenge.
        result: Result<Authentication, CardError>,
    },
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
    /// The card left the reader: the session ends at any step (eligibility.md R8).
    CardRemoved,
    /// Someone pressed Cancel.
    Cancel(Actor),
    /// The clock moved (about every second while a session runs).
    Tick,
    /// The customer asked for more time (WCAG 2.2.1).
    ExtendTime,
    /// Start again with the card still on the reader, after a failure that allows it.
    StartAgain,
}
