//! The demo's cast: what each test persona's card shows, the services the demo enrols
//! for the four who are enrolled at start, and the links it holds to be refused
//! ([`WRONG_LINKS`]: a card token owned by another holder, another person's insurance).
//!
//! The people are testkit's personas (`crates/testkit/src/personas.rs`); their insurance
//! is the insurer's demo register (`crates/backend-insurer/data/demo-insured.toml`).

use counter_api::platform::{InsuranceLink, PaymentLink, ServiceLink};

/// The insurer's id at the platform (the same as the counter's test bench).
pub const INSURER: &str = "ins-kanto";
/// The insurer's label on the counter's menu.
pub const INSURER_LABEL: &str = "関東健康保険組合";
/// The acquirer's id at the platform.
pub const ACQUIRER: &str = "acq-visa";
/// The acquirer's label on the counter's menu.
pub const ACQUIRER_LABEL: &str = "クレジットカード";
/// 保険者番号 of 関東健康保険組合 in the demo register.
pub const INSURER_NUMBER: &str = "06139999";

/// A card token registered at the demo acquirer.
#[derive(Clone, Copy, Debug)]
pub struct CardToken {
    /// The token reference.
    pub token: &'static str,
    /// The brand shown on the counter.
    pub brand: &'static str,
    /// The last four digits shown on the counter.
    pub last4: &'static str,
    /// The testkit persona who holds the card (the acquirer's cardholder record is theirs).
    pub holder: &'static str,
}

/// The acquirer's card tokens.
pub const CARD_TOKENS: [CardToken; 2] = [VISA, MASTER];
const VISA: CardToken = CardToken {
    token: "tok_visa_4242",
    brand: "VISA",
    last4: "4242",
    holder: "sato-hanako",
};
const MASTER: CardToken = CardToken {
    token: "tok_master_5555",
    brand: "MASTER",
    last4: "5555",
    holder: "tanaka-yuki",
};

/// An insurance qualification of the demo register (記号, 番号, 枝番 under
/// [`INSURER_NUMBER`]).
#[derive(Clone, Copy, Debug)]
pub struct Insurance {
    /// 記号.
    pub symbol: &'static str,
    /// 番号.
    pub number: &'static str,
    /// 枝番.
    pub branch: &'static str,
}

/// 保険者番号 of 川崎市国民健康保険 in the demo register (小林 芽衣's insurer).
pub const KAWASAKI_NUMBER: &str = "00140004";

/// A link the demo holds to show the link check refusing it: `persona`'s card with a
/// record of someone else, which its service refuses naming the attribute that differs
/// (never the record's value); nothing is stored.
#[derive(Clone, Copy, Debug)]
pub struct WrongLink {
    /// testkit's persona id of the card.
    pub persona: &'static str,
    /// The record, someone else's.
    pub record: WrongRecord,
    /// The attribute the service names (`counter_api::attributes::Attribute`'s name):
    /// the refusal's reason is `mismatch_<differs>`.
    pub differs: &'static str,
}

