//! The payment provider, modelled on WeChat Pay API v3 Native: we create a transaction and
//! get a `code_url` for the QR code the user scans; the provider calls us back with a
//! signed, encrypted notification; we can query a transaction and download the day's bill.
//! The real provider and the stand-in (tests, local runs) speak this same protocol, so the
//! only difference between them is configuration.

pub mod bill;
mod client;
mod config;
mod notification;
mod signing;

use serde::{Deserialize, Serialize};

pub use bill::BillRow;
pub use client::{NativeOrder, Provider};
pub use config::MerchantConfig;
pub use notification::{ApiV3Key, Notification, NotificationVerifier};
pub use signing::{Authorization, SignedHeaders, SigningKey, VerifyingKey, nonce};

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("payment key: {0}")]
    Key(String),
    #[error("the signature does not verify")]
    BadSignature,
    #[error("the timestamp {0} is outside the accepted window")]
    StaleTimestamp(String),
    #[error("signed by an unknown key {0}")]
    UnknownSerial(String),
    #[error("the resource does not decrypt: {0}")]
    Undecryptable(String),
    #[error("malformed {0}")]
    Malformed(String),
    #[error("the bill is over the {0}-byte limit")]
    BillTooLarge(usize),
    #[error("the payment provider is unavailable: {0}")]
    Unavailable(String),
    #[error("the payment provider refused ({status} {code}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
}

impl PaymentError {
    /// Whether the notification's sender could not prove who it is (as opposed to a
    /// well-signed message we could not read).
    pub fn is_unauthenticated(&self) -> bool {
        matches!(
            self,
            Self::BadSignature | Self::StaleTimestamp(_) | Self::UnknownSerial(_)
        )
    }
}

/// A transaction as the provider reports it (query answer and notification resource).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    pub appid: String,
    pub mchid: String,
    pub out_trade_no: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_type: Option<String>,
    pub trade_state: TradeState,
    #[serde(default)]
    pub trade_state_desc: String,
    /// RFC 3339, China time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    #[serde(default)]
    pub amount: Amount,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    /// Fen.
    pub total: i64,
    #[serde(default)]
    pub currency: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TradeState {
    Success,
    Refund,
    Notpay,
    Closed,
    Revoked,
    Userpaying,
    Payerror,
}

impl TradeState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "SUCCESS",
            Self::Refund => "REFUND",
            Self::Notpay => "NOTPAY",
            Self::Closed => "CLOSED",
            Self::Revoked => "REVOKED",
            Self::Userpaying => "USERPAYING",
            Self::Payerror => "PAYERROR",
        }
    }
}

/// China Standard Time, the provider's clock for timestamps and bill days.
pub fn china_time() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}
