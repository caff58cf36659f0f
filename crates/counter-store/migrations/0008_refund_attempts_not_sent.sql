-- Schema 8: a refund counts the rounds whose outcome stayed unknown.
--
-- A refund left `refunding` is retried with its key until the acquirer's answer is
-- definite; after counter_core::payment::MAX_RESOLVE_ATTEMPTS such rounds staff are asked to
-- call the acquirer about it (counter_core::payment::refund_unresolved), as for a sale.
-- Refunds journaled before schema 8 start at 0.
ALTER TABLE refunds ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0);

-- An authorisation that never left (the connection failed before anything was sent) has
-- its own final state, `not_sent`: nothing was charged and nobody declined it. Schema 7
-- journaled it as `declined` with the reason `unreachable` (no other path wrote that
-- reason on a declined sale); those rows are told apart now, so that the journal and the
-- register no longer read them as declines. Each change is in the sale's history too, as
-- every write of a sale is (payment_events, the auditor's trail).
INSERT INTO payment_events (payment, state, at, last_error)
    SELECT id, 'not_sent', updated_at, last_error FROM payments
    WHERE state = 'declined' AND decline_reason = 'unreachable';
UPDATE payments SET state = 'not_sent', version = version + 1
    WHERE state = 'declined' AND decline_reason = 'unreachable';
