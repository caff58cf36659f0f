//! What a file in the receipt system's `req/` folder is, by its name, and the names of the
//! answers (docs/domain/eligibility.md §2.6).
//!
//! | request | kind | answer in `res/` |
//! |---|---|---|
//! | `OQSsiquc01req_<id>.xml` | [`FileKind::SingleCheck`] | `OQSsiquc01res_<id>.xml` |
//! | `OQSmuquc01req_<id>.xml` | [`FileKind::BulkSubmit`] | `OQSmuquc01res_<id>.xml` |
//! | `OQSmuquc02req_<id>.xml` | [`FileKind::BulkFetch`] | `OQSmuquc02res_<id>.xml` |
//! | anything else | [`FileKind::Unknown`] | `<name without .xml>.err` |
//!
//! A request that cannot be answered under its kind's name (an unknown kind, or a second
//! request under a name already answered) is answered as `<request stem>.err`, the name a
//! public receipt-system integration waits for next to `OQSmuquc01req_*` and
//! `OQSmuquc02req_*` (docs/domain/eligibility.md §2.6) \[C\].

/// The longest request file name we accept (bytes). Windows' own limit on a name is 255
/// UTF-16 units; the real names are a prefix, an id and `.xml`, far shorter.
pub const MAX_NAME: usize = 200;

/// Single check by insurance number, request (docs/domain/eligibility.md §2.6).
pub const SINGLE_REQUEST: &str = "OQSsiquc01req_";
/// Single check, answer.
pub const SINGLE_ANSWER: &str = "OQSsiquc01res_";
/// Bulk pre-check, upload request.
pub const BULK_SUBMIT_REQUEST: &str = "OQSmuquc01req_";
/// Bulk pre-check, upload answer (the 受付番号).
pub const BULK_SUBMIT_ANSWER: &str = "OQSmuquc01res_";
/// Bulk pre-check, download request.
pub const BULK_FETCH_REQUEST: &str = "OQSmuquc02req_";
/// Bulk pre-check, download answer.
pub const BULK_FETCH_ANSWER: &str = "OQSmuquc02res_";
/// Card checks at the reader, in `face/`: `OQSsiquc01res_face_<id>_<YYYYMMDDHHmmss>.xml`,
/// the pattern public integrations read and write (docs/domain/eligibility.md §2.6).
pub const FACE_ANSWER: &str = "OQSsiquc01res_face_";

/// What a request file is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// `OQSsiquc01req_<id>.xml`: a check by insurance number.
    SingleCheck {
        /// The `<id>` of the name.
        id: String,
    },
    /// `OQSmuquc01req_<id>.xml`: a bulk pre-check to submit.
    BulkSubmit {
        /// The `<id>` of the name.
        id: String,
    },
    /// `OQSmuquc02req_<id>.xml`: the result of a bulk pre-check, by 受付番号.
    BulkFetch {
        /// The `<id>` of the name.
        id: String,
    },
    /// Any other name.
    Unknown,
}

impl FileKind {
    /// The answer's file name for a request of this kind named `request`.
    pub fn answer_name(&self, request: &str) -> String {
        match self {
            Self::SingleCheck { id } => format!("{SINGLE_ANSWER}{id}.xml"),
            Self::BulkSubmit { id } => format!("{BULK_SUBMIT_ANSWER}{id}.xml"),
            Self::BulkFetch { id } => format!("{BULK_FETCH_ANSWER}{id}.xml"),
            Self::Unknown => error_name(request),
        }
    }

    /// A short name of the kind (the ledger's and the log's).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::SingleCheck { .. } => "single",
            Self::BulkSubmit { .. } => "bulk_submit",
            Self::BulkFetch { .. } => "bulk_fetch",
            Self::Unknown => "unknown",
        }
    }
}

/// The error answer's name for `request`: the name without `.xml`, then `.err`.
pub fn error_name(request: &str) -> String {
    let stem = request
        .strip_suffix(".xml")
        .or_else(|| request.strip_suffix(".XML"))
        .unwrap_or(request);
    format!("{stem}.err")
}

/// Whether `name` is one the watcher should look at at all: a plain file name of at most
/// [`MAX_NAME`] bytes, not hidden (our own temporary files start with `.`), not a path.
pub fn is_request_candidate(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control)
}

