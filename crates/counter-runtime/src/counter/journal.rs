//! The staff window's journal and settings: finding a sale (by day, order reference, slip,
//! last 4 digits, amount, visit), its refunds and its printable receipts, the visits of a
//! day (each reception check with its co-payments), the daily close's report, and the
//! terminal's settings as configured.
//!
//! Receipts from the journal are reprints (再発行): the first print is the one the sale's
//! own screen offered. Both copies mask the card to its last 4 digits
//! (`counter_core::payment::receipt`); no receipt carries a certificate serial or a name.

use counter_core::counter::Visit;
use counter_core::payment::receipt::{Copy, MerchantInfo, Receipt, ReceiptKind, receipt};
use counter_core::payment::{PaymentRecord, PaymentState, RefundRecord, RefundState};
use counter_store::PaymentQuery;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::config::{Config, CounterMode};

/// What the journal search asks for. Every criterion given must match.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, TS)]
pub struct JournalQuery {
    /// Only sales of this JST business day (`YYYY-MM-DD`).
    pub business_date: Option<String>,
    /// Order reference, slip number, last 4 digits or amount (see
    /// `counter_store::PaymentQuery::text`).
    pub text: Option<String>,
}

/// A sale as the journal lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
pub struct JournalEntry {
    /// The sale as journaled.
    pub sale: PaymentRecord,
    /// The visit a co-payment belongs to: its check's summary (`None` for a sale without
    /// a visit, or a check without a result).
    pub visit: Option<Visit>,
    /// Its refunds, oldest first.
    pub refunds: Vec<RefundRecord>,
    /// Printable reprints: the sale's (or void's) customer and merchant copies, then both
    /// copies of each refund that went through. Empty while the sale never took money.
    pub receipts: Vec<Receipt>,
}

/// One visit of a day as the journal lists it: a reception check with its co-payments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
pub struct VisitEntry {
    /// The check's id (the visit's).
    pub check_id: String,
    /// When the check was first recorded.
    pub at: counter_core::UnixTime,
    /// The check's summary (`None` while the check has no result: no co-payment then).
    pub visit: Option<Visit>,
    /// Whether its co-payment may be taken now: a check of today with a result (the
    /// counter decides again when staff ask).
    pub co_payment: bool,
    /// The sales journaled with it, oldest first.
    pub payments: Vec<PaymentRecord>,
}

/// The terminal's settings as configured (read-only on screen: they live in the
/// configuration file, which staff or the installer edit; a change takes effect on the
/// next start).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
pub struct TerminalSettings {
    /// The configuration file.
    pub config_path: String,
    /// This terminal's id (its client certificate's CN).
    pub terminal_id: String,
    /// The merchant id at the acquirer.
    pub merchant_id: String,
    /// What the counter does when it starts.
    pub mode: Option<CounterMode>,
    /// The PC/SC reader.
    pub reader: Option<String>,
    /// The verification platform.
    pub platform_url: String,
    /// The platform's id.
    pub platform_id: String,
    /// The insurer.
    pub insurer_url: String,
    /// The acquirer.
    pub acquirer_url: String,
    /// Where the receipt system's files are written.
    pub export_dir: Option<String>,
    /// 医療機関コード (10 digits), when the counter checks eligibility.
    pub medical_institution_code: Option<String>,
    /// The shop's name on receipts.
    pub shop_name: Option<String>,
    /// The SQLite journal.
    pub database: String,
    /// The receipt system's folder (`req/`, `res/`, `face/`), when `[folders]` is set.
    pub folders_root: Option<String>,
    /// Where the register's (POS) payment API listens, when `[pos]` is set and it runs.
    pub pos_address: Option<String>,
}

impl TerminalSettings {
    /// The settings `config` (read from `config_path`) holds.
    pub fn of(config: &Config, config_path: &std::path::Path) -> Self {
        let f = &config.file;
        let c = f.counter.as_ref();
        Self {
            config_path: config_path.display().to_string(),
            terminal_id: f.terminal_id.clone(),
            merchant_id: f.merchant_id.clone(),
            mode: c.map(|c| c.mode),
            reader: c.map(|c| c.reader.to_string()),
            platform_url: f.backends.platform.urls().join(", "),
            platform_id: f.backends.platform_id.clone(),
            insurer_url: f.backends.insurer.clone(),
            acquirer_url: f.backends.acquirer.clone(),
            export_dir: c.map(|c| c.export_dir.display().to_string()),
            medical_institution_code: c.and_then(|c| c.medical_institution_code.clone()),
            shop_name: c.and_then(|c| c.shop_name.clone()),
            database: f.database.display().to_string(),
            folders_root: f.folders.as_ref().map(|f| f.root.display().to_string()),
            pos_address: None,
        }
    }
}

impl JournalQuery {
    pub(crate) fn to_store(&self) -> PaymentQuery {
        PaymentQuery {
            business_date: self.business_date.clone().filter(|d| !d.trim().is_empty()),
            text: self.text.clone(),
            ..PaymentQuery::default()
        }
    }
}

/// The journal line of `sale` with its `visit` and `refunds`, printed at `printed_at` (JST text).
pub(crate) fn entry(
    merchant: &MerchantInfo,
    sale: PaymentRecord,
    visit: Option<Visit>,
    refunds: Vec<RefundRecord>,
    printed_at: &str,
) -> JournalEntry {
    let mut receipts = Vec::new();
    let kind = match sale.state {
        PaymentState::Captured => Some(ReceiptKind::Sale),
        PaymentState::Voided => Some(ReceiptKind::Void),
        _ => None,
    };
    if let Some(kind) = kind {
        for copy in [Copy::Customer, Copy::Merchant] {
            receipts.push(receipt(merchant, &sale, None, kind, copy, true, printed_at));
        }
    }
    for r in refunds.iter().filter(|r| r.state == RefundState::Refunded) {
        for copy in [Copy::Customer, Copy::Merchant] {
            receipts.push(receipt(
                merchant,
                &sale,
                Some(r),
                ReceiptKind::Refund,
                copy,
                true,
                printed_at,
            ));
        }
    }
    JournalEntry {
        sale,
        visit,
        refunds,
        receipts,
    }
}
