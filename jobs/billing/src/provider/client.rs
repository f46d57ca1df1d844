//! Our side of the provider's HTTP API: every request signed with our key, every answer's
//! signature checked with the provider's before its body is believed.

use prepq_telemetry::TracedSend;
use std::time::Duration;

use aws_lc_rs::digest;
use chrono::{DateTime, NaiveDate, Utc};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use super::{
    ApiV3Key, Authorization, BillRow, MerchantConfig, Notification, NotificationVerifier,
    PaymentError, SignedHeaders, SigningKey, Transaction, VerifyingKey, bill,
};

pub struct Provider {
    http: reqwest::Client,
    base_url: String,
    mchid: String,
    appid: String,
    serial: String,
    key: SigningKey,
    platform: VerifyingKey,
    platform_serial: String,
    apiv3: ApiV3Key,
    notify_url: String,
    window_secs: i64,
    max_bill_bytes: usize,
}

/// What we ask the provider to collect.
#[derive(Debug, Clone)]
pub struct NativeOrder<'a> {
    pub out_trade_no: &'a str,
    pub description: &'a str,
    pub amount_fen: i64,
    pub expires_at: DateTime<Utc>,
}

#[derive(Serialize)]
struct NativeRequest<'a> {
    appid: &'a str,
    mchid: &'a str,
    description: &'a str,
    out_trade_no: &'a str,
    time_expire: String,
    notify_url: &'a str,
    amount: AmountRequest,
}

#[derive(Serialize)]
struct AmountRequest {
    total: i64,
    currency: &'static str,
}

#[derive(Deserialize)]
struct NativeAnswer {
    code_url: String,
}

#[derive(Deserialize)]
struct BillAnswer {
    hash_type: String,
    hash_value: String,
    download_url: String,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    code: String,
    message: String,
}