/// The kind of the file `name`. The id must be 1 to 100 of `A-Z a-z 0-9 - _ .` (the ids
/// receipt systems write are digits and letters); any other id makes the file
/// [`FileKind::Unknown`], so that no answer name can leave `res/`.
pub fn classify(name: &str) -> FileKind {
    let Some(stem) = name.strip_suffix(".xml") else {
        return FileKind::Unknown;
    };
    let id_ok = |id: &str| {
        (1..=100).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    let pick = |prefix: &str| stem.strip_prefix(prefix).filter(|id| id_ok(id));
    if let Some(id) = pick(SINGLE_REQUEST) {
        FileKind::SingleCheck { id: id.into() }
    } else if let Some(id) = pick(BULK_SUBMIT_REQUEST) {
        FileKind::BulkSubmit { id: id.into() }
    } else if let Some(id) = pick(BULK_FETCH_REQUEST) {
        FileKind::BulkFetch { id: id.into() }
    } else {
        FileKind::Unknown
    }
}

/// The `face/` file name of a card check: `OQSsiquc01res_face_<id>_<YYYYMMDDHHmmss>.xml`,
/// the time in JST (docs/domain/eligibility.md §2.6).
pub fn face_name(check_id: &str, executed_at: crate::UnixTime) -> String {
    format!(
        "{FACE_ANSWER}{check_id}_{}.xml",
        madoguchi_time::jst::compact_timestamp(executed_at)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_name() {
        assert_eq!(
            classify("OQSsiquc01req_20261125-0001.xml"),
            FileKind::SingleCheck {
                id: "20261125-0001".into()
            }
        );
        assert_eq!(
            classify("OQSmuquc01req_A1.xml"),
            FileKind::BulkSubmit { id: "A1".into() }
        );
        assert_eq!(
            classify("OQSmuquc02req_A1.xml"),
            FileKind::BulkFetch { id: "A1".into() }
        );
        for unknown in [
            "OQSsiquc01req_.xml",
            "OQSsiquc01req_1.txt",
            "OQSsiquc01req_1.xml.tmp",
            "OQSsiquc01res_1.xml",
            "oqssiquc01req_1.xml",
            "OQSsiimm01req_1.xml",
            "OQSsiquc01req_a b.xml",
            "OQSsiquc01req_日本.xml",
            "notes.xml",
        ] {
            assert_eq!(classify(unknown), FileKind::Unknown, "{unknown}");
        }
        let long = format!("OQSsiquc01req_{}.xml", "1".repeat(101));
        assert_eq!(classify(&long), FileKind::Unknown);
    }

    #[test]
    fn answer_names() {
        let k = classify("OQSsiquc01req_42.xml");
        assert_eq!(
            k.answer_name("OQSsiquc01req_42.xml"),
            "OQSsiquc01res_42.xml"
        );
        let k = classify("OQSmuquc01req_42.xml");
        assert_eq!(
            k.answer_name("OQSmuquc01req_42.xml"),
            "OQSmuquc01res_42.xml"
        );
        let k = classify("OQSmuquc02req_42.xml");
        assert_eq!(
            k.answer_name("OQSmuquc02req_42.xml"),
            "OQSmuquc02res_42.xml"
        );
        assert_eq!(FileKind::Unknown.answer_name("notes.xml"), "notes.err");
        assert_eq!(FileKind::Unknown.answer_name("notes.txt"), "notes.txt.err");
        assert_eq!(error_name("OQSsiquc01req_42.xml"), "OQSsiquc01req_42.err");
    }

    #[test]
    fn candidates_skip_our_temporaries_and_paths() {
        assert!(is_request_candidate("OQSsiquc01req_1.xml"));
        assert!(is_request_candidate("anything.txt"));
        for no in ["", ".OQSsiquc01res_1.xml.tmp", "a/b", "a\\b", "a\nb"] {
            assert!(!is_request_candidate(no), "{no:?}");
        }
        assert!(!is_request_candidate(&"a".repeat(MAX_NAME + 1)));
    }

    #[test]
    fn face_names_carry_the_jst_time() {
        // 2026-11-25 10:00:00 JST.
        assert_eq!(
            face_name("chk-1", crate::UnixTime::from_secs(1_795_568_400)),
            "OQSsiquc01res_face_chk-1_20261125100000.xml"
        );
    }
}
