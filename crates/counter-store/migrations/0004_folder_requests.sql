-- Schema 4: the ledger of the receipt system's folder interface (counter_core::folders::ledger).
--
-- One row per request file the terminal has seen in req/, keyed by its name and the
-- SHA-256 of its bytes: a second file under the same name with other bytes is another
-- request (a duplicate identifier) with its own row. state goes received -> prepared (the
-- answer is complete in a hidden temporary file in res/) -> answered (renamed into place);
-- the request leaves req/ only after answered is committed. answer_name and disposition
-- (done or rejected: the folder the request goes to) are set when the answer is prepared.
-- No personal data: names, digests, kinds, states and times only.

CREATE TABLE folder_requests (
    name        TEXT    NOT NULL,
    digest      TEXT    NOT NULL CHECK (length(digest) = 64),
    kind        TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('received', 'prepared', 'answered')),
    answer_name TEXT,
    disposition TEXT    CHECK (disposition IN ('done', 'rejected')),
    received_at INTEGER NOT NULL,
    answered_at INTEGER,
    PRIMARY KEY (name, digest),
    CHECK ((state = 'received') = (answer_name IS NULL)),
    CHECK ((answer_name IS NULL) = (disposition IS NULL))
) STRICT;
