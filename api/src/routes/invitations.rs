use chrono::{DateTime, Utc};
use poem_openapi::{Object, OpenApi, payload::Json};
use prepq_schema::invitations;

use super::ApiTags;
use crate::{auth::Signed, error::ReadError};

/// Invitees shown at most.
const SHOWN: i64 = 200;

#[derive(Default)]
pub struct InvitationsApi;

/// Your invitation code and link, and who registered with it.
#[derive(Debug, Object)]
pub struct Invitations {
    pub code: String,
    /// The registration page with your code filled in.
    pub link: String,
    /// Users who registered with your code.
    pub registered: i64,
    /// Points credited to you for invitees who verified their address.
    pub points_earned: i64,
    /// The latest invitees, newest first.
    pub invitees: Vec<InviteeView>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct InviteeView {
    /// Their address, masked: `j***@example.com`.
    pub email: String,
    pub registered_at: DateTime<Utc>,
    pub verified: bool,
    /// Points you were credited for them, once they verified.
    pub points: Option<i32>,
}

#[OpenApi(tag = "ApiTags::Accounts")]
impl InvitationsApi {
    /// Your invitation code and link, and the users who registered with it. Each invitee
    /// who verifies their address credits you points, once.
    #[oai(path = "/invitations", method = "get")]
    async fn invitations(&self, me: Signed<'_>) -> Result<Json<Invitations>, ReadError> {
        let mut conn = me.state.conn().await?;
        let (code, invitees) = invitations::of_inviter(&mut conn, me.caller.user_id, SHOWN).await?;
        let (points_earned, registered) = invitations::totals(&mut conn, me.caller.user_id).await?;
        let link = format!(
            "{}/register?invitation={code}",
            me.state.config.app_url().trim_end_matches('/')
        );
        Ok(Json(Invitations {
            code,
            link,
            registered,
            points_earned,
            invitees: invitees
                .into_iter()
                .map(|i| InviteeView {
                    email: masked(&i.email),
                    registered_at: i.registered_at,
                    verified: i.verified,
                    points: i.points,
                })
                .collect(),
        }))
    }
}

/// The first letter of the local part, then `***@` and the domain.
fn masked(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}
