//! The demo and test personas: who they are, which card they hold, and the
//! certificates the test CA issues them. The generator writes each one to
//! `assets/personas/<id>.toml` in `jpki-card-sim`'s persona format.
//!
//! All people, addresses and PINs are fictitious test data (the addresses use
//! 丁目 numbers that do not exist in those towns). Every certificate chains to
//! an `O=JPKI-TEST` root. "Today" for the validity periods is 2026-11.

use jpki_card_sim::{
    Persona, Sex,
    persona::{CardSettings, PersonaPem},
};

use crate::assemble;
use crate::date::Date;
use crate::dn::{Municipality, Purpose};
use crate::ee::CertSpec;
use crate::error::Result;
use crate::holder::{Holder, card_id};
use crate::key::TestKey;
use crate::pki::Pki;
use crate::root::Generation;

/// The id of every generated persona, in generation order.
pub const PERSONA_IDS: [&str; 9] = [
    "sato-hanako",
    "suzuki-ichiro",
    "takahashi-ken",
    "tanaka-yuki",
    "watanabe-jiro",
    "ito-sachiko",
    "kobayashi-mei",
    "yamamoto-shota",
    "nakamura-aoi",
];

/// The contact ATR most cards present (docs/domain/jpki.md §1.7, §1.8).
const ATR_COMMON: &str = "3BE000FF8131FE4514";
/// Two other real contact ATRs (docs/domain/jpki.md §1.8): software must not gate on the ATR.
const ATR_NEWER: &str = "3BDA13FF8131FB468012392F31C173C601C03B";
const ATR_OTHER: &str = "3BC5FF8131FB458073C6010000";

/// One persona's definition.
pub(crate) struct PersonaDef {
    pub id: &'static str,
    pub label: &'static str,
    pub name: &'static str,
    pub name_substituted: &'static [usize],
    pub address: &'static str,
    pub address_substituted: &'static [usize],
    pub birth: (u16, u8, u8),
    pub sex: Sex,
    /// Romanised 都道府県 and 市区町村 (CRLDP partition, sign subject `L`s).
    pub municipality: (&'static str, &'static str),
    pub auth_pin: &'static str,
    /// `None`: the card has no signature certificate (minors).
    pub sign_password: Option<&'static str>,
    pub auth_tries: u8,
    pub sign_tries: u8,
    pub atr: &'static str,
    pub generation: Generation,
    /// Issuance date and UTC time of day (notBefore).
    pub issued: (u16, u8, u8, u8, u8, u8),
    pub auth_serial: u32,
    pub sign_serial: u32,
}

