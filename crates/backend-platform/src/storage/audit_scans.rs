//! The statements with which the operator's commands look for refused enrollments in the
//! audit trail ([`super::Storage::refused_holders`], [`super::Storage::refused_corrections`]),
//! one for each storage, and the indexes that serve them. The audit trail is never purged
//! and grows by about two rows per identification (docs/PERFORMANCE.md: about 1 TB online),
//! so neither statement may scan it. Public so that the tests ask each database for the plan
//! of the statement the storage runs, not of a copy.
//!
//! - A refused attachment's holders: the rows of one authentication certificate, found by
//!   `audit_certificate` (migration 7: certificate, then action).
//! - A refused correction's certificates: the rows of one holder, found by
//!   `audit_holder_conflicts` (migration 8), a partial index of the `holder_conflict` rows
//!   alone, so that the rows every identification writes pay nothing for it. Both databases
//!   use a partial index only for a statement whose own condition implies the index's: the
//!   statement writes `outcome = 'holder_conflict'` as the index does, a literal, not a
//!   parameter.

/// SQLite: the holders the refused enrollments of an authentication certificate name
/// (`?1` action, `?2` outcome, `?3` reason, `?4` issuer, `?5` serial).
pub const REFUSED_HOLDERS_SQLITE: &str = "SELECT DISTINCT subject_id FROM audit
     WHERE action = ?1 AND outcome = ?2 AND reason = ?3
       AND cert_issuer = ?4 AND cert_serial = ?5
       AND subject_id IN (SELECT subject_id FROM subjects)
     ORDER BY subject_id LIMIT 2";

/// PostgreSQL: [`REFUSED_HOLDERS_SQLITE`] with `$n` parameters.
pub const REFUSED_HOLDERS_POSTGRES: &str = "SELECT DISTINCT subject_id FROM audit
     WHERE action = $1 AND outcome = $2 AND reason = $3
       AND cert_issuer = $4 AND cert_serial = $5
       AND subject_id IN (SELECT subject_id FROM subjects)
     ORDER BY subject_id LIMIT 2";

/// SQLite: the signature certificates of the refused enrollments of a holder, linked to no
/// holder since (`?1` action, `?2` reason, `?3` holder; the outcome is the literal the
/// partial index names).
pub const REFUSED_CORRECTIONS_SQLITE: &str = "SELECT DISTINCT cert_issuer, cert_serial FROM audit a
     WHERE outcome = 'holder_conflict' AND action = ?1 AND reason = ?2 AND subject_id = ?3
       AND cert_issuer IS NOT NULL AND cert_serial IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM sign_certificates s
                       WHERE s.issuer = a.cert_issuer AND s.serial = a.cert_serial)
       AND NOT EXISTS (SELECT 1 FROM auth_certificates x
                       WHERE x.issuer = a.cert_issuer AND x.serial = a.cert_serial)
     ORDER BY cert_issuer, cert_serial LIMIT 2";

/// PostgreSQL: [`REFUSED_CORRECTIONS_SQLITE`] with `$n` parameters.
pub const REFUSED_CORRECTIONS_POSTGRES: &str =
    "SELECT DISTINCT cert_issuer, cert_serial FROM audit a
     WHERE outcome = 'holder_conflict' AND action = $1 AND reason = $2 AND subject_id = $3
       AND cert_issuer IS NOT NULL AND cert_serial IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM sign_certificates s
                       WHERE s.issuer = a.cert_issuer AND s.serial = a.cert_serial)
       AND NOT EXISTS (SELECT 1 FROM auth_certificates x
                       WHERE x.issuer = a.cert_issuer AND x.serial = a.cert_serial)
     ORDER BY cert_issuer, cert_serial LIMIT 2";

#[cfg(test)]
mod tests {
    use super::*;

    /// The outcome written as a literal in the statements and in migration 8's partial index
    /// is the one the refusals' rows carry: were they to differ, the scan would find nothing
    /// (or not use the index).
    #[test]
    fn the_literal_outcome_is_the_refusals_outcome() {
        let (_, outcome, _) = super::super::signature_of_another_person();
        let literal = format!("outcome = '{outcome}'");
        for sql in [
            REFUSED_CORRECTIONS_SQLITE,
            REFUSED_CORRECTIONS_POSTGRES,
            crate::schema::MIGRATIONS[7],
            super::super::postgres_schema::MIGRATIONS[7],
        ] {
            assert!(sql.contains(&literal), "{literal} not in {sql}");
        }
    }
}
