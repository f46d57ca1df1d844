use chrono::{DateTime, Utc};
use poem_openapi::{Object, OpenApi, payload::Json, types::MaybeUndefined};
use prepq_jobs::kinds::Language;
use prepq_schema::users::{self, ProfileChange, User};
use uuid::Uuid;

use super::{ApiTags, accounts::Done};
use crate::{
    accounts,
    auth::Signed,
    error::{ApiError, ReadError},
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
    async fn profile(&self, me: Signed<'_>) -> Result<Json<Profile>, ReadError> {
        let mut conn = me.state.conn().await?;
        let user = users::find(&mut conn, me.caller.user_id)
            .await?
            .ok_or_else(ReadError::account_gone)?;
        Ok(Json(user.into()))
    }

    /// Change your name and preferences.
    #[oai(path = "/profile", method = "put")]
    async fn update_profile(
        &self,
        me: Signed<'_>,
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
            accounts::update_profile(me.state, &me.caller, &change)
                .await?
                .into(),
        ))
    }

    /// Change your password. Every session ends, this one too: sign in again.
    #[oai(path = "/password", method = "put")]
    async fn change_password(
        &self,
        me: Signed<'_>,
        body: Json<PasswordChange>,
    ) -> Result<Done, ApiError> {
        accounts::change_password(
            me.state,
            &me.caller,
            &body.current_password,
            &body.new_password,
        )
        .await?;
        Ok(Done::NoContent)
    }

    /// Delete your account with all its files, jobs and results. Unfinished jobs are
    /// cancelled first.
    #[oai(path = "/account", method = "delete")]
    async fn delete_account(
        &self,
        me: Signed<'_>,
        body: Json<AccountDeletion>,
    ) -> Result<Done, ApiError> {
        accounts::delete_account(me.state, &me.caller, &body.password).await?;
        Ok(Done::NoContent)
    }
}
