-- A register's refund keys are its own (counter_core::pos::decide_refund).
--
-- Each register makes its refund keys itself, so two registers may send the same one. Under
-- schema 5 the key alone was unique: the second register's refund was refused (422) for a
-- key it had never used. A request is now journaled with the register that sent it, and a
-- key is unique per register.
--
-- Rows of before take the register of the order they refunded (only that register could
-- refund it, so that is who sent them). A refund of an order journaled before registers
-- were told apart has none (NULL): every register's, as its order is, and a retry of it
-- from any register is still answered, never refunded again.
CREATE TABLE pos_refunds_per_register (
    register        TEXT,
    idempotency_key TEXT NOT NULL,
    order_ref       TEXT NOT NULL REFERENCES pos_orders (order_ref),
    amount_jpy      INTEGER NOT NULL CHECK (amount_jpy >= 1),
    refund_id       TEXT NOT NULL UNIQUE REFERENCES refunds (id),
    created_at      INTEGER NOT NULL,
    UNIQUE (idempotency_key, register)
) STRICT;
INSERT INTO pos_refunds_per_register
    (register, idempotency_key, order_ref, amount_jpy, refund_id, created_at)
    SELECT o.register, r.idempotency_key, r.order_ref, r.amount_jpy, r.refund_id, r.created_at
    FROM pos_refunds AS r LEFT JOIN pos_orders AS o ON o.order_ref = r.order_ref;
DROP TABLE pos_refunds;
ALTER TABLE pos_refunds_per_register RENAME TO pos_refunds;
