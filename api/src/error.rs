//! The one error shape of the API, `{"error": {"code", "message", "details"}}`, and the
//! place where domain errors become HTTP statuses.

use poem::{Endpoint, IntoResponse, Response, http::StatusCode};
use poem_openapi::{ApiResponse, Object, payload::Json};
use prepq_schema::{StoreError, points::Unaffordable};

use crate::{accounts::AccountError, billing::BillingError, rate_limit::Limited};

#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `not_found`, `invalid_request`, ...
    pub code: String,
    /// For people.
    pub message: String,
    pub details: Option<serde_json::Value>,
}

impl ErrorBody {
    pub fn new(code: &str, message: impl Into<String>) -> Json<Self> {
        Json(Self {
            error: ErrorDetail {
                code: code.to_owned(),
                message: message.into(),
                details: None,
            },
        })
    }
}

#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request is malformed.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No valid bearer token, or wrong credentials.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// The points balance does not cover the price; `details` has both.
    #[oai(status = 402)]
    PaymentRequired(Json<ErrorBody>),
    /// Signed in, but not allowed to do this.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such resource, or not yours.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The resource is not in a state that allows this.
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// The upload is over the size limit.
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
    /// The upload's content is of a type we don't accept.
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// The request is well-formed but its values are not acceptable.
    #[oai(status = 422)]
    Unprocessable(Json<ErrorBody>),
    /// Over a rate limit: try again after `Retry-After` seconds.
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
    /// A dependency is down; try again.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>),
}

impl ApiError {
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(ErrorBody::new("not_found", format!("{what} not found")))
    }

    pub fn unauthorized(message: &str) -> Self {
        Self::Unauthorized(ErrorBody::new("unauthorized", message))
    }

    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::Unprocessable(ErrorBody::new("invalid_request", message))
    }

    fn internal(cause: &dyn std::fmt::Display) -> Self {
        Self::Unavailable(unavailable(cause))
    }
}

/// The body of a 503; the cause goes to the log, never to the client.
fn unavailable(cause: &dyn std::fmt::Display) -> Json<ErrorBody> {
    tracing::error!(error = %cause, "internal error");
    ErrorBody::new(
        "unavailable",
        "the service is temporarily unavailable; try again",
    )
}

