//! The statements with which the operator's commands look for refused enrollments in the
//! audit trail ([`super::Storage::refused_holders`], [`super::Storage::refused_corrections`]),
//! each one text that both storages run, and the indexes that serve them. The audit trail is never purged
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
//!
//! Parameters are written `$1`, `$2`, … in the order they first appear: PostgreSQL numbers
//! them so, and SQLite takes `$1` as a named parameter whose index is the order of first
//! appearance, so a positional binding means the same on both (a unit test asks SQLite).

/// The holders the refused enrollments of an authentication certificate name (`$1` action,
/// `$2` outcome, `$3` reason, `$4` issuer, `$5` serial).
pub const REFUSED_HOLDERS: &str = "SELECT DISTINCT subject_id FROM audit
     WHERE action = $1 AND outcome = $2 AND reason = $3
       AND cert_issuer = $4 AND cert_serial = $5
       AND subject_id IN (SELECT subject_id FROM subjects)
     ORDER BY subject_id LIMIT 2";

/// The signature certificates of the refused enrollments of a holder, linked to no holder
/// since (`$1` action, `$2` reason, `$3` holder; the outcome is the literal the partial index
/// names).
pub const REFUSED_CORRECTIONS: &str = "SELECT DISTINCT cert_issuer, cert_serial FROM audit a
     WHERE outcome = 'holder_conflict' AND action = $1 AND reason = $2 AND subject_id = $3
       AND cert_issuer IS NOT NULL AND cert_serial IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM sign_certificates s
                       WHERE s.issuer = a.cert_issuer AND s.serial = a.cert_serial)
       AND NOT EXISTS (SELECT 1 FROM auth_certificates x
                       WHERE x.issuer = a.cert_issuer AND x.serial = a.cert_serial)
     ORDER BY cert_issuer, cert_serial LIMIT 2";

/// Every statement of this module, for the tests that hold for each.
pub const STATEMENTS: [&str; 2] = [REFUSED_HOLDERS, REFUSED_CORRECTIONS];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The schema version (on both storages) of the migration that builds
    /// `audit_holder_conflicts`.
    const HOLDER_CONFLICTS_MIGRATION: usize = 8;

    /// Migration `version` of `migrations` (version *n* is the *n*-th of the list, as both
    /// runners number them).
    fn migration<'a>(migrations: &[&'a str], version: usize) -> &'a str {
        migrations[version - 1]
    }

    /// The outcome written as a literal in the statements and in migration 8's partial index
    /// is the one the refusals' rows carry: were they to differ, the scan would find nothing
    /// (or not use the index). The migration is found by its version and must be the one
    /// that builds the index, on both storages.
    #[test]
    fn the_literal_outcome_is_the_refusals_outcome() {
        let (_, outcome, _) = super::super::signature_of_another_person();
        let literal = format!("outcome = '{outcome}'");
        let migrations = [
            migration(crate::schema::MIGRATIONS, HOLDER_CONFLICTS_MIGRATION),
            migration(
                super::super::postgres_schema::MIGRATIONS,
                HOLDER_CONFLICTS_MIGRATION,
            ),
        ];
        for sql in migrations {
            assert!(
                sql.contains("CREATE INDEX IF NOT EXISTS audit_holder_conflicts ON audit")
                    || sql.contains("CREATE INDEX audit_holder_conflicts ON audit"),
                "migration {HOLDER_CONFLICTS_MIGRATION} does not build the index: {sql}"
            );
        }
        for sql in [REFUSED_CORRECTIONS].into_iter().chain(migrations) {
            assert!(sql.contains(&literal), "{literal} not in {sql}");
        }
    }

    /// SQLite binds the `$n` of every statement as its `n`-th parameter, as PostgreSQL does:
    /// the one text means the same on both storages (a `$2` before the first `$1` would be
    /// SQLite's first parameter).
    #[test]
    fn sqlite_numbers_each_statements_parameters_as_postgresql_does() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        for sql in crate::schema::MIGRATIONS {
            c.execute_batch(sql).unwrap();
        }
        for sql in STATEMENTS {
            let st = c.prepare(sql).unwrap();
            let count = st.parameter_count();
            assert!(count > 0, "{sql}");
            for n in 1..=count {
                assert_eq!(
                    st.parameter_name(n),
                    Some(format!("${n}").as_str()),
                    "parameter {n} of {sql}"
                );
            }
        }
    }
}
