use std::sync::LazyLock;

use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};
use prepq_schema::{StoreError, users};
use uuid::Uuid;

use super::ApiTags;
use crate::{
    auth::{hash_password, verify_password},
    error::{ApiError, ErrorBody},
    state::AppState,
};

pub struct AccountsApi;

#[derive(Debug, Object)]
pub struct Credentials {
    /// Your email address.
    #[oai(validator(max_length = 254))]
    pub email: String,
    /// At least 8 characters.
    #[oai(validator(max_length = 256))]
    pub password: String,
}

#[derive(Debug, Object)]
pub struct Account {
    pub id: Uuid,
    pub email: String,
}

#[derive(Debug, Object)]
pub struct AccessToken {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

#[derive(ApiResponse)]
pub enum Registered {
    #[oai(status = 201)]
    Created(Json<Account>),
}

/// Checked when the address is unknown, so a wrong address costs as long as a wrong password.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("no such account").unwrap_or_default());

#[OpenApi(prefix_path = "/auth", tag = "ApiTags::Accounts")]
impl AccountsApi {
    /// Create an account.
    #[oai(path = "/register", method = "post")]
    async fn register(
        &self,
        state: Data<&AppState>,
        body: Json<Credentials>,
    ) -> Result<Registered, ApiError> {
        let email = normalise_email(&body.email)?;
        if body.password.chars().count() < 8 {
            return Err(ApiError::unprocessable(
                "the password must be at least 8 characters",
            ));
        }
        let password = body.password.clone();
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| e.to_string())
            .and_then(|hash| hash)
            .map_err(|e| StoreError::Corrupt(format!("hashing a password: {e}")))?;
        let mut conn = state.db.get().await.map_err(StoreError::from)?;
        match users::create(&mut conn, &email, &hash).await? {
            Some(user) => Ok(Registered::Created(Json(Account {
                id: user.id,
                email: user.email,
            }))),
            None => Err(ApiError::Conflict(ErrorBody::new(
                "email_taken",
                "an account with this email already exists",
            ))),
        }
    }

    /// Sign in: exchange email and password for a bearer access token.
    #[oai(path = "/login", method = "post")]
    async fn login(
        &self,
        state: Data<&AppState>,
        body: Json<Credentials>,
    ) -> Result<Json<AccessToken>, ApiError> {
        let mut conn = state.db.get().await.map_err(StoreError::from)?;
        let user = users::find_by_email(&mut conn, body.email.trim()).await?;
        drop(conn);
        let hash = user
            .as_ref()
            .map_or(DUMMY_HASH.clone(), |u| u.password_hash.clone());
        let password = body.password.clone();
        let matches = tokio::task::spawn_blocking(move || verify_password(&hash, &password))
            .await
            .unwrap_or(false);
        let user = match user {
            Some(user) if matches => user,
            _ => return Err(ApiError::unauthorized("wrong email or password")),
        };
        let token = state
            .tokens
            .issue(user.id)
            .map_err(|e| StoreError::Corrupt(format!("signing a token: {e}")))?;
        Ok(Json(AccessToken {
            access_token: token,
            token_type: "Bearer".into(),
            expires_in: state.tokens.ttl().as_secs(),
        }))
    }
}

fn normalise_email(raw: &str) -> Result<String, ApiError> {
    let email = raw.trim();
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if valid {
        Ok(email.to_owned())
    } else {
        Err(ApiError::unprocessable("that is not an email address"))
    }
}