/// Declares the error answers one kind of operation can give, from a fixed list of
/// variants (each with its status and meaning), with the conversions its variants allow:
/// a `StoreError` becomes 503, an `InvalidCursor` 400, `NotAdmin` 403, and `not_found`
/// makes a 404. The spec then documents only those answers.
macro_rules! answers {
    ($(#[$meta:meta])* pub enum $name:ident { $($variant:ident),+ $(,)? }) => {
        answers!(@enum [$(#[$meta])*] $name [] $($variant)+);
        $(answers!(@impl $name $variant);)+
    };
    (@enum [$($meta:tt)*] $name:ident [$($body:tt)*]) => {
        $($meta)*
        #[derive(Debug, ApiResponse)]
        pub enum $name { $($body)* }
    };
    (@enum $meta:tt $name:ident [$($body:tt)*] BadRequest $($rest:ident)*) => {
        answers!(@enum $meta $name [$($body)*
            #[doc = "The request is malformed: a parameter that does not parse (an id that is not a UUID), or a cursor no listing gave."]
            #[oai(status = 400)]
            BadRequest(Json<ErrorBody>),
        ] $($rest)*);
    };
    (@enum $meta:tt $name:ident [$($body:tt)*] Unauthorized $($rest:ident)*) => {
        answers!(@enum $meta $name [$($body)*
            #[doc = "No valid bearer token."]
            #[oai(status = 401)]
            Unauthorized(Json<ErrorBody>),
        ] $($rest)*);
    };
    (@enum $meta:tt $name:ident [$($body:tt)*] Forbidden $($rest:ident)*) => {
        answers!(@enum $meta $name [$($body)*
            #[doc = "Signed in, but not an administrator."]
            #[oai(status = 403)]
            Forbidden(Json<ErrorBody>),
        ] $($rest)*);
    };
    (@enum $meta:tt $name:ident [$($body:tt)*] NotFound $($rest:ident)*) => {
        answers!(@enum $meta $name [$($body)*
            #[doc = "No such resource, or not yours."]
            #[oai(status = 404)]
            NotFound(Json<ErrorBody>),
        ] $($rest)*);
    };
    (@enum $meta:tt $name:ident [$($body:tt)*] Conflict $($rest:ident)*) => {
        answers!(@enum $meta $name [$($body)*
            #[doc = "The resource is not in a state that allows this."]
            #[oai(status = 409)]
            Conflict(Json<ErrorBody>),
        ] $($rest)*);
    };
    (@enum $meta:tt $name:ident [$($body:tt)*] UnsupportedMediaType $($rest:ident)*) => {
        answers!(@enum $meta $name [$($body)*
            #[doc = "The body is not `application/json`."]
            #[oai(status = 415)]
            UnsupportedMediaType(Json<ErrorBody>),
        ] $($rest)*);
    };
    (@enum $meta:tt $name:ident [$($body:tt)*] TooManyRequests $($rest:ident)*) => {
        answers!(@enum $meta $name [$($body)*
            #[doc = "Over a limit: try again after `Retry-After` seconds."]
            #[oai(status = 429)]
            TooManyRequests(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
        ] $($rest)*);
    };
    (@enum $meta:tt $name:ident [$($body:tt)*] Unavailable $($rest:ident)*) => {
        answers!(@enum $meta $name [$($body)*
            #[doc = "A dependency is down; try again."]
            #[oai(status = 503)]
            Unavailable(Json<ErrorBody>),
        ] $($rest)*);
    };
    (@impl $name:ident Unavailable) => {
        impl From<StoreError> for $name {
            fn from(e: StoreError) -> Self {
                Self::Unavailable(unavailable(&e))
            }
        }
    };
    (@impl $name:ident NotFound) => {
        impl $name {
            pub fn not_found(what: &str) -> Self {
                Self::NotFound(ErrorBody::new("not_found", format!("{what} not found")))
            }
        }
    };
    (@impl $name:ident BadRequest) => {
        impl From<InvalidCursor> for $name {
            fn from(_: InvalidCursor) -> Self {
                Self::BadRequest(InvalidCursor::body())
            }
        }

        impl $name {
            pub fn invalid(message: impl Into<String>) -> Self {
                Self::BadRequest(ErrorBody::new("invalid_request", message))
            }
        }
    };
    (@impl $name:ident Forbidden) => {
        impl From<NotAdmin> for $name {
            fn from(_: NotAdmin) -> Self {
                Self::Forbidden(NotAdmin::body())
            }
        }
    };
    (@impl $name:ident TooManyRequests) => {
        impl From<Limited> for $name {
            fn from(limited: Limited) -> Self {
                let (body, retry_after) = limited.answer();
                Self::TooManyRequests(body, retry_after)
            }
        }
    };
    (@impl $name:ident $other:ident) => {};
}

answers! {
    /// The answers of an operation that reads the caller's own state and takes no input.
    pub enum ReadError { Unauthorized, Unavailable }
}

answers! {
    /// The answers of an operation on one resource of the caller's, named by its id.
    pub enum FindError { BadRequest, Unauthorized, NotFound, Unavailable }
}

answers! {
    /// The answers of the caller's event stream: how many one holds open is capped.
    pub enum StreamError { Unauthorized, TooManyRequests, Unavailable }
}

answers! {
    /// The answers of one job's event stream.
    pub enum JobStreamError { BadRequest, Unauthorized, NotFound, TooManyRequests, Unavailable }
}

answers! {
    /// The answers of a change to one resource of the caller's that its state may refuse.
    pub enum ChangeError { BadRequest, Unauthorized, NotFound, Conflict, Unavailable }
}

answers! {
    /// The answers of a change to the caller's own settings, whose input can be refused.
    pub enum InputError { BadRequest, Unauthorized, UnsupportedMediaType, Unavailable }
}

answers! {
    /// The answers of making a resource of the caller's, of which one may hold only so many.
    pub enum CreateError { BadRequest, Unauthorized, Conflict, UnsupportedMediaType, Unavailable }
}

answers! {
    /// The answers of a change to one resource of the caller's, sent as a JSON body.
    pub enum UpdateError { BadRequest, Unauthorized, NotFound, UnsupportedMediaType, Unavailable }
}

answers! {
    /// The answers of a listing: its cursor can be malformed.
    pub enum ListError { BadRequest, Unauthorized, Unavailable }
}

answers! {
    /// The answers of a listing only administrators may read.
    pub enum AdminListError { BadRequest, Unauthorized, Forbidden, Unavailable }
}

answers! {
    /// The answers of an administrator's read of everything of a kind.
    pub enum AdminReadError { Unauthorized, Forbidden, Unavailable }
}

answers! {
    /// The answers of an administrator's operation on one thing named by its id.
    pub enum AdminFindError { BadRequest, Unauthorized, Forbidden, NotFound, Unavailable }
}

answers! {
    /// The answers of an administrator's change that the thing's state may refuse.
    pub enum AdminChangeError { BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Unavailable }
}

impl ReadError {
    /// The session outlived its account (deleted a moment ago).
    pub fn account_gone() -> Self {
        Self::Unauthorized(ErrorBody::new(
            "unauthorized",
            "the account no longer exists",
        ))
    }
}

/// The caller is not an administrator.
#[derive(Debug)]
pub struct NotAdmin;

/// A cursor that no listing gave.
#[derive(Debug)]
pub struct InvalidCursor;

impl NotAdmin {
    fn body() -> Json<ErrorBody> {
        ErrorBody::new("forbidden", "this needs an administrator")
    }
}

impl InvalidCursor {
    fn body() -> Json<ErrorBody> {
        ErrorBody::new("invalid_cursor", "the cursor is not valid")
    }
}

impl From<NotAdmin> for ApiError {
    fn from(_: NotAdmin) -> Self {
        Self::Forbidden(NotAdmin::body())
    }
}

impl From<InvalidCursor> for ApiError {
    fn from(_: InvalidCursor) -> Self {
        Self::BadRequest(InvalidCursor::body())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::internal(&e)
    }
}

/// A narrow operation's answer is one the wide type has too.
impl From<FindError> for ApiError {
    fn from(e: FindError) -> Self {
        match e {
            FindError::BadRequest(body) => Self::BadRequest(body),
            FindError::Unauthorized(body) => Self::Unauthorized(body),
            FindError::NotFound(body) => Self::NotFound(body),
            FindError::Unavailable(body) => Self::Unavailable(body),
        }
    }
}

impl Limited {
    fn answer(self) -> (Json<ErrorBody>, u64) {
        let mut body = ErrorBody::new("rate_limited", self.to_string());
        body.0.error.details = Some(serde_json::json!({
            "retry_after_secs": self.retry_after_secs
        }));
        (body, self.retry_after_secs)
    }
}

impl From<Limited> for ApiError {
    fn from(limited: Limited) -> Self {
        let (body, retry_after) = limited.answer();
        Self::TooManyRequests(body, retry_after)
    }
}

impl From<Unaffordable> for ApiError {
    fn from(unaffordable: Unaffordable) -> Self {
        let mut body = ErrorBody::new(
            "insufficient_points",
            format!(
                "this costs {} points; your balance is {}",
                unaffordable.price, unaffordable.balance
            ),
        );
        body.0.error.details = Some(serde_json::json!({
            "balance": unaffordable.balance,
            "price": unaffordable.price,
        }));
        Self::PaymentRequired(body)
    }
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        let message = e.to_string();
        match e {
            AccountError::InvalidEmail
            | AccountError::WeakPassword(_)
            | AccountError::UnknownInvitation => Self::unprocessable(message),
            AccountError::EmailTaken => Self::Conflict(ErrorBody::new("email_taken", message)),
            AccountError::AlreadyVerified => {
                Self::Conflict(ErrorBody::new("already_verified", message))
            }
            AccountError::WrongCredentials | AccountError::WrongPassword => {
                Self::Unauthorized(ErrorBody::new("wrong_credentials", message))
            }
            AccountError::InvalidRefreshToken => {
                Self::Unauthorized(ErrorBody::new("invalid_refresh_token", message))
            }
            AccountError::RefreshTokenReused => {
                Self::Unauthorized(ErrorBody::new("refresh_token_reused", message))
            }
            AccountError::InvalidLinkToken => {
                Self::BadRequest(ErrorBody::new("invalid_token", message))
            }
            AccountError::Gone => Self::unauthorized("the account no longer exists"),
            AccountError::Limited(limited) => limited.into(),
            AccountError::Store(e) => e.into(),
            AccountError::Hash(e) => Self::internal(&e),
            AccountError::Signing(e) => Self::internal(&e),
        }
    }
}

impl From<BillingError> for ApiError {
    fn from(e: BillingError) -> Self {
        let message = e.to_string();
        match e {
            BillingError::NotConfigured => {
                Self::Unavailable(ErrorBody::new("payments_unavailable", message))
            }
            BillingError::InvalidAmount | BillingError::AmbiguousProduct => {
                Self::unprocessable(message)
            }
            BillingError::KeyReused(order_id) => {
                let mut body = ErrorBody::new("client_order_key_reused", message);
                body.0.error.details = Some(serde_json::json!({ "order_id": order_id }));
                Self::Conflict(body)
            }
            BillingError::ProviderDown(_) | BillingError::ProviderRefused(_) => {
                tracing::error!(error = %message, "payment provider");
                Self::Unavailable(ErrorBody::new(
                    "payment_provider_unavailable",
                    "the payment provider could not take the order; try again",
                ))
            }
            BillingError::Unauthenticated(_) => {
                Self::Unauthorized(ErrorBody::new("invalid_signature", message))
            }
            BillingError::Unreadable(_) => {
                Self::BadRequest(ErrorBody::new("invalid_notification", message))
            }
            BillingError::NotEntitled { required, level } => {
                let mut body = ErrorBody::new("membership_required", message);
                body.0.error.details = Some(serde_json::json!({
                    "required": required.as_str(),
                    "level": level.as_str(),
                }));
                Self::Forbidden(body)
            }
            BillingError::Store(e) => e.into(),
        }
    }
}

/// Puts every error that did not come from our handlers (poem's 404/405, payload parse
/// errors, size limits, auth failures) into the same JSON shape, and hides 500 causes.
pub async fn json_errors<E: Endpoint>(ep: E, req: poem::Request) -> poem::Result<Response> {
    let response = match ep.call(req).await {
        Ok(resp) => resp.into_response(),
        Err(err) => err.into_response(),
    };
    let status = response.status();
    let is_json = response
        .headers()
        .get(poem::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return Ok(response);
    }
    let headers = response.headers().clone();
    let text = response.into_body().into_string().await.unwrap_or_default();
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", "no such resource".to_owned()),
        StatusCode::METHOD_NOT_ALLOWED => {
            ("method_not_allowed", "method not allowed here".to_owned())
        }
        StatusCode::UNAUTHORIZED => (
            "unauthorized",
            "a valid bearer token is required".to_owned(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "the request body is over the size limit".to_owned(),
        ),
        StatusCode::SERVICE_UNAVAILABLE => (
            "unavailable",
            "the service is temporarily unavailable; try again".to_owned(),
        ),
        StatusCode::LENGTH_REQUIRED => (
            "length_required",
            "uploads need a Content-Length header".to_owned(),
        ),
        s if s.is_server_error() => {
            tracing::error!(status = %s, body = %text, "internal error");
            ("internal", "internal error".to_owned())
        }
        _ => ("invalid_request", text),
    };
    let mut out = ErrorBody::new(code, message)
        .with_status(status)
        .into_response();
    if let Some(retry) = headers.get(poem::http::header::RETRY_AFTER) {
        out.headers_mut()
            .insert(poem::http::header::RETRY_AFTER, retry.clone());
    }
    Ok(out)
}
