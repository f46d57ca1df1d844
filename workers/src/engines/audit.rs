//! The audit's rules: given the provider's bill rows, our orders and the credit entries of
//! a range of days, every way they disagree. Pure, so each rule is tested on its own.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use prepq_billing::provider::BillRow;
use prepq_jobs::kinds::MismatchKind;
use prepq_schema::{
    orders::PAID,
    reconciliations::{AuditedOrder, Credit},
};
use serde_json::json;
use uuid::Uuid;

/// One disagreement.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub kind: MismatchKind,
    /// An out_trade_no, or `ledger:<entry id>` for a credit that names no order.
    pub reference: String,
    pub order_id: Option<Uuid>,
    pub details: serde_json::Value,
}

#[derive(Debug, Default)]
pub struct Audit {
    pub findings: Vec<Finding>,
    /// Orders in the range on which all three agree.
    pub matched: u64,
    /// Orders in the range.
    pub orders: u64,
}

const SUCCESS: &str = "SUCCESS";

/// Compares the range `[from, until)`: `rows` are the provider's bills of those days,
/// `orders` ours paid then or named by a row or a credit, `credits` those of these
/// orders plus every credit written in the range.
pub fn audit(
    rows: &[BillRow],
    orders: &[AuditedOrder],
    credits: &[Credit],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Audit {
    // The provider's last word on each order (a refund row follows the payment's).
    let mut provider: HashMap<&str, &BillRow> = HashMap::with_capacity(rows.len());
    for row in rows {
        provider.insert(&row.out_trade_no, row);
    }
    let by_trade_no: HashMap<&str, &AuditedOrder> = orders
        .iter()
        .map(|o| (o.out_trade_no.as_str(), o))
        .collect();
    let by_id: HashMap<Uuid, &AuditedOrder> = orders.iter().map(|o| (o.id, o)).collect();
    let mut credits_of: HashMap<Uuid, Vec<&Credit>> = HashMap::new();
    let mut findings = Vec::new();
    for credit in credits {
        match credit.order_id.and_then(|id| by_id.get(&id).map(|o| (id, o))) {
            Some((id, order)) if order.status == PAID => credits_of.entry(id).or_default().push(credit),
            Some((_, order)) => findings.push(Finding {
                kind: MismatchKind::CreditWithoutOrder,
                reference: order.out_trade_no.clone(),
                order_id: Some(order.id),
                details: json!({ "ledger_entry": credit.id, "points": credit.amount, "order_status": order.status }),
            }),
            None => findings.push(Finding {
                kind: MismatchKind::CreditWithoutOrder,
                reference: format!("ledger:{}", credit.id),
                order_id: None,
                details: json!({ "ledger_entry": credit.id, "points": credit.amount, "order_id": credit.order_id, "user_id": credit.user_id }),
            }),
        }
    }

    for (trade_no, row) in &provider {
        if row.trade_state != SUCCESS {
            continue;
        }
        match by_trade_no.get(trade_no) {
            Some(order) if order.status == PAID => {}
            order => findings.push(Finding {
                kind: MismatchKind::PaidNotRecorded,
                reference: (*trade_no).to_owned(),
                order_id: order.map(|o| o.id),
                details: json!({
                    "provider_amount_fen": row.amount_fen,
                    "transaction_id": row.transaction_id,
                    "our_status": order.map_or("unknown", |o| o.status.as_str()),
                }),
            }),
        }
    }

    let mut audit = Audit::default();
    for order in orders {
        let paid_in_range = order.paid_at.is_some_and(|at| at >= from && at < until);
        let row = provider.get(order.out_trade_no.as_str());
        if !(paid_in_range || row.is_some_and(|r| r.trade_state == SUCCESS)) {
            continue;
        }
        audit.orders += 1;
        if order.status != PAID {
            continue; // reported above as paid_not_recorded
        }
        let before = findings.len();
        let mut flag = |kind, details| {
            findings.push(Finding {
                kind,
                reference: order.out_trade_no.clone(),
                order_id: Some(order.id),
                details,
            })
        };
        match row {
            None => flag(
                MismatchKind::MissingAtProvider,
                json!({ "amount_fen": order.amount_fen, "paid_at": order.paid_at }),
            ),
            Some(row) if row.trade_state != SUCCESS => flag(
                MismatchKind::StatusDiffers,
                json!({ "provider_state": row.trade_state, "transaction_id": row.transaction_id }),
            ),
            Some(row) if row.amount_fen != order.amount_fen => flag(
                MismatchKind::AmountDiffers,
                json!({ "amount_fen": order.amount_fen, "provider_amount_fen": row.amount_fen }),
            ),
            Some(_) => {}
        }
        if order.owner_id.is_some() {
            let credited = credits_of.get(&order.id).map_or(&[][..], Vec::as_slice);
            let expected = usize::from(order.points > 0);
            if credited.len() < expected {
                flag(
                    MismatchKind::NeverCredited,
                    json!({ "points": order.points, "user_id": order.owner_id }),
                );
            } else if credited.len() > expected {
                let kind = if expected == 0 {
                    MismatchKind::CreditWithoutOrder
                } else {
                    MismatchKind::CreditedTwice
                };
                flag(
                    kind,
                    json!({
                        "points": order.points,
                        "credits": credited.iter().map(|c| json!({ "ledger_entry": c.id, "points": c.amount })).collect::<Vec<_>>(),
                    }),
                );
            }
        }
        if findings.len() == before {
            audit.matched += 1;
        }
    }
    findings.sort_by(|a, b| (a.kind, &a.reference).cmp(&(b.kind, &b.reference)));
    audit.findings = findings;
    audit
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn day() -> (DateTime<Utc>, DateTime<Utc>) {
        let from = Utc.with_ymd_and_hms(2026, 11, 22, 16, 0, 0).unwrap();
        (from, from + chrono::Duration::days(1))
    }

    fn order(no: &str, amount_fen: i64, status: &str) -> AuditedOrder {
        AuditedOrder {
            id: Uuid::now_v7(),
            owner_id: Some(Uuid::nil()),
            out_trade_no: no.into(),
            amount_fen,
            points: (amount_fen / 50) as i32,
            status: status.into(),
            paid_at: (status == PAID).then(|| day().0 + chrono::Duration::hours(1)),
        }
    }

    fn row(no: &str, amount_fen: i64, state: &str) -> BillRow {
        BillRow {
            time: "2026-11-23 01:00:00".into(),
            transaction_id: format!("42{no}"),
            out_trade_no: no.into(),
            trade_state: state.into(),
            amount_fen,
        }
    }

    fn credit(id: i64, order: Option<&AuditedOrder>) -> Credit {
        Credit {
            id,
            user_id: Uuid::nil(),
            order_id: order.map(|o| o.id),
            amount: order.map_or(20, |o| o.points),
            created_at: day().0 + chrono::Duration::hours(1),
        }
    }

    fn kinds(audit: &Audit) -> Vec<(MismatchKind, String)> {
        audit
            .findings
            .iter()
            .map(|f| (f.kind, f.reference.clone()))
            .collect()
    }

    #[test]
    fn agreeing_orders_match_and_each_disagreement_is_named() {
        let good = order("GOOD", 1_000, PAID);
        let pending = order("PENDING", 1_000, "pending");
        let gone = order("GONE", 2_000, PAID);
        let refunded = order("REFUNDED", 3_000, PAID);
        let cheap = order("CHEAP", 4_000, PAID);
        let uncredited = order("UNCREDITED", 5_000, PAID);
        let twice = order("TWICE", 6_000, PAID);
        let orders = vec![
            good.clone(),
            pending.clone(),
            gone.clone(),
            refunded.clone(),
            cheap.clone(),
            uncredited.clone(),
            twice.clone(),
        ];
        let rows = vec![
            row("GOOD", 1_000, SUCCESS),
            row("PENDING", 1_000, SUCCESS),
            row("STRANGER", 7_000, SUCCESS),
            row("REFUNDED", 3_000, SUCCESS),
            row("REFUNDED", 3_000, "REFUND"),
            row("CHEAP", 400, SUCCESS),
            row("UNCREDITED", 5_000, SUCCESS),
            row("TWICE", 6_000, SUCCESS),
        ];
        let credits = vec![
            credit(1, Some(&good)),
            credit(2, Some(&gone)),
            credit(3, Some(&refunded)),
            credit(4, Some(&cheap)),
            credit(5, Some(&twice)),
            credit(6, Some(&twice)),
            credit(7, None),
            credit(8, Some(&pending)),
        ];
        let (from, until) = day();
        let audit = audit(&rows, &orders, &credits, from, until);
        assert_eq!(
            kinds(&audit),
            vec![
                (MismatchKind::PaidNotRecorded, "PENDING".into()),
                (MismatchKind::PaidNotRecorded, "STRANGER".into()),
                (MismatchKind::MissingAtProvider, "GONE".into()),
                (MismatchKind::StatusDiffers, "REFUNDED".into()),
                (MismatchKind::AmountDiffers, "CHEAP".into()),
                (MismatchKind::NeverCredited, "UNCREDITED".into()),
                (MismatchKind::CreditedTwice, "TWICE".into()),
                (MismatchKind::CreditWithoutOrder, "PENDING".into()),
                (MismatchKind::CreditWithoutOrder, "ledger:7".into()),
            ]
        );
        assert_eq!(audit.matched, 1);
        assert_eq!(audit.orders, 7);
    }

    #[test]
    fn orders_paid_on_other_days_are_not_this_days_business() {
        let mut earlier = order("EARLIER", 1_000, PAID);
        earlier.paid_at = Some(day().0 - chrono::Duration::hours(1));
        let (from, until) = day();
        let audit = audit(
            &[],
            &[earlier.clone()],
            &[credit(1, Some(&earlier))],
            from,
            until,
        );
        assert!(audit.findings.is_empty());
        assert_eq!(audit.orders, 0);
    }
}
