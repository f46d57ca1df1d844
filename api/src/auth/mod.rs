//! Who is calling: passwords, tokens, and the bearer scheme of authenticated endpoints.

mod bearer;
pub mod passwords;
pub mod tokens;

pub use bearer::{BearerAuth, Caller};
pub use passwords::Passwords;
pub use tokens::{AccessTokens, SecretToken};
