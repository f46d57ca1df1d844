//! Standard Webhooks signatures: `v1,` and the base64 HMAC-SHA256, keyed by the secret's
//! bytes (the base64 after `whsec_`), of `{webhook-id}.{webhook-timestamp}.{body}`.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SECRET_PREFIX: &str = "whsec_";

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("the endpoint's secret is not `whsec_` and base64")]
pub struct BadSecret;

/// The `webhook-signature` header: one `v1,…` per secret, space-separated, so a receiver
/// that holds either secret of a rotation verifies the delivery.
pub fn sign(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> Result<String, BadSecret> {
    let signatures = secrets
        .iter()
        .map(|secret| {
            let key = STANDARD
                .decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret))
                .map_err(|_| BadSecret)?;
            let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| BadSecret)?;
            mac.update(format!("{id}.{timestamp}.").as_bytes());
            mac.update(body);
            Ok(format!(
                "v1,{}",
                STANDARD.encode(mac.finalize().into_bytes())
            ))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(signatures.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector the specification publishes with its reference libraries.
    #[test]
    fn the_specifications_test_vector_is_signed_as_published() {
        let signature = sign(
            &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(
            signature.as_deref(),
            Ok("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn during_a_rotation_both_secrets_sign_and_a_bad_secret_is_refused() {
        let old = format!("{SECRET_PREFIX}{}", STANDARD.encode([1; 32]));
        let new = format!("{SECRET_PREFIX}{}", STANDARD.encode([2; 32]));
        let both = sign(&[&new, &old], "msg_1", 1, b"{}").unwrap();
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1], sign(&[&old], "msg_1", 1, b"{}").unwrap());
        assert_ne!(parts[0], parts[1]);
        assert_eq!(
            sign(&["whsec_not base64!"], "msg_1", 1, b"{}"),
            Err(BadSecret)
        );
    }
}
