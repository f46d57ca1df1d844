//! The payment provider's callback. Not part of the client API (nor of its OpenAPI spec):
//! only the provider calls it, and proves it with a signature over the raw body, so the
//! body is read as bytes, unparsed, and checked before anything else.

use poem::{
    Body, IntoResponse, Response, handler,
    http::{HeaderMap, StatusCode},
    web::Data,
};
use prepq_billing::provider::SignedHeaders;
use serde_json::json;

use crate::{
    billing::{self, BillingError},
    state::AppState,
};

/// Larger than any real notification (a few KB), small enough to refuse junk cheaply.
const MAX_BODY: usize = 64 * 1024;

/// The provider wants 200/204 for "received" and `{code: FAIL}` with 4xx/5xx otherwise,
/// after which it sends the notification again later.
#[handler]
pub async fn notify(state: Data<&AppState>, headers: &HeaderMap, body: Body) -> Response {
    let body = match body.into_bytes_limit(MAX_BODY).await {
        Ok(body) => body,
        Err(_) => return fail(StatusCode::PAYLOAD_TOO_LARGE, "the body is over the limit"),
    };
    let Ok(body) = std::str::from_utf8(&body) else {
        return fail(StatusCode::BAD_REQUEST, "the body is not UTF-8");
    };
    let signed = SignedHeaders::read(|name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    let mut conn = match state.db.get().await {
        Ok(conn) => conn,
        Err(e) => {
            tracing::error!(error = %e, "payment notification: no database connection");
            return fail(StatusCode::SERVICE_UNAVAILABLE, "try again later");
        }
    };
    let outcome =
        billing::receive_notification(&mut conn, state.payments.as_deref(), signed.as_ref(), body)
            .await;
    match outcome {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e @ BillingError::Unauthenticated(_)) => {
            tracing::warn!(error = %e, "payment notification refused");
            metrics::counter!("prepq_payment_notifications_refused_total").increment(1);
            fail(StatusCode::UNAUTHORIZED, &e.to_string())
        }
        Err(e @ BillingError::Unreadable(_)) => fail(StatusCode::BAD_REQUEST, &e.to_string()),
        Err(e @ BillingError::NotConfigured) => fail(StatusCode::NOT_FOUND, &e.to_string()),
        Err(e) => {
            tracing::error!(error = %e, "payment notification not applied; the provider will send it again");
            fail(StatusCode::SERVICE_UNAVAILABLE, "try again later")
        }
    }
}

fn fail(status: StatusCode, message: &str) -> Response {
    (
        status,
        poem::web::Json(json!({ "code": "FAIL", "message": message })),
    )
        .into_response()
}
