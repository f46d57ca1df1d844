//! Resumes: an uploaded file and the latest job that reads it.

use chrono::{DateTime, Utc};
use diesel::{
    dsl::{AsSelect, now},
    pg::Pg,
    prelude::*,
};
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

use crate::{
    BlobStore, PooledConn, StoreError,
    files::{self, StoredFile},
    jobs::JobRow,
    schema::{files as files_table, jobs, resumes},
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = resumes, check_for_backend(diesel::pg::Pg))]
pub struct Resume {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub file_id: Uuid,
    pub job_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A resume with its file and its current job.
pub type ResumeRecord = (Resume, StoredFile, JobRow);

pub async fn insert(conn: &mut PooledConn, resume: &Resume) -> Result<(), StoreError> {
    diesel::insert_into(resumes::table)
        .values(resume)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find_owned(
    conn: &mut PooledConn,
    owner_id: Uuid,
    id: Uuid,
) -> Result<Option<ResumeRecord>, StoreError> {
    find(conn, owner_id, Which::Resume(id)).await
}

/// The resume whose current reading is this job, if any.
pub async fn find_by_job(
    conn: &mut PooledConn,
    owner_id: Uuid,
    job_id: Uuid,
) -> Result<Option<ResumeRecord>, StoreError> {
    find(conn, owner_id, Which::ReadBy(job_id)).await
}

enum Which {
    Resume(Uuid),
    ReadBy(Uuid),
}

/// The owner's resumes, each with its file and the job that read it.
#[diesel::dsl::auto_type(no_type_alias)]
fn owned_records(owner_id: Uuid) -> _ {
    let resume: AsSelect<Resume, Pg> = Resume::as_select();
    let file: AsSelect<StoredFile, Pg> = StoredFile::as_select();
    let job: AsSelect<JobRow, Pg> = JobRow::as_select();
    resumes::table
        .inner_join(files_table::table)
        .inner_join(jobs::table)
        .filter(resumes::owner_id.eq(owner_id))
        .select((resume, file, job))
}

async fn find(
    conn: &mut PooledConn,
    owner_id: Uuid,
    which: Which,
) -> Result<Option<ResumeRecord>, StoreError> {
    let query = owned_records(owner_id).into_boxed();
    let query = match which {
        Which::Resume(id) => query.filter(resumes::id.eq(id)),
        Which::ReadBy(job_id) => query.filter(resumes::job_id.eq(job_id)),
    };
    Ok(query.first(conn).await.optional()?)
}

/// One page of the owner's resumes, newest first.
pub async fn list_owned(
    conn: &mut PooledConn,
    owner_id: Uuid,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<ResumeRecord>, StoreError> {
    let query = newest_first!(owned_records(owner_id), resumes::id, before, limit);
    Ok(query.load(conn).await?)
}

/// Points the resume at a new reading job; `None` when there is no such resume of theirs.
pub async fn set_job(
    conn: &mut PooledConn,
    owner_id: Uuid,
    id: Uuid,
    job_id: Uuid,
) -> Result<Option<Resume>, StoreError> {
    let updated = diesel::update(resumes::table)
        .filter(resumes::id.eq(id))
        .filter(resumes::owner_id.eq(owner_id))
        .set((resumes::job_id.eq(job_id), resumes::updated_at.eq(now)))
        .returning(Resume::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    Ok(updated)
}

/// Deletes the resume, the jobs that read it, its file, and the blob if no other file
/// uses it. False when there is no such resume of theirs.
pub async fn delete_owned(
    conn: &mut PooledConn,
    blobs: &BlobStore,
    owner_id: Uuid,
    id: Uuid,
) -> Result<bool, StoreError> {
    let deleted = conn
        .transaction(async |conn| {
            let Some(resume) = diesel::delete(resumes::table)
                .filter(resumes::id.eq(id))
                .filter(resumes::owner_id.eq(owner_id))
                .returning(Resume::as_returning())
                .get_result(conn)
                .await
                .optional()?
            else {
                return Ok::<_, StoreError>(None);
            };
            // Every job that read this file, the earlier readings too.
            diesel::delete(jobs::table)
                .filter(jobs::owner_id.eq(owner_id))
                .filter(
                    diesel::dsl::sql::<diesel::sql_types::Bool>("payload->>'file_id' = ")
                        .bind::<diesel::sql_types::Text, _>(resume.file_id.to_string()),
                )
                .execute(conn)
                .await?;
            Ok(Some(resume))
        })
        .await?;
    match deleted {
        Some(resume) => {
            files::delete_owned(conn, blobs, owner_id, resume.file_id).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}
