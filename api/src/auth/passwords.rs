//! Passwords: the strength rule, and argon2id hashes computed off the async threads with a
//! bound on how many run at once (each holds its memory cost).

use std::sync::{Arc, LazyLock};

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHasher as _, PasswordVerifier as _, phc::PasswordHash},
};
use tokio::sync::Semaphore;

use crate::config::Argon2Cost;

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

static COMMON: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| include_str!("common-passwords.txt").lines().collect());

/// Why a new password is refused, in words for the user.
pub fn weakness(password: &str, email: &str) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Some(format!(
            "the password must be at least {MIN_LENGTH} characters"
        ));
    }
    if length > MAX_LENGTH {
        return Some(format!(
            "the password must be at most {MAX_LENGTH} characters"
        ));
    }
    let lower = password.to_lowercase();
    let mut distinct: Vec<char> = lower.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return Some("the password repeats too few different characters".into());
    }
    if COMMON.contains(&lower.as_str()) {
        return Some("the password is one of the most common passwords".into());
    }
    let local = email.split('@').next().unwrap_or("").to_lowercase();
    if local.chars().count() >= 4 && lower.contains(&local) {
        return Some("the password must not contain your email address".into());
    }
    None
}

#[derive(Debug, thiserror::Error)]
#[error("hashing a password failed: {0}")]
pub struct HashError(String);

#[derive(Clone)]
pub struct Passwords {
    argon2: Argon2<'static>,
    permits: Arc<Semaphore>,
    /// Checked when the address is unknown, so a wrong address costs as long as a wrong
    /// password and does not tell whether the account exists.
    dummy_hash: Arc<String>,
}

impl Passwords {
    pub fn new(cost: &Argon2Cost) -> Result<Self, HashError> {
        let params = Params::new(cost.argon2_memory_kib, cost.argon2_iterations, 1, None)
            .map_err(|e| HashError(e.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let permits = cost.argon2_concurrency.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
        });
        let dummy_hash = argon2
            .hash_password(b"no such account")
            .map_err(|e| HashError(e.to_string()))?
            .to_string();
        Ok(Self {
            argon2,
            permits: Arc::new(Semaphore::new(permits.max(1))),
            dummy_hash: Arc::new(dummy_hash),
        })
    }

    /// A PHC string (`$argon2id$...`) with a fresh salt.
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let argon2 = self.argon2.clone();
        let password = password.to_owned();
        self.blocking(move || {
            argon2
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|e| HashError(e.to_string()))
        })
        .await?
    }

    /// Whether `password` matches `hash`; with `None`, checks against a dummy hash so the
    /// answer takes as long as for a real account.
    pub async fn verify(&self, hash: Option<&str>, password: &str) -> Result<bool, HashError> {
        let known = hash.is_some();
        let hash = hash.map_or_else(|| self.dummy_hash.to_string(), str::to_owned);
        let argon2 = self.argon2.clone();
        let password = password.to_owned();
        let matches = self
            .blocking(move || {
                PasswordHash::new(&hash).is_ok_and(|parsed| {
                    argon2.verify_password(password.as_bytes(), &parsed).is_ok()
                })
            })
            .await?;
        Ok(known && matches)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| HashError(e.to_string()))?;
        metrics::counter!("api_password_hashes_total").increment(1);
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| HashError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Passwords {
        Passwords::new(&Argon2Cost {
            argon2_memory_kib: 1024,
            argon2_iterations: 1,
            argon2_concurrency: Some(1),
        })
        .unwrap()
    }

    #[tokio::test]
    async fn passwords_verify_against_their_hash_only() {
        let passwords = cheap();
        let hash = passwords.hash("correct horse").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            passwords
                .verify(Some(&hash), "correct horse")
                .await
                .unwrap()
        );
        assert!(!passwords.verify(Some(&hash), "wrong horse").await.unwrap());
        assert!(
            !passwords
                .verify(Some("not a hash"), "correct horse")
                .await
                .unwrap()
        );
        assert!(!passwords.verify(None, "no such account").await.unwrap());
    }

    #[test]
    fn the_strength_rule_refuses_short_common_and_personal_passwords() {
        let email = "li.wei@example.com";
        assert!(weakness("Tr0ub4dor&3", email).is_none());
        assert!(weakness("我的密码很安全啊", email).is_none());
        assert!(weakness("short", email).unwrap().contains("at least"));
        assert!(
            weakness(&"x".repeat(129), email)
                .unwrap()
                .contains("at most")
        );
        assert!(weakness("aaaabbbb", email).unwrap().contains("different"));
        assert!(weakness("Woaini1314", email).unwrap().contains("common"));
        assert!(weakness("li.wei-2024!", email).unwrap().contains("email"));
    }
}
