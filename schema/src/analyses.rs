//! Results of the paid analyses. The job is the analysis (its id, owner, input and status);
//! each success adds a row to its kind's table — written by the trigger of migration 000023
//! with the job's success — which history reads joined to the job.

use diesel::{
    prelude::*,
    sql_types::{BigInt, Jsonb, Nullable, Text, Uuid as SqlUuid},
};
use diesel_async::RunQueryDsl;
use prepq_jobs::{
    Job,
    kinds::{QuestionsPredict, ResumeDiagnose},
};
use uuid::Uuid;

use crate::{PooledConn, StoreError, jobs::JobRow};

/// An analysis kind: its job kind and its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Analysis {
    Diagnosis,
    QuestionSet,
}

impl Analysis {
    fn kind(self) -> &'static str {
        match self {
            Self::Diagnosis => ResumeDiagnose::KIND,
            Self::QuestionSet => QuestionsPredict::KIND,
        }
    }

    fn table(self) -> &'static str {
        match self {
            Self::Diagnosis => "diagnoses",
            Self::QuestionSet => "question_sets",
        }
    }
}

/// An analysis job and, once it succeeded, its stored result.
#[derive(Debug, Clone, QueryableByName)]
pub struct AnalysisRow {
    #[diesel(embed)]
    pub job: JobRow,
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub analysis: Option<serde_json::Value>,
}

/// The owner's analyses of one kind, newest first, older than `before` when given.
pub async fn list_owned(
    conn: &mut PooledConn,
    analysis: Analysis,
    owner_id: Uuid,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<AnalysisRow>, StoreError> {
    let rows = diesel::sql_query(format!(
        "SELECT jobs.*, a.result AS analysis FROM jobs LEFT JOIN {} a ON a.job_id = jobs.id
         WHERE jobs.owner_id = $1 AND jobs.kind = $2 AND ($3::uuid IS NULL OR jobs.id < $3)
         ORDER BY jobs.id DESC LIMIT $4",
        analysis.table()
    ))
    .bind::<SqlUuid, _>(owner_id)
    .bind::<Text, _>(analysis.kind())
    .bind::<Nullable<SqlUuid>, _>(before)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows)
}

pub async fn find_owned(
    conn: &mut PooledConn,
    analysis: Analysis,
    owner_id: Uuid,
    id: Uuid,
) -> Result<Option<AnalysisRow>, StoreError> {
    let row = diesel::sql_query(format!(
        "SELECT jobs.*, a.result AS analysis FROM jobs LEFT JOIN {} a ON a.job_id = jobs.id
         WHERE jobs.owner_id = $1 AND jobs.kind = $2 AND jobs.id = $3",
        analysis.table()
    ))
    .bind::<SqlUuid, _>(owner_id)
    .bind::<Text, _>(analysis.kind())
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .await
    .optional()?;
    Ok(row)
}

/// How many analyses of this kind the owner has asked for.
pub async fn count_owned(
    conn: &mut PooledConn,
    analysis: Analysis,
    owner_id: Uuid,
) -> Result<i64, StoreError> {
    use crate::schema::jobs;
    Ok(jobs::table
        .filter(jobs::owner_id.eq(owner_id))
        .filter(jobs::kind.eq(analysis.kind()))
        .count()
        .get_result(conn)
        .await?)
}
