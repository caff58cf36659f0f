//! The field rules of the insurer's requests (docs/domain/eligibility.md §2.1–2.2). A request that
//! breaks one is answered `422 invalid_field` naming the field, before anything else.

use counter_api::FieldError;
use counter_api::assertion::MAX_TOKEN_LEN;
use counter_api::insurer::{
    BulkPrecheckEntry, BulkPrecheckRequest, EligibilityRequest, InsuranceNumberCheckRequest,
};

use super::dates::is_yyyymmdd;

/// Most entries in one bulk submission (ours; the real system's limit is not in the
/// corpus \[C\]). A day's bookings of a clinic are far fewer.
pub const MAX_BULK_ENTRIES: usize = 1000;

/// Longest free text echoed back (`ArbitraryIdentifier`, the clinic's reference).
pub const MAX_ECHO_CHARS: usize = 100;

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// `MedicalInstitutionCode`: 10 digits (§2.1).
fn institution(field: &str, s: &str) -> Result<(), FieldError> {
    if digits(s, 10) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            "the medical institution code is 10 digits (docs/domain/eligibility.md §2.1)",
        ))
    }
}

fn date(field: &str, s: &str) -> Result<(), FieldError> {
    if is_yyyymmdd(s) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            "a date is written YYYYMMDD (8 digits, a real calendar date)",
        ))
    }
}

fn text(field: &str, s: &str, min: usize, max: usize) -> Result<(), FieldError> {
    let n = s.chars().count();
    if n < min || n > max || s.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            format!("{min} to {max} characters, no control characters"),
        ));
    }
    Ok(())
}

/// Checks `POST /v1/eligibility`.
pub fn eligibility(r: &EligibilityRequest) -> Result<(), FieldError> {
    if r.assertion.is_empty() || r.assertion.len() > MAX_TOKEN_LEN {
        return Err(FieldError::new(
            "assertion",
            "the platform's assertion (compact JWS, at most 8 KiB)",
        ));
    }
    date(
        "qualification_confirmation_date",
        &r.qualification_confirmation_date,
    )?;
    institution("medical_institution_code", &r.medical_institution_code)?;
    if let Some(a) = &r.arbitrary_identifier {
        text("arbitrary_identifier", a, 0, MAX_ECHO_CHARS)?;
    }
    Ok(())
}

/// The insurance card's numbers (§2.2); `f` names a field.
fn card_numbers(
    f: &dyn Fn(&str) -> String,
    insurer_number: &str,
    symbol: Option<&str>,
    number: &str,
    branch: Option<&str>,
) -> Result<(), FieldError> {
    if !digits(insurer_number, 8) {
        return Err(FieldError::new(
            f("insurer_number"),
            "the insurer number is 8 digits (pad a 6-digit number with 00: docs/domain/eligibility.md §2.2)",
        ));
    }
    if let Some(s) = symbol {
        text(&f("symbol"), s, 1, 20)?;
    }
    text(&f("number"), number, 1, 20)?;
    if let Some(b) = branch
        && !digits(b, 2)
    {
        return Err(FieldError::new(
            f("branch"),
            "the branch number is 2 digits (docs/domain/eligibility.md §2.2)",
        ));
    }
    Ok(())
}

/// Checks `POST /v1/eligibility/by-insurance-number`.
pub fn by_insurance_number(r: &InsuranceNumberCheckRequest) -> Result<(), FieldError> {
    institution("medical_institution_code", &r.medical_institution_code)?;
    date(
        "qualification_confirmation_date",
        &r.qualification_confirmation_date,
    )?;
    card_numbers(
        &|n| n.to_owned(),
        &r.insurer_number,
        r.symbol.as_deref(),
        &r.number,
        r.branch.as_deref(),
    )?;
    date("birth_date", &r.birth_date)?;
    if let Some(a) = &r.arbitrary_identifier {
        text("arbitrary_identifier", a, 0, MAX_ECHO_CHARS)?;
    }
    Ok(())
}

fn entry(i: usize, e: &BulkPrecheckEntry) -> Result<(), FieldError> {
    let f = |name: &str| format!("entries[{i}].{name}");
    text(&f("reference"), &e.reference, 1, MAX_ECHO_CHARS)?;
    card_numbers(
        &f,
        &e.insurer_number,
        e.symbol.as_deref(),
        &e.number,
        e.branch.as_deref(),
    )?;
    date(&f("birth_date"), &e.birth_date)
}

/// Checks `POST /v1/bulk-prechecks`.
pub fn bulk(r: &BulkPrecheckRequest) -> Result<(), FieldError> {
    institution("medical_institution_code", &r.medical_institution_code)?;
    date(
        "qualification_confirmation_date",
        &r.qualification_confirmation_date,
    )?;
    if r.entries.is_empty() || r.entries.len() > MAX_BULK_ENTRIES {
        return Err(FieldError::new(
            "entries",
            format!("1 to {MAX_BULK_ENTRIES} patients"),
        ));
    }
    for (i, e) in r.entries.iter().enumerate() {
        entry(i, e)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e() -> BulkPrecheckEntry {
        BulkPrecheckEntry {
            reference: "P-1".into(),
            insurer_number: "06139999".into(),
            symbol: None,
            number: "10001".into(),
            branch: Some("01".into()),
            birth_date: "19850412".into(),
        }
    }

    #[test]
    fn bulk_rules_name_the_field() {
        let mut r = BulkPrecheckRequest {
            medical_institution_code: "1312345678".into(),
            qualification_confirmation_date: "20261125".into(),
            entries: vec![e()],
        };
        assert!(bulk(&r).is_ok());
        r.entries[0].branch = Some("1".into());
        assert_eq!(
            bulk(&r).err().map(|e| e.field),
            Some("entries[0].branch".into())
        );
        r.entries[0] = e();
        r.entries[0].insurer_number = "139999".into();
        assert_eq!(
            bulk(&r).err().map(|e| e.field),
            Some("entries[0].insurer_number".into())
        );
        r.entries.clear();
        assert_eq!(bulk(&r).err().map(|e| e.field), Some("entries".into()));
    }

    #[test]
    fn eligibility_rules() {
        let mut r = EligibilityRequest {
            assertion: "a.b.c".into(),
            qualification_confirmation_date: "20261124".into(),
            medical_institution_code: "1312345678".into(),
            arbitrary_identifier: Some("x".into()),
            limit_certificate_consent: false,
        };
        assert!(eligibility(&r).is_ok());
        r.qualification_confirmation_date = "20261131".into();
        assert_eq!(
            eligibility(&r).err().map(|e| e.field),
            Some("qualification_confirmation_date".into())
        );
        r.qualification_confirmation_date = "20261124".into();
        r.medical_institution_code = "13-1234567".into();
        assert!(eligibility(&r).is_err());
    }
}
