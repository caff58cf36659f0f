//! The eligibility PC's folder interface, sans-IO: the receipt system (レセコン) writes a
//! request into `req/`, the terminal answers in `res/`, and card checks at the reader are
//! written to `face/` (docs/domain/eligibility.md §1.1, §2.6).
//!
//! | piece | module |
//! |---|---|
//! | what a file is by its name; the answers' and `face/` names | [`name`] |
//! | the character code (`CharacterCodeIdentifier`: UTF-8 or Shift_JIS) | [`charset`] |
//! | the request read into typed fields, or a rejection naming the field | [`request`] (over [`tree`]) |
//! | the answer files: results, errors, bulk receipts and results | [`answer`] |
//! | exactly once: what to do with a request file given the ledger | [`ledger`] |
//! | which files leave the disk with the retention | [`retention`] |
//!
//! # Calling contract
//!
//! For each file in `req/` the shell (`counter-runtime`'s folder worker) reads the bytes and
//! asks [`ledger::next_step`] what the ledger allows; for a request to process it calls
//! [`request::read`], performs the request against the insurer, and builds the answer with
//! [`answer`]; a [`request::Rejection`] becomes [`answer::error_answer`]. Nothing here reads
//! a clock: every `now` is a parameter.
//!
//! The error codes are ours (`MDGF…`): the real 別紙6-1 table is not public
//! (docs/domain/eligibility.md §7) \[C\]. The messages are Japanese, for the receipt system to
//! show verbatim.

pub mod answer;
pub mod charset;
pub mod ledger;
pub mod name;
pub mod request;
pub mod retention;
pub mod tree;

pub use answer::AnswerFile;
pub use charset::CharacterCode;
pub use name::{FileKind, classify};
pub use request::{Header, Known, Rejection, Request, SearchInfo};

use crate::BackendFailure;

/// Why a request file is refused (or, for the last variants, could not be answered).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FolderError {
    /// The name is none of the request kinds.
    #[error(
        "the file name is not a request the terminal answers (OQSsiquc01req_<id>.xml, \
         OQSmuquc01req_<id>.xml or OQSmuquc02req_<id>.xml)"
    )]
    UnknownKind,
    /// The file is larger than a request can be.
    #[error("the file is larger than {limit} bytes; a request is far smaller")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The bytes are not text in the code they claim (or in either code).
    #[error("character code: {detail}")]
    Encoding {
        /// What was found.
        detail: String,
    },
    /// The header's `CharacterCodeIdentifier` names another code than the file's.
    #[error(
        "CharacterCodeIdentifier says {} but the file is written in {}; make them agree",
        header.label(),
        file.label()
    )]
    CharacterCodeMismatch {
        /// What the header says.
        header: CharacterCode,
        /// What the file is in.
        file: CharacterCode,
    },
    /// Not well-formed XML, or not the request's element structure.
    #[error("the XML is malformed: {detail}")]
    Malformed {
        /// Where and what.
        detail: String,
    },
    /// A required field is absent or empty.
    #[error("the field {field} is missing")]
    MissingField {
        /// The element name.
        field: &'static str,
    },
    /// A field's value has the wrong form.
    #[error("the field {field} must be {expected}")]
    BadField {
        /// The element name.
        field: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// `MedicalInstitutionCode` is not this terminal's.
    #[error("MedicalInstitutionCode is not this terminal's 医療機関コード")]
    OtherInstitution,
    /// A request under a name already answered, with other contents.
    #[error("a request named {name} was already answered; give each request a new file identifier")]
    DuplicateIdentifier {
        /// The request file's name.
        name: String,
    },
    /// The insurer could not be asked (unreachable, a 5xx, 408 or 429, a request still in
    /// progress, an answer that was not its JSON). The same request may be written again later, under a new file
    /// identifier: a name already answered is not answered again ([`ledger`]).
    #[error(
        "the insurer did not answer: {detail}; write the request again later under a new \
         file identifier"
    )]
    InsurerUnavailable {
        /// Why.
        detail: String,
    },
    /// The insurer refused the request ([`BackendFailure::refused`]: a 4xx other than 408
    /// and 429, such as a field it does not accept, or 401/403, this terminal not allowed):
    /// sent again unchanged it is refused again, so this is not "try later".
    #[error("the insurer refused the request (HTTP {status}): {detail}")]
    InsurerRefused {
        /// The insurer's HTTP status.
        status: u16,
        /// Its problem code and explanation.
        detail: String,
    },
    /// A bulk fetch named a 受付番号 the insurer does not know for this terminal.
    #[error("no bulk pre-check of this terminal has that ReceptionNumber")]
    ReceptionUnknown,
}

