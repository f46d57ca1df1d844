//! Access tokens (short-lived HS256 JWTs naming their session) and the random secrets of
//! refresh, verification and reset tokens, of which only a SHA-256 is stored.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    /// The session (refresh-token family): revoking it refuses this token at once.
    sid: Uuid,
    iat: u64,
    exp: u64,
}

/// Whom a valid access token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessClaims {
    pub user_id: Uuid,
    pub session_id: Uuid,
}

/// Issues and checks access tokens. Only HS256 is accepted, so `alg: none` and
/// algorithm-confusion tokens are refused.
#[derive(Clone)]
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl: Duration,
}

impl AccessTokens {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl,
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub fn issue(&self, claims: AccessClaims) -> Result<String, jsonwebtoken::errors::Error> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let claims = Claims {
            sub: claims.user_id,
            sid: claims.session_id,
            iat: now,
            exp: now + self.ttl.as_secs(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// The claims of a well-signed, unexpired token. Whether its session is still live is
    /// the bearer check's business.
    pub fn verify(&self, token: &str) -> Option<AccessClaims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_nbf = true;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .ok()
            .map(|data| AccessClaims {
                user_id: data.claims.sub,
                session_id: data.claims.sid,
            })
    }
}

/// A random secret handed to a client once; the store keeps only its hash. 256 bits of
/// entropy, so a fast hash is enough: there is nothing to guess.
pub struct SecretToken {
    pub plain: String,
    pub hash: String,
}

impl SecretToken {
    pub fn generate() -> Self {
        let plain = hex::encode(rand::random::<[u8; 32]>());
        let hash = Self::hash_of(&plain);
        Self { plain, hash }
    }

    pub fn hash_of(plain: &str) -> String {
        hex::encode(Sha256::digest(plain.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_with_their_key_and_algorithm() {
        let keys = AccessTokens::new(b"secret-one", Duration::from_secs(60));
        let claims = AccessClaims {
            user_id: Uuid::now_v7(),
            session_id: Uuid::now_v7(),
        };
        let token = keys.issue(claims).unwrap();
        assert_eq!(keys.verify(&token), Some(claims));
        let other = AccessTokens::new(b"secret-two", Duration::from_secs(60));
        assert_eq!(other.verify(&token), None);
        // Same claims, `alg: none`, no signature.
        let payload = token.split('.').nth(1).unwrap();
        let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert_eq!(keys.verify(&unsigned), None);
    }

    #[test]
    fn a_token_not_valid_before_a_later_time_is_refused_until_then() {
        #[derive(serde::Serialize)]
        struct Early {
            sub: Uuid,
            sid: Uuid,
            iat: u64,
            exp: u64,
            nbf: u64,
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let keys = AccessTokens::new(b"secret-one", Duration::from_secs(60));
        let token = |nbf| {
            let claims = Early {
                sub: Uuid::now_v7(),
                sid: Uuid::now_v7(),
                iat: now,
                exp: now + 600,
                nbf,
            };
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).unwrap()
        };
        assert!(keys.verify(&token(now + 300)).is_none());
        assert!(keys.verify(&token(now - 1)).is_some());
    }

    #[test]
    fn secrets_are_random_and_stored_as_their_hash() {
        let a = SecretToken::generate();
        let b = SecretToken::generate();
        assert_ne!(a.plain, b.plain);
        assert_eq!(a.plain.len(), 64);
        assert_eq!(SecretToken::hash_of(&a.plain), a.hash);
        assert_ne!(a.hash, a.plain);
    }
}
