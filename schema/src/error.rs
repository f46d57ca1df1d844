/// What can go wrong talking to the store, in terms callers can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database unavailable: {0}")]
    Pool(#[from] diesel_async::pooled_connection::deadpool::PoolError),
    /// The pool's error, told to each of the requests of a batch that met it.
    #[error("database unavailable: {0}")]
    Unreachable(String),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database connection failed: {0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("blob store: {0}")]
    Blob(#[from] std::io::Error),
    #[error("stored value is not valid: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Whether trying the same thing again may work: the store unreachable, a connection
    /// lost, a serialisation conflict. A broken constraint, a missing row or a bad value
    /// will be the same next time.
    pub fn is_transient(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            Self::Pool(_) | Self::Unreachable(_) | Self::Connection(_) | Self::Blob(_) => true,
            Self::Query(Error::DatabaseError(kind, _)) => matches!(
                kind,
                DatabaseErrorKind::SerializationFailure
                    | DatabaseErrorKind::ClosedConnection
                    // What diesel-async reports for an error without an SQLSTATE: the
                    // link lost mid-statement ("connection closed").
                    | DatabaseErrorKind::UnableToSendCommand
                    | DatabaseErrorKind::Unknown
            ),
            Self::Query(Error::BrokenTransactionManager) => true,
            Self::Query(_) | Self::Migration(_) | Self::Corrupt(_) => false,
        }
    }

    /// The same error for each request of a batch that met it (the error itself is not
    /// `Clone`), keeping whether it is worth trying again.
    pub fn for_each_asker(&self) -> Self {
        if self.is_transient() {
            Self::Unreachable(self.to_string())
        } else {
            Self::Corrupt(self.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::result::{DatabaseErrorKind, Error};

    use super::*;

    struct Message;

    impl diesel::result::DatabaseErrorInformation for Message {
        fn message(&self) -> &str {
            "violates foreign key constraint"
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn database(kind: DatabaseErrorKind) -> StoreError {
        StoreError::Query(Error::DatabaseError(kind, Box::new(Message)))
    }

    #[test]
    fn broken_constraints_are_permanent_and_lost_connections_transient() {
        assert!(!database(DatabaseErrorKind::ForeignKeyViolation).is_transient());
        assert!(!database(DatabaseErrorKind::UniqueViolation).is_transient());
        assert!(!StoreError::Query(Error::NotFound).is_transient());
        assert!(database(DatabaseErrorKind::SerializationFailure).is_transient());
        assert!(database(DatabaseErrorKind::ClosedConnection).is_transient());
        assert!(database(DatabaseErrorKind::UnableToSendCommand).is_transient());
    }
}
