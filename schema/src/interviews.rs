//! Mock interview sessions and their turns. A session starts with two jobs in one
//! transaction: its plan, and its report — the paid job, its price reserved now and not due
//! until the session ends, so the points machinery settles or refunds it exactly once.
//! Answering, ending and each job's success move the session; failures move it by trigger.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use prepq_jobs::{
    NewJob,
    kinds::{AnswerFeedback, InterviewAssessment, Question},
};
use uuid::Uuid;

use crate::{
    PooledConn, StoreError,
    jobs::{self, Submission, Submitted},
    points::{self, Unaffordable},
    schema::{interview_turns, interviews, jobs as jobs_table},
};

pub const PLANNING: &str = "planning";
pub const IN_PROGRESS: &str = "in_progress";
pub const REPORTING: &str = "reporting";
pub const FINISHED: &str = "finished";

/// The report job's run-after while its session runs: it is accepted, not due.
const NOT_DUE_YEARS: i32 = 100;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = interviews, check_for_backend(diesel::pg::Pg))]
pub struct Interview {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub resume_id: Uuid,
    pub target: serde_json::Value,
    pub question_set_id: Option<Uuid>,
    pub mode: String,
    pub language: String,
    pub question_count: i32,
    pub seconds_per_question: Option<i32>,
    pub status: String,
    pub error: Option<String>,
    pub plan_job_id: Uuid,
    pub report_job_id: Uuid,
    pub assessment: Option<serde_json::Value>,
    pub overall_score: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl Interview {
    pub fn is_live(&self) -> bool {
        matches!(self.status.as_str(), PLANNING | IN_PROGRESS)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = interview_turns, check_for_backend(diesel::pg::Pg))]
pub struct Turn {
    pub interview_id: Uuid,
    pub question_index: i32,
    pub follow_up: i32,
    pub question: String,
    pub category: String,
    pub difficulty: String,
    pub key_points: serde_json::Value,
    pub answer: Option<String>,
    pub skipped: bool,
    pub answered_at: Option<DateTime<Utc>>,
    pub feedback: Option<serde_json::Value>,
    pub score: Option<i32>,
}

impl Turn {
    pub fn is_open(&self) -> bool {
        self.answer.is_none() && !self.skipped
    }

    /// Answered, and its feedback not written yet.
    pub fn is_pending(&self) -> bool {
        self.answer.is_some() && self.feedback.is_none()
    }

