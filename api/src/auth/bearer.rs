//! The bearer scheme: a valid access token whose session is still live.

use poem::{Request, http::StatusCode};
use poem_openapi::{SecurityScheme, auth::Bearer};
use prepq_billing::Level;
use prepq_schema::{StoreError, users::ADMIN};
use uuid::Uuid;

use crate::{error::NotAdmin, state::AppState};

/// The signed-in caller.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub is_admin: bool,
    /// Their address is verified: they may spend points.
    pub verified: bool,
    /// Their membership level now.
    pub level: Level,
}

impl Caller {
    /// Admin-only operations answer 403 to everyone else.
    pub fn require_admin(&self) -> Result<(), NotAdmin> {
        if self.is_admin { Ok(()) } else { Err(NotAdmin) }
    }
}

/// Bearer access token (JWT) from `POST /auth/login` or `POST /auth/refresh`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "check_bearer")]
pub struct BearerAuth(pub Caller);

/// Signature and expiry first (no I/O), then one indexed lookup, shared with the
/// concurrent requests' checks: the session is live and the user still exists. Logout, a
/// new password and deleting the account all take effect on the next request, not when
/// the token expires.
async fn check_bearer(req: &Request, bearer: Bearer) -> poem::Result<Caller> {
    let unauthorized = || poem::Error::from_status(StatusCode::UNAUTHORIZED);
    let state = req.data::<AppState>().ok_or_else(unauthorized)?;
    let claims = state
        .tokens
        .verify(&bearer.token)
        .ok_or_else(unauthorized)?;
    let unavailable = |e: StoreError| {
        tracing::error!(error = %e, "checking a session failed");
        poem::Error::from_status(StatusCode::SERVICE_UNAVAILABLE)
    };
    let user = state
        .sessions
        .ask((claims.user_id, claims.session_id))
        .await
        .map_err(unavailable)?
        .ok_or_else(unauthorized)?;
    Ok(Caller {
        user_id: claims.user_id,
        session_id: claims.session_id,
        is_admin: user.role == ADMIN,
        verified: user.verified,
        level: user.membership.level_now(),
    })
}
