//! The answer files, in the request's character code (docs/domain/eligibility.md §2.1–2.6).
//!
//! - A single check's result is the counter's own result file
//!   ([`crate::eligibility::ResultMessage`], one implementation for the export folder, the
//!   `face/` folder and `res/`), with 照会区分 `2` and the request's 文字コード識別.
//! - An error answer has the same header with `SegmentOfResult` `9` (異常終了), `ErrorCode`
//!   and `ErrorMessage` (§2.1), and an empty body.
//! - A bulk submission's answer carries the 受付番号 (`ReceptionNumber`, `ReceptionDateTime`
//!   in the header, §2.1, §2.6); a bulk fetch's answer the counts and one `BulkConfirmUnit`
//!   per patient, `SegmentOfResult` `2` (処理中) until the insurer has finished. Where in the
//!   message the 受付番号 and the units sit is our reading of the public implementations
//!   (§2.6) \[C\].

use counter_api::insurer::{
    BulkPrecheckAccepted, BulkPrecheckResult, BulkStatus, EligibilityResponse,
};
use madoguchi_time::jst;

use super::FolderError;
use super::charset::CharacterCode;
use super::name::{FileKind, face_name};
use super::request::{Header, Known};
use crate::UnixTime;
use crate::eligibility::ResultMessage;
use crate::eligibility::export::result_node;
use crate::eligibility::xml::{Node, push_opt, to_xml_declared};

/// One file to put into a folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerFile {
    /// The file name (no directory).
    pub name: String,
    /// The bytes, in the character code the header names.
    pub contents: Vec<u8>,
}

fn encode(name: String, root: &Node, code: CharacterCode) -> AnswerFile {
    AnswerFile {
        name,
        contents: code.encode(&to_xml_declared(root, code.label())),
    }
}

fn message(header: Vec<Node>, body: Vec<Node>) -> Node {
    Node::parent(
        "XmlMsg",
        vec![
            Node::parent("MessageHeader", header),
            Node::parent("MessageBody", body),
        ],
    )
}

/// The confirmation date of a request: its own, or today (JST).
fn as_of(header: &Header, now: UnixTime) -> String {
    header
        .confirmation_date
        .clone()
        .unwrap_or_else(|| jst::compact_date(now))
}

/// `OQSsiquc01res_<id>.xml` for a check by insurance number the insurer answered.
/// `ArbitraryFileIdentifier` echoes the request's, or the file's id when it had none.
pub fn single_answer(
    id: &str,
    header: &Header,
    response: &EligibilityResponse,
    now: UnixTime,
) -> AnswerFile {
    let date = as_of(header, now);
    let m = ResultMessage {
        check_id: header.arbitrary_file_identifier.as_deref().unwrap_or(id),
        medical_institution_code: &header.medical_institution_code,
        executed_at: now,
        confirmation_date: &date,
        response,
        reference_number: None,
        prescription: None,
    };
    let code = header.character_code;
    // 照会区分 2: insurance-card data (§2.1).
    let node = m.to_node_with("2", code.code());
    encode(
        format!("{}{id}.xml", super::name::SINGLE_ANSWER),
        &node,
        code,
    )
}

/// The `face/` file of a card check at the reader: the counter's result file under the name
/// the face route uses (`OQSsiquc01res_face_<id>_<YYYYMMDDHHmmss>.xml`,
/// docs/domain/eligibility.md §2.6), in `code`.
pub fn face_answer(m: &ResultMessage<'_>, code: CharacterCode) -> AnswerFile {
    let node = m.to_node_with("1", code.code());
    encode(face_name(m.check_id, m.executed_at), &node, code)
}

/// The `face/` file of a card check from the counter's export file of it (the UTF-8
/// `OQSsiquc01res_<check id>.xml` of [`ResultMessage::files`]): the same message, under the
/// face route's name, re-declared and re-encoded in `code`. `None` for a file that is not
/// that export (not UTF-8, or without the header's UTF-8 marks). The shell uses it where the
/// effect carries the files rather than the message; it gives exactly [`face_answer`]'s
/// bytes (tested).
pub fn face_from_export(
    export: &crate::eligibility::ExportFile,
    check_id: &str,
    executed_at: UnixTime,
    code: CharacterCode,
) -> Option<AnswerFile> {
    const DECL: &str = "encoding=\"UTF-8\"";
    const CODE0: &str = "<CharacterCodeIdentifier>0</CharacterCodeIdentifier>";
    let text = std::str::from_utf8(&export.contents).ok()?;
    // The exporter writes each mark once, in the declaration and in the header; character
    // data never holds a raw `<`, so the header's element cannot be forged by a value.
    if !export.name.ends_with(".xml") || !text.contains(DECL) || !text.contains(CODE0) {
        return None;
    }
    let text = text
        .replacen(DECL, &format!("encoding=\"{}\"", code.label()), 1)
        .replacen(
            CODE0,
            &format!(
                "<CharacterCodeIdentifier>{}</CharacterCodeIdentifier>",
                code.code()
            ),
            1,
        );
    Some(AnswerFile {
        name: face_name(check_id, executed_at),
        contents: code.encode(&text),
    })
}

