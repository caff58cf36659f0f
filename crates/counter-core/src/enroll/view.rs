//! What the two windows show during an enrollment. The attributes appear on the customer
//! window only, and only while the customer checks them; neither view has a field for the
//! password, the PIN or their lengths.

use counter_api::attributes::Attribute;
use counter_api::platform::{LinkRefusal, LinkRefusalReason, ServiceKind, ServiceLink};
use serde::{Deserialize, Serialize};

use super::{EnrollPhase, Enrollment};
use crate::codes::Code;
use crate::session::{MenuLine, Outcome, Phase, SessionStep, SessionWindow, SignAttributes};

/// The step an enrollment is at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "EnrollStep"))]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// No card on the reader.
    WaitingForCard,
    /// The auth PIN's tries and the auth certificate are being read.
    ReadingCard,
    /// The customer types the signature password.
    PasswordEntry,
    /// One password try left: staff confirm with the customer first.
    ConfirmPasswordLastTry,
    /// The card checks the password and hands out the sign certificate.
    ReadingSignCertificate,
    /// The customer checks name, address, birth date and sex.
    ConfirmAttributes,
    /// One PIN try left: staff confirm with the customer first.
    ConfirmLastTry,
    /// The customer enters the auth PIN (or presses "enter the PIN" on a PIN pad reader).
    PinEntry,
    /// Waiting for the platform's challenge.
    RequestingChallenge,
    /// The customer types the PIN on the reader's PIN pad.
    PinPad,
    /// The card signs the challenge.
    Signing,
    /// The card signs the application with the password.
    SigningApplication,
    /// The platform links the card.
    Enrolling,
    /// Linked.
    Enrolled,
    /// Ended without linking (the code says why and what next).
    Failed,
    /// Cancelled.
    Cancelled,
}

impl Step {
    /// The step's name (as serialised), for a [`crate::session::NotNow`].
    pub fn name(self) -> &'static str {
        match self {
            Step::WaitingForCard => "waiting_for_card",
            Step::ReadingCard => "reading_card",
            Step::PasswordEntry => "password_entry",
            Step::ConfirmPasswordLastTry => "confirm_password_last_try",
            Step::ReadingSignCertificate => "reading_sign_certificate",
            Step::ConfirmAttributes => "confirm_attributes",
            Step::ConfirmLastTry => "confirm_last_try",
            Step::PinEntry => "pin_entry",
            Step::RequestingChallenge => "requesting_challenge",
            Step::PinPad => "pin_pad",
            Step::Signing => "signing",
            Step::SigningApplication => "signing_application",
            Step::Enrolling => "enrolling",
            Step::Enrolled => "enrolled",
            Step::Failed => "failed",
            Step::Cancelled => "cancelled",
        }
    }
}

/// One service to link, as the views show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ServiceLine {
    /// The platform's service id.
    pub service_id: String,
    /// Insurance, payment or platform.
    pub kind: ServiceKind,
}

impl SessionStep for Step {
    const WAITING_FOR_CARD: Self = Step::WaitingForCard;
    const READING_CARD: Self = Step::ReadingCard;
    const DONE: Self = Step::Enrolled;
    const FAILED: Self = Step::Failed;
    const CANCELLED: Self = Step::Cancelled;
}

/// What the staff window shows of an enrollment, beside the session's step and progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "EnrollStaffFields"))]
pub struct StaffFields {
    /// The services being linked, as staff prepared them.
    pub services: Vec<ServiceLine>,
    /// Tries the signature password has left, when known.
    pub password_tries_left: Option<u8>,
    /// The attribute a refusal names (`attributes_mismatch`), for staff only.
    pub field: Option<String>,
    /// The platform's id of the enrollment, once enrolled.
    pub enrollment_id: Option<String>,
    /// Every service now linked.
    pub linked: Vec<MenuLine>,
    /// The links not made, with why (their service did not confirm them).
    pub refused: Vec<RefusedLine>,
    /// The staff must confirm a last try ([`super::Input::StaffConfirmedLastTry`]).
    pub needs_staff_confirmation: bool,
}

/// The staff window during an enrollment.
pub type StaffView = SessionWindow<Step, StaffFields>;

/// What the customer window shows of an enrollment: the services, the attributes to check
/// and the disclosure to agree to, what was linked and what was not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "EnrollCustomerFields"))]
pub struct CustomerFields {
    /// The services being linked.
    pub services: Vec<ServiceLine>,
    /// The sign certificate's attributes, while the customer checks them.
    pub attributes: Option<SignAttributes>,
    /// Tries the signature password has left, when known.
    pub password_tries_left: Option<u8>,
    /// Every service now linked.
    pub linked: Vec<MenuLine>,
    /// Whether, with the attributes, the customer is asked to agree that they go to the
    /// services named (to confirm each link against their records).
    pub disclosure_needed: bool,
    /// The links not made, with why (the code passed through [`Code::for_customer`]).
    pub refused: Vec<RefusedLine>,
}

/// The customer window during an enrollment.
pub type CustomerView = SessionWindow<Step, CustomerFields>;

