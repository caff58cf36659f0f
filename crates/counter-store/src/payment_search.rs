//! Finding a sale at the counter: by business day and by whatever the customer or the slip
//! shows (order reference, slip number, last 4 digits, amount, local id).

use counter_core::payment::PaymentRecord;
use rusqlite::named_params;

use crate::error::{StoreError, sql};
use crate::payments::{PAYMENT_COLUMNS, collect_payments};
use crate::store::Store;

/// Results per search unless the caller says otherwise: more than a screen, fewer than a
/// busy day.
pub const DEFAULT_SEARCH_LIMIT: u32 = 100;

/// What [`Store::search_payments`] looks for. Every criterion given must match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentQuery {
    /// Only sales of this JST business date (`YYYY-MM-DD`).
    pub business_date: Option<String>,
    /// Matches a sale whose order reference, local id or visit (check id) contains it
    /// (ASCII case ignored), whose last 4 digits equal it, or — when it is a number, `¥`, `,` and `円`
    /// ignored — whose slip number or amount equals it. Blank text matches everything.
    pub text: Option<String>,
    /// At most this many results.
    pub limit: u32,
}

impl Default for PaymentQuery {
    fn default() -> Self {
        Self {
            business_date: None,
            text: None,
            limit: DEFAULT_SEARCH_LIMIT,
        }
    }
}

impl Store {
    /// The sales matching `q`, newest first.
    pub fn search_payments(&self, q: &PaymentQuery) -> Result<Vec<PaymentRecord>, StoreError> {
        const OP: &str = "search payments";
        let text = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let number = text.and_then(as_number);
        let query = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments \
             WHERE (:date IS NULL OR business_date = :date) \
               AND (:text IS NULL \
                    OR instr(lower(order_ref), lower(:text)) > 0 \
                    OR instr(lower(id), lower(:text)) > 0 \
                    OR instr(lower(visit_id), lower(:text)) > 0 \
                    OR last4 = :text \
                    OR slip_number = :number \
                    OR amount_jpy = :number) \
             ORDER BY created_at DESC, rowid DESC LIMIT :limit"
        );
        let mut stmt = self.conn.prepare_cached(&query).map_err(sql(OP))?;
        let rows = stmt
            .query(named_params! {
                ":date": q.business_date,
                ":text": text,
                ":number": number,
                ":limit": q.limit,
            })
            .map_err(sql(OP))?;
        collect_payments(rows, OP)
    }
}

/// `text` as a yen amount or slip number: digits, with `¥`/`￥`, `,` and `円` ignored.
fn as_number(text: &str) -> Option<i64> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, '¥' | '￥' | ',' | '，' | '円' | ' '))
        .collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::as_number;

    #[test]
    fn numbers_ignore_yen_signs_and_separators() {
        assert_eq!(as_number("1200"), Some(1200));
        assert_eq!(as_number("¥1,200"), Some(1200));
        assert_eq!(as_number("1,200円"), Some(1200));
        assert_eq!(as_number("ORD-12"), None);
        assert_eq!(as_number("¥"), None);
        assert_eq!(as_number("99999999999999999999999"), None);
    }
}
