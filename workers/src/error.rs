//! Why a job's attempt did not succeed, in the two kinds the runner acts on.

use prepq_schema::StoreError;

type Source = Box<dyn std::error::Error + Send + Sync>;

/// The message is the job's `error`, shown to its owner; the source, when there is one,
/// goes to the log with its whole chain.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Trying again will not help: the input is bad.
    #[error("{reason}")]
    Permanent {
        reason: String,
        #[source]
        source: Option<Source>,
    },
    /// May work later (a dependency is down); retried with backoff.
    #[error("{reason}")]
    Transient {
        reason: String,
        #[source]
        source: Option<Source>,
    },
}

impl JobError {
    pub fn permanent(reason: impl Into<String>) -> Self {
        Self::Permanent {
            reason: reason.into(),
            source: None,
        }
    }

    pub fn transient(reason: impl Into<String>) -> Self {
        Self::Transient {
            reason: reason.into(),
            source: None,
        }
    }

    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Permanent { .. })
    }
}

/// The store being unreachable or failing a query is worth another try.
impl From<StoreError> for JobError {
    fn from(e: StoreError) -> Self {
        Self::Transient {
            reason: e.to_string(),
            source: Some(Box::new(e)),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for JobError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        StoreError::from(e).into()
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn a_store_error_is_transient_and_keeps_its_source() {
        let error = JobError::from(StoreError::Corrupt("bad row".into()));
        assert!(!error.is_permanent());
        assert_eq!(error.to_string(), "stored value is not valid: bad row");
        assert!(error.source().is_some());
    }
}
