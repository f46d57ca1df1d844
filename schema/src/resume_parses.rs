//! What the latest successful reading of each resume found: its text, the structured parse
//! in JSON columns, and the vocabulary skills it mentions. A new reading replaces them only
//! when it succeeds, so a failed re-read keeps the last good parse.

use chrono::{DateTime, Utc};
use diesel::{dsl::now, prelude::*, upsert::excluded};
use diesel_async::RunQueryDsl;
use prepq_jobs::kinds::{ResumeParse, ResumeText, SkillMention};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::{
    DbPool, PooledConn, StoreError,
    batcher::Batcher,
    schema::{resume_parse_results, resumes, skill_matches},
};

/// A resume's stored reading.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedResume {
    pub resume_id: Uuid,
    /// The job whose reading this is.
    pub job_id: Uuid,
    pub text: String,
    pub pages: u32,
    pub parse: ResumeParse,
    pub parsed_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = resume_parse_results, check_for_backend(diesel::pg::Pg))]
struct ParseRow {
    resume_id: Uuid,
    job_id: Uuid,
    language: String,
    text: String,
    pages: i32,
    contact: serde_json::Value,
    sections: serde_json::Value,
    education: serde_json::Value,
    experience: serde_json::Value,
    years_of_experience: f64,
    confidence: f64,
    parsed_at: DateTime<Utc>,
}

/// Stores what job `job_id` read for the resume it is the current reading of; false when it
/// is no resume's current reading (a newer one was started, or it was a bare file job).
/// Meant for the transaction that marks the job succeeded.
pub async fn record(
    conn: &mut PooledConn,
    job_id: Uuid,
    read: &ResumeText,
) -> Result<bool, StoreError> {
    let Some(parse) = &read.parse else {
        return Ok(false);
    };
    // Locked so that a deletion of the resume waits for this write, or this write for it.
    let Some(resume_id) = resumes::table
        .filter(resumes::job_id.eq(job_id))
        .select(resumes::id)
        .for_update()
        .first::<Uuid>(conn)
        .await
        .optional()?
    else {
        return Ok(false);
    };
    let row = ParseRow {
        resume_id,
        job_id,
        language: parse.language.clone(),
        text: read.text.clone(),
        pages: i32::try_from(read.pages).unwrap_or(i32::MAX),
        contact: to_json(&parse.contact)?,
        sections: to_json(&parse.sections)?,
        education: to_json(&parse.education)?,
        experience: to_json(&parse.experience)?,
        years_of_experience: parse.years_of_experience,
        confidence: parse.confidence,
        parsed_at: Utc::now(),
    };
    diesel::insert_into(resume_parse_results::table)
        .values(&row)
        .on_conflict(resume_parse_results::resume_id)
        .do_update()
        .set((
            resume_parse_results::job_id.eq(excluded(resume_parse_results::job_id)),
            resume_parse_results::language.eq(excluded(resume_parse_results::language)),
            resume_parse_results::text.eq(excluded(resume_parse_results::text)),
            resume_parse_results::pages.eq(excluded(resume_parse_results::pages)),
            resume_parse_results::contact.eq(excluded(resume_parse_results::contact)),
            resume_parse_results::sections.eq(excluded(resume_parse_results::sections)),
            resume_parse_results::education.eq(excluded(resume_parse_results::education)),
            resume_parse_results::experience.eq(excluded(resume_parse_results::experience)),
            resume_parse_results::years_of_experience
                .eq(excluded(resume_parse_results::years_of_experience)),
            resume_parse_results::confidence.eq(excluded(resume_parse_results::confidence)),
            resume_parse_results::parsed_at.eq(now),
        ))
        .execute(conn)
        .await?;
    diesel::delete(skill_matches::table.filter(skill_matches::resume_id.eq(resume_id)))
        .execute(conn)
        .await?;
    let skills: Vec<_> = parse
        .skills
        .iter()
        .map(|s| {
            (
                skill_matches::resume_id.eq(resume_id),
                skill_matches::skill.eq(&s.skill),
                skill_matches::mentions.eq(i32::try_from(s.mentions).unwrap_or(i32::MAX)),
            )
        })
        .collect();
    if !skills.is_empty() {
        diesel::insert_into(skill_matches::table)
            .values(&skills)
            .execute(conn)
            .await?;
    }
    Ok(true)
}

