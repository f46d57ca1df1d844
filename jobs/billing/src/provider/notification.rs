//! Payment notifications: the provider POSTs an envelope whose `resource` is the
//! transaction, encrypted with AEAD_AES_256_GCM under the merchant's API v3 key, and signs
//! the whole body. We check the signature first and decrypt second; a body that fails
//! either is refused and changes nothing.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use serde::{Deserialize, Serialize};

use super::{PaymentError, SignedHeaders, SigningKey, Transaction, VerifyingKey, signing::nonce};

/// The 32-byte symmetric key the merchant sets in the provider's console.
#[derive(Clone)]
pub struct ApiV3Key([u8; 32]);

impl ApiV3Key {
    pub fn new(key: &str) -> Result<Self, PaymentError> {
        let bytes: [u8; 32] = key
            .as_bytes()
            .try_into()
            .map_err(|_| PaymentError::Key("the API v3 key must be 32 bytes".into()))?;
        Ok(Self(bytes))
    }

    fn cipher(&self) -> LessSafeKey {
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &self.0).expect("a 32-byte AES-256 key"))
    }

    /// Encrypts `plaintext` as a notification resource.
    pub fn seal(&self, plaintext: &str, associated_data: &str) -> Resource {
        let nonce_text = nonce(12);
        let nonce = Nonce::try_assume_unique_for_key(nonce_text.as_bytes()).expect("12 bytes");
        let mut data = plaintext.as_bytes().to_vec();
        self.cipher()
            .seal_in_place_append_tag(nonce, Aad::from(associated_data.as_bytes()), &mut data)
            .expect("AES-GCM sealing of a buffer does not fail");
        Resource {
            original_type: "transaction".into(),
            algorithm: ALGORITHM.into(),
            ciphertext: BASE64.encode(data),
            associated_data: associated_data.into(),
            nonce: nonce_text,
        }
    }

    /// Decrypts a resource; any change to its ciphertext, nonce or associated data fails.
    pub fn open(&self, resource: &Resource) -> Result<String, PaymentError> {
        if resource.algorithm != ALGORITHM {
            return Err(PaymentError::Undecryptable(format!(
                "unknown algorithm {}",
                resource.algorithm
            )));
        }
        let nonce = Nonce::try_assume_unique_for_key(resource.nonce.as_bytes())
            .map_err(|_| PaymentError::Undecryptable("the nonce is not 12 bytes".into()))?;
        let mut data = BASE64
            .decode(&resource.ciphertext)
            .map_err(|_| PaymentError::Undecryptable("the ciphertext is not base64".into()))?;
        let plain = self
            .cipher()
            .open_in_place(
                nonce,
                Aad::from(resource.associated_data.as_bytes()),
                &mut data,
            )
            .map_err(|_| PaymentError::Undecryptable("authentication failed".into()))?;
        String::from_utf8(plain.to_vec())
            .map_err(|_| PaymentError::Undecryptable("the plaintext is not UTF-8".into()))
    }
}

const ALGORITHM: &str = "AEAD_AES_256_GCM";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resource {
    pub original_type: String,
    pub algorithm: String,
    pub ciphertext: String,
    #[serde(default)]
    pub associated_data: String,
    pub nonce: String,
}

/// The notification's envelope.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notification {
    pub id: String,
    pub create_time: String,
    pub event_type: String,
    pub resource_type: String,
    pub summary: String,
    pub resource: Resource,
}

impl Notification {
    pub const PAID: &'static str = "TRANSACTION.SUCCESS";

    /// The body and headers the provider sends for `transaction`.
    pub fn seal(
        transaction: &Transaction,
        apiv3: &ApiV3Key,
        platform: &SigningKey,
        serial: &str,
        timestamp: i64,
    ) -> (SignedHeaders, String) {
        let plaintext = serde_json::to_string(transaction).expect("a transaction serializes");
        let notification = Notification {
            id: format!("EV-{}", nonce(20)),
            create_time: transaction.success_time.clone().unwrap_or_default(),
            event_type: Self::PAID.into(),
            resource_type: "encrypt-resource".into(),
            summary: "支付成功".into(),
            resource: apiv3.seal(&plaintext, "transaction"),
        };
        let body = serde_json::to_string(&notification).expect("a notification serializes");
        (
            SignedHeaders::sign(platform, serial, &body, timestamp),
            body,
        )
    }

