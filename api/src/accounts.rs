//! The account life: register, verify the address, sign in, refresh, sign out, reset and
//! change the password, preferences, and deleting the account with its data. Handlers call
//! one of these; what can go wrong is an `AccountError`, made HTTP in `error.rs`.

use prepq_jobs::{
    NewJob,
    kinds::{Email, EmailSend, Language},
};
use prepq_schema::{
    StoreError,
    account_tokens::{self, Grant, Purpose},
    files, invitations, jobs,
    sessions::{self, Rotation},
    users::{self, NewUser, ProfileChange, User},
};

use crate::{
    auth::{
        Caller, SecretToken,
        passwords::{HashError, weakness},
        tokens::AccessClaims,
    },
    rate_limit::{self, Limited},
    relay,
    state::AppState,
};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("that is not an email address")]
    InvalidEmail,
    #[error("{0}")]
    WeakPassword(String),
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("wrong email or password")]
    WrongCredentials,
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("the refresh token is not valid; sign in again")]
    InvalidRefreshToken,
    #[error("this refresh token was already used; every session of its family is now signed out")]
    RefreshTokenReused,
    #[error("the link is not valid: it was used already, or it expired")]
    InvalidLinkToken,
    #[error("the email address is already verified")]
    AlreadyVerified,
    #[error("no user has that invitation code; check the link you were sent")]
    UnknownInvitation,
    #[error("no such account")]
    Gone,
    #[error(transparent)]
    Limited(#[from] Limited),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error("signing a token failed: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Result<T> = std::result::Result<T, AccountError>;

/// What signing in or refreshing hands the client.
pub struct Session {
    pub access_token: String,
    pub access_expires_in: u64,
    pub refresh_token: String,
    pub refresh_expires_in: u64,
}

pub async fn register(
    state: &AppState,
    client_ip: &str,
    email: &str,
    password: &str,
    language: Language,
    invitation_code: Option<&str>,
) -> Result<User> {
    rate_limit::hit(
        &state.redis,
        "register-ip",
        client_ip,
        state.config.limits.register_ip,
    )
    .await?;
    let email = normalise_email(email)?;
    if let Some(reason) = weakness(password, &email) {
        return Err(AccountError::WeakPassword(reason));
    }
    // Cheap before expensive: an unknown code costs no hash.
    let invited_by = match invitation_code {
        Some(code) => {
            let mut conn = state.conn().await?;
            Some(
                invitations::inviter_of(&mut conn, code)
                    .await?
                    .ok_or(AccountError::UnknownInvitation)?,
            )
        }
        None => None,
    };
    let hash = state.passwords.hash(password).await?;
    let token = SecretToken::generate();
    let mail = verification_mail(state, &email, language, &token);
    let mut conn = state.conn().await?;
    let new = NewUser {
        email: &email,
        password_hash: &hash,
        language: language.as_str(),
        points: state.config.points.signup_grant,
        invited_by,
    };
    users::create(&mut conn, new, verification_grant(state, &token), &mail)
        .await?
        .ok_or(AccountError::EmailTaken)
}

pub async fn login(
    state: &AppState,
    client_ip: &str,
    email: &str,
    password: &str,
) -> Result<Session> {
    let limits = &state.config.limits;
    rate_limit::hit(&state.redis, "login-ip", client_ip, limits.login_ip).await?;
    let account = users::email_key(email);
    rate_limit::hit(
        &state.redis,
        "login-account",
        &account,
        limits.login_account,
    )
    .await?;
    let mut conn = state.conn().await?;
    let user = users::find_by_email(&mut conn, &account).await?;
    drop(conn);
    let hash = user.as_ref().map(|u| u.password_hash.as_str());
    let matches = state.passwords.verify(hash, password).await?;
    match user {
        Some(user) if matches => open_session(state, user.id).await,
        _ => Err(AccountError::WrongCredentials),
    }
}

async fn open_session(state: &AppState, user_id: uuid::Uuid) -> Result<Session> {
    let refresh = SecretToken::generate();
    let mut conn = state.conn().await?;
    let session_id =
        sessions::open(&mut conn, user_id, &refresh.hash, refresh_ttl_secs(state)).await?;
    session_tokens(
        state,
        AccessClaims {
            user_id,
            session_id,
        },
        refresh,
    )
}

fn session_tokens(state: &AppState, claims: AccessClaims, refresh: SecretToken) -> Result<Session> {
    Ok(Session {
        access_token: state.tokens.issue(claims)?,
        access_expires_in: state.tokens.ttl().as_secs(),
        refresh_token: refresh.plain,
        refresh_expires_in: refresh_ttl_secs(state) as u64,
    })
}

fn refresh_ttl_secs(state: &AppState) -> i64 {
    state.config.refresh_token_days.saturating_mul(86_400)
}

/// Rotates the refresh token. Presenting one already used revokes its whole family.
pub async fn refresh(state: &AppState, refresh_token: &str) -> Result<Session> {
    let next = SecretToken::generate();
    let mut conn = state.conn().await?;
    let rotation = sessions::rotate(
        &mut conn,
        &SecretToken::hash_of(refresh_token),
        &next.hash,
        refresh_ttl_secs(state),
    )
    .await?;
    match rotation {
        Rotation::Rotated {
            session_id,
            user_id,
        } => session_tokens(
            state,
            AccessClaims {
                user_id,
                session_id,
            },
            next,
        ),
        Rotation::Reused {
            session_id,
            user_id,
        } => {
            tracing::warn!(%user_id, %session_id, "refresh token reused; session family revoked");
            Err(AccountError::RefreshTokenReused)
        }
        Rotation::Refused => Err(AccountError::InvalidRefreshToken),
    }
}

pub async fn logout(state: &AppState, caller: &Caller) -> Result<()> {
    let mut conn = state.conn().await?;
    sessions::revoke(&mut conn, caller.user_id, caller.session_id, "signed out").await?;
    Ok(())
}

pub async fn verify_email(state: &AppState, token: &str) -> Result<User> {
    let mut conn = state.conn().await?;
    let user_id = account_tokens::consume(
        &mut conn,
        Purpose::VerifyEmail,
        &SecretToken::hash_of(token),
    )
    .await?
    .ok_or(AccountError::InvalidLinkToken)?;
    users::mark_verified(&mut conn, user_id, state.config.points.invitation_grant).await?;
    users::find(&mut conn, user_id)
        .await?
        .ok_or(AccountError::Gone)
}

pub async fn resend_verification(state: &AppState, caller: &Caller) -> Result<()> {
    let user = profile(state, caller).await?;
    if user.email_verified_at.is_some() {
        return Err(AccountError::AlreadyVerified);
    }
    let account = users::email_key(&user.email);
    rate_limit::hit(
        &state.redis,
        "mail-account",
        &account,
        state.config.limits.mail_account,
    )
    .await?;
    let token = SecretToken::generate();
    let mail = verification_mail(state, &user.email, language_of(&user), &token);
    let mut conn = state.conn().await?;
    account_tokens::issue(&mut conn, user.id, verification_grant(state, &token), &mail).await?;
    Ok(())
}

/// Answers the same whether or not the address has an account: the lookup and the mail
/// happen after the answer, so neither the body nor the timing tells.
pub async fn request_password_reset(state: &AppState, client_ip: &str, email: &str) -> Result<()> {
    let limits = &state.config.limits;
    rate_limit::hit(&state.redis, "reset-ip", client_ip, limits.reset_ip).await?;
    let account = users::email_key(email);
    // Counted per address *and* client, so strangers asking for the victim's resets use
    // up their own budget, not the one the victim needs.
    let asker = format!("{account} {client_ip}");
    rate_limit::hit(&state.redis, "reset-mail", &asker, limits.mail_account).await?;
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = send_reset_mail(&state, &account).await {
            tracing::error!(error = %e, "queueing a password-reset mail failed");
        }
    });
    Ok(())
}

