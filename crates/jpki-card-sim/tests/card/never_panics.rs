//! `process` answers every byte string with a status word, in every state.

use crate::common::*;
use proptest::prelude::*;

/// APDUs that move the card into interesting states, plus raw bytes.
fn apdu() -> impl Strategy<Value = Vec<u8>> {
    let known = prop_oneof![
        Just(SELECT_JPKI.to_vec()),
        prop::sample::select(vec![
            0x0001u16, 0x0002, 0x0006, 0x0008, 0x000A, 0x000B, 0x0017, 0x0018, 0x001A, 0x001B
        ])
        .prop_map(select_ef_apdu),
        Just(verify_apdu(AUTH_PIN.as_bytes())),
        Just(verify_apdu(SIGN_PASSWORD.as_bytes())),
        prop::collection::vec(any::<u8>(), 0..20).prop_map(|pin| verify_apdu(&pin)),
        (any::<u16>(), any::<u8>()).prop_map(|(o, le)| read_apdu(o, le)),
        prop::collection::vec(any::<u8>(), 1..250).prop_map(|d| sign_apdu(&d)),
    ];
    // Header of a known command with random parameters and body.
    let mutated = (
        prop::sample::select(vec![0x00u8, 0x80, 0x0C, 0xFF]),
        prop::sample::select(vec![0xA4u8, 0xB0, 0x20, 0x2A, 0x24, 0xC0]),
        any::<u8>(),
        any::<u8>(),
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(cla, ins, p1, p2, body)| {
            let mut a = vec![cla, ins, p1, p2];
            a.extend(body);
            a
        });
    prop_oneof![
        4 => known,
        3 => mutated,
        2 => prop::collection::vec(any::<u8>(), 0..300),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    Apdu(Vec<u8>),
    PowerOn,
    PowerOff,
    WarmReset,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        12 => apdu().prop_map(Step::Apdu),
        1 => Just(Step::PowerOn),
        1 => Just(Step::PowerOff),
        1 => Just(Step::WarmReset),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn process_never_panics(steps in prop::collection::vec(step(), 1..40), with_sign in any::<bool>()) {
        let mut card = if with_sign { card() } else { card_without_sign() };
        for step in steps {
            match step {
                Step::Apdu(a) => {
                    let r = card.process(&a);
                    prop_assert!(r.len() >= 2 && r.len() <= 258, "{} bytes", r.len());
                    prop_assert!(card.auth_pin_tries_left() <= 3);
                }
                Step::PowerOn => { card.power_on(); }
                Step::PowerOff => card.power_off(),
                Step::WarmReset => { card.warm_reset(); }
            }
        }
    }
}
