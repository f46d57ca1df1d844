//! Accounts: just enough for every job to have an owner.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::{PooledConn, StoreError, schema::users};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

/// Inserts a user, or returns `None` when the address is taken (case-insensitively).
pub async fn create(
    conn: &mut PooledConn,
    email: &str,
    password_hash: &str,
) -> Result<Option<User>, StoreError> {
    let inserted = diesel::insert_into(users::table)
        .values((
            users::id.eq(Uuid::now_v7()),
            users::email.eq(email),
            users::password_hash.eq(password_hash),
        ))
        .on_conflict_do_nothing()
        .returning(User::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    Ok(inserted)
}

pub async fn find_by_email(conn: &mut PooledConn, email: &str) -> Result<Option<User>, StoreError> {
    let found = users::table
        .filter(lower(users::email).eq(email.to_lowercase()))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()?;
    Ok(found)
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
