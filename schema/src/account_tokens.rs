//! Single-use tokens sent by mail to prove control of an address: verifying it, or
//! resetting the password. Only their SHA-256 is stored.

use diesel::{dsl::now, pg::data_types::PgInterval, prelude::*};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use prepq_jobs::NewJob;
use uuid::Uuid;

use crate::{PooledConn, StoreError, jobs, schema::account_tokens};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }
}

/// A token about to be mailed: its hash and how long it lives.
#[derive(Debug, Clone, Copy)]
pub struct Grant<'a> {
    pub purpose: Purpose,
    pub token_hash: &'a str,
    pub ttl_secs: i64,
}

/// Stores the token and queues the mail that carries it, in one transaction.
pub async fn issue(
    conn: &mut PooledConn,
    user_id: Uuid,
    grant: Grant<'_>,
    mail: &NewJob,
) -> Result<(), StoreError> {
    conn.transaction(async |conn| issue_in(conn, user_id, grant, mail).await)
        .await
}

/// `issue`, inside a caller's transaction.
pub async fn issue_in(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    grant: Grant<'_>,
    mail: &NewJob,
) -> Result<(), StoreError> {
    let Grant {
        purpose,
        token_hash,
        ttl_secs,
    } = grant;
    diesel::insert_into(account_tokens::table)
        .values((
            account_tokens::token_hash.eq(token_hash),
            account_tokens::user_id.eq(user_id),
            account_tokens::purpose.eq(purpose.as_str()),
            account_tokens::expires_at.eq(now.into_sql::<diesel::sql_types::Timestamptz>()
                + PgInterval::from_microseconds(ttl_secs.saturating_mul(1_000_000))),
        ))
        .execute(conn)
        .await?;
    jobs::insert_system(conn, mail).await?;
    Ok(())
}

/// Uses the token up if it is live and for this purpose; returns whose it was. One
/// conditional update, so a token works once even when presented twice at once. The
/// user's other tokens for the purpose are used up with it: the newest mail is not the
/// only one that could be lying in an inbox.
pub async fn consume(
    conn: &mut PooledConn,
    purpose: Purpose,
    token_hash: &str,
) -> Result<Option<Uuid>, StoreError> {
    let user = diesel::update(account_tokens::table.find(token_hash))
        .filter(account_tokens::purpose.eq(purpose.as_str()))
        .filter(account_tokens::used_at.is_null())
        .filter(account_tokens::expires_at.gt(now))
        .set(account_tokens::used_at.eq(now))
        .returning(account_tokens::user_id)
        .get_result(conn)
        .await
        .optional()?;
    if let Some(user_id) = user {
        use_up_in(conn, user_id, purpose).await?;
    }
    Ok(user)
}

/// Whose the token is, if it is live and for this purpose, without using it: the cheap
/// check before the work that consuming it would pay for.
pub async fn holder(
    conn: &mut PooledConn,
    purpose: Purpose,
    token_hash: &str,
) -> Result<Option<Uuid>, StoreError> {
    Ok(account_tokens::table
        .find(token_hash)
        .filter(account_tokens::purpose.eq(purpose.as_str()))
        .filter(account_tokens::used_at.is_null())
        .filter(account_tokens::expires_at.gt(now))
        .select(account_tokens::user_id)
        .first(conn)
        .await
        .optional()?)
}

/// Uses up every live token of the user for the purpose.
pub async fn use_up_in(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    purpose: Purpose,
) -> Result<(), StoreError> {
    diesel::update(account_tokens::table)
        .filter(account_tokens::user_id.eq(user_id))
        .filter(account_tokens::purpose.eq(purpose.as_str()))
        .filter(account_tokens::used_at.is_null())
        .set(account_tokens::used_at.eq(now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Drops tokens past their expiry.
pub async fn purge_expired(conn: &mut PooledConn) -> Result<usize, StoreError> {
    let gone = diesel::delete(account_tokens::table.filter(account_tokens::expires_at.lt(now)))
        .execute(conn)
        .await?;
    Ok(gone)
}
