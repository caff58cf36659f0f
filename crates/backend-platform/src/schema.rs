//! The SQLite storage's schema: numbered migrations applied by
//! `backend_kit::sqlite::open` (`PRAGMA user_version`). Append only: a migration that
//! shipped is never edited. The PostgreSQL storage's are in
//! [`crate::storage::postgres_schema`], numbered alike: migration *n* of one brings the same
//! tables as migration *n* of the other.

/// Numbered migrations (`PRAGMA user_version`).
pub const MIGRATIONS: &[&str] = &[
    // 1: the registry and the audit log.
    "CREATE TABLE subjects (
        subject_id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE auth_certificates (
        issuer TEXT NOT NULL,
        serial TEXT NOT NULL,
        subject_id TEXT NOT NULL REFERENCES subjects (subject_id),
        enrollment_id TEXT NOT NULL,
        linked_at INTEGER NOT NULL,
        PRIMARY KEY (issuer, serial)
    ) STRICT;
    CREATE TABLE sign_certificates (
        issuer TEXT NOT NULL,
        serial TEXT NOT NULL,
        root_key TEXT NOT NULL,
        subject_id TEXT NOT NULL REFERENCES subjects (subject_id),
        enrollment_id TEXT NOT NULL,
        certificate BLOB NOT NULL,
        linked_at INTEGER NOT NULL,
        PRIMARY KEY (issuer, serial)
    ) STRICT;
    CREATE INDEX sign_certificates_subject ON sign_certificates (subject_id, linked_at);
    CREATE TABLE service_links (
        subject_id TEXT NOT NULL REFERENCES subjects (subject_id),
        service_id TEXT NOT NULL,
        link TEXT NOT NULL,
        enrollment_id TEXT NOT NULL,
        linked_at INTEGER NOT NULL,
        PRIMARY KEY (subject_id, service_id)
    ) STRICT;
    CREATE TABLE enrollments (
        enrollment_id TEXT PRIMARY KEY,
        subject_id TEXT NOT NULL REFERENCES subjects (subject_id),
        terminal_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        application TEXT NOT NULL,
        application_signature BLOB NOT NULL
    ) STRICT;
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        terminal_id TEXT,
        action TEXT NOT NULL,
        outcome TEXT NOT NULL,
        reason TEXT,
        challenge_id TEXT,
        subject_id TEXT,
        cert_issuer TEXT,
        cert_serial TEXT
    ) STRICT;
    CREATE INDEX audit_at ON audit (at);
    CREATE TABLE federated_subjects (
        peer TEXT NOT NULL,
        peer_subject TEXT NOT NULL,
        subject_id TEXT NOT NULL REFERENCES subjects (subject_id),
        linked_at INTEGER NOT NULL,
        PRIMARY KEY (peer, peer_subject)
    ) STRICT;",
    // 2: the signature certificate's CRL scope (its first distribution point, DirName DER;
    // empty: none, the root's full CRL), kept so that identification checks the freshness
    // of the CRL that covers it without parsing the certificate; NULL on rows of before,
    // whose certificate is parsed instead.
    "ALTER TABLE sign_certificates ADD COLUMN crl_scope BLOB;",
    // 3: what every node must share, out of the process's memory: the challenges (used ones
    // are kept until they expire, to tell a replay from an unknown id) and the `jti`s of the
    // peer assertions exchanged (federation replay guard).
    "CREATE TABLE challenges (
        challenge_id TEXT PRIMARY KEY,
        terminal_id TEXT NOT NULL,
        purpose TEXT NOT NULL,
        merchant_id TEXT,
        amount_jpy INTEGER,
        nonce BLOB NOT NULL,
        expires_at INTEGER NOT NULL,
        used INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX challenges_live ON challenges (terminal_id, expires_at) WHERE used = 0;
    CREATE INDEX challenges_expiry ON challenges (expires_at);
    CREATE TABLE federation_jtis (
        issuer TEXT NOT NULL,
        jti TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (issuer, jti)
    ) STRICT;
    CREATE INDEX federation_jtis_expiry ON federation_jtis (expires_at);",
    // 4: what nodes keep a snapshot of, with the generation numbers they poll: the
    // terminals allowed to call (`managed_by`: "config" or "operator", see
    // crate::core::terminals) and the published CRL set (file name, SHA-256, DER).
    "CREATE TABLE terminals (
        terminal_id TEXT PRIMARY KEY,
        admin INTEGER NOT NULL,
        enabled INTEGER NOT NULL,
        managed_by TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE crl_files (
        name TEXT PRIMARY KEY,
        sha256 BLOB NOT NULL,
        der BLOB NOT NULL
    ) STRICT;
    CREATE TABLE shared_generations (
        name TEXT PRIMARY KEY,
        generation INTEGER NOT NULL,
        changed_at INTEGER NOT NULL
    ) STRICT;
    INSERT INTO shared_generations (name, generation, changed_at)
        VALUES ('terminals', 0, 0), ('crls', 0, 0);",
    // 5: the signature certificate a holder enrolled through a peer platform signed their
    // latest application with (verified here), as identification needs it to tell whether it
    // has been revoked since: its root's SPKI hash (hex), its serial (hex) and its CRL scope
    // (as `sign_certificates.crl_scope`). NULL: none verified yet (only peer-platform links,
    // or enrolled before). Kept apart from `sign_certificates`, which names the holder of a
    // card enrolled here (crate::core::holder).
    "ALTER TABLE federated_subjects ADD COLUMN sign_root_key TEXT;
    ALTER TABLE federated_subjects ADD COLUMN sign_serial TEXT;
    ALTER TABLE federated_subjects ADD COLUMN sign_crl_scope BLOB;",
    // 6: the SHA-256 of the one certificate a terminal is accepted with (the one issued at
    // its last `terminals enroll`, or the configuration's `certificate_sha256`), so that
    // enrolling a replacement under the same id shuts out the earlier certificates. NULL:
    // any certificate of the terminals' CA with the id as CN (rows of before, `terminals
    // add`, configured terminals without one). See crate::core::terminals.
    "ALTER TABLE terminals ADD COLUMN certificate_sha256 BLOB;",
    // 7: the audit rows of one certificate, by action: finding the holders a signature
    // certificate's correction was accepted for (`accept_correction` rows, read at every
    // enrollment) without scanning the audit trail, which is never purged.
    "CREATE INDEX audit_certificate ON audit (cert_issuer, cert_serial, action);",
    // 8: the refused enrollments' rows of one holder (`holder_conflict`), for the
    // operator's `holders accept-correction` (crate::storage::audit_scans): a partial index,
    // holding those rows alone, so that the rows every identification writes pay nothing for
    // it. Its condition is a literal that the statement repeats.
    "CREATE INDEX audit_holder_conflicts ON audit (subject_id, action, reason)
        WHERE outcome = 'holder_conflict';",
    // 9: a stamp drawn at random with every bump of a generation (drawn by the platform and
    // written by the bump's UPDATE), compared with the number by every node and by the CRL publication's
    // compare-and-set: a restored database changed again brings a number back, and within
    // one second its `changed_at` too, but not the stamp (crate::storage::Version). 0 on the
    // rows of before: their next bump draws one.
    "ALTER TABLE shared_generations ADD COLUMN stamp INTEGER NOT NULL DEFAULT 0;",
];
