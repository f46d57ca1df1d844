use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Job;

/// Audit the days of run `run_id`: our orders against the provider's bills and the points
/// ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillingReconcile {
    pub run_id: Uuid,
}

/// Every way money and points can disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum MismatchKind {
    /// The provider took the money; our order is not paid (or unknown).
    PaidNotRecorded,
    /// Our order is paid; the provider's bill has no such transaction.
    MissingAtProvider,
    /// Our order is paid; the provider's bill says otherwise (refunded, revoked…).
    StatusDiffers,
    /// Both say paid, for different amounts.
    AmountDiffers,
    /// A paid top-up whose points were never credited: the one case the audit heals.
    NeverCredited,
    CreditedTwice,
    /// Points credited for an order that doesn't exist or isn't paid.
    CreditWithoutOrder,
}

impl MismatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PaidNotRecorded => "paid_not_recorded",
            Self::MissingAtProvider => "missing_at_provider",
            Self::StatusDiffers => "status_differs",
            Self::AmountDiffers => "amount_differs",
            Self::NeverCredited => "never_credited",
            Self::CreditedTwice => "credited_twice",
            Self::CreditWithoutOrder => "credit_without_order",
        }
    }
}

/// What a run looked at and found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct ReconcileSummary {
    /// Our orders paid in the range, or named by the provider's rows.
    pub orders: u64,
    /// Rows of the provider's bills for the range.
    pub statement_rows: u64,
    /// Credit entries looked at.
    pub credits: u64,
    /// Orders on which all three agree.
    pub matched: u64,
    pub mismatches: u64,
    /// Mismatches no earlier run had reported.
    pub new_mismatches: u64,
    pub healed: u64,
    pub by_kind: BTreeMap<String, u64>,
    pub duration_ms: u64,
}

impl Job for BillingReconcile {
    const KIND: &'static str = "billing.reconcile";
    const KEPT: bool = false;
    const MAX_ATTEMPTS: i32 = 3;
    type Output = ReconcileSummary;
}