impl FolderError {
    /// `ErrorCode` of the answer (ours, docs/domain/eligibility.md §7 \[C\]).
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownKind => "MDGF0001",
            Self::TooLarge { .. } => "MDGF0002",
            Self::Encoding { .. } => "MDGF0003",
            Self::CharacterCodeMismatch { .. } => "MDGF0004",
            Self::Malformed { .. } => "MDGF0005",
            Self::MissingField { .. } => "MDGF0006",
            Self::BadField { .. } => "MDGF0007",
            Self::OtherInstitution => "MDGF0008",
            Self::DuplicateIdentifier { .. } => "MDGF0009",
            Self::InsurerUnavailable { .. } => "MDGF0101",
            Self::ReceptionUnknown => "MDGF0102",
            Self::InsurerRefused { .. } => "MDGF0103",
        }
    }

    /// `ErrorMessage` of the answer: Japanese, naming the field, for the receipt system to
    /// show verbatim.
    pub fn message(&self) -> String {
        match self {
            Self::UnknownKind => {
                "要求ファイル名が資格確認の要求ではありません（OQSsiquc01req_／OQSmuquc01req_／\
                 OQSmuquc02req_ で始まり .xml で終わる名前にしてください）"
                    .into()
            }
            Self::TooLarge { limit } => {
                format!("要求ファイルが大きすぎます（上限 {limit} バイト）")
            }
            Self::Encoding { detail } => format!("文字コードが不正です：{detail}"),
            Self::CharacterCodeMismatch { header, file } => format!(
                "CharacterCodeIdentifier（{}）とファイルの文字コード（{}）が一致しません",
                header.label(),
                file.label()
            ),
            Self::Malformed { detail } => format!("XMLの形式が不正です：{detail}"),
            Self::MissingField { field } => format!("{field} がありません"),
            Self::BadField { field, expected } => {
                format!("{field} の値が不正です（{expected}）")
            }
            Self::OtherInstitution => {
                "MedicalInstitutionCode がこの端末の医療機関コードと一致しません".into()
            }
            Self::DuplicateIdentifier { name } => format!(
                "同じファイル名の要求（{name}）は処理済みです。新しいファイル識別子で作成してください"
            ),
            Self::InsurerUnavailable { detail } => format!(
                "保険者に照会できませんでした。時間をおいて、新しいファイル識別子で再度要求してください：{detail}"
            ),
            Self::InsurerRefused { status, detail } if matches!(status, 401 | 403) => format!(
                "保険者がこの端末からの照会を認めませんでした（HTTP {status}）。端末の登録と証明書を確認してから、\
                 新しいファイル識別子で再度要求してください：{detail}"
            ),
            Self::InsurerRefused { status, detail } => format!(
                "保険者が要求を受け付けませんでした（HTTP {status}）。要求の内容を確認し、\
                 新しいファイル識別子で再度要求してください：{detail}"
            ),
            Self::ReceptionUnknown => "この受付番号の一括照会はありません".into(),
        }
    }

    /// The error answer for a request the insurer did not answer with a result: an
    /// unknown 受付番号 (problem `reception_unknown`), a refusal
    /// ([`BackendFailure::refused`]: a 4xx other than 408 and 429, which say "not now"), or
    /// an insurer that could not be asked (anything else).
    pub fn from_insurer(f: &BackendFailure) -> Self {
        match f {
            BackendFailure::Problem { code, .. } if code == "reception_unknown" => {
                Self::ReceptionUnknown
            }
            BackendFailure::Problem {
                status,
                code,
                detail,
                ..
            } if f.refused() => Self::InsurerRefused {
                status: *status,
                detail: format!("{code}: {detail}"),
            },
            BackendFailure::Problem { code, detail, .. } => Self::InsurerUnavailable {
                detail: format!("{code}: {detail}"),
            },
            BackendFailure::Unreachable { detail, .. }
            | BackendFailure::Malformed { detail }
            | BackendFailure::AnswerLost { detail } => Self::InsurerUnavailable {
                detail: detail.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(status: u16, code: &str) -> BackendFailure {
        BackendFailure::Problem {
            status,
            code: code.into(),
            detail: "x".into(),
            field: None,
            reason: None,
        }
    }

    #[test]
    fn an_insurer_that_could_not_be_asked_is_asked_again_under_a_new_identifier() {
        let down = BackendFailure::Unreachable {
            sent: false,
            detail: "connection refused".into(),
        };
        for f in [
            down,
            problem(503, "unavailable"),
            problem(429, "rate_limited"),
            problem(408, "timeout"),
            problem(409, "request_in_progress"),
        ] {
            let e = FolderError::from_insurer(&f);
            assert_eq!(e.code(), "MDGF0101", "{f:?}");
            // The same name again is archived unanswered (ledger): the message asks for a
            // new file identifier, in both languages.
            assert!(
                e.message().contains("新しいファイル識別子"),
                "{}",
                e.message()
            );
            assert!(e.to_string().contains("new file identifier"), "{e}");
        }
    }

    #[test]
    fn a_refusal_of_the_insurer_is_not_try_later() {
        for (status, code) in [
            (400, "invalid_field"),
            (401, "unauthorised"),
            (403, "forbidden"),
        ] {
            let e = FolderError::from_insurer(&problem(status, code));
            assert_eq!(e.code(), "MDGF0103", "{status}");
            let m = e.message();
            assert!(!m.contains("時間をおいて"), "{m}");
            assert!(m.contains(&format!("HTTP {status}")), "{m}");
            assert!(m.contains("新しいファイル識別子"), "{m}");
            assert!(m.contains(code), "{m}");
        }
        let m = FolderError::from_insurer(&problem(403, "forbidden")).message();
        assert!(m.contains("端末の登録と証明書"), "{m}");
        let m = FolderError::from_insurer(&problem(400, "invalid_field")).message();
        assert!(m.contains("要求の内容を確認"), "{m}");
        assert_eq!(
            FolderError::from_insurer(&problem(404, "reception_unknown")).code(),
            "MDGF0102"
        );
    }
}
