use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Job;

/// Send one stored webhook delivery to its endpoint, signed as Standard Webhooks asks.
/// The payload names the delivery only: the body, the URL and the secrets are read when
/// each attempt starts, so a rotated secret or a disabled endpoint is honoured mid-retry
/// and no secret is ever in a job's payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookDeliver {
    pub delivery_id: Uuid,
}

impl WebhookDeliver {
    /// The waits between attempts, from the Standard Webhooks specification: 5 s, 5 min,
    /// 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h.
    pub const SCHEDULE_SECS: [u64; 9] =
        [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400];
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookDelivered {
    /// The endpoint's HTTP status.
    pub status: u16,
    pub latency_ms: u32,
}

impl Job for WebhookDeliver {
    const KIND: &'static str = "webhook.deliver";
    /// The first attempt and one after each wait of the schedule.
    const MAX_ATTEMPTS: i32 = WebhookDeliver::SCHEDULE_SECS.len() as i32 + 1;
    /// The delivery log is the record.
    const KEPT: bool = false;
    type Output = WebhookDelivered;
}
