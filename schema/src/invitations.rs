//! Promotion by invitation: every user's code, who registered with it, and the inviter's
//! one credit per invitee, paid when the invitee verifies their address.

use chrono::{DateTime, Utc};
use diesel::{
    prelude::*,
    sql_types::{Int4, Uuid as SqlUuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::{
    PooledConn, StoreError, points,
    schema::{invitation_credits, users},
};

/// The user whose invitation code `code` is (codes are compared in capitals).
pub async fn inviter_of(conn: &mut PooledConn, code: &str) -> Result<Option<Uuid>, StoreError> {
    Ok(users::table
        .filter(users::invitation_code.eq(code.trim().to_uppercase()))
        .select(users::id)
        .first(conn)
        .await
        .optional()?)
}

#[derive(QueryableByName)]
struct Credited {
    #[diesel(sql_type = SqlUuid)]
    inviter_id: Uuid,
}

/// Credits the inviter of the user `invitee` with `points`, once per invitee address, in
/// the caller's transaction (the one that verifies the address).
pub(crate) async fn credit_in(
    conn: &mut AsyncPgConnection,
    invitee: Uuid,
    points: i32,
) -> Result<(), StoreError> {
    let credited: Option<Credited> = diesel::sql_query(
        "INSERT INTO invitation_credits (invitee_email_key, inviter_id, invitee_id, points)
         SELECT email_key, invited_by, id, $2 FROM users
         WHERE id = $1 AND invited_by IS NOT NULL AND invited_by <> id
         ON CONFLICT (invitee_email_key) DO NOTHING
         RETURNING inviter_id",
    )
    .bind::<SqlUuid, _>(invitee)
    .bind::<Int4, _>(points)
    .get_result(conn)
    .await
    .optional()?;
    if let Some(credited) = credited {
        points::grant_in(conn, credited.inviter_id, points, "invitation reward").await?;
    }
    Ok(())
}

/// One user who registered with an inviter's code.
#[derive(Debug, Clone, Queryable)]
pub struct Invitee {
    pub email: String,
    pub registered_at: DateTime<Utc>,
    pub verified: bool,
    /// Points the inviter was credited for them.
    pub points: Option<i32>,
}

/// The inviter's code and invitees, newest first (at most `limit`).
pub async fn of_inviter(
    conn: &mut PooledConn,
    inviter: Uuid,
    limit: i64,
) -> Result<(String, Vec<Invitee>), StoreError> {
    let code: String = users::table
        .find(inviter)
        .select(users::invitation_code)
        .first(conn)
        .await?;
    let invitees = users::table
        .left_join(
            invitation_credits::table.on(invitation_credits::invitee_id.eq(users::id.nullable())),
        )
        .filter(users::invited_by.eq(inviter))
        .order(users::id.desc())
        .limit(limit)
        .select((
            users::email,
            users::created_at,
            users::email_verified_at.is_not_null(),
            invitation_credits::points.nullable(),
        ))
        .load(conn)
        .await?;
    Ok((code, invitees))
}

/// Points the inviter earned by invitations, and how many invitees registered.
pub async fn totals(conn: &mut PooledConn, inviter: Uuid) -> Result<(i64, i64), StoreError> {
    let earned: Option<i64> = invitation_credits::table
        .filter(invitation_credits::inviter_id.eq(inviter))
        .select(diesel::dsl::sum(invitation_credits::points))
        .first(conn)
        .await?;
    let registered = users::table
        .filter(users::invited_by.eq(inviter))
        .count()
        .get_result(conn)
        .await?;
    Ok((earned.unwrap_or(0), registered))
}