    /// Checks a received notification and returns its transaction.
    pub fn open(
        headers: Option<&SignedHeaders>,
        body: &str,
        verifier: &NotificationVerifier<'_>,
        now: i64,
    ) -> Result<Transaction, PaymentError> {
        let headers = headers.ok_or(PaymentError::BadSignature)?;
        headers.verify(
            verifier.platform,
            verifier.platform_serial,
            body,
            now,
            verifier.window_secs,
        )?;
        let notification: Notification = serde_json::from_str(body)
            .map_err(|e| PaymentError::Malformed(format!("notification: {e}")))?;
        let plaintext = verifier.apiv3.open(&notification.resource)?;
        serde_json::from_str(&plaintext)
            .map_err(|e| PaymentError::Malformed(format!("transaction: {e}")))
    }
}

/// What a notification is checked against.
pub struct NotificationVerifier<'a> {
    pub platform: &'a VerifyingKey,
    pub platform_serial: &'a str,
    pub apiv3: &'a ApiV3Key,
    pub window_secs: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{Amount, TradeState};

    fn transaction() -> Transaction {
        Transaction {
            appid: "wx0".into(),
            mchid: "1900000001".into(),
            out_trade_no: "PQ1".into(),
            transaction_id: Some("4200001".into()),
            trade_type: Some("NATIVE".into()),
            trade_state: TradeState::Success,
            trade_state_desc: "支付成功".into(),
            success_time: Some("2026-11-23T10:00:00+08:00".into()),
            amount: Amount {
                total: 1000,
                currency: "CNY".into(),
            },
        }
    }

    #[test]
    fn a_sealed_notification_opens_and_any_tampering_is_refused() {
        let platform = SigningKey::generate().unwrap();
        let public = VerifyingKey::from_pem(&platform.public_pem()).unwrap();
        let apiv3 = ApiV3Key::new("0123456789abcdef0123456789abcdef").unwrap();
        let verifier = NotificationVerifier {
            platform: &public,
            platform_serial: "PUB_KEY_ID_1",
            apiv3: &apiv3,
            window_secs: 300,
        };
        let (headers, body) =
            Notification::seal(&transaction(), &apiv3, &platform, "PUB_KEY_ID_1", 1_000);
        let opened = Notification::open(Some(&headers), &body, &verifier, 1_100).unwrap();
        assert_eq!(opened, transaction());

        assert!(matches!(
            Notification::open(Some(&headers), &body, &verifier, 1_400),
            Err(PaymentError::StaleTimestamp(_))
        ));
        for extreme in [i64::MIN, i64::MAX] {
            let mut headers = headers.clone();
            headers.timestamp = extreme.to_string();
            assert!(matches!(
                Notification::open(Some(&headers), &body, &verifier, 1_000),
                Err(PaymentError::StaleTimestamp(_))
            ));
        }
        assert!(matches!(
            Notification::open(None, &body, &verifier, 1_000),
            Err(PaymentError::BadSignature)
        ));
        let forged = SignedHeaders::sign(
            &SigningKey::generate().unwrap(),
            "PUB_KEY_ID_1",
            &body,
            1_000,
        );
        assert!(matches!(
            Notification::open(Some(&forged), &body, &verifier, 1_000),
            Err(PaymentError::BadSignature)
        ));

        // A ciphertext changed and re-signed: only the API v3 key can tell.
        let mut envelope: Notification = serde_json::from_str(&body).unwrap();
        let mut raw = BASE64.decode(&envelope.resource.ciphertext).unwrap();
        raw[0] ^= 1;
        envelope.resource.ciphertext = BASE64.encode(raw);
        let tampered = serde_json::to_string(&envelope).unwrap();
        let resigned = SignedHeaders::sign(&platform, "PUB_KEY_ID_1", &tampered, 1_000);
        assert!(matches!(
            Notification::open(Some(&resigned), &tampered, &verifier, 1_000),
            Err(PaymentError::Undecryptable(_))
        ));
    }
}
