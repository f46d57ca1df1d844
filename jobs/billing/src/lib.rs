//! Money in PrepQ: the catalogue (points per yuan, membership levels and what they are
//! entitled to, packages), in integer fen; and, with the `provider` feature, the payment
//! provider's protocol and client (WeChat Pay API v3 Native).

mod catalogue;
#[cfg(feature = "provider")]
pub mod provider;

pub use catalogue::*;