async fn send_reset_mail(state: &AppState, email: &str) -> Result<()> {
    let mut conn = state.conn().await?;
    let Some(user) = users::find_by_email(&mut conn, email).await? else {
        return Ok(());
    };
    let token = SecretToken::generate();
    let minutes = state.config.reset_token_minutes;
    let link = format!(
        "{}/reset-password?token={}",
        state.config.app_url().trim_end_matches('/'),
        token.plain
    );
    let mail = mail_to(
        &user.email,
        language_of(&user),
        Email::PasswordReset {
            link,
            valid_minutes: minutes,
        },
    );
    let grant = Grant {
        purpose: Purpose::ResetPassword,
        token_hash: &token.hash,
        ttl_secs: i64::from(minutes) * 60,
    };
    account_tokens::issue(&mut conn, user.id, grant, &mail).await?;
    Ok(())
}

/// Sets the password from a reset link; every session ends.
pub async fn reset_password(
    state: &AppState,
    client_ip: &str,
    token: &str,
    new_password: &str,
) -> Result<()> {
    let limits = &state.config.limits;
    rate_limit::hit(
        &state.redis,
        "reset-confirm-ip",
        client_ip,
        limits.reset_confirm_ip,
    )
    .await?;
    // Judged before the token is used up, so a refused password leaves the link working.
    if let Some(reason) = weakness(new_password, "") {
        return Err(AccountError::WeakPassword(reason));
    }
    let token_hash = SecretToken::hash_of(token);
    // The lookup is cheap and the hash is not: a random token never costs a hash.
    let mut conn = state.conn().await?;
    account_tokens::holder(&mut conn, Purpose::ResetPassword, &token_hash)
        .await?
        .ok_or(AccountError::InvalidLinkToken)?;
    drop(conn);
    let hash = state.passwords.hash(new_password).await?;
    let mut conn = state.conn().await?;
    let user_id = account_tokens::consume(&mut conn, Purpose::ResetPassword, &token_hash)
        .await?
        .ok_or(AccountError::InvalidLinkToken)?;
    users::replace_password(&mut conn, user_id, &hash, "password reset").await?;
    // The reset mail reached the inbox, which proves the address too.
    users::mark_verified(&mut conn, user_id, state.config.points.invitation_grant).await?;
    Ok(())
}

