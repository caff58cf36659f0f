//! The hand-off to the receipt system (レセコン): the result as the real system's result
//! file `OQSsiquc01res_<ArbitraryFileIdentifier>.xml` (docs/domain/eligibility.md §2.1–2.4, §2.6), and
//! the same message as JSON in `….json` (§2.1, the Web-API form).
//!
//! Field names and order follow docs/domain/eligibility.md §2.1, §2.3 and §2.4, rebuilt there from
//! open implementations of 別紙3-1; the exact names of the dated sub-fields of
//! `ElderlyRecipientCertificateInfo`, `LimitApplicationCertificateRelatedInfo` and
//! `SpecificDiseasesCertificateInfo` (the prefix joined to `ValidStartDate` etc.) are our
//! reading of the "…" in those tables \[C\]. Names are written raw (R2): a `●` stays a `●`.

use counter_api::insurer::{Consent, EligibilityResponse, QualificationResult};
use madoguchi_time::jst;
use serde::{Deserialize, Serialize};

use super::consent::PrescriptionFormat;
use super::xml::{Node, push_opt, to_json, to_xml};
use crate::UnixTime;

/// The file-name prefix of a single-check result (docs/domain/eligibility.md §2.6).
pub const RESULT_PREFIX: &str = "OQSsiquc01res_";

/// The hidden name an export file `name` is written under before it is renamed into place
/// (a receipt system that looks for `OQSsiquc01res_*` never sees half a file). A crash
/// between the write and the rename leaves it behind; the retention purge removes it
/// ([`crate::folders::retention::crash_leftover`]).
pub fn temporary_name(name: &str) -> String {
    format!(".{name}.part")
}

/// One file for the export folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportFile {
    /// The file name (no directory).
    pub name: String,
    /// The bytes (UTF-8 text).
    pub contents: Vec<u8>,
}

/// Everything a result file says.
#[derive(Clone, Copy, Debug)]
pub struct ResultMessage<'a> {
    /// `ArbitraryFileIdentifier`: the check id.
    pub check_id: &'a str,
    /// `MedicalInstitutionCode`.
    pub medical_institution_code: &'a str,
    /// `ProcessExecutionTime`: when the answer arrived.
    pub executed_at: UnixTime,
    /// `QualificationConfirmationDate`, `YYYYMMDD`.
    pub confirmation_date: &'a str,
    /// The insurer's answer.
    pub response: &'a EligibilityResponse,
    /// `ReferenceNumber`: the clinic's patient id, when known.
    pub reference_number: Option<&'a str>,
    /// `PrescriptionIssueSelect`, when asked.
    pub prescription: Option<PrescriptionFormat>,
}

impl ResultMessage<'_> {
    /// The `XmlMsg` tree of a card check (照会区分 1), in UTF-8 (文字コード識別 0).
    pub fn to_node(&self) -> Node {
        self.to_node_with("1", "0")
    }

    /// The `XmlMsg` tree with the header's `ReferenceClassification` (`1` card, `2`
    /// insurance-card data) and `CharacterCodeIdentifier` (`0` UTF-8, `1` Shift_JIS)
    /// (docs/domain/eligibility.md §2.1): the receipt system's folder answers a check by
    /// insurance number in the code its request used.
    pub fn to_node_with(
        &self,
        reference_classification: &'static str,
        character_code: &'static str,
    ) -> Node {
        let header = vec![
            Node::text(
                "ProcessExecutionTime",
                jst::compact_timestamp(self.executed_at),
            ),
            Node::text("QualificationConfirmationDate", self.confirmation_date),
            Node::text("MedicalInstitutionCode", self.medical_institution_code),
            Node::text("ArbitraryFileIdentifier", self.check_id),
            // 照会区分 (§2.1).
            Node::text("ReferenceClassification", reference_classification),
            // 処理結果区分 1: 正常終了; the insurer answered (§2.1).
            Node::text("SegmentOfResult", "1"),
            // 文字コード識別 (§2.1).
            Node::text("CharacterCodeIdentifier", character_code),
        ];
        let r = self.response;
        let mut body = vec![Node::text(
            "ProcessingResultStatus",
            r.processing_result.status.as_str(),
        )];
        push_opt(
            &mut body,
            "ProcessingResultCode",
            r.processing_result.code.as_deref(),
        );
        push_opt(
            &mut body,
            "ProcessingResultMessage",
            r.processing_result.message.as_deref(),
        );
        body.push(Node::text(
            "QualificationValidity",
            r.qualification_validity.as_str(),
        ));
        push_opt(
            &mut body,
            "PrescriptionIssueSelect",
            self.prescription.map(PrescriptionFormat::code),
        );
        body.push(Node::list(
            "ResultList",
            r.results.iter().map(result_node).collect(),
        ));
        push_opt(&mut body, "ReferenceNumber", self.reference_number);
        Node::parent(
            "XmlMsg",
            vec![
                Node::parent("MessageHeader", header),
                Node::parent("MessageBody", body),
            ],
        )
    }

    /// The file stem `OQSsiquc01res_<check id>`.
    pub fn stem(&self) -> String {
        format!("{RESULT_PREFIX}{}", self.check_id)
    }

    /// The XML file and the JSON file.
    pub fn files(&self) -> Vec<ExportFile> {
        let node = self.to_node();
        vec![
            ExportFile {
                name: format!("{}.xml", self.stem()),
                contents: to_xml(&node).into_bytes(),
            },
            ExportFile {
                name: format!("{}.json", self.stem()),
                contents: to_json(&node).into_bytes(),
            },
        ]
    }
}

