//! Scripted enrollments with a simulated clock and plain test data (no card).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod flow;
mod links;
mod removal;
mod rules;

use counter_api::platform::{
    ChallengeRequest, EnrollmentRequest, EnrollmentResponse, InsuranceLink, MenuEntry, PaymentLink,
    ServiceKind, ServiceLink, Sex,
};
use jpki_card::{DocumentSignature, PinEntry};

use super::{CustomerPassword, Effect, Enrollment, Input, Outcome, SignAttributes};
use crate::codes::Code;
use crate::identify::Ticket;
use crate::identify::tests::data::*;
pub(crate) use crate::session::testing::{failed_code, finished, read_ticket};

/// The password every test types: letters and digits found nowhere else in the data.
pub(crate) const PASSWORD: &str = "QZX7W2KP";

pub(crate) fn services() -> Vec<ServiceLink> {
    vec![
        ServiceLink::Insurance(InsuranceLink {
            service_id: "kenpo".into(),
            insurer_number: "06139999".into(),
            symbol: Some("千代".into()),
            number: "10001".into(),
            branch: Some("01".into()),
        }),
        ServiceLink::Payment(PaymentLink {
            service_id: "acq".into(),
            card_token_ref: "tok_1".into(),
            brand: Some("VISA".into()),
            last4: Some("4242".into()),
        }),
    ]
}

pub(crate) fn attributes() -> SignAttributes {
    SignAttributes {
        name: "佐藤　花子".into(),
        address: "東京都千代田区丸の内九丁目９番９９号".into(),
        birth_date: "1985-04-12".into(),
        sex: Sex::Female,
    }
}

pub(crate) fn password() -> CustomerPassword {
    CustomerPassword::from_customer_window(PASSWORD).unwrap()
}

pub(crate) fn document_signature() -> DocumentSignature {
    DocumentSignature {
        sign_certificate: vec![0x30, 0x82, 0x02, 0x00, 0x5C],
        signature: vec![0xCD; 256],
        auth_certificate: None,
        tries_left_before: 5,
    }
}

pub(crate) fn enrollment_response() -> EnrollmentResponse {
    EnrollmentResponse {
        enrollment_id: "enr-7".into(),
        linked: vec![MenuEntry {
            service_id: "kenpo".into(),
            kind: ServiceKind::Insurance,
            label: "全国健康保険協会".into(),
            assertion: None,
            assertion_expires_at: None,
        }],
        refused: Vec::new(),
    }
}

/// A machine and the counter's clock.
pub(crate) type Desk = crate::session::testing::Driven<Enrollment>;

impl Desk {
    pub(crate) fn new() -> Self {
        Desk {
            m: Enrollment::new(services(), TERMINAL, PLATFORM).unwrap(),
            now: T0,
        }
    }

    pub(crate) fn place(&mut self, pin_pad: bool) -> Ticket {
        read_ticket(&self.send(Input::CardPlaced { pin_pad }))
    }

    /// Card placed and read: at password entry.
    pub(crate) fn at_password(&mut self, pin_pad: bool, tries_left: u8) {
        let ticket = self.place(pin_pad);
        let e = self.send(Input::CardRead {
            ticket,
            result: Ok(facts(tries_left)),
        });
        assert!(e.is_empty(), "{e:?}");
    }

    /// The customer types the password: the ReadSignCertificate ticket and its confirm flag.
    pub(crate) fn type_password(&mut self) -> (Ticket, bool) {
        read_sign(&self.send(Input::PasswordEntered(password())))
    }

    /// Up to the customer's check of the attributes.
    pub(crate) fn at_attributes(&mut self, pin_pad: bool, pin_tries: u8) {
        self.at_password(pin_pad, pin_tries);
        let (ticket, _) = self.type_password();
        let e = self.send(Input::SignCertificateRead {
            ticket,
            result: Ok(attributes()),
        });
        assert!(e.is_empty(), "{e:?}");
    }

    pub(crate) fn type_pin(&mut self) -> Ticket {
        challenge_ticket(&self.send(Input::PinEntered(pin())))
    }

    /// The platform's `enroll` challenge: the Authenticate effect's ticket and PIN entry.
    pub(crate) fn issue(&mut self, ticket: Ticket) -> (Ticket, PinEntry, bool) {
        let request = enroll_request();
        let expires_at = self.now.plus_secs(300);
        match self
            .send(Input::ChallengeIssued {
                ticket,
                result: Ok(challenge(&request, expires_at)),
            })
            .into_iter()
            .next()
        {
            Some(Effect::Authenticate {
                ticket,
                pin,
                confirm_last_try,
                ..
            }) => (ticket, pin, confirm_last_try),
            other => panic!("expected Authenticate, got {other:?}"),
        }
    }

    /// The host route up to the SignApplication effect.
    pub(crate) fn up_to_sign_application(&mut self) -> (Ticket, [u8; 32]) {
        self.at_attributes(false, 3);
        assert!(
            self.send(Input::AttributesConfirmed {
                disclosure_consent: true,
            })
            .is_empty()
        );
        let t = self.type_pin();
        let (t, _, _) = self.issue(t);
        sign_application(&self.send(Input::Signed {
            ticket: t,
            result: Ok(authentication()),
        }))
    }

    pub(crate) fn json(&self) -> String {
        serde_json::to_string(&(self.m.staff_view(), self.m.customer_view())).unwrap()
    }
}

pub(crate) fn enroll_request() -> ChallengeRequest {
    ChallengeRequest {
        purpose: counter_api::platform::ChallengePurpose::Enroll,
        context: None,
    }
}

pub(crate) fn read_sign(effects: &[Effect]) -> (Ticket, bool) {
    match effects {
        [
            Effect::ReadSignCertificate {
                ticket,
                confirm_last_try,
                ..
            },
        ] => (*ticket, *confirm_last_try),
        other => panic!("expected ReadSignCertificate, got {other:?}"),
    }
}

pub(crate) fn challenge_ticket(effects: &[Effect]) -> Ticket {
    match effects {
        [Effect::RequestChallenge { ticket, request }] => {
            assert_eq!(request, &enroll_request());
            *ticket
        }
        other => panic!("expected RequestChallenge, got {other:?}"),
    }
}

pub(crate) fn sign_application(effects: &[Effect]) -> (Ticket, [u8; 32]) {
    match effects {
        [Effect::SignApplication { ticket, digest, .. }] => (*ticket, *digest),
        other => panic!("expected SignApplication, got {other:?}"),
    }
}

pub(crate) fn enroll(effects: &[Effect]) -> (Ticket, EnrollmentRequest) {
    match effects {
        [Effect::Enroll { ticket, request }] => (*ticket, request.clone()),
        other => panic!("expected Enroll, got {other:?}"),
    }
}

/// Whether any effect would use a PIN or password try.
pub(crate) fn uses_a_try(effects: &[Effect]) -> bool {
    effects.iter().any(|e| {
        matches!(
            e,
            Effect::Authenticate { .. }
                | Effect::ReadSignCertificate { .. }
                | Effect::SignApplication { .. }
        )
    })
}
