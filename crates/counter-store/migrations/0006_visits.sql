-- Schema 6: one visit. At a clinic or pharmacy the co-payment belongs to the reception's
-- eligibility check (the visit, whose id is the check id): the sale is journaled with it.
-- Set once, when the sale is inserted; NULL for every other sale. Checks are never
-- deleted (the retention purge clears their details only), so the link always resolves.
ALTER TABLE payments ADD COLUMN visit_id TEXT REFERENCES checks (id);
CREATE INDEX payments_by_visit ON payments (visit_id) WHERE visit_id IS NOT NULL;