/// The personas. PINs are 4 digits, all distinct; sign passwords are 6–16
/// of `[A-Z0-9]` with a letter and a digit (docs/domain/jpki.md §1.2, §5.2).
pub(crate) const PERSONAS: [PersonaDef; 9] = [
    PersonaDef {
        id: "sato-hanako",
        label: "佐藤 花子: valid card, both certificates, 3/5 tries; auth certificate 1,586 bytes like a real one",
        name: "佐藤　花子",
        name_substituted: &[],
        address: "東京都千代田区丸の内九丁目９番９９号",
        address_substituted: &[],
        birth: (1985, 4, 12),
        sex: Sex::Female,
        municipality: ("Tokyo-to", "Chiyoda-ku"),
        auth_pin: "1234",
        sign_password: Some("HANAKO2025"),
        auth_tries: 3,
        sign_tries: 5,
        atr: ATR_COMMON,
        generation: Generation::G3,
        issued: (2025, 6, 2, 1, 15, 30),
        auth_serial: 0x0631_A001,
        sign_serial: 0x0631_A002,
    },
    PersonaDef {
        id: "suzuki-ichiro",
        label: "鈴木 一郎: valid card; 代替文字 in name and address, 121-character address",
        name: "鈴木　一郎",
        name_substituted: &[0],
        address: "大阪府大阪市北区梅田九丁目９９番９９号　髙島見本ステーションフロントタワー北棟４５階４５０１号室　見本商事株式会社大阪支店社宅管理組合気付　第一別館東側通用口横２－３－４５－６７８　郵便受箱９９番　サンプル総合管理センター１２３４－５６７８内",
        address_substituted: &[20],
        birth: (1958, 3, 3),
        sex: Sex::Male,
        municipality: ("Osaka-fu", "Osaka-shi-Kita-ku"),
        auth_pin: "2580",
        sign_password: Some("ICHIRO1958"),
        auth_tries: 3,
        sign_tries: 5,
        atr: ATR_COMMON,
        generation: Generation::G3,
        issued: (2025, 3, 10, 2, 40, 11),
        auth_serial: 0x0631_B001,
        sign_serial: 0x0631_B002,
    },
    PersonaDef {
        id: "takahashi-ken",
        label: "高橋 健: minor (15), auth certificate only, no signature certificate or password",
        name: "高橋　健",
        name_substituted: &[],
        address: "福岡県福岡市中央区天神九丁目９番９号",
        address_substituted: &[],
        birth: (2011, 8, 20),
        sex: Sex::Male,
        municipality: ("Fukuoka-ken", "Fukuoka-shi-Chuo-ku"),
        auth_pin: "3690",
        sign_password: None,
        auth_tries: 3,
        sign_tries: 0,
        atr: ATR_COMMON,
        generation: Generation::G3,
        issued: (2025, 1, 15, 0, 31, 5),
        auth_serial: 0x0631_C001,
        sign_serial: 0,
    },
    PersonaDef {
        id: "tanaka-yuki",
        label: "田中 由紀: valid card, auth PIN has 1 try left (confirm the last try)",
        name: "田中　由紀",
        name_substituted: &[],
        address: "愛知県名古屋市中区栄九丁目９番９号",
        address_substituted: &[],
        birth: (1992, 11, 30),
        sex: Sex::Female,
        municipality: ("Aichi-ken", "Nagoya-shi-Naka-ku"),
        auth_pin: "4711",
        sign_password: Some("YUKI1130"),
        auth_tries: 1,
        sign_tries: 5,
        atr: ATR_OTHER,
        generation: Generation::G3,
        issued: (2025, 8, 19, 5, 2, 48),
        auth_serial: 0x0631_D001,
        sign_serial: 0x0631_D002,
    },
    PersonaDef {
        id: "watanabe-jiro",
        label: "渡辺 次郎: auth PIN blocked (0 tries left); signature password still 5/5",
        name: "渡辺　次郎",
        name_substituted: &[],
        address: "北海道札幌市中央区北九十九条西九丁目９番９号",
        address_substituted: &[],
        birth: (1947, 2, 11),
        sex: Sex::Male,
        municipality: ("Hokkaido", "Sapporo-shi-Chuo-ku"),
        auth_pin: "5802",
        sign_password: Some("JIRO1947"),
        auth_tries: 0,
        sign_tries: 5,
        atr: ATR_COMMON,
        generation: Generation::G3,
        issued: (2025, 5, 20, 6, 12, 0),
        auth_serial: 0x0631_E001,
        sign_serial: 0x0631_E002,
    },
    PersonaDef {
        id: "ito-sachiko",
        label: "伊藤 幸子: born in 大正 (era code 2); both certificates expired on 2025-03-01",
        name: "伊藤　幸子",
        name_substituted: &[],
        address: "宮城県仙台市青葉区本町九丁目９番９号",
        address_substituted: &[],
        birth: (1926, 3, 1),
        sex: Sex::Female,
        municipality: ("Miyagi-ken", "Sendai-shi-Aoba-ku"),
        auth_pin: "6173",
        sign_password: Some("SACHIKO1926"),
        auth_tries: 3,
        sign_tries: 5,
        atr: ATR_COMMON,
        generation: Generation::G2,
        issued: (2020, 9, 1, 0, 45, 17),
        auth_serial: 0x0512_F001,
        sign_serial: 0x0512_F002,
    },
    PersonaDef {
        id: "kobayashi-mei",
        label: "小林 芽衣: valid certificates issued by the older root generation (G2)",
        name: "小林　芽衣",
        name_substituted: &[],
        address: "神奈川県川崎市中原区小杉町九丁目９番９号",
        address_substituted: &[],
        birth: (2001, 6, 10),
        sex: Sex::Female,
        municipality: ("Kanagawa-ken", "Kawasaki-shi-Nakahara-ku"),
        auth_pin: "7264",
        sign_password: Some("MEI2001"),
        auth_tries: 3,
        sign_tries: 5,
        atr: ATR_NEWER,
        generation: Generation::G2,
        issued: (2023, 6, 20, 3, 3, 33),
        auth_serial: 0x05F0_1001,
        sign_serial: 0x05F0_1002,
    },
    PersonaDef {
        id: "yamamoto-shota",
        label: "山本 翔太: valid dates but revoked in the committed CRLs (auth keyCompromise, sign affiliationChanged)",
        name: "山本　翔太",
        name_substituted: &[],
        address: "神奈川県横浜市中区山下町九丁目９９９番地",
        address_substituted: &[],
        birth: (1978, 9, 9),
        sex: Sex::Male,
        municipality: ("Kanagawa-ken", "Yokohama-shi-Naka-ku"),
        auth_pin: "8395",
        sign_password: Some("SHOTA1978"),
        auth_tries: 3,
        sign_tries: 5,
        atr: ATR_COMMON,
        generation: Generation::G3,
        issued: (2025, 4, 1, 4, 20, 9),
        auth_serial: 0x0631_F001,
        sign_serial: 0x0631_F002,
    },
    PersonaDef {
        id: "nakamura-aoi",
        label: "中村 葵: valid card; moved after enrolling, so her signature certificate is revoked later (affiliationChanged) by the CRL the demo writes once she is enrolled",
        name: "中村　葵",
        name_substituted: &[],
        address: "兵庫県神戸市中央区加納町九丁目９番９号",
        address_substituted: &[],
        birth: (1990, 7, 7),
        sex: Sex::Female,
        municipality: ("Hyogo-ken", "Kobe-shi-Chuo-ku"),
        auth_pin: "9157",
        sign_password: Some("AOI1990"),
        auth_tries: 3,
        sign_tries: 5,
        atr: ATR_COMMON,
        generation: Generation::G3,
        issued: (2024, 10, 1, 2, 30, 0),
        auth_serial: 0x0640_A001,
        sign_serial: 0x0640_A002,
    },
];

