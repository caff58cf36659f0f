//! Receipts: the customer's and the merchant's copy of a sale, a void or a refund, with the
//! Japanese masking rules (docs/domain/payments-and-eid-clients.md §1.8): the customer copy shows the
//! last 4 digits only (`XXXX-XXXX-XXXX-1234`); the merchant copy may add the first 6, but
//! the terminal never learns them (it pays with a token), so both copies mask all but the
//! last 4. A reprint says 再発行 (REPRINT); a void names the original slip. Never printed:
//! the JPKI certificate serial number (§1.8), the customer's name, the assertion.

use serde::{Deserialize, Serialize};

use super::record::{PaymentRecord, RefundRecord};

/// Which copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ReceiptCopy"))]
#[serde(rename_all = "snake_case")]
pub enum Copy {
    /// お客様控え.
    Customer,
    /// 加盟店控え.
    Merchant,
}

/// What the receipt is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ReceiptKind {
    /// 売上 (sale).
    Sale,
    /// 取消 (void).
    Void,
    /// 返品 (refund).
    Refund,
}

/// A printable receipt: labelled lines, ready for a printer or the screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Receipt {
    /// Which copy.
    pub copy: Copy,
    /// Sale, void or refund.
    pub kind: ReceiptKind,
    /// Whether this is a reprint.
    pub reprint: bool,
    /// (label, value) lines in print order.
    pub lines: Vec<(String, String)>,
}

/// The merchant's printed identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MerchantInfo {
    /// Shop name.
    pub name: String,
    /// Merchant id at the acquirer.
    pub merchant_id: String,
    /// This terminal.
    pub terminal_id: String,
}

/// `XXXX-XXXX-XXXX-1234` from the last 4 digits (anything else is masked whole).
pub fn masked_card(last4: Option<&str>) -> String {
    match last4 {
        Some(l) if l.len() == 4 && l.bytes().all(|b| b.is_ascii_digit()) => {
            format!("XXXX-XXXX-XXXX-{l}")
        }
        _ => "XXXX-XXXX-XXXX-XXXX".into(),
    }
}

fn yen(amount: u64) -> String {
    let digits = amount.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("¥{out}")
}

/// The receipt of `kind` for a sale (`refund` for a refund receipt). `printed_at` is the
/// JST timestamp text the shell formats.
pub fn receipt(
    merchant: &MerchantInfo,
    sale: &PaymentRecord,
    refund: Option<&RefundRecord>,
    kind: ReceiptKind,
    copy: Copy,
    reprint: bool,
    printed_at: &str,
) -> Receipt {
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut push = |k: &str, v: String| lines.push((k.to_owned(), v));
    push("加盟店 / Merchant", merchant.name.clone());
    push("加盟店番号 / Merchant ID", merchant.merchant_id.clone());
    push("端末番号 / Terminal", merchant.terminal_id.clone());
    push("日時 / Date", printed_at.to_owned());
    push(
        "取引 / Type",
        match kind {
            ReceiptKind::Sale => "売上 / SALE",
            ReceiptKind::Void => "取消 / VOID",
            ReceiptKind::Refund => "返品 / REFUND",
        }
        .into(),
    );
    let amount = match (kind, refund) {
        (ReceiptKind::Refund, Some(r)) => r.amount_jpy,
        _ => sale.amount_jpy,
    };
    push("金額 / Amount", yen(amount));
    push(
        "カード / Card",
        format!(
            "{} {}",
            sale.brand.as_deref().unwrap_or("-"),
            masked_card(sale.last4.as_deref())
        ),
    );
    // The reference acquirer's contract has no instalments or revolving credit: every
    // sale is 一括 (single payment). A plan field in `Payment` would be printed here.
    push(
        "支払区分 / Payment plan",
        "一括 / Single payment".to_owned(),
    );
    if let Some(a) = &sale.approval_code {
        push("承認番号 / Approval", a.clone());
    }
    if let Some(s) = sale.slip_number {
        let label = if kind == ReceiptKind::Sale {
            "伝票番号 / Slip"
        } else {
            "元伝票番号 / Original slip"
        };
        push(label, format!("{s:05}"));
    }
    push("注文番号 / Order", sale.order_ref.clone());
    if let Some(visit) = &sale.visit_id {
        push("受付番号 / Visit", visit.clone());
    }
    push(
        "控え / Copy",
        match copy {
            Copy::Customer => "お客様控え / CUSTOMER COPY",
            Copy::Merchant => "加盟店控え / MERCHANT COPY",
        }
        .into(),
    );
    if reprint {
        push("再発行 / REPRINT", "再発行 / REPRINT".into());
    }
    Receipt {
        copy,
        kind,
        reprint,
        lines,
    }
}

impl Receipt {
    /// Plain text, one `label: value` per line (for a text printer and for tests).
    pub fn text(&self) -> String {
        self.lines
            .iter()
            .map(|(k, v)| format!("{k}: {v}\n"))
            .collect()
    }
}
