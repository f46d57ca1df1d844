//! A signed-in caller together with the state handlers reach: one extractor instead of the
//! bearer scheme and the state side by side in every operation.

use poem::{Request, RequestBody};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions, registry::Registry};

use super::{BearerAuth, Caller};
use crate::state::AppState;

/// Documented as the bearer scheme: the operation answers 401 without a live session.
pub struct Signed<'a> {
    pub caller: Caller,
    pub state: &'a AppState,
}

impl<'a> ApiExtractor<'a> for Signed<'a> {
    const TYPES: &'static [ApiExtractorType] = BearerAuth::TYPES;
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        BearerAuth::register(registry);
    }

    fn security_schemes() -> Vec<&'static str> {
        BearerAuth::security_schemes()
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        options: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let BearerAuth(caller) = BearerAuth::from_request(request, body, options).await?;
        // The bearer check has already found the state; without it there is no session.
        let state = request
            .data::<AppState>()
            .ok_or_else(|| poem::Error::from_status(poem::http::StatusCode::UNAUTHORIZED))?;
        Ok(Self { caller, state })
    }
}
