//! Ratings and comments users leave on what they got, one per user and thing, and the
//! figures the back office reads of them.

use chrono::{DateTime, Utc};
use diesel::{
    prelude::*,
    sql_types::{BigInt, Double, Int2, Text, Uuid as SqlUuid},
};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::{PooledConn, StoreError};

/// What can be rated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum Module {
    Diagnosis,
    QuestionSet,
    Interview,
}

impl Module {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Diagnosis => "diagnosis",
            Self::QuestionSet => "question_set",
            Self::Interview => "interview",
        }
    }

    /// The table of record and its key: the thing must be the rater's.
    fn owned_query(self) -> &'static str {
        match self {
            Self::Diagnosis => "SELECT 1 FROM diagnoses WHERE job_id = $1 AND owner_id = $2",
            Self::QuestionSet => "SELECT 1 FROM question_sets WHERE job_id = $1 AND owner_id = $2",
            Self::Interview => "SELECT 1 FROM interviews WHERE id = $1 AND owner_id = $2",
        }
    }
}

/// Your rating of one thing.
#[derive(Debug, Clone, QueryableByName)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(rename = "FeedbackView"))]
pub struct Feedback {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub module: String,
    #[diesel(sql_type = SqlUuid)]
    pub subject_id: Uuid,
    #[diesel(sql_type = Int2)]
    pub rating: i16,
    #[diesel(sql_type = Text)]
    pub comment: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

/// Records the owner's rating of `subject_id`, replacing one given before; `None` when the
/// thing is not theirs (or does not exist).
pub async fn rate(
    conn: &mut PooledConn,
    owner_id: Uuid,
    module: Module,
    subject_id: Uuid,
    rating: i16,
    comment: &str,
) -> Result<Option<Feedback>, StoreError> {
    let owned = format!(
        "INSERT INTO feedback (id, owner_id, module, subject_id, rating, comment)
         SELECT $3, $2, $4, $1, $5, $6 WHERE EXISTS ({})
         ON CONFLICT (owner_id, module, subject_id) DO UPDATE
         SET rating = EXCLUDED.rating, comment = EXCLUDED.comment, updated_at = now()
         RETURNING id, module, subject_id, rating, comment, created_at, updated_at",
        module.owned_query()
    );
    Ok(diesel::sql_query(owned)
        .bind::<SqlUuid, _>(subject_id)
        .bind::<SqlUuid, _>(owner_id)
        .bind::<SqlUuid, _>(Uuid::now_v7())
        .bind::<Text, _>(module.as_str())
        .bind::<Int2, _>(rating)
        .bind::<Text, _>(comment)
        .get_result(conn)
        .await
        .optional()?)
}

/// Ratings of one module: how many, and their mean.
#[derive(Debug, Clone, QueryableByName)]
pub struct ModuleRatings {
    #[diesel(sql_type = Text)]
    pub module: String,
    #[diesel(sql_type = BigInt)]
    pub ratings: i64,
    #[diesel(sql_type = Double)]
    pub average: f64,
}

/// Every module's ratings, all time.
pub async fn ratings_by_module(conn: &mut PooledConn) -> Result<Vec<ModuleRatings>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT module, count(*) AS ratings, avg(rating)::float8 AS average
         FROM feedback GROUP BY module ORDER BY module",
    )
    .load(conn)
    .await?)
}
