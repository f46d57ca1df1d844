//! Accounts: identity, role, verification and the preferences the product uses.

use chrono::{DateTime, Utc};
use diesel::{dsl::now, prelude::*};
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

use prepq_jobs::NewJob;

use crate::{
    PooledConn, StoreError,
    account_tokens::{self, Grant, Purpose},
    points,
    schema::{files, users},
    sessions,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
    /// `user` or `admin`.
    pub role: String,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub display_name: Option<String>,
    /// Of mail and of generated interview material: `zh-CN` or `en`.
    pub language: String,
    /// `easy`, `medium` or `hard`.
    pub difficulty: String,
    pub updated_at: DateTime<Utc>,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == ADMIN
    }
}

pub const ADMIN: &str = "admin";

/// The form of an address that is stored and looked up: trimmed and in Unicode lowercase,
/// computed here alone, so that `Ada@Example.com` and `ada@example.com` are one account
/// and every address that registers can sign in.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub language: &'a str,
    /// Points to start with.
    pub points: i32,
    /// The user whose invitation code they registered with.
    pub invited_by: Option<Uuid>,
}

/// Inserts a user with their verification token and its mail, in one transaction; `None`
/// when the address is taken (case-insensitively), and then nothing is stored.
pub async fn create(
    conn: &mut PooledConn,
    new: NewUser<'_>,
    verification: Grant<'_>,
    mail: &NewJob,
) -> Result<Option<User>, StoreError> {
    conn.transaction(async |conn| {
        let inserted = diesel::insert_into(users::table)
            .values((
                users::id.eq(Uuid::now_v7()),
                users::email.eq(new.email),
                users::email_key.eq(email_key(new.email)),
                users::password_hash.eq(new.password_hash),
                users::language.eq(new.language),
                users::invited_by.eq(new.invited_by),
            ))
            // The address only: a clash of invitation codes is an error, not "taken".
            .on_conflict(users::email_key)
            .do_nothing()
            .returning(User::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        if let Some(user) = &inserted {
            account_tokens::issue_in(conn, user.id, verification, mail).await?;
            points::grant_in(conn, user.id, new.points, "sign-up grant").await?;
        }
        Ok(inserted)
    })
    .await
}

pub async fn find_by_email(conn: &mut PooledConn, email: &str) -> Result<Option<User>, StoreError> {
    let found = users::table
        .filter(users::email_key.eq(email_key(email)))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()?;
    Ok(found)
}

pub async fn find(conn: &mut PooledConn, id: Uuid) -> Result<Option<User>, StoreError> {
    let found = users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .await
        .optional()?;
    Ok(found)
}

/// A change of preferences; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct ProfileChange {
    /// `Some(None)` clears the name.
    pub display_name: Option<Option<String>>,
    pub language: Option<String>,
    pub difficulty: Option<String>,
}

pub async fn update_profile(
    conn: &mut PooledConn,
    id: Uuid,
    change: &ProfileChange,
) -> Result<Option<User>, StoreError> {
    let updated = diesel::update(users::table.find(id))
        .set((change, users::updated_at.eq(now)))
        .returning(User::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    Ok(updated)
}

/// Sets a new password hash and ends every session of the user, in one transaction.
pub async fn replace_password(
    conn: &mut PooledConn,
    id: Uuid,
    password_hash: &str,
    reason: &str,
) -> Result<(), StoreError> {
    conn.transaction(async |conn| {
        diesel::update(users::table.find(id))
            .set((
                users::password_hash.eq(password_hash),
                users::updated_at.eq(now),
            ))
            .execute(conn)
            .await?;
        // A reset link mailed before the change must not undo it.
        account_tokens::use_up_in(conn, id, Purpose::ResetPassword).await?;
        sessions::revoke_all_in(conn, id, reason).await
    })
    .await
}

/// Records that the user proved their address; the first time, their inviter (if any) is
/// credited `invitation_points`, in the same transaction.
pub async fn mark_verified(
    conn: &mut PooledConn,
    id: Uuid,
    invitation_points: i32,
) -> Result<(), StoreError> {
    conn.transaction(async |conn| {
        let verified = diesel::update(users::table.find(id))
            .filter(users::email_verified_at.is_null())
            .set((users::email_verified_at.eq(now), users::updated_at.eq(now)))
            .execute(conn)
            .await?;
        if verified > 0 {
            crate::invitations::credit_in(conn, id, invitation_points).await?;
        }
        Ok(())
    })
    .await
}

/// Makes the address an admin: promotes the existing account, keeping its password, or
/// creates it verified with `password_hash`. True when it was created; an unknown address
/// without a hash is an error.
pub async fn make_admin(
    conn: &mut PooledConn,
    email: &str,
    password_hash: Option<&str>,
) -> Result<bool, StoreError> {
    conn.transaction(async |conn| {
        let promoted = diesel::update(users::table)
            .filter(users::email_key.eq(email_key(email)))
            .set((users::role.eq(ADMIN), users::updated_at.eq(now)))
            .execute(conn)
            .await?;
        if promoted > 0 {
            return Ok(false);
        }
        let password_hash = password_hash
            .ok_or_else(|| StoreError::Corrupt(format!("no account has the address {email}")))?;
        diesel::insert_into(users::table)
            .values((
                users::id.eq(Uuid::now_v7()),
                users::email.eq(email),
                users::email_key.eq(email_key(email)),
                users::password_hash.eq(password_hash),
                users::role.eq(ADMIN),
                users::email_verified_at.eq(now),
            ))
            .execute(conn)
            .await?;
        Ok(true)
    })
    .await
}

/// Deletes the user and, by cascade, their sessions, tokens, files and jobs. Returns the
/// blob hashes their files used, for the caller to remove the ones nobody else uses.
pub async fn delete(conn: &mut PooledConn, id: Uuid) -> Result<Vec<String>, StoreError> {
    conn.transaction(async |conn| {
        let hashes = files::table
            .filter(files::owner_id.eq(id))
            .select(files::sha256)
            .distinct()
            .load::<String>(conn)
            .await?;
        diesel::delete(users::table.find(id)).execute(conn).await?;
        Ok(hashes)
    })
    .await
}

/// Every admin: who hears of what needs a person.
pub async fn admins(conn: &mut PooledConn) -> Result<Vec<User>, StoreError> {
    Ok(users::table
        .filter(users::role.eq(ADMIN))
        .select(User::as_select())
        .order(users::id)
        .load(conn)
        .await?)
}

/// One page of users, newest first: for admins.
pub async fn list(
    conn: &mut PooledConn,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<User>, StoreError> {
    let query = newest_first!(
        users::table.select(User::as_select()),
        users::id,
        before,
        limit
    );
    Ok(query.load(conn).await?)
}
