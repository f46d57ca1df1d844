//! `billing.reconcile`: read the provider's bills for the run's days, our orders and the
//! credits, find every disagreement, heal the one safe case (a paid top-up never credited:
//! credited once, under the order's lock), and store the report with the job's success.
//! New findings are mailed to every admin, in that same transaction. The run's status
//! follows its job.

use std::{collections::HashSet, sync::Arc, time::Instant};

use chrono::{DateTime, NaiveDate, Utc};
use prepq_billing::provider::{BillRow, PaymentError, Provider, china_time};
use prepq_jobs::{
    NewJob,
    kinds::{BillingReconcile, Email, EmailSend, Language, MismatchKind, ReconcileSummary},
};
use prepq_schema::{
    DbPool, PooledConn, StoreError,
    reconciliations::{self, AuditedOrder, Credit, NewMismatch},
    users,
};
use uuid::Uuid;

use super::{Outcome, Run, record};
use crate::{
    context::JobContext,
    engines::audit::{Finding, audit},
    error::JobError,
};

/// Findings quoted in an alert mail; the report has them all.
const QUOTED: usize = 20;

impl Run for BillingReconcile {
    type Needs = (DbPool, Option<Arc<Provider>>);

    async fn run(
        self,
        ctx: &JobContext,
        (db, payments): (DbPool, Option<Arc<Provider>>),
    ) -> Result<Outcome<ReconcileSummary>, JobError> {
        let started = Instant::now();
        let provider =
            payments.ok_or_else(|| JobError::permanent("payments are not configured here"))?;
        let mut conn = db.get().await?;
        let run = reconciliations::find_run(&mut conn, self.run_id)
            .await?
            .ok_or_else(|| JobError::permanent("the run was deleted"))?;
        drop(conn);

        let rows = read_bills(&provider, &run, ctx).await?;
        let (from, until) = (
            day_start(run.day_from),
            day_start(run.day_to + chrono::Days::new(1)),
        );
        let mut conn = db.get().await?;
        let (orders, credits) = load(&mut conn, &rows, from, until).await?;
        let audit = audit(&rows, &orders, &credits, from, until);
        let mismatches = act_on(&mut conn, run.id, &audit.findings).await?;

        let mut summary = ReconcileSummary {
            orders: audit.orders,
            statement_rows: rows.len() as u64,
            credits: credits.len() as u64,
            matched: audit.matched,
            mismatches: mismatches.len() as u64,
            new_mismatches: mismatches.iter().filter(|m| m.first_seen).count() as u64,
            healed: mismatches.iter().filter(|m| m.action == "healed").count() as u64,
            ..ReconcileSummary::default()
        };
        for m in &mismatches {
            *summary.by_kind.entry(m.kind.to_owned()).or_default() += 1;
        }
        summary.duration_ms = started.elapsed().as_millis() as u64;

        let new: Vec<&Finding> = audit
            .findings
            .iter()
            .zip(&mismatches)
            .filter(|(_, m)| m.first_seen)
            .map(|(f, _)| f)
            .collect();
        let alerts = if new.is_empty() {
            Vec::new()
        } else {
            alerts(&mut conn, &run, &summary, &new).await?
        };
        let report = serde_json::to_value(&summary).expect("a summary serializes");
        let run_id = run.id;
        Ok(Outcome::done_keeping(
            summary,
            record(
                (report, mismatches, alerts),
                move |conn, _, (report, mismatches, alerts)| {
                    Box::pin(reconciliations::record_report(
                        conn, run_id, report, mismatches, alerts,
                    ))
                },
            ),
        ))
    }
}

/// The provider's bill of each of the run's days.
async fn read_bills(
    provider: &Provider,
    run: &reconciliations::Run,
    ctx: &JobContext,
) -> Result<Vec<BillRow>, JobError> {
    let days: Vec<NaiveDate> = run
        .day_from
        .iter_days()
        .take_while(|d| *d <= run.day_to)
        .collect();
    let mut rows = Vec::new();
    for (n, day) in days.iter().enumerate() {
        rows.extend(provider.trade_bill(*day).await.map_err(bill_error)?);
        ctx.steps(n as u32 + 1, days.len() as u32 + 1, 0);
    }
    Ok(rows)
}

