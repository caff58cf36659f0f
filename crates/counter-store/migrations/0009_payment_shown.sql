-- When a captured sale's outcome was shown (counter_core::payment::shown).
--
-- A sale journaled captured is final, but the terminal may die before its outcome reaches
-- staff or the register: then nobody saw the charge, and the customer may have paid another
-- way. `shown_at` (Unix seconds) is set once the outcome was handed over, or staff confirmed
-- the sale; the status bar lists the captured sales of today where it is NULL. It is not
-- part of the sale's state: the rewrite of a transition never touches it, and setting it
-- raises no row version (a drive working on the sale meanwhile is not stopped by it).
--
-- Rows written before this schema come from before the mark: whether they were shown can
-- no longer be told, so every final one is taken as shown (at its last transition) and old
-- finished sales are not all listed. A sale still unfinished keeps NULL: if its recovery
-- ends captured, nobody has seen that.
ALTER TABLE payments ADD COLUMN shown_at INTEGER CHECK (shown_at IS NULL OR shown_at >= 0);
UPDATE payments SET shown_at = updated_at
    WHERE state IN ('captured', 'voided', 'declined', 'reversed');
CREATE INDEX payments_unshown ON payments (business_date)
    WHERE shown_at IS NULL AND state = 'captured';
