use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};
use prepq_schema::feedback::{self, Feedback, Module};
use uuid::Uuid;

use super::ApiTags;
use crate::{
    auth::Signed,
    error::{ErrorBody, UpdateError},
};

#[derive(Default)]
pub struct FeedbackApi;

/// A rating of something you got; rating it again replaces the rating.
#[derive(Debug, Object)]
pub struct FeedbackRequest {
    pub module: Module,
    /// The diagnosis', question set's (their job ids) or interview's id.
    pub subject_id: Uuid,
    /// 1 (poor) to 5 (excellent).
    #[oai(validator(minimum(value = "1"), maximum(value = "5")))]
    pub rating: i16,
    #[oai(default, validator(max_length = 2000))]
    pub comment: String,
}

#[derive(ApiResponse)]
pub enum FeedbackRecorded {
    #[oai(status = 200)]
    Recorded(Json<Feedback>),
}

#[OpenApi(tag = "ApiTags::Messages")]
impl FeedbackApi {
    /// Rate a diagnosis, a question set or an interview of yours, with a comment if you
    /// like.
    #[oai(path = "/feedback", method = "post")]
    async fn rate(
        &self,
        me: Signed<'_>,
        request: Json<FeedbackRequest>,
    ) -> Result<FeedbackRecorded, UpdateError> {
        let request = request.0;
        let mut conn = me.state.conn().await?;
        let recorded = feedback::rate(
            &mut conn,
            me.caller.user_id,
            request.module,
            request.subject_id,
            request.rating,
            &request.comment,
        )
        .await?
        .ok_or_else(|| {
            UpdateError::NotFound(ErrorBody::new(
                "not_found",
                format!("no {} of yours with that id", request.module.as_str()),
            ))
        })?;
        Ok(FeedbackRecorded::Recorded(Json(recorded)))
    }
}
