//! The demo's cast: what each test persona's card shows, and the services the demo
//! enrols for the three who are enrolled at start.
//!
//! The people are testkit's personas (`crates/testkit/src/personas.rs`); their insurance
//! is the insurer's demo register (`crates/backend-insurer/data/demo-insured.toml`).

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

/// What the demo links for an enrolled persona.
#[derive(Clone, Copy, Debug)]
pub struct Enrolment {
    /// The insurance at [`INSURER`].
    pub insurance: Insurance,
    /// The card token at [`ACQUIRER`], if any.
    pub payment: Option<CardToken>,
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
        note_ja: "未登録・旧世代の電子証明書",
        note_en: "Not enrolled; certificates of the older root generation",
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
    #![allow(clippy::unwrap_used)]
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