/// The serial numbers of persona `id`'s (authentication, signature) certificates; the
/// signature serial is 0 for a card without one. For tests and the demo that write a CRL
/// revoking a persona's certificate.
pub fn serials(id: &str) -> Option<(u32, u32)> {
    def(id).map(|p| (p.auth_serial, p.sign_serial))
}

/// The municipality (romanised 都道府県 and 市区町村: the CRL partition) and root
/// generation of persona `id`'s certificates.
pub fn municipality(id: &str) -> Option<(Municipality, Generation)> {
    def(id).map(|p| (p.municipality(), p.generation))
}

/// Looks up a persona definition by id.
pub(crate) fn def(id: &str) -> Option<&'static PersonaDef> {
    PERSONAS.iter().find(|p| p.id == id)
}

impl PersonaDef {
    pub fn holder(&self) -> Result<Holder> {
        let (y, m, d) = self.birth;
        Ok(
            Holder::new(self.name, Date::new(y, m, d)?, self.sex, self.address)
                .with_substituted_name_chars(self.name_substituted)
                .with_substituted_address_chars(self.address_substituted),
        )
    }

    pub fn municipality(&self) -> Municipality {
        Municipality::new(self.municipality.0, self.municipality.1)
    }

    pub fn key_label(&self, purpose: Purpose) -> String {
        format!("persona-{}-{}", self.id, purpose.short())
    }

    /// The spec of this persona's certificate of `purpose`.
    pub fn cert_spec(&self, purpose: Purpose, key: &TestKey) -> Result<CertSpec> {
        let holder = self.holder()?;
        let (y, m, d, hh, mm, ss) = self.issued;
        let issued = Date::new(y, m, d)?;
        let mut spec = match purpose {
            Purpose::Auth => CertSpec::auth(self.generation)?,
            Purpose::Sign => CertSpec::sign(self.generation)?,
        };
        spec.serial = match purpose {
            Purpose::Auth => self.auth_serial,
            Purpose::Sign => self.sign_serial,
        };
        spec.card_id = card_id(&format!("{}/{}", self.id, purpose.short()));
        spec.municipality = self.municipality();
        spec.not_before = issued.at_utc(hh, mm, ss)?;
        spec.not_after = holder
            .birth_date
            .fifth_birthday_after(issued)?
            .end_of_day_jst()?;
        spec.holder = holder;
        spec.subject_key = Some(key.public_key_info()?);
        Ok(spec)
    }

    /// Issues the certificates with the given keys (`sign_key` is ignored
    /// for a card without a signature certificate) and builds the persona.
    pub fn build(&self, pki: &Pki, auth_key: &TestKey, sign_key: &TestKey) -> Result<Persona> {
        let auth_der = self.cert_spec(Purpose::Auth, auth_key)?.issue(pki)?;
        let auth_root = pki.root(Purpose::Auth, self.generation);
        let sign = match self.sign_password {
            Some(_) => {
                let der = self.cert_spec(Purpose::Sign, sign_key)?.issue(pki)?;
                let root = pki.root(Purpose::Sign, self.generation);
                Some((
                    assemble::to_pem("CERTIFICATE", &der)?,
                    sign_key.to_pkcs8_pem()?,
                    root.pem()?,
                ))
            }
            None => None,
        };
        let (sign_certificate, sign_private_key, sign_ca_certificate) = match sign {
            Some((c, k, r)) => (Some(c), Some(k), Some(r)),
            None => (None, None, None),
        };
        let (y, m, d) = self.birth;
        Ok(Persona {
            id: self.id.to_owned(),
            label: self.label.to_owned(),
            name: self.name.to_owned(),
            address: self.address.to_owned(),
            birth_date: Date::new(y, m, d)?.to_string(),
            sex: self.sex,
            auth_pin: self.auth_pin.to_owned(),
            sign_password: self.sign_password.map(str::to_owned),
            card: CardSettings {
                atr: self.atr.to_owned(),
                auth_pin_tries_left: self.auth_tries,
                sign_password_tries_left: self.sign_tries,
            },
            pem: PersonaPem {
                auth_certificate: assemble::to_pem("CERTIFICATE", &auth_der)?,
                auth_private_key: auth_key.to_pkcs8_pem()?,
                auth_ca_certificate: auth_root.pem()?,
                sign_certificate,
                sign_private_key,
                sign_ca_certificate,
            },
        })
    }
}
