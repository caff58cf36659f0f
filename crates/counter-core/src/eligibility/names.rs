//! Comparing names as people write them (docs/domain/eligibility.md §2.4, §5 R2 and R7): the insurer
//! returns `Name` full-width and `NameKana` half-width, the chart may hold either width,
//! hiragana, or a space of the other width; characters outside JIS levels 1/2 come back as
//! `●`. Comparison normalises; the raw value is always what is kept and exported.

/// The substitution mark the real system puts for a character outside JIS levels 1/2
/// (`Name`, docs/domain/eligibility.md §2.4).
pub const SUBSTITUTE: char = '●';

/// Half-width katakana U+FF61..=U+FF9D in code-point order, as full-width.
const HALF_KANA: &str = "。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン";

/// Variant kanji common in surnames that are not in JIS X 0208, with the form the chart
/// usually holds. Short on purpose: these are the pairs staff treat as the same name.
const VARIANTS: &[(char, char)] = &[('髙', '高'), ('﨑', '崎'), ('𠮷', '吉')];

/// Full-width katakana that take a dakuten by adding 1 to the code point.
const VOICEABLE: &str = "カキクケコサシスセソタチツテトハヒフヘホ";
/// Full-width katakana that take a handakuten by adding 2.
const SEMI_VOICEABLE: &str = "ハヒフヘホ";

/// A name reduced for comparison: no spaces of any width, ASCII in place of full-width
/// ASCII, full-width katakana in place of half-width (with sound marks joined) and of
/// hiragana, variation selectors dropped, common variant kanji folded.
pub fn normalize(s: &str) -> String {
    let mut out: Vec<char> = Vec::with_capacity(s.len());
    for c in s.chars() {
        let code = u32::from(c);
        let c = match code {
            0x20 | 0x3000 | 0x09 => continue,
            // Variation selectors (IVS, SVS) only choose a glyph.
            0xFE00..=0xFE0F | 0xE0100..=0xE01EF => continue,
            // Full-width ASCII to ASCII.
            0xFF01..=0xFF5E => char::from_u32(code - 0xFEE0).unwrap_or(c),
            // Hiragana to katakana.
            0x3041..=0x3096 => char::from_u32(code + 0x60).unwrap_or(c),
            0xFF61..=0xFF9D => HALF_KANA.chars().nth((code - 0xFF61) as usize).unwrap_or(c),
            // Sound marks: half-width, combining and spacing forms.
            0xFF9E | 0x3099 | 0x309B => {
                join_mark(&mut out, 1);
                continue;
            }
            0xFF9F | 0x309A | 0x309C => {
                join_mark(&mut out, 2);
                continue;
            }
            _ => VARIANTS
                .iter()
                .find(|(v, _)| *v == c)
                .map_or(c, |(_, base)| *base),
        };
        out.push(c);
    }
    out.into_iter().collect()
}

/// Joins a dakuten (`step` 1) or handakuten (`step` 2) to the kana before it, or keeps it
/// as the spacing mark when nothing takes it.
fn join_mark(out: &mut Vec<char>, step: u32) {
    let joined = out.last().and_then(|prev| {
        let table = if step == 1 { VOICEABLE } else { SEMI_VOICEABLE };
        if table.contains(*prev) {
            char::from_u32(u32::from(*prev) + step)
        } else if step == 1 && *prev == 'ウ' {
            Some('ヴ')
        } else {
            None
        }
    });
    match joined {
        Some(j) => {
            out.pop();
            out.push(j);
        }
        None => out.push(if step == 1 { '゛' } else { '゜' }),
    }
}

/// Whether a name from the insurer (`theirs`, which may hold `●`) names the same person as
/// `ours`: equal after [`normalize`], each `●` standing for any one character.
pub fn same_name(theirs: &str, ours: &str) -> bool {
    let a: Vec<char> = normalize(theirs).chars().collect();
    let b: Vec<char> = normalize(ours).chars().collect();
    a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x == y || *x == SUBSTITUTE)
}

/// How many `●` a name holds.
pub fn substituted(s: &str) -> usize {
    s.chars().filter(|c| *c == SUBSTITUTE).count()
}

/// The characters of `s` that are certainly outside JIS X 0208 (levels 1/2), which the
/// claims system may reject (docs/domain/eligibility.md §2.4: level-3 kanji come back unchanged):
/// supplementary-plane characters, CJK extension A, CJK compatibility ideographs, and the
/// variant kanji we fold. Not a full JIS table: a BMP kanji outside JIS X 0208 and not in
/// these ranges passes unflagged.
pub fn outside_jis(s: &str) -> String {
    s.chars()
        .filter(|c| {
            let code = u32::from(*c);
            code >= 0x20000
                || (0x3400..=0x4DBF).contains(&code)
                || (0xF900..=0xFAFF).contains(&code)
                || VARIANTS.iter().any(|(v, _)| v == c)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_and_spaces_do_not_matter() {
        assert!(same_name("佐藤　花子", "佐藤 花子"));
        assert!(same_name("佐藤　花子", "佐藤花子"));
        assert!(same_name("ｻﾄｳ ﾊﾅｺ", "サトウ　ハナコ"));
        assert!(same_name("ｻﾄｳ ﾊﾅｺ", "さとう はなこ"));
        assert!(same_name("ﾔﾏﾀﾞ ｱｷﾗ", "ヤマダ アキラ"));
        assert!(same_name("ﾊﾟｸ ｳﾞｧ", "パク ヴァ"));
        assert!(same_name("ＡＢＣ　太郎", "ABC 太郎"));
        assert!(!same_name("ｻﾄｳ ﾊﾅｺ", "サトウ ハナエ"));
        assert!(!same_name("佐藤　花子", "佐藤　花"));
    }

    #[test]
    fn substitution_mark_stands_for_one_character() {
        assert!(same_name("●橋　一", "髙橋 一"));
        assert!(same_name("●橋　一", "高橋 一"));
        assert!(!same_name("●橋　一", "橋 一"));
        assert!(!same_name("高橋　一", "●橋 一"), "only theirs may hold ●");
        assert_eq!(substituted("●橋　●"), 2);
    }

    #[test]
    fn variants_fold_and_are_flagged() {
        assert!(same_name("𠮷田　太郎", "吉田 太郎"));
        assert!(same_name("髙橋", "高橋"));
        assert_eq!(outside_jis("𠮷田　太郎"), "𠮷");
        assert_eq!(outside_jis("髙橋 﨑"), "髙﨑");
        assert_eq!(outside_jis("佐藤　花子"), "");
        assert!(same_name("葛\u{E0100}城", "葛城"));
    }

    #[test]
    fn stray_sound_marks_do_not_panic() {
        assert_eq!(normalize("ﾞｱﾟ"), "゛ア゜");
    }
}
