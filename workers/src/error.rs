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
    /// May work later (a dependency is down); retried with backoff, or after `after`
    /// when the kind keeps a schedule of its own.
    #[error("{reason}")]
    Transient {
        reason: String,
        #[source]
        source: Option<Source>,
        after: Option<std::time::Duration>,
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
            after: None,
        }
    }

    /// Transient, tried again after `after` whatever the process's backoff.
    pub fn transient_after(reason: impl Into<String>, after: std::time::Duration) -> Self {
        Self::Transient {
            reason: reason.into(),
            source: None,
            after: Some(after),
        }
    }

    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Permanent { .. })
    }
}

/// As the store classifies it: unreachable or in conflict is worth another try, a broken
/// constraint (the resume deleted under the job, say) is not.
impl From<StoreError> for JobError {
    fn from(e: StoreError) -> Self {
        let (reason, transient) = (e.to_string(), e.is_transient());
        let source = Some(Box::new(e) as Source);
        if transient {
            Self::Transient {
                reason,
                source,
                after: None,
            }
        } else {
            Self::Permanent { reason, source }
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
    fn a_store_error_keeps_its_source_and_the_stores_judgement() {
        let error = JobError::from(StoreError::Corrupt("bad row".into()));
        assert!(error.is_permanent());
        assert_eq!(error.to_string(), "stored value is not valid: bad row");
        assert!(error.source().is_some());
        let lost = JobError::from(StoreError::Blob(std::io::Error::other("disk gone")));
        assert!(!lost.is_permanent());
    }
}