/// Our orders paid in `[from, until)` or named by the bill, the credits of those orders and
/// of the range, and the orders those credits name.
async fn load(
    conn: &mut PooledConn,
    rows: &[BillRow],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<(Vec<AuditedOrder>, Vec<Credit>), StoreError> {
    let trade_nos: Vec<String> = rows.iter().map(|r| r.out_trade_no.clone()).collect();
    let mut orders = reconciliations::orders_to_audit(conn, from, until, &trade_nos, &[]).await?;
    let order_ids: Vec<Uuid> = orders.iter().map(|o| o.id).collect();
    let credits = reconciliations::credits_to_audit(conn, &order_ids, from, until).await?;
    let known: HashSet<Uuid> = order_ids.into_iter().collect();
    let named: Vec<Uuid> = credits
        .iter()
        .filter_map(|c| c.order_id)
        .filter(|id| !known.contains(id))
        .collect();
    if !named.is_empty() {
        orders.extend(reconciliations::orders_to_audit(conn, until, until, &[], &named).await?);
    }
    Ok((orders, credits))
}

/// Heals what is safe to heal and says which findings no earlier run reported.
async fn act_on(
    conn: &mut PooledConn,
    run_id: Uuid,
    findings: &[Finding],
) -> Result<Vec<NewMismatch>, StoreError> {
    let references: Vec<String> = findings.iter().map(|f| f.reference.clone()).collect();
    let seen = reconciliations::seen_before(conn, run_id, &references).await?;
    let mut mismatches = Vec::with_capacity(findings.len());
    for finding in findings {
        let healed = match (finding.kind, finding.order_id) {
            (MismatchKind::NeverCredited, Some(order)) => {
                reconciliations::heal_credit(conn, run_id, order).await?
            }
            _ => false,
        };
        let key = (finding.kind.as_str().to_owned(), finding.reference.clone());
        mismatches.push(NewMismatch {
            run_id,
            kind: finding.kind.as_str(),
            reference: finding.reference.clone(),
            order_id: finding.order_id,
            action: if healed { "healed" } else { "flagged" },
            first_seen: !seen.contains(&key),
            details: finding.details.clone(),
        });
    }
    Ok(mismatches)
}

/// A mail to every admin, in their language, about the new findings.
async fn alerts(
    conn: &mut PooledConn,
    run: &reconciliations::Run,
    summary: &ReconcileSummary,
    new: &[&Finding],
) -> Result<Vec<NewJob>, StoreError> {
    Ok(users::admins(conn)
        .await?
        .into_iter()
        .map(|admin| {
            let language = Language::from_tag(&admin.language);
            let (subject, body) = alert(language, run, summary, new);
            NewJob::of(&EmailSend {
                to: admin.email,
                language,
                message: Email::AdminAlert { subject, body },
            })
        })
        .collect())
}

/// Midnight of `day` in China time, the provider's day.
fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_local_timezone(china_time())
        .single()
        .expect("a fixed offset has one midnight")
        .with_timezone(&Utc)
}

fn alert(
    language: Language,
    run: &reconciliations::Run,
    summary: &ReconcileSummary,
    new: &[&Finding],
) -> (String, String) {
    let days = if run.day_from == run.day_to {
        run.day_from.to_string()
    } else {
        format!("{}..{}", run.day_from, run.day_to)
    };
    let subject = match language {
        Language::ZhCn => format!("对账 {days}：发现 {} 处新的不一致", new.len()),
        Language::En => format!("Billing audit {days}: {} new mismatches", new.len()),
    };
    let (heading, labels) = match language {
        Language::ZhCn => (
            "对账报告",
            [
                "订单",
                "账单行",
                "一致",
                "不一致",
                "新发现",
                "已自动补发积分",
            ],
        ),
        Language::En => (
            "Reconciliation",
            [
                "orders",
                "statement rows",
                "matched",
                "mismatches",
                "new",
                "healed",
            ],
        ),
    };
    let figures = [
        summary.orders,
        summary.statement_rows,
        summary.matched,
        summary.mismatches,
        summary.new_mismatches,
        summary.healed,
    ];
    let counts: Vec<String> = labels
        .iter()
        .zip(figures)
        .map(|(label, figure)| format!("{label} {figure}"))
        .collect();
    let mut body = format!("{heading} {}: {}\n\n", run.id, counts.join(", "));
    for finding in new.iter().take(QUOTED) {
        body.push_str(&format!(
            "- {} {} {}\n",
            finding.kind.as_str(),
            finding.reference,
            finding.details
        ));
    }
    if new.len() > QUOTED {
        body.push_str(&format!("… +{}\n", new.len() - QUOTED));
    }
    body.push_str(&format!("\nGET /api/v1/admin/reconciliations/{}\n", run.id));
    (subject, body)
}

fn bill_error(e: PaymentError) -> JobError {
    match e {
        PaymentError::Unavailable(_) => {
            JobError::transient(format!("reading the provider's bill: {e}"))
        }
        e => JobError::permanent(format!("reading the provider's bill: {e}")),
    }
}