/// `ResultOfQualificationConfirmation` in the order of docs/domain/eligibility.md §2.4.
pub(crate) fn result_node(q: &QualificationResult) -> Node {
    let mut f = Vec::new();
    f.push(Node::text(
        "InsuredCardClassification",
        q.insured_card_classification.as_str(),
    ));
    f.push(Node::text("InsurerNumber", q.insurer_number.as_str()));
    push_opt(&mut f, "InsuredCardSymbol", q.symbol.as_deref());
    f.push(Node::text("InsuredIdentificationNumber", q.number.as_str()));
    push_opt(&mut f, "InsuredBranchNumber", q.branch.as_deref());
    f.push(Node::text(
        "PersonalFamilyClassification",
        q.personal_family_classification.as_str(),
    ));
    push_opt(&mut f, "InsuredName", q.insured_name.as_deref());
    f.push(Node::text("Name", q.name.as_str()));
    push_opt(&mut f, "NameOfOther", q.name_of_other.as_deref());
    f.push(Node::text("NameKana", q.name_kana.as_str()));
    push_opt(&mut f, "NameOfOtherKana", q.name_of_other_kana.as_deref());
    f.push(Node::text("Sex1", q.sex1.as_str()));
    push_opt(&mut f, "Sex2", q.sex2.as_deref());
    f.push(Node::text("Birthdate", q.birth_date.as_str()));
    push_opt(&mut f, "Address", q.address.as_deref());
    push_opt(&mut f, "PostNumber", q.post_number.as_deref());
    f.push(Node::text(
        "QualificationDate",
        q.qualification_date.as_str(),
    ));
    push_opt(
        &mut f,
        "DisqualificationDate",
        q.disqualification_date.as_deref(),
    );
    push_opt(
        &mut f,
        "InsuredCertificateIssuanceDate",
        q.certificate_issuance_date.as_deref(),
    );
    push_opt(&mut f, "InsuredCardValidDate", q.card_valid_date.as_deref());
    push_opt(
        &mut f,
        "InsuredCardExpirationDate",
        q.card_expiration_date.as_deref(),
    );
    push_opt(
        &mut f,
        "InsuredPartialContributionRatio",
        q.partial_contribution_ratio.as_deref(),
    );
    push_opt(
        &mut f,
        "PreschoolClassification",
        q.preschool_classification.as_deref(),
    );
    push_opt(&mut f, "ReasonOfLoss", q.reason_of_loss.as_deref());
    f.push(Node::text("InsurerName", q.insurer_name.as_str()));
    if let Some(e) = &q.elderly_recipient {
        f.push(Node::parent(
            "ElderlyRecipientCertificateInfo",
            vec![
                Node::text(
                    "ElderlyRecipientCertificateDate",
                    e.certificate_date.as_str(),
                ),
                Node::text(
                    "ElderlyRecipientValidStartDate",
                    e.valid_start_date.as_str(),
                ),
                Node::text("ElderlyRecipientValidEndDate", e.valid_end_date.as_str()),
                Node::text(
                    "ElderlyRecipientContributionRatio",
                    e.contribution_ratio.as_str(),
                ),
            ],
        ));
    }
    let c = &q.consents;
    consent(&mut f, LIMIT, c.limit_certificate.as_ref());
    if let Some(l) = &q.limit_certificate {
        let mut g = vec![
            Node::text(
                "LimitApplicationCertificateClassification",
                l.classification.as_str(),
            ),
            Node::text(
                "LimitApplicationCertificateClassificationFlag",
                l.classification_flag.as_str(),
            ),
            Node::text("LimitApplicationCertificateDate", l.date.as_str()),
            Node::text(
                "LimitApplicationCertificateValidStartDate",
                l.valid_start_date.as_str(),
            ),
        ];
        push_opt(
            &mut g,
            "LimitApplicationCertificateValidEndDate",
            l.valid_end_date.as_deref(),
        );
        push_opt(
            &mut g,
            "LimitApplicationCertificateLongTermDate",
            l.long_term_date.as_deref(),
        );
        f.push(Node::parent("LimitApplicationCertificateRelatedInfo", g));
    }
    consent(&mut f, DISEASES, c.specific_diseases.as_ref());
    if !q.specific_diseases.is_empty() {
        let items = q
            .specific_diseases
            .iter()
            .map(|d| {
                let mut g = vec![
                    Node::text(
                        "SpecificDiseasesDiseaseCategory",
                        d.disease_category.as_str(),
                    ),
                    Node::text(
                        "SpecificDiseasesValidStartDate",
                        d.valid_start_date.as_str(),
                    ),
                ];
                push_opt(
                    &mut g,
                    "SpecificDiseasesValidEndDate",
                    d.valid_end_date.as_deref(),
                );
                g.push(Node::text(
                    "SpecificDiseasesSelfPay",
                    d.self_pay.to_string(),
                ));
                Node::parent("SpecificDiseasesCertificateInfo", g)
            })
            .collect();
        f.push(Node::list("SpecificDiseasesCertificateList", items));
    }
    consent(&mut f, CHECKUPS, c.health_checkups.as_ref());
    consent(&mut f, PHARMACISTS, c.pharmacists.as_ref());
    consent(&mut f, DIAGNOSIS, c.diagnosis.as_ref());
    consent(&mut f, OPERATION, c.operation.as_ref());
    Node::parent("ResultOfQualificationConfirmation", f)
}

