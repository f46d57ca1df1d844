use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Job;

/// Write one announcement into the inbox of every user of its audience, a batch at a time;
/// a run that was stopped goes on from the last batch it committed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementDeliver {
    pub announcement_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementDelivered {
    /// Inbox messages written, by this run and any before it.
    pub delivered: i64,
}

impl Job for AnnouncementDeliver {
    const KIND: &'static str = "announcement.deliver";
    /// The announcement keeps the record.
    const KEPT: bool = false;
    type Output = AnnouncementDelivered;
}
