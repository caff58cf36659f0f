//! A request file read into typed fields (docs/domain/eligibility.md §2.1, §2.2, §2.6), or
//! a [`Rejection`] that says what was wrong, in which field, and what is known of the
//! request for the error answer (its character code, and its header's identifiers when
//! they were readable).
//!
//! The layout read:
//!
//! ```text
//! XmlMsg
//!   MessageHeader
//!     MedicalInstitutionCode          10 digits, this terminal's
//!     ArbitraryFileIdentifier         optional, echoed
//!     QualificationConfirmationDate   optional YYYYMMDD (default: today, JST)
//!     ReferenceClassification         optional; `2` (insurance-card data) for a single check
//!     CharacterCodeIdentifier         optional; when present it must match the file's code
//!   MessageBody
//!     QualificationConfirmSearchInfo  one (single check) or 1..=1000 (bulk submit)
//!       InsurerNumber, InsuredCardSymbol, InsuredIdentificationNumber, InsuredBranchNumber,
//!       Birthdate, LimitApplicationCertificateRelatedConsFlg, ArbitraryIdentifier
//!     ReceptionNumber                 bulk fetch only
//! ```
//!
//! Elements we do not use (`ProcessExecutionTime`, …) are ignored, as a receipt system may
//! write more of the header than we read.

use madoguchi_time::jst::CivilDate;

use super::FolderError;
use super::charset::{CharacterCode, Decoded, decode};
use super::name::FileKind;
use super::tree::{Element, parse};

/// The most patients in one bulk pre-check: the insurer's limit
/// (`counter_api::insurer::BulkPrecheckRequest::entries`).
pub const MAX_BULK_ENTRIES: usize = 1000;

/// The largest request file read (bytes): a bulk request of 1,000 patients is about 400 KiB.
pub const MAX_REQUEST_BYTES: usize = 2 * 1024 * 1024;

/// The request header's fields we use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// `MedicalInstitutionCode`.
    pub medical_institution_code: String,
    /// `ArbitraryFileIdentifier`, echoed in the answer.
    pub arbitrary_file_identifier: Option<String>,
    /// `QualificationConfirmationDate` (`YYYYMMDD`); `None`: as of today.
    pub confirmation_date: Option<String>,
    /// The file's character code (the answer uses it).
    pub character_code: CharacterCode,
}

/// One `QualificationConfirmSearchInfo` (docs/domain/eligibility.md §2.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchInfo {
    /// `InsurerNumber`, 8 digits (a 6-digit one padded with `0` on the left).
    pub insurer_number: String,
    /// `InsuredCardSymbol`.
    pub symbol: Option<String>,
    /// `InsuredIdentificationNumber`.
    pub number: String,
    /// `InsuredBranchNumber`, 2 digits.
    pub branch: Option<String>,
    /// `Birthdate`, `YYYYMMDD`.
    pub birth_date: String,
    /// `LimitApplicationCertificateRelatedConsFlg` = `1`.
    pub limit_certificate_consent: bool,
    /// `ArbitraryIdentifier`, echoed.
    pub arbitrary_identifier: Option<String>,
}

/// A request, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// `OQSsiquc01req`.
    Single {
        /// The header.
        header: Header,
        /// Whom to check.
        search: SearchInfo,
    },
    /// `OQSmuquc01req`.
    BulkSubmit {
        /// The header.
        header: Header,
        /// The patients, in the file's order.
        entries: Vec<SearchInfo>,
    },
    /// `OQSmuquc02req`.
    BulkFetch {
        /// The header.
        header: Header,
        /// `ReceptionNumber` (受付番号).
        reception_number: String,
    },
}

impl Request {
    /// The header.
    pub fn header(&self) -> &Header {
        match self {
            Self::Single { header, .. }
            | Self::BulkSubmit { header, .. }
            | Self::BulkFetch { header, .. } => header,
        }
    }
}

/// What is known of a refused request, for its error answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Known {
    /// The file's character code, when it could be told (else the answer is UTF-8).
    pub character_code: Option<CharacterCode>,
    /// `MedicalInstitutionCode`, when it was valid.
    pub medical_institution_code: Option<String>,
    /// `ArbitraryFileIdentifier`, when it was valid.
    pub arbitrary_file_identifier: Option<String>,
}

/// A refused request: why, and what is known of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Why.
    pub error: FolderError,
    /// What is known.
    pub known: Known,
}

fn missing(field: &'static str) -> FolderError {
    FolderError::MissingField { field }
}

fn bad(field: &'static str, expected: &'static str) -> FolderError {
    FolderError::BadField { field, expected }
}

