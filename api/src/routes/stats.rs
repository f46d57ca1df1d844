use chrono::{NaiveDate, Utc};
use poem_openapi::{Object, OpenApi, param::Query, payload::Json};
use prepq_schema::{
    feedback,
    stats::{self, DayStats, Totals},
};

use super::ApiTags;
use crate::{auth::Signed, error::AdminListError};

/// The back office's figures, for administrators.
#[derive(Default)]
pub struct StatsApi;

/// One UTC day of the platform.
#[derive(Debug, Object)]
pub struct StatsDay {
    pub day: NaiveDate,
    pub new_users: i64,
    /// Of the new users, those who registered with an invitation code.
    pub invited_users: i64,
    /// Users who signed in that day.
    pub active_users: i64,
    /// Users who paid an order that day, and what they paid (fen).
    pub paying_users: i64,
    pub revenue_fen: i64,
    /// Resumes uploaded, diagnoses and question sets made, interviews started, crawl runs.
    pub uploads: i64,
    pub diagnoses: i64,
    pub question_sets: i64,
    pub interviews: i64,
    pub crawls: i64,
}

/// The platform's figures: all time and now, then per day.
#[derive(Debug, Object)]
pub struct PlatformStats {
    pub users: i64,
    /// Users who registered with an invitation code.
    pub invited_users: i64,
    /// Users whose session was renewed within an access token's life.
    pub signed_in_now: i64,
    pub paying_users: i64,
    pub revenue_fen: i64,
    /// Users' ratings of each module, all time.
    pub feedback: Vec<FeedbackStats>,
    /// Oldest first.
    pub days: Vec<StatsDay>,
}

/// Ratings of one module (`diagnosis`, `question_set`, `interview`).
#[derive(Debug, Object)]
pub struct FeedbackStats {
    pub module: String,
    pub ratings: i64,
    /// The mean rating, 1–5.
    pub average: f64,
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl StatsApi {
    /// Users, sign-ins, payments and the use of each module, per UTC day.
    #[oai(path = "/stats", method = "get")]
    async fn stats(
        &self,
        me: Signed<'_>,
        /// How many days, 1–90.
        #[oai(
            default = "default_days",
            validator(minimum(value = "1"), maximum(value = "90"))
        )]
        days: Query<i32>,
        /// The last day (UTC); today by default.
        until: Query<Option<NaiveDate>>,
    ) -> Result<Json<PlatformStats>, AdminListError> {
        me.caller.require_admin()?;
        let until = until.0.unwrap_or_else(|| Utc::now().date_naive());
        let live = i32::try_from(me.state.config.access_token_secs).unwrap_or(i32::MAX);
        let mut conn = me.state.conn().await?;
        let Totals {
            users,
            invited_users,
            signed_in_now,
            paying_users,
            revenue_fen,
        } = stats::totals(&mut conn, live).await?;
        let days = stats::daily(&mut conn, until, days.0).await?;
        let feedback = feedback::ratings_by_module(&mut conn).await?;
        Ok(Json(PlatformStats {
            users,
            invited_users,
            feedback: feedback
                .into_iter()
                .map(|r| FeedbackStats {
                    module: r.module,
                    ratings: r.ratings,
                    average: r.average,
                })
                .collect(),
            signed_in_now,
            paying_users,
            revenue_fen,
            days: days.into_iter().map(StatsDay::from).collect(),
        }))
    }
}

fn default_days() -> i32 {
    30
}

impl From<DayStats> for StatsDay {
    fn from(d: DayStats) -> Self {
        Self {
            day: d.day,
            new_users: d.new_users,
            invited_users: d.invited_users,
            active_users: d.active_users,
            paying_users: d.paying_users,
            revenue_fen: d.revenue_fen,
            uploads: d.uploads,
            diagnoses: d.diagnoses,
            question_sets: d.question_sets,
            interviews: d.interviews,
            crawls: d.crawls,
        }
    }
}