/// The error answer `name` for a refused request of `kind`: `SegmentOfResult` 9 with the
/// error's code and message, in the request's code when it could be told (else UTF-8).
pub fn error_answer(
    name: String,
    kind: &FileKind,
    known: &Known,
    error: &FolderError,
    now: UnixTime,
) -> AnswerFile {
    let code = known.character_code.unwrap_or(CharacterCode::Utf8);
    let mut h = vec![Node::text(
        "ProcessExecutionTime",
        jst::compact_timestamp(now),
    )];
    push_opt(
        &mut h,
        "MedicalInstitutionCode",
        known.medical_institution_code.as_deref(),
    );
    push_opt(
        &mut h,
        "ArbitraryFileIdentifier",
        known.arbitrary_file_identifier.as_deref(),
    );
    if matches!(kind, FileKind::SingleCheck { .. }) {
        h.push(Node::text("ReferenceClassification", "2"));
    }
    // 処理結果区分 9: 異常終了 (§2.1).
    h.push(Node::text("SegmentOfResult", "9"));
    h.push(Node::text("ErrorCode", error.code()));
    h.push(Node::text("ErrorMessage", error.message()));
    h.push(Node::text("CharacterCodeIdentifier", code.code()));
    encode(name, &message(h, vec![]), code)
}

fn bulk_header(header: &Header, now: UnixTime) -> Vec<Node> {
    let mut h = vec![Node::text(
        "ProcessExecutionTime",
        jst::compact_timestamp(now),
    )];
    h.push(Node::text(
        "MedicalInstitutionCode",
        header.medical_institution_code.clone(),
    ));
    push_opt(
        &mut h,
        "ArbitraryFileIdentifier",
        header.arbitrary_file_identifier.as_deref(),
    );
    h
}

/// `OQSmuquc01res_<id>.xml`: the submission was accepted under a 受付番号 at `accepted_at`
/// (`ReceptionDateTime`: when the insurer accepted it, which an answer written on a later
/// pass keeps), answered at `now` (`ProcessExecutionTime`).
pub fn bulk_accepted(
    id: &str,
    header: &Header,
    accepted: &BulkPrecheckAccepted,
    accepted_at: UnixTime,
    now: UnixTime,
) -> AnswerFile {
    let code = header.character_code;
    let mut h = bulk_header(header, now);
    h.push(Node::text("SegmentOfResult", "1"));
    h.push(Node::text(
        "ReceptionNumber",
        accepted.reception_number.clone(),
    ));
    h.push(Node::text(
        "ReceptionDateTime",
        jst::compact_timestamp(accepted_at),
    ));
    h.push(Node::text("CharacterCodeIdentifier", code.code()));
    let body = vec![Node::text("ProcessingResultStatus", "1")];
    encode(
        format!("{}{id}.xml", super::name::BULK_SUBMIT_ANSWER),
        &message(h, body),
        code,
    )
}

/// `OQSmuquc02res_<id>.xml`: a bulk pre-check's state and, once completed, its results.
pub fn bulk_result(
    id: &str,
    header: &Header,
    result: &BulkPrecheckResult,
    now: UnixTime,
) -> AnswerFile {
    let code = header.character_code;
    let mut h = bulk_header(header, now);
    h.push(Node::text(
        "ReceptionNumber",
        result.reception_number.clone(),
    ));
    let segment = match result.status {
        BulkStatus::Completed => "1",
        BulkStatus::Processing => "2",
        BulkStatus::Failed => "9",
    };
    h.push(Node::text("SegmentOfResult", segment));
    h.push(Node::text(
        "NumberOfProcessingResult",
        result.number_of_results.to_string(),
    ));
    h.push(Node::text(
        "NumberOfNormalProcessing",
        result.number_of_normal.to_string(),
    ));
    h.push(Node::text(
        "NumberOfError",
        result.number_of_errors.to_string(),
    ));
    h.push(Node::text("CharacterCodeIdentifier", code.code()));
    let units = result
        .items
        .iter()
        .map(|item| {
            let p = &item.processing_result;
            let mut u = vec![Node::text("ProcessingResultStatus", p.status.clone())];
            push_opt(&mut u, "ProcessingResultCode", p.code.as_deref());
            push_opt(&mut u, "ProcessingResultMessage", p.message.as_deref());
            u.push(Node::text(
                "QualificationValidity",
                item.qualification_validity.clone(),
            ));
            u.push(Node::list(
                "ResultList",
                item.results.iter().map(result_node).collect(),
            ));
            u.push(Node::text("ReferenceNumber", item.reference.clone()));
            Node::parent("BulkConfirmUnit", u)
        })
        .collect();
    encode(
        format!("{}{id}.xml", super::name::BULK_FETCH_ANSWER),
        &message(h, units),
        code,
    )
}

#[cfg(test)]
#[path = "answer_tests.rs"]
mod tests;
