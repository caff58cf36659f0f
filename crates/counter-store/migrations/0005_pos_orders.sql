-- Schema 4: the orders a shop's register (POS) hands to the counter.
--
-- An order is journaled before the customer is asked for anything; it is found by the
-- register's order reference and by its idempotency key. Its payment is an ordinary sale of
-- `payments`, linked here in the transaction that journals it (state `paying`); an order
-- the counter leaves without a payment is `unpaid` with the code of the reason.
CREATE TABLE pos_orders (
    order_ref       TEXT PRIMARY KEY NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    amount_jpy      INTEGER NOT NULL CHECK (amount_jpy >= 1),
    state           TEXT NOT NULL CHECK (state IN ('open', 'unpaid', 'paying')),
    reason          TEXT,
    sale_id         TEXT UNIQUE REFERENCES payments (id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CHECK ((state = 'paying') = (sale_id IS NOT NULL))
) STRICT;
CREATE INDEX pos_orders_by_state ON pos_orders (state);

-- The register's refund requests, each under its own idempotency key, inserted with the
-- refund it made (one transaction), so that a retried request never refunds twice.
CREATE TABLE pos_refunds (
    idempotency_key TEXT PRIMARY KEY NOT NULL,
    order_ref       TEXT NOT NULL REFERENCES pos_orders (order_ref),
    amount_jpy      INTEGER NOT NULL CHECK (amount_jpy >= 1),
    refund_id       TEXT NOT NULL UNIQUE REFERENCES refunds (id),
    created_at      INTEGER NOT NULL
) STRICT;