    pub fn key_points(&self) -> Vec<String> {
        serde_json::from_value(self.key_points.clone()).unwrap_or_default()
    }
}

/// What a new session is.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = interviews)]
pub struct NewInterview {
    pub owner_id: Uuid,
    pub resume_id: Uuid,
    pub target: serde_json::Value,
    pub question_set_id: Option<Uuid>,
    pub mode: String,
    pub language: String,
    pub question_count: i32,
    pub seconds_per_question: Option<i32>,
}

/// Inserts the session with its plan job (due now) and its report job (price reserved,
/// not due); nothing when the balance does not cover `price`.
pub async fn start(
    conn: &mut PooledConn,
    id: Uuid,
    new: &NewInterview,
    plan: &NewJob,
    report: &NewJob,
    price: i32,
) -> Result<Result<Interview, Unaffordable>, StoreError> {
    let (plan_id, report_id) = (Uuid::now_v7(), Uuid::now_v7());
    let started = conn
        .transaction(async |conn| {
            submit(conn, report_id, new.owner_id, report).await?;
            if let Err(unaffordable) =
                points::reserve(conn, new.owner_id, report_id, price, report.kind).await?
            {
                return Err(Refused::Unaffordable(unaffordable));
            }
            diesel::sql_query(format!(
                "UPDATE jobs SET run_after = now() + interval '{NOT_DUE_YEARS} years' WHERE id = $1"
            ))
            .bind::<diesel::sql_types::Uuid, _>(report_id)
            .execute(conn)
            .await
            .map_err(StoreError::from)?;
            submit(conn, plan_id, new.owner_id, plan).await?;
            let row = diesel::insert_into(interviews::table)
                .values((
                    new,
                    interviews::id.eq(id),
                    interviews::plan_job_id.eq(plan_id),
                    interviews::report_job_id.eq(report_id),
                ))
                .returning(Interview::as_returning())
                .get_result(conn)
                .await
                .map_err(StoreError::from)?;
            Ok(row)
        })
        .await;
    match started {
        Ok(row) => Ok(Ok(row)),
        Err(Refused::Unaffordable(unaffordable)) => Ok(Err(unaffordable)),
        Err(Refused::Store(e)) => Err(e),
    }
}

/// Why `start`'s transaction rolled back.
enum Refused {
    Unaffordable(Unaffordable),
    Store(StoreError),
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<diesel::result::Error> for Refused {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

async fn submit(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    owner: Uuid,
    job: &NewJob,
) -> Result<(), StoreError> {
    let submission = Submission {
        id,
        owner_id: Some(owner),
        job,
        idempotency_key: None,
        dispatch_id: None,
        price: None,
    };
    match jobs::insert(conn, &submission).await? {
        Submitted::Created(_) => Ok(()),
        _ => Err(StoreError::Corrupt(format!("job id {id} already exists"))),
    }
}

pub async fn find(conn: &mut PooledConn, id: Uuid) -> Result<Option<Interview>, StoreError> {
    Ok(interviews::table
        .find(id)
        .select(Interview::as_select())
        .first(conn)
        .await
        .optional()?)
}

owned_rows!(interviews, Interview);

/// The session's turns in the order they are asked.
pub async fn turns(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Vec<Turn>, StoreError> {
    Ok(interview_turns::table
        .filter(interview_turns::interview_id.eq(id))
        .order((interview_turns::question_index, interview_turns::follow_up))
        .select(Turn::as_select())
        .load(conn)
        .await?)
}

/// The overall scores of the owner's finished sessions before `id`, oldest first.
pub async fn earlier_scores(
    conn: &mut PooledConn,
    owner_id: Uuid,
    id: Uuid,
) -> Result<Vec<i32>, StoreError> {
    Ok(interviews::table
        .filter(interviews::owner_id.eq(owner_id))
        .filter(interviews::id.lt(id))
        .filter(interviews::status.eq(FINISHED))
        .filter(interviews::overall_score.is_not_null())
        .order(interviews::id)
        .select(interviews::overall_score.assume_not_null())
        .load(conn)
        .await?)
}

/// How many sessions the owner has, and the overall scores of the last `limit` finished
/// ones, oldest first.
pub async fn tally(
    conn: &mut PooledConn,
    owner_id: Uuid,
    limit: i64,
) -> Result<(i64, Vec<i32>), StoreError> {
    let count = interviews::table
        .filter(interviews::owner_id.eq(owner_id))
        .count()
        .get_result(conn)
        .await?;
    let mut scores: Vec<i32> = interviews::table
        .filter(interviews::owner_id.eq(owner_id))
        .filter(interviews::status.eq(FINISHED))
        .filter(interviews::overall_score.is_not_null())
        .order(interviews::id.desc())
        .limit(limit)
        .select(interviews::overall_score.assume_not_null())
        .load(conn)
        .await?;
    scores.reverse();
    Ok((count, scores))
}

/// The plan job's record: the session's questions, and the session under way. A session
/// ended meanwhile keeps no plan.
pub async fn record_plan(
    conn: &mut PooledConn,
    plan_job_id: Uuid,
    questions: &[Question],
) -> Result<(), StoreError> {
    let id: Option<Uuid> = diesel::update(interviews::table)
        .filter(interviews::plan_job_id.eq(plan_job_id))
        .filter(interviews::status.eq(PLANNING))
        .set((
            interviews::status.eq(IN_PROGRESS),
            interviews::updated_at.eq(diesel::dsl::now),
        ))
        .returning(interviews::id)
        .get_result(conn)
        .await
        .optional()?;
    let Some(id) = id else { return Ok(()) };
    let rows: Vec<_> = questions
        .iter()
        .zip(1..)
        .map(|(q, index): (&Question, i32)| {
            (
                interview_turns::interview_id.eq(id),
                interview_turns::question_index.eq(index),
                interview_turns::question.eq(&q.question),
                interview_turns::category.eq(&q.category),
                interview_turns::difficulty.eq(&q.difficulty),
                interview_turns::key_points.eq(serde_json::json!(q.key_points)),
            )
        })
        .collect();
    diesel::insert_into(interview_turns::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// The longest answer taken, in characters, over REST and the live socket alike.
pub const MAX_ANSWER_CHARS: usize = 10_000;

/// What an answer to the session's current question is.
pub enum Reply<'a> {
    Answer(&'a str),
    Skip,
}

#[derive(Debug, thiserror::Error)]
pub enum ReplyRefused {
    #[error("no such interview")]
    NotFound,
    #[error("the interview is {0}: it takes no answers")]
    NotInProgress(String),
    #[error("the last answer's feedback is being written; ask again in a moment")]
    FeedbackPending,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for ReplyRefused {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

/// Answers (or skips) the session's current question; an answer gets its feedback job
/// `feedback(question_index, follow_up)`. Skipping the last question ends the session.
pub async fn reply(
    conn: &mut PooledConn,
    owner_id: Uuid,
    id: Uuid,
    reply: Reply<'_>,
    feedback: impl Fn(i32, i32) -> NewJob + Sync,
) -> Result<Uuid, ReplyRefused> {
    conn.transaction(async |conn| {
        let session = lock_owned(conn, owner_id, id)
            .await?
            .ok_or(ReplyRefused::NotFound)?;
        if session.status != IN_PROGRESS {
            return Err(ReplyRefused::NotInProgress(session.status));
        }
        let turns = turns(conn, id).await?;
        if turns.iter().any(Turn::is_pending) {
            return Err(ReplyRefused::FeedbackPending);
        }
        let Some(turn) = turns.iter().find(|t| t.is_open()) else {
            return Err(ReplyRefused::NotInProgress(session.status));
        };
        let key = (turn.question_index, turn.follow_up);
        let this = interview_turns::table.find((id, key.0, key.1));
        match reply {
            Reply::Answer(text) => {
                diesel::update(this)
                    .set((
                        interview_turns::answer.eq(text),
                        interview_turns::answered_at.eq(diesel::dsl::now),
                    ))
                    .execute(conn)
                    .await?;
                let job = feedback(key.0, key.1);
                submit(conn, Uuid::now_v7(), owner_id, &job).await?;
            }
            Reply::Skip => {
                diesel::update(this)
                    .set(interview_turns::skipped.eq(true))
                    .execute(conn)
                    .await?;
                if !turns
                    .iter()
                    .any(|t| t.is_open() && (t.question_index, t.follow_up) != key)
                {
                    release_report(conn, &session).await?;
                }
            }
        }
        Ok(session.id)
    })
    .await
}

/// The feedback job's record: the turn's feedback and score, a follow-up turn when the
/// feedback asks one (at most two a question), and the report released once nothing is
/// left to ask or score.
pub async fn record_feedback(
    conn: &mut PooledConn,
    interview_id: Uuid,
    (question_index, follow_up): (i32, i32),
    feedback: &AnswerFeedback,
) -> Result<(), StoreError> {
    let Some(session) = lock(conn, interview_id).await? else {
        return Ok(());
    };
    diesel::update(interview_turns::table.find((interview_id, question_index, follow_up)))
        .set((
            interview_turns::feedback.eq(as_json(feedback)?),
            interview_turns::score.eq(i32::try_from(feedback.score.min(100)).unwrap_or(0)),
        ))
        .execute(conn)
        .await?;
    if let Some(question) = &feedback.follow_up
        && follow_up < 2
        && session.status == IN_PROGRESS
    {
        let asked: Turn = interview_turns::table
            .find((interview_id, question_index, follow_up))
            .select(Turn::as_select())
            .first(conn)
            .await?;
        diesel::insert_into(interview_turns::table)
            .values((
                interview_turns::interview_id.eq(interview_id),
                interview_turns::question_index.eq(question_index),
                interview_turns::follow_up.eq(follow_up + 1),
                interview_turns::question.eq(question),
                interview_turns::category.eq(&asked.category),
                interview_turns::difficulty.eq(&asked.difficulty),
                interview_turns::key_points.eq(serde_json::json!(feedback.key_points_missed)),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    let turns = turns(conn, interview_id).await?;
    let done = !turns.iter().any(|t| t.is_open() || t.is_pending());
    if done || (session.status == REPORTING && !turns.iter().any(Turn::is_pending)) {
        release_report(conn, &session).await?;
    }
    Ok(())
}

/// Ends a live session: with an answer given, its report is made (and paid for); with
/// none, the report is cancelled and its price refunded. Returns the session's status.
pub async fn end(
    conn: &mut PooledConn,
    owner_id: Uuid,
    id: Uuid,
) -> Result<Option<String>, StoreError> {
    conn.transaction(async |conn| {
        let Some(session) = lock_owned(conn, owner_id, id).await? else {
            return Ok(None);
        };
        if !session.is_live() {
            return Ok(Some(session.status));
        }
        let turns = turns(conn, id).await?;
        if turns.iter().any(|t| t.answer.is_some()) {
            diesel::update(interviews::table.find(id))
                .set((
                    interviews::status.eq(REPORTING),
                    interviews::updated_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
            if !turns.iter().any(Turn::is_pending) {
                release_report(conn, &session).await?;
            }
            return Ok(Some(REPORTING.to_owned()));
        }
        // The trigger marks the session abandoned; the points trigger refunds.
        for job in [session.report_job_id, session.plan_job_id] {
            diesel::update(jobs_table::table.find(job))
                .filter(jobs_table::status.eq("queued"))
                .set((
                    jobs_table::status.eq("cancelled"),
                    jobs_table::error.eq("the interview ended before any answer"),
                    jobs_table::finished_at.eq(diesel::dsl::now),
                    jobs_table::updated_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
        }
        Ok(Some("abandoned".to_owned()))
    })
    .await
}

/// Deletes one of the owner's sessions that is no longer live.
pub async fn delete_ended(
    conn: &mut PooledConn,
    owner_id: Uuid,
    id: Uuid,
) -> Result<bool, StoreError> {
    let gone = diesel::delete(interviews::table.find(id))
        .filter(interviews::owner_id.eq(owner_id))
        .filter(interviews::status.ne_all([PLANNING, IN_PROGRESS, REPORTING]))
        .execute(conn)
        .await?;
    Ok(gone == 1)
}

/// The report job's record: the assessment, and the session finished.
pub async fn record_report(
    conn: &mut PooledConn,
    report_job_id: Uuid,
    assessment: &InterviewAssessment,
) -> Result<(), StoreError> {
    diesel::update(interviews::table)
        .filter(interviews::report_job_id.eq(report_job_id))
        .set((
            interviews::status.eq(FINISHED),
            interviews::assessment.eq(as_json(assessment)?),
            interviews::overall_score
                .eq(i32::try_from(assessment.overall_score.min(100)).unwrap_or(0)),
            interviews::finished_at.eq(diesel::dsl::now),
            interviews::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Makes the session's report due: the dispatcher pushes it on its next cycle.
async fn release_report(
    conn: &mut AsyncPgConnection,
    session: &Interview,
) -> Result<(), StoreError> {
    diesel::update(interviews::table.find(session.id))
        .filter(interviews::status.eq_any([IN_PROGRESS, REPORTING]))
        .set((
            interviews::status.eq(REPORTING),
            interviews::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    diesel::update(jobs_table::table.find(session.report_job_id))
        .filter(jobs_table::status.eq("queued"))
        .set(jobs_table::run_after.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

async fn lock_owned(
    conn: &mut AsyncPgConnection,
    owner_id: Uuid,
    id: Uuid,
) -> Result<Option<Interview>, StoreError> {
    Ok(interviews::table
        .find(id)
        .filter(interviews::owner_id.eq(owner_id))
        .select(Interview::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<Interview>, StoreError> {
    Ok(interviews::table
        .find(id)
        .select(Interview::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

fn as_json(value: &impl serde::Serialize) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(value)
        .map_err(|e| StoreError::Corrupt(format!("not storable as JSON: {e}")))
}
