//! Outside input never panics and never breaks a file (STYLE.md "Errors"): names from the
//! insurer, free text staff type into the fallback form, and whatever text lands in a
//! result file.

use counter_core::eligibility::names::{normalize, outside_jis, same_name};
use counter_core::eligibility::xml::{Node, to_json, to_xml};
use counter_core::eligibility::{FallbackDocument, FallbackForm};
use madoguchi_time::jst::CivilDate;
use proptest::prelude::*;

use crate::xml_check;

/// Any text, weighted towards what names are made of: kana of both widths, sound marks,
/// ●, supplementary kanji, spaces, markup characters and controls.
fn texty() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        any::<char>().prop_map(String::from),
        prop::sample::select(vec![
            "ｶ", "ﾞ", "ﾟ", "ﾊ", "ｳ", "か", "\u{3099}", "●", "𠮷", "髙", "　", " ", "&", "<", ">",
            "\"", "'", "\r", "\n", "\t", "\u{1}", "\u{FFFF}", "&amp;", "]]>", "ＡＢ",
        ])
        .prop_map(String::from),
    ];
    prop::collection::vec(pieces, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn name_comparison_is_total_and_reflexive(a in texty(), b in texty()) {
        let _ = same_name(&a, &b);
        let _ = outside_jis(&a);
        prop_assert!(same_name(&a, &a));
        prop_assert_eq!(normalize(&normalize(&a)), normalize(&a));
    }

    #[test]
    fn any_text_makes_a_well_formed_file_that_reads_back(a in texty(), b in texty()) {
        let doc = Node::parent("XmlMsg", vec![Node::text("Name", a.clone()), Node::list("L", vec![Node::text("I", b)])]);
        let leaves = xml_check::check(&to_xml(&doc)).map_err(TestCaseError::fail)?;
        // Characters XML 1.0 cannot carry become U+FFFD; everything else reads back as is.
        let carried: String = a.chars().map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        }).collect();
        prop_assert_eq!(&leaves[0].1, &carried);
        let v: serde_json::Value = serde_json::from_str(&to_json(&doc)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(v["XmlMsg"]["Name"].as_str(), Some(a.as_str()));
    }

    #[test]
    fn the_fallback_form_never_panics(
        insurer in texty(), symbol in texty(), number in texty(), branch in texty(),
        name in texty(), birth in texty(), ratio in any::<u8>(), doc in 0usize..4,
    ) {
        let document = [
            FallbackDocument::EligibilityNotice,
            FallbackDocument::EligibilityCertificate,
            FallbackDocument::Mynaportal,
            FallbackDocument::SelfDeclaration,
        ][doc];
        let form = FallbackForm {
            document, insurer_number: insurer, insurer_name: String::new(), symbol, number,
            branch, name, birth_date: birth, ratio_tenths: ratio,
        };
        let today = CivilDate { year: 2026, month: 11, day: 25 };
        if let Ok(p) = form.validate(today) {
            prop_assert!(p.insurer_number.as_deref().is_none_or(|n| n.len() == 8));
            prop_assert!((1..=3).contains(&p.ratio_tenths));
            prop_assert_eq!(p.birth_date.len(), 8);
        }
    }
}
