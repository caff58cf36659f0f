//! # counter-store
//!
//! The counter terminal's SQLite store: one database file, opened with [`Store::open`].
//!
//! **Owns:**
//! - the payment journal ([`Store::insert_payment`], [`Store::update_payment`], refunds,
//!   [`Store::journal_for_day`]) with an append-only trail of every transition
//!   ([`Store::payment_history`]), and durable counters ([`Store::next_sequence`]);
//! - the audit trail ([`AuditEvent`]), append-only;
//! - eligibility checks ([`CheckRecord`], upserted from the eligibility machine's
//!   `RecordCheck`) and the offline re-check queue ([`RecheckItem`], one per check, from its
//!   `EnqueueRecheck`, worked through with [`Store::due_rechecks`] and
//!   [`Store::record_recheck_decision`]), and the finished ones staff must confirm
//!   ([`Store::rechecks_to_confirm`], [`Store::confirm_recheck`]); the conversions between `counter_core`'s
//!   eligibility types and these rows live in one module (`convert`);
//! - the orders of the shop's register ([`Store::insert_pos_order`]), linked to their payment
//!   and refunds in the transactions that journal them;
//! - the ledger of the receipt system's folder interface ([`Store::folder_requests`]): each
//!   request file received, prepared, answered, once across crashes;
//! - booked patients ([`Store::upsert_appointment`]): one row per patient and visit day with
//!   the clinic's record and the pre-check's state, deleted once the day has passed;
//! - settings ([`Store::setting`]);
//! - retention ([`Store::purge_details_before`]): personal details leave the disk, rows stay;
//! - the schema and its numbered migrations (`migrations/`), tracked in `user_version`;
//! - [`scan`], the forensic scanner that proves what is *not* on the disk.
//!
//! **Never:** stores a card number, a certificate serial number, a PIN or a password (the
//! types it takes have no field for them, and the tests scan the files for them); updates
//! or deletes an audit or payment event; decides a workflow (that is `counter-core`'s job:
//! this crate persists what it is handed); reads a clock (every time is a parameter); or
//! returns from a journal write before the write is on disk.
//!
//! It is the only crate of the terminal that uses `rusqlite` (it turns on `madoguchi-time`'s
//! `rusqlite` feature, which only maps a `UnixTime` to the INTEGER column of seconds the
//! times have always been stored as).

mod appointments;
mod audit;
mod checks;
mod convert;
mod error;
mod folders;
mod payment_search;
mod payments;
mod pos;
mod recheck;
mod recheck_confirm;
mod recheck_progress;
mod refunds;
mod retention;
pub mod scan;
mod sequence;
mod settings;
mod store;
mod visits;

pub use audit::AuditEvent;
pub use checks::CheckRecord;
pub use error::StoreError;
pub use payment_search::{DEFAULT_SEARCH_LIMIT, PaymentQuery};
pub use payments::PaymentEvent;
pub use recheck::{DueRecheck, RecheckItem, RecheckState};
pub use store::{SCHEMA_VERSION, Store};
pub use visits::VisitRow;