/// The record of a [`WrongLink`].
#[derive(Clone, Copy, Debug)]
pub enum WrongRecord {
    /// A card token at [`ACQUIRER`].
    Token(CardToken),
    /// An insurance at [`INSURER`] under the insurer number.
    Insurance(&'static str, Insurance),
}

impl WrongLink {
    /// The link as staff would type it at the enrollment.
    pub fn link(&self) -> ServiceLink {
        match self.record {
            WrongRecord::Token(t) => payment_link(&t),
            WrongRecord::Insurance(number, i) => insurance_link(number, &i),
        }
    }
}

/// A card token owned by another holder: 小林 芽衣's card with 佐藤 花子's VISA token. The
/// acquirer's cardholder has another name, so it refuses the link on the name.
pub const ANOTHER_HOLDERS_TOKEN: WrongLink = WrongLink {
    persona: "kobayashi-mei",
    record: WrongRecord::Token(VISA),
    differs: "name",
};

/// An insured record whose birth date differs from the card holder's: 小林 芽衣's card with
/// the insurance of another 小林 芽衣, born on another day (中原 5550002). The insurer
/// refuses the link on the birth date.
pub const ANOTHER_PERSONS_INSURANCE: WrongLink = WrongLink {
    persona: "kobayashi-mei",
    record: WrongRecord::Insurance(
        KAWASAKI_NUMBER,
        Insurance {
            symbol: "中原",
            number: "5550002",
            branch: "00",
        },
    ),
    differs: "birth_date",
};

/// The links the demo refuses on purpose.
pub const WRONG_LINKS: [WrongLink; 2] = [ANOTHER_HOLDERS_TOKEN, ANOTHER_PERSONS_INSURANCE];

/// The insurance link of `i` under `insurer_number` at [`INSURER`].
pub fn insurance_link(insurer_number: &str, i: &Insurance) -> ServiceLink {
    ServiceLink::Insurance(InsuranceLink {
        service_id: INSURER.into(),
        insurer_number: insurer_number.into(),
        symbol: Some(i.symbol.into()),
        number: i.number.into(),
        branch: Some(i.branch.into()),
    })
}

/// The payment link of token `t` at [`ACQUIRER`].
pub fn payment_link(t: &CardToken) -> ServiceLink {
    ServiceLink::Payment(PaymentLink {
        service_id: ACQUIRER.into(),
        card_token_ref: t.token.into(),
        brand: Some(t.brand.into()),
        last4: Some(t.last4.into()),
    })
}

/// What the demo links for an enrolled persona.
#[derive(Clone, Copy, Debug)]
pub struct Enrolment {
    /// The insurance at [`INSURER`].
    pub insurance: Insurance,
    /// The card token at [`ACQUIRER`], if any.
    pub payment: Option<CardToken>,
}

impl Enrolment {
    /// The insurance link at [`INSURER`] under [`INSURER_NUMBER`].
    pub fn insurance_link(&self) -> ServiceLink {
        insurance_link(INSURER_NUMBER, &self.insurance)
    }

    /// Every link the demo enrols: the insurance, then the card token if any.
    pub fn services(&self) -> Vec<ServiceLink> {
        let mut services = vec![self.insurance_link()];
        services.extend(self.payment.as_ref().map(payment_link));
        services
    }
}

/// One card of the demo panel.
#[derive(Clone, Copy, Debug)]
pub struct DemoPersona {
    /// testkit's persona id.
    pub id: &'static str,
    /// What the card shows, in Japanese.
    pub note_ja: &'static str,
    /// The same in English.
    pub note_en: &'static str,
    /// What the demo enrols at start; `None`: not enrolled.
    pub enrolment: Option<Enrolment>,
}

/// The persona who moves after the demo enrolled her: the demo revokes her signature
/// certificate (affiliationChanged) once she is enrolled.
pub const MOVED: &str = "nakamura-aoi";

/// Every persona of testkit (`testkit::personas::PERSONA_IDS`), in the demo panel's order:
/// the enrolled ones first, then the error cases.
pub const PERSONAS: [DemoPersona; 9] = [
    DemoPersona {
        id: "sato-hanako",
        note_ja: "有効・3割・限度額適用・クレジット登録済み",
        note_en: "Valid, 30%, limit certificate, credit card linked",
        enrolment: Some(Enrolment {
            insurance: Insurance {
                symbol: "千代",
                number: "10001",
                branch: "01",
            },
            payment: Some(VISA),
        }),
    },
    DemoPersona {
        id: "tanaka-yuki",
        note_ja: "有効(本日資格取得)・暗証番号残り1回・クレジット登録済み",
        note_en: "Valid from today, PIN has 1 try left, credit card linked",
        enrolment: Some(Enrolment {
            insurance: Insurance {
                symbol: "名古",
                number: "10003",
                branch: "00",
            },
            payment: Some(MASTER),
        }),
    },
    DemoPersona {
        id: "suzuki-ichiro",
        note_ja: "無効(新しい資格あり)・氏名に代替文字",
        note_en: "Not valid: a newer qualification exists; substituted characters in the name",
        enrolment: Some(Enrolment {
            insurance: Insurance {
                symbol: "大阪",
                number: "10002",
                branch: "01",
            },
            payment: None,
        }),
    },
    DemoPersona {
        id: MOVED,
        note_ja: "登録後に転居・署名用電子証明書が失効（再登録のお知らせ）",
        note_en: "Moved after enrolling: signature certificate revoked (asked to enrol again)",
        enrolment: Some(Enrolment {
            insurance: Insurance {
                symbol: "神戸",
                number: "10006",
                branch: "00",
            },
            payment: None,
        }),
    },
    DemoPersona {
        id: "watanabe-jiro",
        note_ja: "暗証番号ロック",
        note_en: "PIN locked",
        enrolment: None,
    },
    DemoPersona {
        id: "yamamoto-shota",
        note_ja: "電子証明書失効",
        note_en: "Certificate revoked",
        enrolment: None,
    },
    DemoPersona {
        id: "ito-sachiko",
        note_ja: "電子証明書の有効期限切れ",
        note_en: "Certificate expired",
        enrolment: None,
    },
    DemoPersona {
        id: "takahashi-ken",
        note_ja: "未登録・署名用電子証明書なし(15歳)",
        note_en: "Not enrolled; no signature certificate (minor, 15)",
        enrolment: None,
    },
    DemoPersona {
        id: "kobayashi-mei",
        note_ja: "未登録・旧世代の電子証明書。他人のカードトークン(tok_visa_4242)や別人の保険(中原 5550002)での登録は拒否",
        note_en: "Not enrolled; certificates of the older root generation. Enrolling her with another holder's card token (tok_visa_4242) or another person's insurance (中原 5550002) is refused",
        enrolment: None,
    },
];

/// The demo persona `id`.
pub fn find(id: &str) -> Option<&'static DemoPersona> {
    PERSONAS.iter().find(|p| p.id == id)
}