/// A link its service did not confirm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RefusedLine {
    /// The platform's service id.
    pub service_id: String,
    /// Insurance or payment.
    pub kind: ServiceKind,
    /// Why, and the next step (the table's line).
    pub code: Code,
    /// For a mismatch: the attribute that differs (never the service's value).
    pub attribute: Option<Attribute>,
}

/// The code of a refused link.
pub fn link_code(r: &LinkRefusal) -> Code {
    match r.reason {
        LinkRefusalReason::AttributesMismatch => Code::LinkMismatch,
        LinkRefusalReason::RecordUnknown => Code::LinkRecordUnknown,
        LinkRefusalReason::ServiceUnavailable => Code::LinkServiceUnavailable,
        // ServiceRefused, and reasons of a newer platform.
        _ => Code::LinkServiceRefused,
    }
}

impl Enrollment {
    /// The staff window.
    pub fn staff_view(&self) -> StaffView {
        let step = self.step();
        let (field, enrollment_id) = match &self.session.phase {
            Phase::Done(Outcome::Failed { field, .. }) => (field.clone(), None),
            Phase::Done(Outcome::Enrolled { enrollment_id, .. }) => {
                (None, Some(enrollment_id.clone()))
            }
            _ => (None, None),
        };
        let fields = StaffFields {
            services: self.service_lines(),
            password_tries_left: self.password_tries_left(),
            field,
            needs_staff_confirmation: matches!(
                step,
                Step::ConfirmLastTry | Step::ConfirmPasswordLastTry
            ),
            enrollment_id,
            linked: self.linked(),
            refused: self.refused(false),
        };
        self.session
            .window(self.tries_left(), self.code(), false, fields)
    }

    /// The customer window.
    pub fn customer_view(&self) -> CustomerView {
        let fields = CustomerFields {
            services: self.service_lines(),
            attributes: match &self.session.phase {
                Phase::Flow(EnrollPhase::ConfirmAttributes { attributes, .. }) => {
                    Some(attributes.clone())
                }
                _ => None,
            },
            password_tries_left: self.password_tries_left(),
            linked: self.linked(),
            disclosure_needed: self
                .session
                .flow
                .services
                .iter()
                .any(ServiceLink::needs_confirmation),
            refused: self.refused(true),
        };
        self.session
            .window(self.tries_left(), self.code(), true, fields)
    }

    /// Where the enrollment stands.
    pub fn step(&self) -> Step {
        self.session.step()
    }

    fn refused(&self, for_customer: bool) -> Vec<RefusedLine> {
        let refused = match &self.session.phase {
            Phase::Done(Outcome::Enrolled { refused, .. } | Outcome::Failed { refused, .. }) => {
                refused
            }
            _ => return Vec::new(),
        };
        refused
            .iter()
            .map(|r| {
                let code = link_code(r);
                RefusedLine {
                    service_id: r.service_id.clone(),
                    kind: r.kind,
                    code: if for_customer {
                        code.for_customer()
                    } else {
                        code
                    },
                    attribute: r.attribute,
                }
            })
            .collect()
    }

    fn service_lines(&self) -> Vec<ServiceLine> {
        self.session
            .flow
            .services
            .iter()
            .map(|s| ServiceLine {
                service_id: s.service_id().to_owned(),
                kind: s.kind(),
            })
            .collect()
    }

    fn tries_left(&self) -> Option<u8> {
        match &self.session.phase {
            Phase::Flow(EnrollPhase::Pin { leg, .. }) => Some(leg.tries_left()),
            Phase::Done(Outcome::Failed {
                code: Code::PinBlocked,
                tries_left,
                ..
            }) => *tries_left,
            _ => None,
        }
    }

    fn password_tries_left(&self) -> Option<u8> {
        match &self.session.phase {
            Phase::Flow(
                EnrollPhase::PasswordEntry { tries_left, .. }
                | EnrollPhase::ReadingSignCertificate { tries_left, .. },
            ) => *tries_left,
            Phase::Flow(EnrollPhase::ConfirmPasswordLastTry { .. }) => Some(1),
            Phase::Done(Outcome::Failed {
                code: Code::PasswordBlocked | Code::PasswordWrong,
                tries_left,
                ..
            }) => *tries_left,
            _ => None,
        }
    }

    fn code(&self) -> Option<Code> {
        match &self.session.phase {
            Phase::Flow(EnrollPhase::PasswordEntry { message, .. }) => *message,
            Phase::Flow(EnrollPhase::ConfirmPasswordLastTry { .. }) => Some(Code::PasswordLastTry),
            Phase::Flow(EnrollPhase::Pin { leg, .. }) => leg.message(),
            Phase::Done(Outcome::Failed { code, .. }) => Some(*code),
            _ => None,
        }
    }

    fn linked(&self) -> Vec<MenuLine> {
        match &self.session.phase {
            Phase::Done(Outcome::Enrolled { linked, .. }) => {
                linked.iter().map(MenuLine::from).collect()
            }
            _ => Vec::new(),
        }
    }
}
