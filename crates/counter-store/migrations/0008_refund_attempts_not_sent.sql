-- Schema 8: a refund counts the rounds whose outcome stayed unknown.
--
-- A refund left `refunding` is retried with its key until the acquirer's answer is
-- definite; after counter_core::payment::MAX_RESOLVE_ATTEMPTS such rounds staff are asked to
-- call the acquirer about it (counter_core::payment::refund_unresolved), as for a sale.
-- Refunds journaled before schema 8 start at 0.
ALTER TABLE refunds ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0);
