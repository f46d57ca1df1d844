//! Crawled postings: stored by (source, external id), changed only when their content hash
//! changes, closed (never deleted) when a complete crawl no longer finds them, and searched
//! with PostgreSQL full-text search.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::{
    dsl::{now, sql},
    prelude::*,
    sql_types::{Bool, Text},
};
use diesel_async::{AsyncConnection, RunQueryDsl};
use prepq_postings::{Posting, Salary};
use uuid::Uuid;

use crate::{PooledConn, StoreError, schema::postings};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = postings, check_for_backend(diesel::pg::Pg))]
pub struct PostingRow {
    pub id: Uuid,
    pub source_id: Uuid,
    pub external_id: String,
    pub url: String,
    pub title: String,
    pub company: Option<String>,
    pub location: Option<String>,
    pub remote: bool,
    pub salary_min: Option<f64>,
    pub salary_max: Option<f64>,
    pub salary_currency: Option<String>,
    pub salary_period: Option<String>,
    pub employment_type: Option<String>,
    pub description: String,
    pub requirements: serde_json::Value,
    pub skills: Vec<String>,
    pub posted_on: Option<NaiveDate>,
    pub content_hash: String,
    pub status: String,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl PostingRow {
    /// The posting as crawled, without what the store adds (id, status, times).
    pub fn posting(&self) -> Posting {
        Posting {
            external_id: self.external_id.clone(),
            url: self.url.clone(),
            title: self.title.clone(),
            company: self.company.clone(),
            location: self.location.clone(),
            remote: self.remote,
            salary: (self.salary_min.is_some() || self.salary_max.is_some()).then(|| Salary {
                min: self.salary_min,
                max: self.salary_max,
                currency: self.salary_currency.clone(),
                period: self.salary_period.clone(),
            }),
            employment_type: self.employment_type.clone(),
            description: self.description.clone(),
            requirements: serde_json::from_value(self.requirements.clone()).unwrap_or_default(),
            skills: self.skills.clone(),
            posted_on: self.posted_on.map(|d| d.format("%Y-%m-%d").to_string()),
        }
    }
}

/// How a crawl changed the source's postings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    pub new: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub closed: i32,
}

/// A crawl's findings, to apply in one transaction.
pub struct Findings<'a> {
    pub postings: &'a [Posting],
    /// Seen unchanged without being read (304).
    pub unchanged: &'a [String],
    /// Not read this time (their page failed): left as they are.
    pub kept: &'a [String],
    /// The listing was read in full: open postings not seen are closed.
    pub complete: bool,
}

pub async fn apply(
    conn: &mut PooledConn,
    source_id: Uuid,
    findings: Findings<'_>,
) -> Result<Applied, StoreError> {
    conn.transaction(async |conn| {
        let ids: Vec<&str> = findings
            .postings
            .iter()
            .map(|p| p.external_id.as_str())
            .collect();
        let stored: HashMap<String, (String, String)> = postings::table
            .filter(postings::source_id.eq(source_id))
            .filter(postings::external_id.eq_any(&ids))
            .select((
                postings::external_id,
                postings::content_hash,
                postings::status,
            ))
            .load::<(String, String, String)>(conn)
            .await?
            .into_iter()
            .map(|(id, hash, status)| (id, (hash, status)))
            .collect();
        let mut applied = Applied::default();
        let mut seen: HashSet<&str> = HashSet::new();
        for posting in findings.postings {
            if !seen.insert(&posting.external_id) {
                continue;
            }
            let hash = posting.content_hash();
            let fields = Fields::of(source_id, posting, &hash);
            match stored.get(&posting.external_id) {
                None => {
                    diesel::insert_into(postings::table)
                        .values((postings::id.eq(Uuid::now_v7()), &fields))
                        .execute(conn)
                        .await?;
                    applied.new += 1;
                }
                Some((old, status)) if *old == hash && status == "open" => {
                    touch(conn, source_id, std::slice::from_ref(&posting.external_id)).await?;
                    applied.unchanged += 1;
                }
                Some(_) => {
                    diesel::update(postings::table)
                        .filter(postings::source_id.eq(source_id))
                        .filter(postings::external_id.eq(&posting.external_id))
                        .set((
                            &fields,
                            postings::status.eq("open"),
                            postings::closed_at.eq(None::<DateTime<Utc>>),
                            postings::last_seen_at.eq(now),
                            postings::updated_at.eq(now),
                        ))
                        .execute(conn)
                        .await?;
                    applied.updated += 1;
                }
            }
        }
        applied.unchanged += touch(conn, source_id, findings.unchanged).await? as i32;
        if findings.complete {
            let alive: Vec<&str> = seen
                .iter()
                .copied()
                .chain(findings.unchanged.iter().map(String::as_str))
                .chain(findings.kept.iter().map(String::as_str))
                .collect();
            applied.closed = diesel::update(postings::table)
                .filter(postings::source_id.eq(source_id))
                .filter(postings::status.eq("open"))
                .filter(postings::external_id.ne_all(alive))
                .set((
                    postings::status.eq("closed"),
                    postings::closed_at.eq(now),
                    postings::updated_at.eq(now),
                ))
                .execute(conn)
                .await? as i32;
        }
        Ok(applied)
    })
    .await
}

