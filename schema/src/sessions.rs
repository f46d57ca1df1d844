//! Sessions and their rotating refresh tokens. A session is one refresh-token family:
//! each refresh uses up its token and issues the next; presenting a used token again means
//! it was copied, and the whole family is revoked.

use chrono::{DateTime, Utc};
use diesel::{dsl::now, pg::data_types::PgInterval, prelude::*};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::{
    DbPool, PooledConn, StoreError,
    batcher::Batcher,
    memberships::Membership,
    schema::{memberships, refresh_tokens, sessions, users},
};

/// Opens a session with its first refresh token (stored as its hash only).
pub async fn open(
    conn: &mut PooledConn,
    user_id: Uuid,
    refresh_hash: &str,
    refresh_ttl_secs: i64,
) -> Result<Uuid, StoreError> {
    let session_id = Uuid::now_v7();
    conn.transaction(async |conn| {
        diesel::insert_into(sessions::table)
            .values((sessions::id.eq(session_id), sessions::user_id.eq(user_id)))
            .execute(conn)
            .await?;
        issue(conn, session_id, refresh_hash, refresh_ttl_secs).await
    })
    .await?;
    Ok(session_id)
}

async fn issue(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
    refresh_hash: &str,
    ttl_secs: i64,
) -> Result<(), StoreError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(refresh_hash),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::expires_at
                .eq(now.into_sql::<diesel::sql_types::Timestamptz>() + seconds(ttl_secs)),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// What presenting a refresh token led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was live; it is used up and the new one issued.
    Rotated { session_id: Uuid, user_id: Uuid },
    /// The token had been used before: its session is now revoked.
    Reused { session_id: Uuid, user_id: Uuid },
    /// Unknown, expired, or its session was already revoked.
    Refused,
}

pub const REUSE_REASON: &str = "a used refresh token was presented again";

/// Uses up `old_hash` and issues `new_hash` in its family, in one transaction. The token
/// row is locked, so two concurrent refreshes with one token are one rotation and one reuse.
pub async fn rotate(
    conn: &mut PooledConn,
    old_hash: &str,
    new_hash: &str,
    refresh_ttl_secs: i64,
) -> Result<Rotation, StoreError> {
    conn.transaction(async |conn| {
        let found = refresh_tokens::table
            .inner_join(sessions::table)
            .filter(refresh_tokens::token_hash.eq(old_hash))
            .select((
                sessions::id,
                sessions::user_id,
                sessions::revoked_at.is_not_null(),
                refresh_tokens::used_at.is_not_null(),
                refresh_tokens::expires_at.gt(now),
            ))
            .for_update()
            .first::<(Uuid, Uuid, bool, bool, bool)>(conn)
            .await
            .optional()?;
        let Some((session_id, user_id, revoked, used, live)) = found else {
            return Ok(Rotation::Refused);
        };
        if revoked {
            return Ok(Rotation::Refused);
        }
        if used {
            revoke_where(conn, Which::Session(session_id), REUSE_REASON).await?;
            return Ok(Rotation::Reused {
                session_id,
                user_id,
            });
        }
        if !live {
            return Ok(Rotation::Refused);
        }
        diesel::update(refresh_tokens::table.find(old_hash))
            .set(refresh_tokens::used_at.eq(now))
            .execute(conn)
            .await?;
        diesel::update(sessions::table.find(session_id))
            .set(sessions::refreshed_at.eq(now))
            .execute(conn)
            .await?;
        issue(conn, session_id, new_hash, refresh_ttl_secs).await?;
        Ok(Rotation::Rotated {
            session_id,
            user_id,
        })
    })
    .await
}

/// Ends one of the user's sessions (logout).
pub async fn revoke(
    conn: &mut PooledConn,
    user_id: Uuid,
    session_id: Uuid,
    reason: &str,
) -> Result<(), StoreError> {
    revoke_where(
        conn,
        Which::UserSession {
            user_id,
            session_id,
        },
        reason,
    )
    .await
}

/// Ends every session of the user; for use inside a caller's transaction.
pub async fn revoke_all_in(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    reason: &str,
) -> Result<(), StoreError> {
    revoke_where(conn, Which::AllOf(user_id), reason).await
}

/// Which sessions a revocation ends.
enum Which {
    Session(Uuid),
    UserSession { user_id: Uuid, session_id: Uuid },
    AllOf(Uuid),
}