/// Changes the password; every session ends, this one included.
pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    current: &str,
    new_password: &str,
) -> Result<()> {
    let user = profile(state, caller).await?;
    check_password(state, &user, current).await?;
    if let Some(reason) = weakness(new_password, &user.email) {
        return Err(AccountError::WeakPassword(reason));
    }
    let hash = state.passwords.hash(new_password).await?;
    let mut conn = state.conn().await?;
    users::replace_password(&mut conn, user.id, &hash, "password changed").await?;
    Ok(())
}

/// Re-entering the password guards what a stolen access token must not do alone; it
/// counts against the same budget as signing in.
async fn check_password(state: &AppState, user: &User, password: &str) -> Result<()> {
    let account = users::email_key(&user.email);
    rate_limit::hit(
        &state.redis,
        "login-account",
        &account,
        state.config.limits.login_account,
    )
    .await?;
    if state
        .passwords
        .verify(Some(&user.password_hash), password)
        .await?
    {
        Ok(())
    } else {
        Err(AccountError::WrongPassword)
    }
}

/// The caller's account, which a live session's check found a moment ago.
async fn profile(state: &AppState, caller: &Caller) -> Result<User> {
    let mut conn = state.conn().await?;
    users::find(&mut conn, caller.user_id)
        .await?
        .ok_or(AccountError::Gone)
}

pub async fn update_profile(
    state: &AppState,
    caller: &Caller,
    change: &ProfileChange,
) -> Result<User> {
    let mut conn = state.conn().await?;
    users::update_profile(&mut conn, caller.user_id, change)
        .await?
        .ok_or(AccountError::Gone)
}

/// Cancels the user's unfinished jobs (their streams see it), then deletes the account
/// with its sessions, files and jobs, then the blobs no one else uses.
pub async fn delete_account(state: &AppState, caller: &Caller, password: &str) -> Result<()> {
    let user = profile(state, caller).await?;
    check_password(state, &user, password).await?;
    let mut conn = state.conn().await?;
    let cancelled = jobs::cancel_all_owned(&mut conn, user.id).await?;
    relay::announce(&state.redis, &cancelled).await;
    let hashes = users::delete(&mut conn, user.id).await?;
    let removed = files::forget_blobs(&mut conn, &state.blobs, &hashes).await?;
    tracing::info!(user_id = %user.id, cancelled = cancelled.len(), blobs_removed = removed, "account deleted");
    Ok(())
}

fn verification_mail(
    state: &AppState,
    email: &str,
    language: Language,
    token: &SecretToken,
) -> NewJob {
    let link = format!(
        "{}/api/v1/auth/verify-email?token={}",
        state.config.public_url.trim_end_matches('/'),
        token.plain
    );
    mail_to(
        email,
        language,
        Email::Verification {
            link,
            valid_hours: state.config.verify_token_hours,
        },
    )
}

fn verification_grant<'a>(state: &AppState, token: &'a SecretToken) -> Grant<'a> {
    Grant {
        purpose: Purpose::VerifyEmail,
        token_hash: &token.hash,
        ttl_secs: i64::from(state.config.verify_token_hours) * 3600,
    }
}

fn mail_to(email: &str, language: Language, message: Email) -> NewJob {
    NewJob::of(&EmailSend {
        to: email.to_owned(),
        language,
        message,
    })
}

pub fn language_of(user: &User) -> Language {
    Language::from_tag(&user.language)
}

fn normalise_email(raw: &str) -> Result<String> {
    let email = raw.trim();
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if valid {
        Ok(email.to_owned())
    } else {
        Err(AccountError::InvalidEmail)
    }
}
