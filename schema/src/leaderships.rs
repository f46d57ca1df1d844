//! Roles one process plays for the fleet at a time, held by a lease in PostgreSQL.

use diesel::sql_types::{Double, Text};
use diesel_async::RunQueryDsl;

use crate::{PooledConn, StoreError};

/// Takes or renews `role` for `holder` for `lease_secs`, judged by PostgreSQL's clock:
/// true when `holder` has it now (it held it, or the last holder's lease ran out).
pub async fn hold(
    conn: &mut PooledConn,
    role: &str,
    holder: &str,
    lease_secs: f64,
) -> Result<bool, StoreError> {
    let held = diesel::sql_query(
        "INSERT INTO leaderships (role, holder, expires_at) \
         VALUES ($1, $2, now() + make_interval(secs => $3)) \
         ON CONFLICT (role) DO UPDATE \
         SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at \
         WHERE leaderships.holder = EXCLUDED.holder OR leaderships.expires_at < now()",
    )
    .bind::<Text, _>(role)
    .bind::<Text, _>(holder)
    .bind::<Double, _>(lease_secs)
    .execute(conn)
    .await?;
    Ok(held == 1)
}