/// The columns a crawl writes.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = postings)]
struct Fields<'a> {
    source_id: Uuid,
    external_id: &'a str,
    url: &'a str,
    title: &'a str,
    company: Option<&'a str>,
    location: Option<&'a str>,
    remote: bool,
    salary_min: Option<f64>,
    salary_max: Option<f64>,
    salary_currency: Option<&'a str>,
    salary_period: Option<&'a str>,
    employment_type: Option<&'a str>,
    description: &'a str,
    requirements: serde_json::Value,
    skills: &'a [String],
    posted_on: Option<NaiveDate>,
    content_hash: &'a str,
}

impl<'a> Fields<'a> {
    fn of(source_id: Uuid, p: &'a Posting, content_hash: &'a str) -> Self {
        let salary = p.salary.as_ref();
        Self {
            source_id,
            external_id: &p.external_id,
            url: &p.url,
            title: &p.title,
            company: p.company.as_deref(),
            location: p.location.as_deref(),
            remote: p.remote,
            salary_min: salary.and_then(|s| s.min),
            salary_max: salary.and_then(|s| s.max),
            salary_currency: salary.and_then(|s| s.currency.as_deref()),
            salary_period: salary.and_then(|s| s.period.as_deref()),
            employment_type: p.employment_type.as_deref(),
            description: &p.description,
            requirements: serde_json::json!(p.requirements),
            skills: &p.skills,
            posted_on: p
                .posted_on
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
            content_hash,
        }
    }
}

/// Marks postings seen now; returns how many.
async fn touch(
    conn: &mut diesel_async::AsyncPgConnection,
    source_id: Uuid,
    external_ids: &[String],
) -> Result<usize, StoreError> {
    if external_ids.is_empty() {
        return Ok(0);
    }
    Ok(diesel::update(postings::table)
        .filter(postings::source_id.eq(source_id))
        .filter(postings::external_id.eq_any(external_ids))
        .set(postings::last_seen_at.eq(now))
        .execute(conn)
        .await?)
}

/// What a search asks for; every field narrows it.
#[derive(Debug, Clone, Default)]
pub struct PostingFilter {
    /// Words in the title, company or description (web-search syntax).
    pub text: Option<String>,
    pub location: Option<String>,
    pub remote: Option<bool>,
    pub company: Option<String>,
    /// A vocabulary skill, as the vocabulary spells it.
    pub skill: Option<String>,
    pub posted_since: Option<NaiveDate>,
    /// Closed postings too.
    pub include_closed: bool,
    pub before: Option<Uuid>,
}

pub async fn search(
    conn: &mut PooledConn,
    filter: &PostingFilter,
    limit: i64,
) -> Result<Vec<PostingRow>, StoreError> {
    let mut query = newest_first!(
        postings::table.select(PostingRow::as_select()),
        postings::id,
        filter.before,
        limit
    );
    if let Some(text) = &filter.text {
        // `simple` keeps every word as written: postings come in Chinese and English, and
        // Chinese has no spaces for a parser to split on, so CJK text is matched as a substring.
        let cjk = text.chars().any(prepq_text::is_han);
        query = if cjk {
            query.filter(
                sql::<Bool>("(title || ' ' || coalesce(company, '') || ' ' || description) ILIKE ")
                    .bind::<Text, _>(format!("%{}%", escape_like(text))),
            )
        } else {
            query.filter(
                sql::<Bool>("search @@ websearch_to_tsquery('simple', ")
                    .bind::<Text, _>(text.clone())
                    .sql(")"),
            )
        };
    }
    if let Some(location) = &filter.location {
        query = query.filter(postings::location.ilike(format!("%{}%", escape_like(location))));
    }
    if let Some(remote) = filter.remote {
        query = query.filter(postings::remote.eq(remote));
    }
    if let Some(company) = &filter.company {
        query = query.filter(postings::company.ilike(format!("%{}%", escape_like(company))));
    }
    if let Some(skill) = &filter.skill {
        query = query.filter(postings::skills.contains(vec![skill.clone()]));
    }
    if let Some(since) = filter.posted_since {
        query = query.filter(postings::posted_on.ge(since));
    }
    if !filter.include_closed {
        query = query.filter(postings::status.eq("open"));
    }
    Ok(query.load(conn).await?)
}

pub async fn find(conn: &mut PooledConn, id: Uuid) -> Result<Option<PostingRow>, StoreError> {
    Ok(postings::table
        .find(id)
        .select(PostingRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