/// The owner's resume as an analysis checks it, in one statement: `None` when it is not
/// theirs, else the language of its stored reading, `None` when it was never read
/// successfully. The whole reading is the worker's to load.
pub async fn language_of_owned(
    conn: &mut PooledConn,
    owner_id: Uuid,
    resume_id: Uuid,
) -> Result<Option<Option<String>>, StoreError> {
    Ok(resumes::table
        .left_join(resume_parse_results::table.on(resume_parse_results::resume_id.eq(resumes::id)))
        .filter(resumes::id.eq(resume_id))
        .filter(resumes::owner_id.eq(owner_id))
        .select(resume_parse_results::language.nullable())
        .first(conn)
        .await
        .optional()?)
}

/// The stored readings of these resumes; a resume never read successfully has none. The
/// caller has checked who owns them.
pub async fn find_many(
    conn: &mut PooledConn,
    resume_ids: &[Uuid],
) -> Result<Vec<ParsedResume>, StoreError> {
    let rows: Vec<ParseRow> = resume_parse_results::table
        .filter(resume_parse_results::resume_id.eq_any(resume_ids))
        .select(ParseRow::as_select())
        .load(conn)
        .await?;
    let skills: Vec<(Uuid, String, i32)> = skill_matches::table
        .filter(skill_matches::resume_id.eq_any(resume_ids))
        .select((
            skill_matches::resume_id,
            skill_matches::skill,
            skill_matches::mentions,
        ))
        .order((
            skill_matches::resume_id,
            skill_matches::mentions.desc(),
            skill_matches::skill,
        ))
        .load(conn)
        .await?;
    rows.into_iter()
        .map(|row| {
            let skills = skills
                .iter()
                .filter(|(resume, _, _)| *resume == row.resume_id)
                .map(|(_, skill, mentions)| SkillMention {
                    skill: skill.clone(),
                    mentions: u32::try_from(*mentions).unwrap_or(0),
                })
                .collect();
            row.into_parsed(skills)
        })
        .collect()
}

/// Readings asked for by concurrent jobs, read together: two statements a batch instead
/// of two a job. Each asker gets its resume's reading, or `None`.
pub type Readings = Batcher<Uuid, Result<Option<ParsedResume>, StoreError>>;

/// Most readings one pair of statements fetches.
const READINGS_BATCH: usize = 64;

pub fn readings(db: DbPool) -> Readings {
    Batcher::spawn(READINGS_BATCH, move |ids: Vec<Uuid>| {
        let db = db.clone();
        async move {
            let found = match db.get().await {
                Ok(mut conn) => find_many(&mut conn, &ids).await,
                Err(e) => Err(e.into()),
            };
            match found {
                Ok(read) => ids
                    .iter()
                    .map(|id| Ok(read.iter().find(|r| r.resume_id == *id).cloned()))
                    .collect(),
                Err(e) => ids.iter().map(|_| Err(e.for_each_asker())).collect(),
            }
        }
    })
}

impl ParseRow {
    fn into_parsed(self, skills: Vec<SkillMention>) -> Result<ParsedResume, StoreError> {
        Ok(ParsedResume {
            resume_id: self.resume_id,
            job_id: self.job_id,
            text: self.text,
            pages: u32::try_from(self.pages).unwrap_or(0),
            parse: ResumeParse {
                language: self.language,
                contact: from_json(self.contact, "contact")?,
                sections: from_json(self.sections, "sections")?,
                education: from_json(self.education, "education")?,
                experience: from_json(self.experience, "experience")?,
                skills,
                years_of_experience: self.years_of_experience,
                confidence: self.confidence,
            },
            parsed_at: self.parsed_at,
        })
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(value).map_err(|e| StoreError::Corrupt(format!("encoding a parse: {e}")))
}

fn from_json<T: DeserializeOwned>(value: serde_json::Value, column: &str) -> Result<T, StoreError> {
    serde_json::from_value(value)
        .map_err(|e| StoreError::Corrupt(format!("resume_parse_results.{column}: {e}")))
}
