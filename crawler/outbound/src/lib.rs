//! The one guard for requests to addresses that a user or a fetched page chose (crawl
//! sources and the links they lead to, webhooks): only public addresses on the web's
//! ports, checked on the URL, on every address its name resolves to, and again on each
//! redirect. The endpoints the operator configures (LLM, payments, SMTP) do not pass here.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
};

use clap::Args;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// What may be reached. The defaults refuse everything but public addresses on 80 and 443.
#[derive(Debug, Clone, Default, Args)]
pub struct OutboundPolicy {
    /// Allow every address and port, loopback and private networks included: for local
    /// development and tests only.
    #[arg(long, env = "PREPQ_OUTBOUND_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub outbound_allow_private: bool,
    /// `host:port` targets allowed whatever they resolve to (an intranet job board, say),
    /// comma-separated.
    #[arg(long, env = "PREPQ_OUTBOUND_ALLOW", value_delimiter = ',')]
    pub outbound_allow: Vec<String>,
}

/// Why a request was not sent, in words for the person who chose the address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("refused: only http and https URLs are fetched, not {0}:")]
    Scheme(String),
    #[error("refused: port {0} is not a web port (80 or 443)")]
    Port(u16),
    #[error("refused: {0} is not a public address")]
    Address(IpAddr),
    #[error("refused: the URL names no host")]
    NoHost,
}

const WEB_PORTS: [u16; 2] = [80, 443];

impl OutboundPolicy {
    /// Everything allowed, as for a development machine.
    pub fn allow_all() -> Self {
        Self {
            outbound_allow_private: true,
            outbound_allow: Vec::new(),
        }
    }

    /// The checks that need no lookup: scheme, port, and the host when it is an address.
    pub fn check_url(&self, url: &Url) -> Result<(), Refused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused::Scheme(url.scheme().to_owned()));
        }
        let host = url.host().ok_or(Refused::NoHost)?;
        let port = url.port_or_known_default().ok_or(Refused::NoHost)?;
        if self.outbound_allow_private || self.is_listed(&host.to_string(), port) {
            return Ok(());
        }
        if !WEB_PORTS.contains(&port) {
            return Err(Refused::Port(port));
        }
        match host {
            Host::Ipv4(ip) => check_address(IpAddr::V4(ip)),
            Host::Ipv6(ip) => check_address(IpAddr::V6(ip)),
            Host::Domain(_) => Ok(()),
        }
    }

    fn is_listed(&self, host: &str, port: u16) -> bool {
        let target = format!("{host}:{port}");
        self.outbound_allow
            .iter()
            .any(|allowed| allowed.trim().eq_ignore_ascii_case(&target))
    }

    fn is_listed_host(&self, host: &str) -> bool {
        self.outbound_allow.iter().any(|allowed| {
            allowed
                .trim()
                .rsplit_once(':')
                .is_some_and(|(h, _)| h.eq_ignore_ascii_case(host))
        })
    }

    /// A client builder whose lookups and redirects pass the policy; add the caller's own
    /// settings (timeouts, user agent) and build.
    pub fn client(&self) -> reqwest::ClientBuilder {
        let policy = Arc::new(self.clone());
        let redirects = policy.clone();
        reqwest::Client::builder()
            .dns_resolver(GuardedResolver(policy))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
                }
                match redirects.check_url(attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(refused) => attempt.error(refused),
                }
            }))
    }
}

const MAX_REDIRECTS: usize = 5;

/// The refusal behind a failed request, if the policy refused it (in a redirect or a
/// lookup, where reqwest wraps it).
pub fn refusal(error: &(dyn std::error::Error + 'static)) -> Option<Refused> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(refused) = e.downcast_ref::<Refused>() {
            return Some(refused.clone());
        }
        cause = e.source();
    }
    None
}

fn check_address(ip: IpAddr) -> Result<(), Refused> {
    if is_public(ip) {
        Ok(())
    } else {
        Err(Refused::Address(ip))
    }
}

/// Not loopback, private, link-local (cloud metadata lives there), shared, unspecified,
/// broadcast, multicast, documentation or benchmarking space; IPv4 inside IPv6 is judged
/// as the IPv4 it carries.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || first == 0x2001 && ip.segments()[1] == 0x0db8
        || first == 0x0064 && ip.segments()[1] == 0xff9b)
}

/// Resolves names and keeps only the addresses the policy allows; a name with none left
/// fails with the refusal of the first.
struct GuardedResolver(Arc<OutboundPolicy>);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if policy.outbound_allow_private || policy.is_listed_host(&host) {
                return Ok(Box::new(found.into_iter()) as Addrs);
            }
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| is_public(a.ip()))
                .collect();
            match (allowed.is_empty(), found.first()) {
                (false, _) => Ok(Box::new(allowed.into_iter()) as Addrs),
                (true, Some(first)) => Err(Box::new(Refused::Address(first.ip())) as _),
                (true, None) => Err(format!("{host} has no address").into()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn internal_addresses_and_odd_ports_are_refused_by_default() {
        let policy = OutboundPolicy::default();
        for refused in [
            "http://127.0.0.1/",
            "http://10.1.2.3/",
            "http://192.168.0.1/",
            "http://172.16.5.4/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[fd00:ec2::254]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://example.com:8080/",
            "ftp://example.com/",
            "javascript:alert(1)",
            "file:///etc/passwd",
        ] {
            assert!(policy.check_url(&url(refused)).is_err(), "{refused}");
        }
        for allowed in [
            "https://boards.greenhouse.io/acme",
            "http://93.184.215.14/",
            "https://[2606:4700::1111]/",
        ] {
            assert_eq!(policy.check_url(&url(allowed)), Ok(()), "{allowed}");
        }
    }

    #[test]
    fn a_listed_target_and_the_development_setting_are_let_through() {
        let listed = OutboundPolicy {
            outbound_allow_private: false,
            outbound_allow: vec!["127.0.0.1:4567".into()],
        };
        assert_eq!(listed.check_url(&url("http://127.0.0.1:4567/jobs")), Ok(()));
        assert_eq!(
            listed.check_url(&url("http://127.0.0.1:4568/")),
            Err(Refused::Port(4568))
        );
        assert_eq!(
            listed.check_url(&url("http://127.0.0.1/")),
            Err(Refused::Address(IpAddr::V4(Ipv4Addr::LOCALHOST)))
        );
        let open = OutboundPolicy::allow_all();
        assert_eq!(open.check_url(&url("http://127.0.0.1:9/")), Ok(()));
        assert!(open.check_url(&url("javascript:alert(1)")).is_err());
    }
}
