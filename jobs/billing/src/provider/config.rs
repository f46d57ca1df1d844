use std::path::PathBuf;

use super::{ApiV3Key, PaymentError, Provider, SigningKey, VerifyingKey};

/// The merchant account: flags, else `PREPQ_PAY_*` environment variables. Without a
/// merchant id payments are off and the order endpoints say so.
#[derive(Debug, Clone, clap::Args)]
pub struct MerchantConfig {
    #[arg(
        long,
        env = "PREPQ_PAY_BASE_URL",
        default_value = "https://api.mch.weixin.qq.com"
    )]
    pub pay_base_url: String,
    #[arg(long, env = "PREPQ_PAY_MCHID")]
    pub pay_mchid: Option<String>,
    #[arg(long, env = "PREPQ_PAY_APPID", default_value = "")]
    pub pay_appid: String,
    /// Our private key (PKCS#8 PEM), which signs our requests.
    #[arg(long, env = "PREPQ_PAY_MERCHANT_KEY_FILE")]
    pub pay_merchant_key_file: Option<PathBuf>,
    /// The serial number of our certificate, sent with every request.
    #[arg(long, env = "PREPQ_PAY_MERCHANT_SERIAL", default_value = "")]
    pub pay_merchant_serial: String,
    /// The provider's public key (PEM), which checks its answers and notifications.
    #[arg(long, env = "PREPQ_PAY_PLATFORM_KEY_FILE")]
    pub pay_platform_key_file: Option<PathBuf>,
    /// The id of that key, as the provider names it in `Wechatpay-Serial`.
    #[arg(long, env = "PREPQ_PAY_PLATFORM_SERIAL", default_value = "")]
    pub pay_platform_serial: String,
    /// The 32-byte API v3 key that encrypts notification resources.
    #[arg(long, env = "PREPQ_PAY_APIV3_KEY", hide_env_values = true)]
    pub pay_apiv3_key: Option<String>,
    /// Where the provider sends payment notifications (our public URL of
    /// `/api/v1/payments/wechat/notify`).
    #[arg(long, env = "PREPQ_PAY_NOTIFY_URL", default_value = "")]
    pub pay_notify_url: String,
    /// How far a signed timestamp may be from our clock.
    #[arg(long, env = "PREPQ_PAY_TIMESTAMP_WINDOW_SECS", default_value_t = 300)]
    pub pay_timestamp_window_secs: i64,
    #[arg(long, env = "PREPQ_PAY_TIMEOUT_SECS", default_value_t = 10)]
    pub pay_timeout_secs: u64,
    /// Largest bill download accepted.
    #[arg(long, env = "PREPQ_PAY_MAX_BILL_BYTES", default_value_t = 256 * 1024 * 1024)]
    pub pay_max_bill_bytes: usize,
}

impl MerchantConfig {
    /// The provider, or `None` when payments are not configured.
    pub fn provider(&self) -> Result<Option<Provider>, PaymentError> {
        let Some(mchid) = self.pay_mchid.clone() else {
            return Ok(None);
        };
        let read = |path: &Option<PathBuf>, what: &str| {
            let path = path
                .as_ref()
                .ok_or_else(|| PaymentError::Key(format!("{what} is not set")))?;
            std::fs::read_to_string(path)
                .map_err(|e| PaymentError::Key(format!("{}: {e}", path.display())))
        };
        let key = SigningKey::from_pem(&read(
            &self.pay_merchant_key_file,
            "PREPQ_PAY_MERCHANT_KEY_FILE",
        )?)?;
        let platform = VerifyingKey::from_pem(&read(
            &self.pay_platform_key_file,
            "PREPQ_PAY_PLATFORM_KEY_FILE",
        )?)?;
        let apiv3 = ApiV3Key::new(
            self.pay_apiv3_key
                .as_deref()
                .ok_or_else(|| PaymentError::Key("PREPQ_PAY_APIV3_KEY is not set".into()))?,
        )?;
        Provider::new(self, mchid, key, platform, apiv3).map(Some)
    }
}
