//! The acquirer database's schema: numbered migrations applied by
//! `backend_kit::sqlite::open` (`PRAGMA user_version`). Append only: a migration that
//! shipped is never edited. No table holds a card number: a token is its brand and last 4
//! digits, its cardholder as the issuer holds them, and its owner. No table holds the
//! certified attributes the platform sends with a link request.

/// Numbered migrations (`PRAGMA user_version`).
pub const MIGRATIONS: &[&str] = &[
    // 1: tokens, payments, their operations, idempotency keys, used assertions, journal.
    "CREATE TABLE card_tokens (
        card_token_ref TEXT PRIMARY KEY,
        brand TEXT NOT NULL,
        last4 TEXT NOT NULL,
        limit_jpy INTEGER,
        blocked INTEGER NOT NULL,
        registered_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE payments (
        payment_id TEXT PRIMARY KEY,
        terminal_id TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        merchant_id TEXT NOT NULL,
        order_ref TEXT NOT NULL,
        subject TEXT NOT NULL,
        card_token_ref TEXT NOT NULL REFERENCES card_tokens (card_token_ref),
        brand TEXT NOT NULL,
        last4 TEXT NOT NULL,
        status TEXT NOT NULL,
        amount_jpy INTEGER NOT NULL,
        captured_jpy INTEGER NOT NULL,
        refunded_jpy INTEGER NOT NULL,
        refund_count INTEGER NOT NULL,
        approval_code TEXT,
        slip_number INTEGER NOT NULL UNIQUE,
        business_date TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (terminal_id, idempotency_key)
    ) STRICT;
    CREATE INDEX payments_day ON payments (merchant_id, business_date);
    CREATE TABLE operations (
        id INTEGER PRIMARY KEY,
        payment_id TEXT NOT NULL REFERENCES payments (payment_id),
        kind TEXT NOT NULL,
        amount_jpy INTEGER NOT NULL,
        idempotency_key TEXT NOT NULL,
        at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE idempotency (
        terminal_id TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        state TEXT NOT NULL,
        status INTEGER,
        body TEXT,
        payment_id TEXT,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        PRIMARY KEY (terminal_id, idempotency_key)
    ) STRICT;
    CREATE TABLE used_assertions (
        issuer TEXT NOT NULL,
        jti TEXT NOT NULL,
        exp INTEGER NOT NULL,
        PRIMARY KEY (issuer, jti)
    ) STRICT;
    CREATE TABLE journal (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        terminal_id TEXT,
        action TEXT NOT NULL,
        outcome TEXT NOT NULL,
        idempotency_key TEXT,
        payment_id TEXT,
        reason TEXT
    ) STRICT;
    CREATE INDEX journal_at ON journal (at);",
    // 2: settlement totals are taken from the operations (each on the day it happened,
    // not on the payment's day): find a payment's operations and a day's operations.
    "CREATE INDEX operations_payment ON operations (payment_id, id);
    CREATE INDEX operations_at ON operations (at);",
    // 3: tokens have an owner. The cardholder as the issuer holds them (name
    // and birth date always, address and sex when kept), compared with the certified
    // attributes before a link is confirmed; rows registered before this migration have
    // none (NULL) and can never be confirmed. The owner is the platform's pairwise subject
    // the token was last confirmed for, with the platform and its enrollment: only that
    // holder's assertions may pay with the token. Nullable columns: existing rows survive.
    "ALTER TABLE card_tokens ADD COLUMN holder_name TEXT;
    ALTER TABLE card_tokens ADD COLUMN holder_birth_date TEXT;
    ALTER TABLE card_tokens ADD COLUMN holder_address TEXT;
    ALTER TABLE card_tokens ADD COLUMN holder_sex TEXT;
    ALTER TABLE card_tokens ADD COLUMN owner_sub TEXT;
    ALTER TABLE card_tokens ADD COLUMN owner_platform TEXT;
    ALTER TABLE card_tokens ADD COLUMN owner_enrollment TEXT;
    ALTER TABLE card_tokens ADD COLUMN linked_at INTEGER;",
    // 4: claims are leases with a token. Only the request holding the claim may answer
    // the key (compare-and-set on state and token); a claim past its lease is released or
    // tombstoned, and one left by a dead process is released at start. Answered keys are
    // pruned after the retention (`[idempotency] retention_days`). Existing claims get
    // token 0, which no live request holds.
    "ALTER TABLE idempotency ADD COLUMN claim INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX idempotency_finished ON idempotency (finished_at) WHERE state = 'done';
    CREATE INDEX idempotency_claims ON idempotency (started_at) WHERE state = 'in_progress';",
];