async fn revoke_where(
    conn: &mut AsyncPgConnection,
    which: Which,
    reason: &str,
) -> Result<(), StoreError> {
    let query = diesel::update(sessions::table)
        .filter(sessions::revoked_at.is_null())
        .into_boxed();
    let query = match which {
        Which::Session(id) => query.filter(sessions::id.eq(id)),
        Which::UserSession {
            user_id,
            session_id,
        } => query
            .filter(sessions::id.eq(session_id))
            .filter(sessions::user_id.eq(user_id)),
        Which::AllOf(user_id) => query.filter(sessions::user_id.eq(user_id)),
    };
    query
        .set((
            sessions::revoked_at.eq(now),
            sessions::revoked_reason.eq(reason),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The check behind every authenticated request, one indexed lookup: the role of the
/// user the session speaks for, if the session is live.
pub async fn live(
    conn: &mut PooledConn,
    user_id: Uuid,
    session_id: Uuid,
) -> Result<Option<String>, StoreError> {
    let found = live_many(conn, &[(user_id, session_id)])
        .await?
        .pop()
        .flatten();
    Ok(found.map(|user| user.role))
}

/// A live session's user as a request needs them: what they may do and spend.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub role: String,
    pub verified: bool,
    pub membership: Membership,
}

/// `live` for many (user, session) pairs in one statement, answered in order, with each
/// user's verification and membership, so a paid request reads nothing more.
pub async fn live_many(
    conn: &mut PooledConn,
    asked: &[(Uuid, Uuid)],
) -> Result<Vec<Option<SessionUser>>, StoreError> {
    type Found = (
        Uuid,
        Uuid,
        String,
        Option<DateTime<Utc>>,
        Option<Membership>,
    );
    let ids: Vec<Uuid> = asked.iter().map(|(_, session)| *session).collect();
    let found: Vec<Found> = sessions::table
        .inner_join(users::table)
        .left_join(memberships::table.on(memberships::user_id.eq(users::id)))
        .filter(sessions::id.eq_any(&ids))
        .filter(sessions::revoked_at.is_null())
        .select((
            sessions::id,
            sessions::user_id,
            users::role,
            users::email_verified_at,
            Option::<Membership>::as_select(),
        ))
        .load(conn)
        .await?;
    Ok(asked
        .iter()
        .map(|(user, session)| {
            found
                .iter()
                .find(|(id, owner, ..)| id == session && owner == user)
                .map(|(_, _, role, verified_at, membership)| SessionUser {
                    role: role.clone(),
                    verified: verified_at.is_some(),
                    membership: membership.clone().unwrap_or_default(),
                })
        })
        .collect())
}

/// Session checks of concurrent requests, made together: one statement a batch instead of
/// one a request. Each asker gets its user while the session is live.
pub type SessionChecks = Batcher<(Uuid, Uuid), Result<Option<SessionUser>, StoreError>>;

/// Most checks one statement makes.
const CHECKS_BATCH: usize = 64;

pub fn session_checks(db: DbPool) -> SessionChecks {
    Batcher::spawn(CHECKS_BATCH, move |asked: Vec<(Uuid, Uuid)>| {
        let db = db.clone();
        async move {
            let found = match db.get().await {
                Ok(mut conn) => live_many(&mut conn, &asked).await,
                Err(e) => Err(e.into()),
            };
            match found {
                Ok(roles) => roles.into_iter().map(Ok).collect(),
                Err(e) => asked.iter().map(|_| Err(e.for_each_asker())).collect(),
            }
        }
    })
}

/// Drops refresh tokens past their expiry and sessions with none left. Returns how many
/// sessions went.
pub async fn purge_expired(conn: &mut PooledConn) -> Result<usize, StoreError> {
    diesel::delete(refresh_tokens::table.filter(refresh_tokens::expires_at.lt(now)))
        .execute(conn)
        .await?;
    let gone = diesel::delete(sessions::table)
        .filter(diesel::dsl::not(diesel::dsl::exists(
            refresh_tokens::table.filter(refresh_tokens::session_id.eq(sessions::id)),
        )))
        .execute(conn)
        .await?;
    Ok(gone)
}

fn seconds(secs: i64) -> PgInterval {
    PgInterval::from_microseconds(secs.saturating_mul(1_000_000))
}