/// Free text of 1 to `max` characters without control characters.
fn text_ok(s: &str, max: usize) -> bool {
    let n = s.chars().count();
    (1..=max).contains(&n) && !s.chars().any(char::is_control)
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn date_ok(s: &str) -> bool {
    digits(s, 8) && CivilDate::parse(s).is_some()
}

/// Reads the request file `bytes` of `kind`, for the terminal of `institution` (its
/// 医療機関コード).
pub fn read(kind: &FileKind, bytes: &[u8], institution: &str) -> Result<Request, Rejection> {
    let mut known = Known::default();
    let reject = |error: FolderError, known: &Known| Rejection {
        error,
        known: known.clone(),
    };
    if bytes.len() > MAX_REQUEST_BYTES {
        return Err(reject(
            FolderError::TooLarge {
                limit: MAX_REQUEST_BYTES,
            },
            &known,
        ));
    }
    let decoded = decode(bytes).map_err(|e| reject(e, &known))?;
    known.character_code = Some(decoded.code);
    if matches!(kind, FileKind::Unknown) {
        return Err(reject(FolderError::UnknownKind, &known));
    }
    let root = parse(&decoded.text).map_err(|e| reject(e, &known))?;
    let header =
        read_header(&root, &decoded, institution, &mut known).map_err(|e| reject(e, &known))?;
    let body = root
        .child("MessageBody")
        .ok_or_else(|| reject(missing("MessageBody"), &known))?;
    let request = match kind {
        FileKind::SingleCheck { .. } => {
            let mut infos = body.all("QualificationConfirmSearchInfo");
            let info = infos
                .next()
                .ok_or_else(|| reject(missing("QualificationConfirmSearchInfo"), &known))?;
            if infos.next().is_some() {
                return Err(reject(
                    bad(
                        "QualificationConfirmSearchInfo",
                        "exactly one in a single check (several go in an OQSmuquc01req)",
                    ),
                    &known,
                ));
            }
            Request::Single {
                header,
                search: search_info(info).map_err(|e| reject(e, &known))?,
            }
        }
        FileKind::BulkSubmit { .. } => {
            let entries = body
                .all("QualificationConfirmSearchInfo")
                .map(search_info)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| reject(e, &known))?;
            if entries.is_empty() {
                return Err(reject(missing("QualificationConfirmSearchInfo"), &known));
            }
            if entries.len() > MAX_BULK_ENTRIES {
                return Err(reject(
                    bad(
                        "QualificationConfirmSearchInfo",
                        "at most 1000 patients in one bulk pre-check",
                    ),
                    &known,
                ));
            }
            if !references_unique(&bulk_references(&entries)) {
                return Err(reject(
                    bad(
                        "ArbitraryIdentifier",
                        "different in every QualificationConfirmSearchInfo of a bulk \
                         pre-check, and not the position (1, 2, ...) of an entry without one: \
                         each patient's result comes back under it",
                    ),
                    &known,
                ));
            }
            Request::BulkSubmit { header, entries }
        }
        FileKind::BulkFetch { .. } => {
            let reception_number = body
                .field("ReceptionNumber")
                .ok_or_else(|| reject(missing("ReceptionNumber"), &known))?;
            // The reference insurer writes its numbers in groups joined by '-'
            // (`R0A1B2C3D-…`), so a '-' between letters and digits is allowed.
            let ok = (1..=64).contains(&reception_number.len())
                && reception_number
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if !ok {
                return Err(reject(
                    bad("ReceptionNumber", "1 to 64 letters, digits and '-'"),
                    &known,
                ));
            }
            Request::BulkFetch {
                header,
                reception_number: reception_number.to_owned(),
            }
        }
        FileKind::Unknown => return Err(reject(FolderError::UnknownKind, &known)),
    };
    if matches!(request, Request::Single { .. }) {
        // 照会区分 2: insurance-card data (docs/domain/eligibility.md §2.1).
        if let Some(header) = root.child("MessageHeader")
            && let Some(c) = header.field("ReferenceClassification")
            && c != "2"
        {
            return Err(reject(
                bad(
                    "ReferenceClassification",
                    "2 (insurance-card data) in a check by insurance number",
                ),
                &known,
            ));
        }
    }
    Ok(request)
}

/// The reference each entry of a bulk request is submitted under and answered with (the
/// `ReferenceNumber` of its `BulkConfirmUnit` in `OQSmuquc02res`), in the file's order: its
/// `ArbitraryIdentifier`, else its 1-based position. The receipt system matches each
/// answer to its patient by it, so [`read`] refuses a request in which two entries would
/// share one (an identifier repeated, or one equal to the position of an entry without
/// one): a shared reference would give one patient's result to another.
pub fn bulk_references(entries: &[SearchInfo]) -> Vec<String> {
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            e.arbitrary_identifier
                .clone()
                .unwrap_or_else(|| (i + 1).to_string())
        })
        .collect()
}

