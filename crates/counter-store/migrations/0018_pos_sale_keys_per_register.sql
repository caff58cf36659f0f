-- A register's sale keys are its own (counter_core::pos::decide_create), as its refund keys
-- are since schema 16.
--
-- Each register makes its idempotency keys itself, so two registers may send the same one.
-- Under schema 17 the key alone was unique: the second register's sale was refused (422)
-- for a key it had never used. A key is now unique per register; order references stay
-- unique on the terminal (the name of a sale in the register API's paths).
--
-- The table is built again (SQLite drops no UNIQUE column constraint), and `pos_refunds`,
-- which refers to it, with it: each new table is filled, the old ones dropped (the refunds
-- first, so that no reference dangles), and the new ones take the old names, which points
-- the refunds' reference at the new orders. Rows are copied as they are: an order of before
-- registers were told apart keeps no register and stays every register's; its key stays
-- unique among those (the index below), as it was.
CREATE TABLE pos_orders_v18 (
    order_ref       TEXT PRIMARY KEY NOT NULL,
    idempotency_key TEXT NOT NULL,
    amount_jpy      INTEGER NOT NULL CHECK (amount_jpy >= 1),
    state           TEXT NOT NULL CHECK (state IN ('open', 'unpaid', 'paying')),
    reason          TEXT,
    sale_id         TEXT UNIQUE REFERENCES payments (id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    register        TEXT,
    CHECK ((state = 'paying') = (sale_id IS NOT NULL)),
    UNIQUE (idempotency_key, register)
) STRICT;
INSERT INTO pos_orders_v18 (order_ref, idempotency_key, amount_jpy, state, reason, sale_id,
    created_at, updated_at, register)
    SELECT order_ref, idempotency_key, amount_jpy, state, reason, sale_id, created_at,
        updated_at, register
    FROM pos_orders;

CREATE TABLE pos_refunds_v18 (
    register        TEXT,
    idempotency_key TEXT NOT NULL,
    order_ref       TEXT NOT NULL REFERENCES pos_orders_v18 (order_ref),
    amount_jpy      INTEGER NOT NULL CHECK (amount_jpy >= 1),
    refund_id       TEXT NOT NULL UNIQUE REFERENCES refunds (id),
    created_at      INTEGER NOT NULL,
    UNIQUE (idempotency_key, register)
) STRICT;
INSERT INTO pos_refunds_v18
    (register, idempotency_key, order_ref, amount_jpy, refund_id, created_at)
    SELECT register, idempotency_key, order_ref, amount_jpy, refund_id, created_at
    FROM pos_refunds;

DROP TABLE pos_refunds;
DROP TABLE pos_orders;
ALTER TABLE pos_orders_v18 RENAME TO pos_orders;
ALTER TABLE pos_refunds_v18 RENAME TO pos_refunds;
CREATE INDEX pos_orders_by_state ON pos_orders (state);
CREATE UNIQUE INDEX pos_orders_key_of_before ON pos_orders (idempotency_key)
    WHERE register IS NULL;