/// The field names of one consent: `…ConsFlg`, `…ConsTime` and, for the viewing consents,
/// `…AvailableTime` (docs/domain/eligibility.md §2.4).
type ConsentNames = (&'static str, &'static str, Option<&'static str>);

const LIMIT: ConsentNames = (
    "LimitApplicationCertificateRelatedConsFlg",
    "LimitApplicationCertificateRelatedConsTime",
    None,
);
const DISEASES: ConsentNames = (
    "SpecificDiseasesCertificateRelatedConsFlg",
    "SpecificDiseasesCertificateRelatedConsTime",
    None,
);
const CHECKUPS: ConsentNames = (
    "SpecificHealthCheckupsInfoConsFlg",
    "SpecificHealthCheckupsInfoConsTime",
    Some("SpecificHealthCheckupsInfoAvailableTime"),
);
const PHARMACISTS: ConsentNames = (
    "PharmacistsInfoConsFlg",
    "PharmacistsInfoConsTime",
    Some("PharmacistsInfoAvailableTime"),
);
const DIAGNOSIS: ConsentNames = (
    "DiagnosisInfoConsFlg",
    "DiagnosisInfoConsTime",
    Some("DiagnosisInfoAvailableTime"),
);
const OPERATION: ConsentNames = (
    "OperationInfoConsFlg",
    "OperationInfoConsTime",
    Some("OperationInfoAvailableTime"),
);

fn consent(out: &mut Vec<Node>, (flag, time, until): ConsentNames, c: Option<&Consent>) {
    let Some(c) = c else { return };
    out.push(Node::text(flag, c.flag.as_str()));
    push_opt(out, time, c.time.as_deref());
    if let Some(until) = until {
        push_opt(out, until, c.available_until.as_deref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eligibility::testdata::{NOW, TODAY, answer, sato};

    #[test]
    fn names_and_header() {
        let resp = answer("1", vec![sato()]);
        let m = ResultMessage {
            check_id: "chk-1",
            medical_institution_code: "1312345678",
            executed_at: NOW,
            confirmation_date: TODAY,
            response: &resp,
            reference_number: Some("P-0042"),
            prescription: Some(PrescriptionFormat::Paper),
        };
        let files = m.files();
        assert_eq!(files[0].name, "OQSsiquc01res_chk-1.xml");
        assert_eq!(files[1].name, "OQSsiquc01res_chk-1.json");
        let xml = String::from_utf8_lossy(&files[0].contents);
        assert!(xml.contains("<ProcessExecutionTime>20261125100000</ProcessExecutionTime>"));
        assert!(xml.contains("<PrescriptionIssueSelect>2</PrescriptionIssueSelect>"));
        assert!(xml.contains("<ReferenceNumber>P-0042</ReferenceNumber>"));
    }
}
