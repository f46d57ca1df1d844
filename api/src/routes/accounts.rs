use poem::{Request, web::Data};
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Header, Query},
    payload::Json,
};
use prepq_jobs::kinds::Language;
use uuid::Uuid;

use super::{ApiTags, profile::Profile};
use crate::{
    accounts::{self, Session},
    auth::Signed,
    error::ApiError,
    rate_limit::client_ip,
    state::AppState,
};

#[derive(Default)]
pub struct AccountsApi;

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Registration {
    /// Your email address; a verification link is sent to it.
    #[oai(validator(max_length = 254))]
    pub email: String,
    /// 8 to 128 characters, not a common password, not containing your email address.
    #[oai(validator(max_length = 512))]
    pub password: String,
    /// Language of mail and of interview material. Default: from `Accept-Language`,
    /// else `zh-CN`.
    pub language: Option<Language>,
    /// The code of the user who invited you (from their link); they are credited points
    /// once you verify your address.
    #[oai(validator(max_length = 32))]
    pub invitation_code: Option<String>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Credentials {
    #[oai(validator(max_length = 254))]
    pub email: String,
    #[oai(validator(max_length = 512))]
    pub password: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Account {
    pub id: Uuid,
    pub email: String,
}

/// A signed-in session's tokens.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TokenPair {
    /// Send as `Authorization: Bearer ...`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Exchange at `POST /auth/refresh` for a new pair; works once.
    pub refresh_token: String,
    pub refresh_expires_in: u64,
}

impl From<Session> for TokenPair {
    fn from(session: Session) -> Self {
        Self {
            access_token: session.access_token,
            token_type: "Bearer".into(),
            expires_in: session.access_expires_in,
            refresh_token: session.refresh_token,
            refresh_expires_in: session.refresh_expires_in,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RefreshRequest {
    #[oai(validator(max_length = 128))]
    pub refresh_token: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ResetRequest {
    #[oai(validator(max_length = 254))]
    pub email: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ResetConfirmation {
    /// The `token` of the link in the reset mail.
    #[oai(validator(max_length = 128))]
    pub token: String,
    #[oai(validator(max_length = 512))]
    pub new_password: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Notice {
    pub message: String,
}

#[derive(ApiResponse)]
pub enum Registered {
    /// Created; the verification mail is on its way.
    #[oai(status = 201)]
    Created(Json<Account>),
}

#[derive(ApiResponse)]
pub enum Accepted {
    #[oai(status = 202)]
    Accepted(Json<Notice>),
}

#[derive(ApiResponse)]
pub enum Done {
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(prefix_path = "/auth", tag = "ApiTags::Accounts")]
impl AccountsApi {
    /// Create an account and send its verification mail.
    #[oai(path = "/register", method = "post")]
    async fn register(
        &self,
        state: Data<&AppState>,
        req: &Request,
        #[oai(name = "Accept-Language")] accept_language: Header<Option<String>>,
        body: Json<Registration>,
    ) -> Result<Registered, ApiError> {
        let language = body
            .language
            .unwrap_or_else(|| Language::from_tag(accept_language.0.as_deref().unwrap_or("zh-CN")));
        let ip = client_ip(req, state.config.trust_forwarded_for);
        let user = accounts::register(
            &state,
            &ip,
            &body.email,
            &body.password,
            language,
            body.invitation_code.as_deref(),
        )
        .await?;
        Ok(Registered::Created(Json(Account {
            id: user.id,
            email: user.email,
        })))
    }

    /// Sign in: an access token (15 minutes) and a refresh token (30 days).
    #[oai(path = "/login", method = "post")]
    async fn login(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<Credentials>,
    ) -> Result<Json<TokenPair>, ApiError> {
        let ip = client_ip(req, state.config.trust_forwarded_for);
        let session = accounts::login(&state, &ip, &body.email, &body.password).await?;
        Ok(Json(session.into()))
    }

    /// Exchange a refresh token for a new pair. Each refresh token works once; presenting
    /// a used one signs out its whole session, as it means the token was copied.
    #[oai(path = "/refresh", method = "post")]
    async fn refresh(
        &self,
        state: Data<&AppState>,
        body: Json<RefreshRequest>,
    ) -> Result<Json<TokenPair>, ApiError> {
        let session = accounts::refresh(&state, &body.refresh_token).await?;
        Ok(Json(session.into()))
    }

    /// Sign out this session: its access and refresh tokens stop working.
    #[oai(path = "/logout", method = "post")]
    async fn logout(&self, me: Signed<'_>) -> Result<Done, ApiError> {
        accounts::logout(me.state, &me.caller).await?;
        Ok(Done::NoContent)
    }

    /// The link in the verification mail.
    #[oai(path = "/verify-email", method = "get")]
    async fn verify_email(
        &self,
        state: Data<&AppState>,
        #[oai(validator(max_length = 128))] token: Query<String>,
    ) -> Result<Json<Profile>, ApiError> {
        let user = accounts::verify_email(&state, &token.0).await?;
        Ok(Json(user.into()))
    }

    /// Send the verification mail again.
    #[oai(path = "/verify-email/resend", method = "post")]
    async fn resend_verification(&self, me: Signed<'_>) -> Result<Accepted, ApiError> {
        accounts::resend_verification(me.state, &me.caller).await?;
        Ok(Accepted::Accepted(Json(Notice {
            message: "a new verification mail is on its way".into(),
        })))
    }

    /// Ask for a password-reset mail. The answer is the same whether or not the address
    /// has an account.
    #[oai(path = "/password-reset", method = "post")]
    async fn request_reset(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<ResetRequest>,
    ) -> Result<Accepted, ApiError> {
        let ip = client_ip(req, state.config.trust_forwarded_for);
        accounts::request_password_reset(&state, &ip, &body.email).await?;
        Ok(Accepted::Accepted(Json(Notice {
            message: "if an account has this address, a reset link is on its way".into(),
        })))
    }

    /// Set a new password with the token from the reset mail. Every session ends.
    #[oai(path = "/password-reset/confirm", method = "post")]
    async fn confirm_reset(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<ResetConfirmation>,
    ) -> Result<Done, ApiError> {
        let ip = client_ip(req, state.config.trust_forwarded_for);
        accounts::reset_password(&state, &ip, &body.token, &body.new_password).await?;
        Ok(Done::NoContent)
    }
}
