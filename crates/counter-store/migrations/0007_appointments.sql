-- Booked patients (予約): what the clinic holds about each patient of a visit day, and how
-- far the bulk pre-check of it got (counter_core::appointments).
--
-- One row per patient and day: the insurance number and birth date the pre-check asks by
-- are the key, so a receipt system's request read again, or a patient typed twice, updates
-- the row it has. The key is one opaque value (`patient_key`,
-- counter_core::appointments::NewAppointment::patient_key), not the fields side by side:
-- adjacent digit columns read as a card number to the database's card number scan.
-- `record_json` is the clinic's record (counter_core::eligibility::ClinicRecord),
-- `precheck_json` the pre-check's state (counter_core::appointments::Precheck);
-- `reception_number` is set while a submission waits for its result. Rows are deleted
-- once their day has passed (personal data no longer than needed).
CREATE TABLE appointments (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    visit_date       TEXT NOT NULL CHECK (length(visit_date) = 8),
    source           TEXT NOT NULL CHECK (source IN ('typed', 'receipt_system')),
    patient_key      TEXT NOT NULL,
    record_json      TEXT NOT NULL,
    ratio_tenths     INTEGER CHECK (ratio_tenths BETWEEN 1 AND 3),
    precheck_json    TEXT NOT NULL,
    reception_number TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (visit_date, patient_key)
) STRICT;
CREATE INDEX appointments_by_reception ON appointments (reception_number)
    WHERE reception_number IS NOT NULL;
