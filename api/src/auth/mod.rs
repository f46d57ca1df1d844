//! Who is calling: passwords, tokens, and the bearer scheme of authenticated endpoints.

mod bearer;
pub mod passwords;
mod signed;
pub mod tokens;

pub use bearer::{BearerAuth, Caller};
pub use passwords::Passwords;
pub use signed::Signed;
pub use tokens::{AccessTokens, SecretToken};
