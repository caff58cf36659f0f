-- Schema 1 of the counter terminal's store.
--
-- Tables are STRICT; every statement of the crate names its columns. Append-only tables
-- (payment_events, audit) refuse UPDATE and DELETE with triggers, so that no code path,
-- ours or a later one, can rewrite the trail.
--
-- Never stored here: card numbers, certificate serial numbers, PINs or passwords.

-- The payment journal: one row per sale, rewritten on each transition
-- (counter_core::payment::PaymentRecord).
CREATE TABLE payments (
    id              TEXT PRIMARY KEY NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    order_ref       TEXT NOT NULL,
    merchant_id     TEXT NOT NULL,
    terminal_id     TEXT NOT NULL,
    amount_jpy      INTEGER NOT NULL CHECK (amount_jpy >= 0),
    state           TEXT NOT NULL,
    payment_id      TEXT,
    approval_code   TEXT,
    slip_number     INTEGER CHECK (slip_number >= 0),
    brand           TEXT,
    last4           TEXT,
    captured_jpy    INTEGER NOT NULL CHECK (captured_jpy >= 0),
    refunded_jpy    INTEGER NOT NULL CHECK (refunded_jpy >= 0),
    capture_key     TEXT,
    void_key        TEXT,
    reversal_key    TEXT,
    captured_date   TEXT,
    cancelled_date  TEXT,
    decline_reason  TEXT,
    business_date   TEXT NOT NULL,
    attempts        INTEGER NOT NULL CHECK (attempts >= 0),
    last_error      TEXT,
    recovered       INTEGER NOT NULL CHECK (recovered IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX payments_by_day ON payments (business_date, created_at);
CREATE INDEX payments_by_capture_day ON payments (captured_date);
CREATE INDEX payments_by_cancel_day ON payments (cancelled_date);
CREATE INDEX payments_by_state ON payments (state);
CREATE INDEX payments_by_created ON payments (created_at);

-- Every transition of every sale, in the order it was journaled: the auditor's trail.
CREATE TABLE payment_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    payment    TEXT NOT NULL REFERENCES payments (id),
    state      TEXT NOT NULL,
    at         INTEGER NOT NULL,
    last_error TEXT
) STRICT;
CREATE INDEX payment_events_by_payment ON payment_events (payment, seq);
CREATE TRIGGER payment_events_no_update BEFORE UPDATE ON payment_events
BEGIN SELECT RAISE(ABORT, 'payment_events is append-only'); END;
CREATE TRIGGER payment_events_no_delete BEFORE DELETE ON payment_events
BEGIN SELECT RAISE(ABORT, 'payment_events is append-only'); END;

-- Refunds, each with its own idempotency key (counter_core::payment::RefundRecord).
CREATE TABLE refunds (
    id              TEXT PRIMARY KEY NOT NULL,
    payment         TEXT NOT NULL REFERENCES payments (id),
    idempotency_key TEXT NOT NULL UNIQUE,
    amount_jpy      INTEGER NOT NULL CHECK (amount_jpy >= 0),
    state           TEXT NOT NULL,
    business_date   TEXT NOT NULL,
    reason          TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX refunds_by_payment ON refunds (payment, created_at);
CREATE INDEX refunds_by_day ON refunds (business_date, created_at);
CREATE INDEX refunds_by_state ON refunds (state);

-- Durable counters for local ids and order references.
CREATE TABLE sequences (
    name  TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL CHECK (value >= 1)
) STRICT;

-- Who did what, when, under which authentication. Opaque subjects only.
CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    staff       TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT,
    auth_method TEXT,
    detail      TEXT
) STRICT;
CREATE INDEX audit_by_time ON audit (at, seq);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;

-- Eligibility checks. details_json (personal details) is nulled by the retention purge;
-- the row stays for the audit trail.
CREATE TABLE checks (
    id           TEXT PRIMARY KEY NOT NULL,
    at           INTEGER NOT NULL,
    mode         TEXT NOT NULL,
    patient_ref  TEXT,
    validity     TEXT NOT NULL,
    summary_json TEXT NOT NULL,
    details_json TEXT,
    export_files TEXT NOT NULL
) STRICT;
CREATE INDEX checks_by_time ON checks (at);

-- The offline re-check queue: fallbacks to confirm online once the network is back.
CREATE TABLE rechecks (
    id             TEXT PRIMARY KEY NOT NULL,
    created_at     INTEGER NOT NULL,
    check_id       TEXT REFERENCES checks (id),
    fallback_kind  TEXT NOT NULL,
    presented_json TEXT,
    state          TEXT NOT NULL CHECK (state IN ('pending', 'done', 'gave_up')),
    attempts       INTEGER NOT NULL CHECK (attempts >= 0),
    next_at        INTEGER NOT NULL,
    last_error     TEXT,
    result_json    TEXT
) STRICT;
CREATE INDEX rechecks_due ON rechecks (state, next_at);
CREATE INDEX rechecks_by_created ON rechecks (created_at);

-- Terminal settings: plain keys, plain text values.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;
