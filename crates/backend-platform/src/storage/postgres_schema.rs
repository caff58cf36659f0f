//! The PostgreSQL storage's schema: numbered migrations recorded in `schema_migrations`,
//! numbered like the SQLite storage's ([`crate::schema::MIGRATIONS`]): migration *n* of
//! one brings the same tables as migration *n* of the other. Append only: a migration that
//! shipped is never edited. Nodes starting at once migrate one after the other (an
//! advisory lock held by the migrating transaction).
//!
//! Times are Unix seconds (`BIGINT`), like SQLite's `INTEGER` columns; `seq` columns give
//! the insertion order SQLite's `rowid` gives.

/// Numbered migrations (`schema_migrations.version`).
pub const MIGRATIONS: &[&str] = &[
    // 1: the registry and the audit log.
    "CREATE TABLE subjects (
        subject_id TEXT PRIMARY KEY,
        created_at BIGINT NOT NULL
    );
    CREATE TABLE auth_certificates (
        issuer TEXT NOT NULL,
        serial TEXT NOT NULL,
        subject_id TEXT NOT NULL REFERENCES subjects (subject_id),
        enrollment_id TEXT NOT NULL,
        linked_at BIGINT NOT NULL,
        PRIMARY KEY (issuer, serial)
    );
    CREATE TABLE sign_certificates (
        issuer TEXT NOT NULL,
        serial TEXT NOT NULL,
        root_key TEXT NOT NULL,
        subject_id TEXT NOT NULL REFERENCES subjects (subject_id),
        enrollment_id TEXT NOT NULL,
        certificate BYTEA NOT NULL,
        linked_at BIGINT NOT NULL,
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        PRIMARY KEY (issuer, serial)
    );
    CREATE INDEX sign_certificates_subject ON sign_certificates (subject_id, linked_at);
    CREATE TABLE service_links (
        subject_id TEXT NOT NULL REFERENCES subjects (subject_id),
        service_id TEXT NOT NULL,
        link TEXT NOT NULL,
        enrollment_id TEXT NOT NULL,
        linked_at BIGINT NOT NULL,
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        PRIMARY KEY (subject_id, service_id)
    );
    CREATE TABLE enrollments (
        enrollment_id TEXT PRIMARY KEY,
        subject_id TEXT NOT NULL REFERENCES subjects (subject_id),
        terminal_id TEXT NOT NULL,
        at BIGINT NOT NULL,
        application TEXT NOT NULL,
        application_signature BYTEA NOT NULL
    );
    CREATE TABLE audit (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at BIGINT NOT NULL,
        terminal_id TEXT,
        action TEXT NOT NULL,
        outcome TEXT NOT NULL,
        reason TEXT,
        challenge_id TEXT,
        subject_id TEXT,
        cert_issuer TEXT,
        cert_serial TEXT
    );
    CREATE INDEX audit_at ON audit (at);
    CREATE TABLE federated_subjects (
        peer TEXT NOT NULL,
        peer_subject TEXT NOT NULL,
        subject_id TEXT NOT NULL REFERENCES subjects (subject_id),
        linked_at BIGINT NOT NULL,
        PRIMARY KEY (peer, peer_subject)
    );",
    // 2: the signature certificate's CRL scope (see the SQLite migration 2).
    "ALTER TABLE sign_certificates ADD COLUMN crl_scope BYTEA;",
    // 3: the challenges and the federation replay guard, shared by every node.
    "CREATE TABLE challenges (
        challenge_id TEXT PRIMARY KEY,
        terminal_id TEXT NOT NULL,
        purpose TEXT NOT NULL,
        merchant_id TEXT,
        amount_jpy BIGINT,
        nonce BYTEA NOT NULL,
        expires_at BIGINT NOT NULL,
        used BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE INDEX challenges_live ON challenges (terminal_id, expires_at) WHERE NOT used;
    CREATE INDEX challenges_expiry ON challenges (expires_at);
    CREATE TABLE federation_jtis (
        issuer TEXT NOT NULL,
        jti TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (issuer, jti)
    );
    CREATE INDEX federation_jtis_expiry ON federation_jtis (expires_at);",
    // 4: the terminals, the published CRL set and the generation numbers nodes poll.
    "CREATE TABLE terminals (
        terminal_id TEXT PRIMARY KEY,
        admin BOOLEAN NOT NULL,
        enabled BOOLEAN NOT NULL,
        managed_by TEXT NOT NULL,
        updated_at BIGINT NOT NULL
    );
    CREATE TABLE crl_files (
        name TEXT PRIMARY KEY,
        sha256 BYTEA NOT NULL,
        der BYTEA NOT NULL
    );
    CREATE TABLE shared_generations (
        name TEXT PRIMARY KEY,
        generation BIGINT NOT NULL,
        changed_at BIGINT NOT NULL
    );
    INSERT INTO shared_generations (name, generation, changed_at)
        VALUES ('terminals', 0, 0), ('crls', 0, 0);",
    // 5: the federated holder's latest verified signature certificate (see the SQLite
    // migration 5).
    "ALTER TABLE federated_subjects ADD COLUMN sign_root_key TEXT,
        ADD COLUMN sign_serial TEXT,
        ADD COLUMN sign_crl_scope BYTEA;",
    // 6: the certificate a terminal is accepted with (see the SQLite migration 6).
    "ALTER TABLE terminals ADD COLUMN certificate_sha256 BYTEA;",
    // 7: the audit rows of one certificate, by action (see the SQLite migration 7).
    "CREATE INDEX audit_certificate ON audit (cert_issuer, cert_serial, action);",
    // 8: the refused enrollments' rows of one holder (see the SQLite migration 8). Built in
    // the migration's transaction, it holds a SHARE lock on `audit` (every node's audit
    // inserts wait) while it reads the whole trail; on a large trail the operator builds it
    // beforehand with `CREATE INDEX CONCURRENTLY` (README, "Upgrading"), which this
    // statement then keeps when the build completed (docs/DECISIONS.md). A build that was
    // interrupted leaves an index that is not valid (`pg_index.indisvalid`), which no query
    // uses and `IF NOT EXISTS` would keep: that one is dropped and built here.
    "DO $$
    DECLARE
        invalid regclass;
    BEGIN
        SELECT i.indexrelid::regclass INTO invalid
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = 'audit'::regclass AND c.relname = 'audit_holder_conflicts'
              AND NOT i.indisvalid;
        IF invalid IS NOT NULL THEN
            EXECUTE format('DROP INDEX %s', invalid);
        END IF;
    END $$;
    CREATE INDEX IF NOT EXISTS audit_holder_conflicts ON audit (subject_id, action, reason)
        WHERE outcome = 'holder_conflict';",
    // 9: the generations' random stamp (see the SQLite migration 9).
    "ALTER TABLE shared_generations ADD COLUMN stamp BIGINT NOT NULL DEFAULT 0;",
];

/// The advisory lock key of migrations (any fixed number; "madoguchi" in ASCII, truncated).
pub const MIGRATION_LOCK: i64 = 0x6d61_646f_6775_6368;