impl Provider {
    pub(super) fn new(
        config: &MerchantConfig,
        mchid: String,
        key: SigningKey,
        platform: VerifyingKey,
        apiv3: ApiV3Key,
    ) -> Result<Self, PaymentError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.pay_timeout_secs))
            .user_agent("PrepQ/0.1")
            .build()
            .map_err(|e| PaymentError::Unavailable(e.to_string()))?;
        Ok(Self {
            http,
            base_url: config.pay_base_url.trim_end_matches('/').to_owned(),
            mchid,
            appid: config.pay_appid.clone(),
            serial: config.pay_merchant_serial.clone(),
            key,
            platform,
            platform_serial: config.pay_platform_serial.clone(),
            apiv3,
            notify_url: config.pay_notify_url.clone(),
            window_secs: config.pay_timestamp_window_secs,
            max_bill_bytes: config.pay_max_bill_bytes,
        })
    }

    /// Opens a Native transaction and returns the `code_url` to show as a QR code.
    pub async fn create_native(&self, order: &NativeOrder<'_>) -> Result<String, PaymentError> {
        let body = serde_json::to_string(&NativeRequest {
            appid: &self.appid,
            mchid: &self.mchid,
            description: order.description,
            out_trade_no: order.out_trade_no,
            time_expire: order
                .expires_at
                .with_timezone(&super::china_time())
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            notify_url: &self.notify_url,
            amount: AmountRequest {
                total: order.amount_fen,
                currency: "CNY",
            },
        })
        .expect("a native order serializes");
        let answer = self
            .call(Method::POST, "/v3/pay/transactions/native", Some(body))
            .await?
            .ok_or_else(|| PaymentError::Malformed("empty answer to a native order".into()))?;
        Ok(parse::<NativeAnswer>(&answer)?.code_url)
    }

    /// The provider's view of one of our orders; `None` when it has never heard of it.
    pub async fn query(&self, out_trade_no: &str) -> Result<Option<Transaction>, PaymentError> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={}",
            self.mchid
        );
        match self.call(Method::GET, &path, None).await {
            Ok(Some(answer)) => parse(&answer).map(Some),
            Ok(None) => Ok(None),
            Err(PaymentError::Refused { code, .. }) if code == "ORDER_NOT_EXIST" => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The statement of `day` (China time): every transaction the provider saw that day.
    pub async fn trade_bill(&self, day: NaiveDate) -> Result<Vec<BillRow>, PaymentError> {
        let path = format!("/v3/bill/tradebill?bill_date={day}&bill_type=ALL");
        let answer = match self.call(Method::GET, &path, None).await {
            Ok(Some(answer)) => parse::<BillAnswer>(&answer)?,
            Ok(None) => return Err(PaymentError::Malformed("empty answer to a bill".into())),
            Err(PaymentError::Refused { code, .. }) if code == "NO_STATEMENT_EXIST" => {
                return Ok(Vec::new());
            }
            Err(e) => return Err(e),
        };
        let text = self.download(&answer.download_url).await?;
        if !answer.hash_type.eq_ignore_ascii_case("SHA1") {
            return Err(PaymentError::Malformed(format!(
                "bill hash {}",
                answer.hash_type
            )));
        }
        let digest = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, text.as_bytes());
        if !hex::encode(digest.as_ref()).eq_ignore_ascii_case(&answer.hash_value) {
            return Err(PaymentError::Malformed(
                "the bill does not match its hash".into(),
            ));
        }
        bill::parse(&text)
    }

    /// Checks a notification we received and returns its transaction.
    pub fn open_notification(
        &self,
        headers: Option<&SignedHeaders>,
        body: &str,
        now: i64,
    ) -> Result<Transaction, PaymentError> {
        let verifier = NotificationVerifier {
            platform: &self.platform,
            platform_serial: &self.platform_serial,
            apiv3: &self.apiv3,
            window_secs: self.window_secs,
        };
        let transaction = Notification::open(headers, body, &verifier, now)?;
        if transaction.mchid != self.mchid {
            return Err(PaymentError::Malformed(format!(
                "a transaction of merchant {}",
                transaction.mchid
            )));
        }
        Ok(transaction)
    }

    fn authorization(&self, method: &Method, path: &str, body: &str) -> String {
        Authorization::sign(
            &self.key,
            &self.mchid,
            &self.serial,
            method.as_str(),
            path,
            body,
            Utc::now().timestamp(),
        )
        .header()
    }

    /// Sends a signed request; answers 2xx with the checked body (`None` when empty), and
    /// the provider's error code otherwise.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Result<Option<String>, PaymentError> {
        let body = body.unwrap_or_default();
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base_url))
            .header("Authorization", self.authorization(&method, path, &body))
            .header("Accept", "application/json");
        if !body.is_empty() {
            request = request
                .header("Content-Type", "application/json")
                .body(body);
        }
        let response = request
            .send_traced("payment call")
            .await
            .map_err(|e| PaymentError::Unavailable(e.to_string()))?;
        let status = response.status();
        let headers = SignedHeaders::read(|name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
        let text = response
            .text()
            .await
            .map_err(|e| PaymentError::Unavailable(e.to_string()))?;
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            return Err(PaymentError::Unavailable(format!("{status}: {text}")));
        }
        if !status.is_success() {
            let error: ErrorAnswer = serde_json::from_str(&text).unwrap_or(ErrorAnswer {
                code: String::new(),
                message: text,
            });
            return Err(PaymentError::Refused {
                status: status.as_u16(),
                code: error.code,
                message: error.message,
            });
        }
        let headers = headers.ok_or(PaymentError::BadSignature)?;
        headers.verify(
            &self.platform,
            &self.platform_serial,
            &text,
            Utc::now().timestamp(),
            self.window_secs,
        )?;
        Ok((!text.is_empty()).then_some(text))
    }

    async fn download(&self, url: &str) -> Result<String, PaymentError> {
        let path = url
            .strip_prefix(&self.base_url)
            .ok_or_else(|| PaymentError::Malformed(format!("a bill elsewhere: {url}")))?;
        let mut response = self
            .http
            .get(url)
            .header("Authorization", self.authorization(&Method::GET, path, ""))
            .send_traced("payment bill")
            .await
            .map_err(|e| PaymentError::Unavailable(e.to_string()))?;
        if !response.status().is_success() {
            return Err(PaymentError::Unavailable(format!(
                "bill download: {}",
                response.status()
            )));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| PaymentError::Unavailable(e.to_string()))?
        {
            if bytes.len() + chunk.len() > self.max_bill_bytes {
                return Err(PaymentError::BillTooLarge(self.max_bill_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        String::from_utf8(bytes).map_err(|_| PaymentError::Malformed("a bill not in UTF-8".into()))
    }
}

fn parse<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, PaymentError> {
    serde_json::from_str(text).map_err(|e| PaymentError::Malformed(format!("answer: {e}")))
}