fn references_unique(references: &[String]) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    references.iter().all(|r| seen.insert(r.as_str()))
}

fn read_header(
    root: &Element,
    decoded: &Decoded,
    institution: &str,
    known: &mut Known,
) -> Result<Header, FolderError> {
    if root.name != "XmlMsg" {
        return Err(bad("XmlMsg", "the root element XmlMsg"));
    }
    let h = root
        .child("MessageHeader")
        .ok_or(missing("MessageHeader"))?;
    if let Some(id) = h.field("ArbitraryFileIdentifier") {
        if !text_ok(id, 100) {
            return Err(bad(
                "ArbitraryFileIdentifier",
                "1 to 100 characters, no control characters",
            ));
        }
        known.arbitrary_file_identifier = Some(id.to_owned());
    }
    let code = h
        .field("MedicalInstitutionCode")
        .ok_or(missing("MedicalInstitutionCode"))?;
    if !digits(code, 10) {
        return Err(bad("MedicalInstitutionCode", "10 digits"));
    }
    known.medical_institution_code = Some(code.to_owned());
    if code != institution {
        return Err(FolderError::OtherInstitution);
    }
    let character_code = match h.field("CharacterCodeIdentifier") {
        None => decoded.code,
        Some(c) => {
            let header = CharacterCode::from_code(c)
                .ok_or(bad("CharacterCodeIdentifier", "0 (UTF-8) or 1 (Shift_JIS)"))?;
            if !decoded.agrees(header) {
                return Err(FolderError::CharacterCodeMismatch {
                    header,
                    file: decoded.code,
                });
            }
            header
        }
    };
    known.character_code = Some(character_code);
    let confirmation_date = match h.field("QualificationConfirmationDate") {
        None => None,
        Some(d) if date_ok(d) => Some(d.to_owned()),
        Some(_) => {
            return Err(bad(
                "QualificationConfirmationDate",
                "a real date as YYYYMMDD",
            ));
        }
    };
    Ok(Header {
        medical_institution_code: code.to_owned(),
        arbitrary_file_identifier: known.arbitrary_file_identifier.clone(),
        confirmation_date,
        character_code,
    })
}

fn search_info(e: &Element) -> Result<SearchInfo, FolderError> {
    let insurer = e.field("InsurerNumber").ok_or(missing("InsurerNumber"))?;
    // A 6-digit number (employee insurance) is padded to 8 (docs/domain/eligibility.md §2.2).
    let insurer_number = if digits(insurer, 6) {
        format!("00{insurer}")
    } else if digits(insurer, 8) {
        insurer.to_owned()
    } else {
        return Err(bad("InsurerNumber", "8 digits (or 6, padded with 0)"));
    };
    let symbol = match e.field("InsuredCardSymbol") {
        Some(s) if !text_ok(s, 20) => {
            return Err(bad("InsuredCardSymbol", "at most 20 characters"));
        }
        s => s.map(str::to_owned),
    };
    let number = e
        .field("InsuredIdentificationNumber")
        .ok_or(missing("InsuredIdentificationNumber"))?;
    if !text_ok(number, 20) {
        return Err(bad("InsuredIdentificationNumber", "1 to 20 characters"));
    }
    let branch = match e.field("InsuredBranchNumber") {
        Some(b) if !digits(b, 2) => return Err(bad("InsuredBranchNumber", "2 digits")),
        b => b.map(str::to_owned),
    };
    let birth_date = e.field("Birthdate").ok_or(missing("Birthdate"))?;
    if !date_ok(birth_date) {
        return Err(bad("Birthdate", "a real date as YYYYMMDD"));
    }
    let limit_certificate_consent = match e.field("LimitApplicationCertificateRelatedConsFlg") {
        None | Some("0") => false,
        Some("1") => true,
        Some(_) => {
            return Err(bad(
                "LimitApplicationCertificateRelatedConsFlg",
                "0 (no consent) or 1 (consent)",
            ));
        }
    };
    let arbitrary_identifier = match e.field("ArbitraryIdentifier") {
        Some(s) if !text_ok(s, 100) => {
            return Err(bad("ArbitraryIdentifier", "at most 100 characters"));
        }
        s => s.map(str::to_owned),
    };
    Ok(SearchInfo {
        insurer_number,
        symbol,
        number: number.to_owned(),
        branch,
        birth_date: birth_date.to_owned(),
        limit_certificate_consent,
        arbitrary_identifier,
    })
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
