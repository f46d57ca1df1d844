use poem_openapi::{Object, OpenApi, payload::Json};
use prepq_schema::{
    analyses::{self, Analysis},
    interviews, posting_searches,
};

use super::{
    ApiTags,
    analyses::AnalysisState,
    interviews::{InterviewSummary, summary},
    postings::PostingSearchView,
};
use crate::{auth::Signed, error::ReadError};

#[derive(Default)]
pub struct DashboardApi;

/// The latest items shown of each kind.
const LATEST: i64 = 3;
/// Finished interviews in the score trend.
const TREND: i64 = 10;

#[derive(Debug, Object)]
pub struct AnalysesTally {
    pub count: i64,
    /// Newest first.
    pub latest: Vec<AnalysisState>,
}

#[derive(Debug, Object)]
pub struct InterviewsTally {
    pub count: i64,
    /// Newest first.
    pub latest: Vec<InterviewSummary>,
    /// Overall scores of your last finished interviews, oldest first.
    pub score_trend: Vec<i32>,
}

#[derive(Debug, Object)]
pub struct PostingSearchesTally {
    /// Your distinct recent searches (the latest 20 are kept).
    pub count: i64,
    /// The latest run first.
    pub latest: Vec<PostingSearchView>,
}

/// What you have done so far, at a glance.
#[derive(Debug, Object)]
pub struct Dashboard {
    pub diagnoses: AnalysesTally,
    pub question_sets: AnalysesTally,
    pub interviews: InterviewsTally,
    pub posting_searches: PostingSearchesTally,
}

#[OpenApi(tag = "ApiTags::Accounts")]
impl DashboardApi {
    /// Your diagnoses, question sets, interviews and posting searches: counts, the latest,
    /// and the interview score trend.
    #[oai(path = "/dashboard", method = "get")]
    async fn dashboard(&self, me: Signed<'_>) -> Result<Json<Dashboard>, ReadError> {
        let owner = me.caller.user_id;
        let mut conn = me.state.conn().await?;
        let mut tally = async |analysis: Analysis| -> Result<AnalysesTally, ReadError> {
            let latest = analyses::list_owned(&mut conn, analysis, owner, None, LATEST).await?;
            Ok(AnalysesTally {
                count: analyses::count_owned(&mut conn, analysis, owner).await?,
                latest: latest.iter().map(AnalysisState::of).collect(),
            })
        };
        let diagnoses = tally(Analysis::Diagnosis).await?;
        let question_sets = tally(Analysis::QuestionSet).await?;
        let latest = interviews::list_owned(&mut conn, owner, None, LATEST).await?;
        let (count, score_trend) = interviews::tally(&mut conn, owner, TREND).await?;
        let searches = posting_searches::recent(&mut conn, owner, LATEST).await?;
        let posting_searches = PostingSearchesTally {
            count: posting_searches::count(&mut conn, owner).await?,
            latest: searches.into_iter().map(PostingSearchView::from).collect(),
        };
        Ok(Json(Dashboard {
            diagnoses,
            question_sets,
            interviews: InterviewsTally {
                count,
                latest: latest.into_iter().map(summary).collect(),
                score_trend,
            },
            posting_searches,
        }))
    }
}
