//! Fixed-window rate limits kept in Redis, so every API instance counts against the same
//! budget. One script call per check: count, start the window, read what is left of it.

use std::{str::FromStr, sync::LazyLock, time::Duration};

use redis::aio::ConnectionManager;
use sha2::{Digest, Sha256};

/// `max` requests per `window`, written `10/15m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub max: u32,
    pub window: Duration,
}

impl FromStr for Quota {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || format!("`{text}` is not a quota like 10/15m (s, m or h)");
        let (max, window) = text.split_once('/').ok_or_else(invalid)?;
        let max: u32 = max.trim().parse().map_err(|_| invalid())?;
        let window = window.trim();
        let split = window.len().saturating_sub(1);
        let (count, unit) = window.split_at(split);
        let count: u64 = count.parse().map_err(|_| invalid())?;
        let secs = match unit {
            "s" => count,
            "m" => count * 60,
            "h" => count * 3600,
            _ => return Err(invalid()),
        };
        if max == 0 || secs == 0 {
            return Err(invalid());
        }
        Ok(Self {
            max,
            window: Duration::from_secs(secs),
        })
    }
}

/// Over the limit: try again after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many requests; try again in {retry_after_secs} s")]
pub struct Limited {
    pub retry_after_secs: u64,
}

static HIT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
        local n = redis.call('INCR', KEYS[1])
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            ttl = tonumber(ARGV[1])
        end
        return {n, ttl}
        ",
    )
});

/// The address a request came from: the peer, or behind a trusted proxy the last hop of
/// `X-Forwarded-For` (the one the proxy itself added).
pub fn client_ip(req: &poem::Request, trust_forwarded_for: bool) -> String {
    let forwarded = trust_forwarded_for
        .then(|| req.header("x-forwarded-for"))
        .flatten()
        .and_then(|hops| hops.rsplit(',').next())
        .map(str::trim)
        .filter(|hop| !hop.is_empty());
    match forwarded {
        Some(hop) => hop.to_owned(),
        None => req
            .remote_addr()
            .as_socket_addr()
            .map_or_else(|| "unknown".to_owned(), |addr| addr.ip().to_string()),
    }
}

/// Counts one request of `what` by `who` (an address, an account) against `quota`.
/// Redis being down lets the request through: a login outage is worse than a short
/// spell without limits, and argon2's cost still slows guessing.
pub async fn hit(
    redis: &ConnectionManager,
    what: &str,
    who: &str,
    quota: Quota,
) -> Result<(), Limited> {
    // Hashed, so addresses and emails are not readable in Redis.
    let digest = Sha256::digest(who.as_bytes());
    let key = format!("prepq:rl:{what}:{}", hex::encode(&digest[..16]));
    let mut redis = redis.clone();
    let counted: Result<(u64, u64), _> = HIT
        .key(key)
        .arg(quota.window.as_millis() as u64)
        .invoke_async(&mut redis)
        .await;
    match counted {
        Ok((count, ttl_ms)) if count > u64::from(quota.max) => {
            metrics::counter!("prepq_rate_limited_total", "limit" => what.to_owned()).increment(1);
            Err(Limited {
                retry_after_secs: ttl_ms.div_ceil(1000).max(1),
            })
        }
        Ok(_) => Ok(()),
        Err(e) => {
            tracing::warn!(error = %e, what, "rate limit not checked: Redis unavailable");
            metrics::counter!("prepq_rate_limit_unchecked_total").increment(1);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_parse_with_units_and_refuse_nonsense() {
        assert_eq!(
            "10/15m".parse(),
            Ok(Quota {
                max: 10,
                window: Duration::from_secs(900)
            })
        );
        assert_eq!(
            "5/1h".parse::<Quota>().unwrap().window,
            Duration::from_secs(3600)
        );
        assert_eq!("3/30s".parse::<Quota>().unwrap().max, 3);
        for bad in [
            "", "10", "10/", "/5m", "0/5m", "10/0s", "10/5d", "x/5m", "10/m",
        ] {
            assert!(bad.parse::<Quota>().is_err(), "{bad}");
        }
    }
}
