use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, payload::Json, types::MaybeUndefined};
use prepq_jobs::kinds::Language;
use prepq_schema::users::{self, ProfileChange, User};
use uuid::Uuid;

use super::{ApiTags, accounts::Done};
use crate::{
    accounts,
    auth::BearerAuth,
    error::{ApiError, ReadError},
    state::AppState,
    views::Difficulty,
};

#[derive(Default)]
pub struct ProfileApi;

/// You, as the product knows you.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Profile {
    pub id: Uuid,
    pub email: String,
    pub email_verified: bool,
    /// `user` or `admin`.
    pub role: String,
    pub display_name: Option<String>,
    /// Language of mail and of generated interview material.
    pub language: Language,
    /// Preferred difficulty of interview questions.
    pub difficulty: Difficulty,
    pub created_at: DateTime<Utc>,
}

impl From<User> for Profile {
    fn from(user: User) -> Self {
        Self {
            language: accounts::language_of(&user),
            difficulty: Difficulty::from_stored(&user.difficulty),
            id: user.id,
            email_verified: user.email_verified_at.is_some(),
            email: user.email,
            role: user.role,
            display_name: user.display_name,
            created_at: user.created_at,
        }
    }
}

/// Fields left out stay as they are; `display_name: null` clears the name.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProfileUpdate {
    #[oai(validator(max_length = 100))]
    pub display_name: MaybeUndefined<String>,
    pub language: Option<Language>,
    pub difficulty: Option<Difficulty>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PasswordChange {
    #[oai(validator(max_length = 512))]
    pub current_password: String,
    #[oai(validator(max_length = 512))]
    pub new_password: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AccountDeletion {
    /// Your password, to confirm.
    #[oai(validator(max_length = 512))]
    pub password: String,
}

#[OpenApi(prefix_path = "/auth", tag = "ApiTags::Accounts")]
impl ProfileApi {
    /// Your profile.
    #[oai(path = "/profile", method = "get")]
    async fn profile(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
    ) -> Result<Json<Profile>, ReadError> {
        let mut conn = state.conn().await?;
        let user = users::find(&mut conn, auth.0.user_id)
            .await?
            .ok_or_else(ReadError::account_gone)?;
        Ok(Json(user.into()))
    }

    /// Change your name and preferences.
    #[oai(path = "/profile", method = "put")]
    async fn update_profile(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: Json<ProfileUpdate>,
    ) -> Result<Json<Profile>, ApiError> {
        let body = body.0;
        let display_name = match body.display_name {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(name) => {
                Some(Some(name.trim().to_owned()).filter(|n| !n.is_empty()))
            }
        };
        let change = ProfileChange {
            display_name,
            language: body.language.map(|l| l.as_str().to_owned()),
            difficulty: body.difficulty.map(|d| d.as_str().to_owned()),
        };
        Ok(Json(
            accounts::update_profile(&state, &auth.0, &change)
                .await?
                .into(),
        ))
    }

    /// Change your password. Every session ends, this one too: sign in again.
    #[oai(path = "/password", method = "put")]
    async fn change_password(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: Json<PasswordChange>,
    ) -> Result<Done, ApiError> {
        accounts::change_password(&state, &auth.0, &body.current_password, &body.new_password)
            .await?;
        Ok(Done::NoContent)
    }

    /// Delete your account with all its files, jobs and results. Unfinished jobs are
    /// cancelled first.
    #[oai(path = "/account", method = "delete")]
    async fn delete_account(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: Json<AccountDeletion>,
    ) -> Result<Done, ApiError> {
        accounts::delete_account(&state, &auth.0, &body.password).await?;
        Ok(Done::NoContent)
    }
}