/// The personas the demo enrols at start, with their links.
pub fn enrolled() -> impl Iterator<Item = (&'static str, &'static Enrolment)> {
    PERSONAS
        .iter()
        .filter_map(|p| p.enrolment.as_ref().map(|e| (p.id, e)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use counter_core::UnixTime;

    use super::*;

    #[test]
    fn the_cast_is_testkits_personas() {
        let mut ours: Vec<&str> = PERSONAS.iter().map(|p| p.id).collect();
        let mut theirs = testkit::personas::PERSONA_IDS.to_vec();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn the_wrong_links_name_someone_else() {
        let register =
            backend_insurer::demo::parse(backend_insurer::demo::BUILTIN, UnixTime::EPOCH).unwrap();
        for w in WRONG_LINKS {
            assert!(find(w.persona).is_some(), "{w:?}");
            match w.record {
                WrongRecord::Token(t) => {
                    assert_ne!(t.holder, w.persona, "{w:?}");
                    assert!(CARD_TOKENS.iter().any(|c| c.token == t.token), "{w:?}");
                }
                WrongRecord::Insurance(number, i) => {
                    let r = register
                        .iter()
                        .find(|r| {
                            r.result.insurer_number == number
                                && r.result.number == i.number
                                && r.result.symbol.as_deref() == Some(i.symbol)
                        })
                        .unwrap_or_else(|| panic!("{w:?} is not in the demo register"));
                    assert_ne!(r.person, w.persona, "{w:?}");
                }
            }
        }
    }

    #[test]
    fn the_enrolled_insurance_is_in_the_demo_register() {
        let register =
            backend_insurer::demo::parse(backend_insurer::demo::BUILTIN, UnixTime::EPOCH).unwrap();
        for (id, e) in enrolled() {
            let i = e.insurance;
            let found = register.iter().any(|r| {
                let q = &r.result;
                r.person == id
                    && q.insurer_number == INSURER_NUMBER
                    && q.insurer_name == INSURER_LABEL
                    && q.symbol.as_deref() == Some(i.symbol)
                    && q.number == i.number
                    && q.branch.as_deref() == Some(i.branch)
            });
            assert!(found, "{id}: {i:?} is not in the demo register");
        }
    }
}
